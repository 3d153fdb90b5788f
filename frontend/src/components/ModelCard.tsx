import { altText, type Card } from "../cards";
import { formatDuration } from "../messages";

interface Props {
  card: Card;
  prompt: string;
  /** The current time in ms, for a running card's elapsed time. */
  now: number;
  onOpen: () => void;
}

function statusText(card: Card, now: number): string {
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
      return "Failed";
  }
}

export function ModelCard({ card, prompt, now, onOpen }: Props) {
  return (
    <li className={`card card-${card.state}`} data-state={card.state}>
      <div className="card-frame">
        {card.state === "done" && card.imageUrl ? (
          <button
            type="button"
            className="card-image"
            onClick={onOpen}
            aria-label={`View the ${card.model} image larger`}
          >
            <img src={card.imageUrl} alt={altText(card.model, prompt)} />
          </button>
        ) : (
          <div className="card-placeholder" aria-hidden="true">
            {card.state === "running" && <span className="spinner" />}
          </div>
        )}
      </div>
      <div className="card-body">
        <h3 className="card-model">{card.model}</h3>
        {card.detail && <p className="card-detail">{card.detail}</p>}
        <p className="card-status">{statusText(card, now)}</p>
        {card.state === "failed" && card.error && <p className="card-error">{card.error}</p>}
      </div>
    </li>
  );
}
