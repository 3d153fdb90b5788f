import { altText, type Card } from "../cards";
import { controlLabel } from "../controls";
import { ERROR_KIND_TEXT, formatDuration, formatUsd, humanizeCodes } from "../messages";

interface Props {
  card: Card;
  prompt: string;
  /** The current time in ms, for a running card's elapsed time. */
  now: number;
  onOpen: () => void;
  /** Blind mode: the model's name stands hidden behind its position until a vote reveals it. */
  hiddenName: string | null;
  /** Whether the card is picked for side by side; undefined: picking is not offered. */
  selected?: boolean;
  onSelect?: (selected: boolean) => void;
}

export function statusText(card: Card, now: number): string {
  switch (card.state) {
    case "waiting":
      return "Waiting";
    case "running": {
      const started = card.startedAt ? Date.parse(card.startedAt) : Number.NaN;
      const elapsed = Number.isNaN(started) ? 0 : Math.max(0, Math.floor((now - started) / 1000));
      return `Running · ${formatDuration(elapsed)}`;
    }
    case "done":
      return card.duration === null ? "Done" : `Done in ${formatDuration(card.duration)}`;
    case "failed":
      return card.errorKind ? `Failed: ${ERROR_KIND_TEXT[card.errorKind]}` : "Failed";
    case "cancelled":
      return "Cancelled";
  }
}

/** "Ignored: seed, negative prompt", when the model did not honour a control. */
export function ignoredNote(card: Card): string | null {
  return card.ignored.length > 0 ? `Ignored: ${card.ignored.map(controlLabel).join(", ")}` : null;
}

export function ModelCard({ card, prompt, now, onOpen, hiddenName, selected, onSelect }: Props) {
  const name = hiddenName ?? card.model;
  const ignored = ignoredNote(card);
  const error = card.error ? humanizeCodes(card.error) : null;
  return (
    <li className={`card card-${card.state}`} data-state={card.state}>
      <div className="card-frame">
        {card.state === "done" && card.imageUrl ? (
          <button
            type="button"
            className="card-image"
            onClick={onOpen}
            aria-label={`View the ${name} image larger`}
          >
            <img src={card.imageUrl} alt={altText(name, prompt)} />
          </button>
        ) : (
          <div className="card-placeholder" aria-hidden="true">
            {card.state === "running" && <span className="spinner" />}
          </div>
        )}
      </div>
      <div className="card-body">
        <div className="card-title">
          <h3 className="card-model">{name}</h3>
          {card.costUsd !== null && card.state === "done" && (
            <span className="card-cost" title="What this image cost">
              {formatUsd(card.costUsd)}
            </span>
          )}
        </div>
        {card.detail && hiddenName === null && <p className="card-detail">{card.detail}</p>}
        <p className="card-status">{statusText(card, now)}</p>
        {card.state === "failed" && error && <p className="card-error">{error}</p>}
        {ignored && <p className="card-note">{ignored}</p>}
        {onSelect && card.state === "done" && (
          <label className="card-select">
            <input
              type="checkbox"
              checked={selected === true}
              aria-label={`Compare ${name}`}
              onChange={(event) => onSelect(event.target.checked)}
            />
            Compare
          </label>
        )}
      </div>
    </li>
  );
}
