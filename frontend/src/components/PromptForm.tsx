import { useId, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { toApiError } from "../api/client";
import {
  LIMITS,
  type AspectRatio,
  type Enhancement,
  type GenerateRequest,
  type ModelInfo,
} from "../api/types";
import {
  buildRequest,
  controlsFor,
  DEFAULT_SETTINGS,
  invalidSettings,
  randomSeed,
  supportCount,
  type Settings,
} from "../controls";
import { loadDraft, saveDraft } from "../history";
import { humanizeCodes, noticeFor, splitEnhancementNote, type Notice } from "../messages";

export { parseBounded } from "../controls";

/** Where the job shown below the form stands: nothing shown, running, or ended. */
export type RunState = "idle" | "running" | "finished";

interface Props {
  /** `POST /generate` is under way. */
  busy: boolean;
  onGenerate: (request: GenerateRequest) => void;
  enhance: (prompt: string) => Promise<Enhancement>;
  onNotice: (notice: Notice | null) => void;
  run?: RunState;
  onCancel?: () => void;
  cancelling?: boolean;
  /** Results are shown below: the form shrinks to a prompt bar. */
  compact?: boolean;
  /** The configured models (`GET /models`), null until known: which controls to offer. */
  models?: ModelInfo[] | null;
  /** The prompt of the generation shown, filling an untouched prompt box. */
  shownPrompt?: string | null;
  /** What to start from (Reuse prompt); the form is remounted for each. */
  initial?: { prompt: string; settings: Settings } | null;
}

/** Characters as the API counts them (code points, surrounding space ignored). */
export function promptLength(prompt: string): number {
  return [...prompt.trim()].length;
}

export function PromptForm({
  busy,
  onGenerate,
  enhance,
  onNotice,
  run = "idle",
  onCancel,
  cancelling = false,
  compact = false,
  models = null,
  shownPrompt = null,
  initial = null,
}: Props) {
  const id = useId();
  // null: untouched, showing the generation below (or nothing).
  const [typed, setTyped] = useState<string | null>(() => initial?.prompt ?? (loadDraft() || null));
  const [original, setOriginal] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [enhancing, setEnhancing] = useState(false);
  const [settings, setSettings] = useState<Settings>(initial?.settings ?? DEFAULT_SETTINGS);
  const [open, setOpen] = useState(
    () => initial !== null && JSON.stringify(initial.settings) !== JSON.stringify(DEFAULT_SETTINGS),
  );

  const prompt = typed ?? shownPrompt ?? "";
  const controls = controlsFor(models);
  const invalid = invalidSettings(settings, controls);
  const length = promptLength(prompt);
  const tooLong = length > LIMITS.promptChars;
  const promptReady = length > 0 && !tooLong;
  const running = run === "running";
  const canGenerate = promptReady && invalid.size === 0 && !busy && !running;
  const again = run === "finished" && shownPrompt !== null && prompt.trim() === shownPrompt;

  const setPrompt = (value: string) => {
    setTyped(value);
    saveDraft(value);
  };
  const change = <K extends keyof Settings>(key: K, value: Settings[K]) =>
    setSettings((old) => ({ ...old, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!canGenerate) return;
    onGenerate(buildRequest(prompt, settings, controls));
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
      const { prompt: enhanced, note: aside } = splitEnhancementNote(result.enhanced);
      if (enhanced !== result.original) {
        setOriginal(prompt);
        setPrompt(enhanced);
        setNote(aside);
      }
      if (result.warning) {
        onNotice({
          tone: "warning",
          title: "The prompt was not enhanced.",
          detail: humanizeCodes(result.warning),
        });
      }
    } catch (error) {
      onNotice(noticeFor(toApiError(error), new Date(), "enhance"));
    } finally {
      setEnhancing(false);
    }
  };
  const undo = () => {
    if (original === null) return;
    setPrompt(original);
    setOriginal(null);
    setNote(null);
  };

  let primary: ReactNode;
  if (running) {
    primary = (
      <button
        type="button"
        className="button-danger"
        onClick={onCancel}
        disabled={cancelling || !onCancel}
      >
        {cancelling ? "Cancelling…" : "Cancel"}
      </button>
    );
  } else {
    primary = (
      <button type="submit" className="button-primary" disabled={!canGenerate}>
        {busy ? "Starting…" : again ? "Run again" : "Generate"}
      </button>
    );
  }

  return (
    <form
      className={compact ? "prompt-form prompt-form-compact" : "prompt-form"}
      onSubmit={submit}
      aria-label="New generation"
    >
      <label htmlFor={`${id}-prompt`} className={compact ? "visually-hidden" : "label"}>
        Prompt
      </label>
      <textarea
        id={`${id}-prompt`}
        className="prompt-input"
        value={prompt}
        rows={compact ? 1 : 4}
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
            {note && <span className="preview-note"> · Note: {note}</span>}
          </span>
        )}
      </div>
      <div className="actions prompt-actions">
        <button
          type="button"
          className="button-quiet"
          aria-expanded={open}
          aria-controls={`${id}-advanced`}
          onClick={() => setOpen((shown) => !shown)}
        >
          Advanced
        </button>
        <button
          type="button"
          className="button-secondary"
          onClick={() => void runEnhance()}
          disabled={!promptReady || enhancing || busy || running}
        >
          {enhancing ? "Enhancing…" : "Enhance"}
        </button>
        {primary}
      </div>
      <div id={`${id}-advanced`} className="advanced-fields" hidden={!open}>
        {controls.aspectRatios.length > 0 && (
          <div className="field">
            <label htmlFor={`${id}-ratio`} className="label">
              Aspect ratio
            </label>
            <select
              id={`${id}-ratio`}
              value={settings.aspectRatio}
              onChange={(event) => change("aspectRatio", event.target.value as AspectRatio | "")}
            >
              <option value="">Each model's default</option>
              {controls.aspectRatios.map((ratio) => (
                <option key={ratio} value={ratio}>
                  {ratio}
                </option>
              ))}
            </select>
            <span className="hint">The nearest a model supports is used</span>
          </div>
        )}
        {controls.seed && (
          <div className="field">
            <label htmlFor={`${id}-seed`} className="label">
              Seed
            </label>
            <div className="seed-row">
              <input
                id={`${id}-seed`}
                type="number"
                inputMode="numeric"
                min={LIMITS.seed.min}
                max={LIMITS.seed.max}
                step={1}
                value={settings.seed}
                placeholder="random"
                aria-invalid={invalid.has("seed")}
                aria-describedby={`${id}-seed-hint`}
                onChange={(event) => change("seed", event.target.value)}
              />
              <button
                type="button"
                className="button-secondary"
                aria-label="Roll a random seed"
                title="Roll a random seed"
                onClick={() => change("seed", String(randomSeed()))}
              >
                <DiceIcon />
              </button>
            </div>
            <span
              id={`${id}-seed-hint`}
              className={invalid.has("seed") ? "hint hint-error" : "hint"}
            >
              {invalid.has("seed")
                ? `Must be 0 to ${LIMITS.seed.max}, whole number`
                : (supportCount(models, "seed") ?? "Empty: a new one each time")}
            </span>
          </div>
        )}
        {controls.negativePrompt && (
          <div className="field field-wide">
            <label htmlFor={`${id}-negative`} className="label">
              Negative prompt
            </label>
            <input
              id={`${id}-negative`}
              type="text"
              value={settings.negativePrompt}
              placeholder="blurry, text, watermark"
              aria-invalid={invalid.has("negativePrompt")}
              aria-describedby={`${id}-negative-hint`}
              onChange={(event) => change("negativePrompt", event.target.value)}
            />
            <span
              id={`${id}-negative-hint`}
              className={invalid.has("negativePrompt") ? "hint hint-error" : "hint"}
            >
              {invalid.has("negativePrompt")
                ? `At most ${LIMITS.negativePromptChars} characters`
                : (supportCount(models, "negativePrompt") ?? "What the image should not show")}
            </span>
          </div>
        )}
        {controls.steps && (
          <NumberField
            id={`${id}-steps`}
            label="Steps"
            hint={`${LIMITS.steps.min} to ${LIMITS.steps.max}, whole number`}
            support={supportCount(models, "steps")}
            value={settings.steps}
            step={1}
            min={LIMITS.steps.min}
            max={LIMITS.steps.max}
            invalid={invalid.has("steps")}
            onChange={(value) => change("steps", value)}
          />
        )}
        {controls.guidance && (
          <NumberField
            id={`${id}-guidance`}
            label="Guidance"
            hint={`${LIMITS.guidance.min} to ${LIMITS.guidance.max}`}
            support={supportCount(models, "guidance")}
            value={settings.guidance}
            step={0.5}
            min={LIMITS.guidance.min}
            max={LIMITS.guidance.max}
            invalid={invalid.has("guidance")}
            onChange={(value) => change("guidance", value)}
          />
        )}
      </div>
    </form>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  hint: string;
  support: string | null;
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
  support,
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
        {invalid ? `Must be ${hint}` : support ? `${hint} · ${support}` : hint}
      </span>
    </div>
  );
}

/** A die showing five, drawn inline so that no emoji font is needed. */
function DiceIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <rect
        x="1.5"
        y="1.5"
        width="17"
        height="17"
        rx="4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
      />
      {[
        [6, 6],
        [14, 6],
        [10, 10],
        [6, 14],
        [14, 14],
      ].map(([cx, cy]) => (
        <circle key={`${cx}-${cy}`} cx={cx} cy={cy} r="1.6" fill="currentColor" />
      ))}
    </svg>
  );
}
