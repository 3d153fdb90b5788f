import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { toApiError } from "../api/client";
import { LIMITS, type Enhancement, type GenerateRequest } from "../api/types";
import { noticeFor, type Notice } from "../messages";

interface Props {
  busy: boolean;
  onGenerate: (request: GenerateRequest) => void;
  enhance: (prompt: string) => Promise<Enhancement>;
  onNotice: (notice: Notice | null) => void;
}

/** Characters as the API counts them (code points, surrounding space ignored). */
export function promptLength(prompt: string): number {
  return [...prompt.trim()].length;
}

/** The number in `raw` if it lies within [min, max] (whole if `integer`), else null. */
export function parseBounded(
  raw: string,
  min: number,
  max: number,
  integer: boolean,
): number | null {
  if (raw.trim() === "") return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) return null;
  if (integer && !Number.isInteger(value)) return null;
  return value;
}

export function PromptForm({ busy, onGenerate, enhance, onNotice }: Props) {
  const id = useId();
  const [prompt, setPrompt] = useState("");
  const [original, setOriginal] = useState<string | null>(null);
  const [enhancing, setEnhancing] = useState(false);
  const [steps, setSteps] = useState(String(LIMITS.steps.default));
  const [guidance, setGuidance] = useState(String(LIMITS.guidance.default));

  const length = promptLength(prompt);
  const tooLong = length > LIMITS.promptChars;
  const stepsValue = parseBounded(steps, LIMITS.steps.min, LIMITS.steps.max, true);
  const guidanceValue = parseBounded(guidance, LIMITS.guidance.min, LIMITS.guidance.max, false);
  const promptReady = length > 0 && !tooLong;
  const canGenerate = promptReady && stepsValue !== null && guidanceValue !== null && !busy;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!canGenerate) return;
    onGenerate({ prompt: prompt.trim(), steps: stepsValue, guidance: guidanceValue });
  };

  const submitOnCtrlEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    }
  };

  const runEnhance = async () => {
    onNotice(null);
    setEnhancing(true);
    try {
      const result = await enhance(prompt.trim());
      if (result.enhanced !== result.original) {
        setOriginal(prompt);
        setPrompt(result.enhanced);
      }
      if (result.warning) {
        onNotice({
          tone: "warning",
          title: "The prompt was not enhanced.",
          detail: result.warning,
        });
      }
    } catch (error) {
      onNotice(noticeFor(toApiError(error)));
    } finally {
      setEnhancing(false);
    }
  };

  const undo = () => {
    if (original === null) return;
    setPrompt(original);
    setOriginal(null);
  };

  return (
    <form className="prompt-form" onSubmit={submit} aria-label="New generation">
      <label htmlFor={`${id}-prompt`} className="label">
        Prompt
      </label>
      <textarea
        id={`${id}-prompt`}
        className="prompt-input"
        value={prompt}
        rows={4}
        placeholder="A lighthouse at dusk, oil painting"
        aria-describedby={`${id}-count`}
        aria-invalid={tooLong}
        onChange={(event) => setPrompt(event.target.value)}
        onKeyDown={submitOnCtrlEnter}
      />
      <div className="prompt-meta">
        <span id={`${id}-count`} className={tooLong ? "count count-over" : "count"}>
          {length} / {LIMITS.promptChars}
          {tooLong && ` (${length - LIMITS.promptChars} too many)`}
        </span>
        {original !== null && (
          <span className="enhanced-note">
            Enhanced: edit it freely, or{" "}
            <button type="button" className="button-link" onClick={undo}>
              undo to the original
            </button>
          </span>
        )}
      </div>

      <details className="advanced">
        <summary>Advanced</summary>
        <div className="advanced-fields">
          <NumberField
            id={`${id}-steps`}
            label="Steps"
            hint={`${LIMITS.steps.min} to ${LIMITS.steps.max}, whole number`}
            value={steps}
            step={1}
            min={LIMITS.steps.min}
            max={LIMITS.steps.max}
            invalid={stepsValue === null}
            onChange={setSteps}
          />
          <NumberField
            id={`${id}-guidance`}
            label="Guidance"
            hint={`${LIMITS.guidance.min} to ${LIMITS.guidance.max}`}
            value={guidance}
            step={0.5}
            min={LIMITS.guidance.min}
            max={LIMITS.guidance.max}
            invalid={guidanceValue === null}
            onChange={setGuidance}
          />
        </div>
      </details>

      <div className="actions">
        <button
          type="button"
          className="button-secondary"
          onClick={() => void runEnhance()}
          disabled={!promptReady || enhancing || busy}
        >
          {enhancing ? "Enhancing…" : "Enhance"}
        </button>
        <button type="submit" className="button-primary" disabled={!canGenerate}>
          {busy ? "Starting…" : "Generate"}
        </button>
      </div>
    </form>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  hint: string;
  value: string;
  step: number;
  min: number;
  max: number;
  invalid: boolean;
  onChange: (value: string) => void;
}

function NumberField({
  id,
  label,
  hint,
  value,
  step,
  min,
  max,
  invalid,
  onChange,
}: NumberFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={value}
        step={step}
        min={min}
        max={max}
        aria-invalid={invalid}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
      />
      <span id={`${id}-hint`} className={invalid ? "hint hint-error" : "hint"}>
        {invalid ? `Must be ${hint}` : hint}
      </span>
    </div>
  );
}
