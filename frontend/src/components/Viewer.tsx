import { useId, useRef, useState, type PointerEvent } from "react";
import { altText, type Card } from "../cards";
import { controlLabel } from "../controls";
import { useDialog } from "../hooks/useDialog";
import { formatDuration, formatUsd } from "../messages";
import { step, swipeDirection } from "../viewer";

interface Props {
  /** The images to step through (finished cards), in grid order. */
  cards: Card[];
  startKey: string;
  prompt: string;
  /** Names hidden (blind mode): card key -> what to call it instead. */
  hiddenNames: Map<string, string> | null;
  onClose: () => void;
}

type CopyState = "idle" | "copied" | "failed";

/** The image's file name, for the download. */
export function fileName(url: string): string {
  const last = new URL(url, window.location.href).pathname.split("/").pop();
  return last ? decodeURIComponent(last) : "image.png";
}

function describe(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "on";
}

/** The job's images, one at a time and large, as a modal dialog: ← / → and swipes step through
 * them; Escape, Close or the browser's Back button end it and focus goes back. */
export function Viewer({ cards, startKey, prompt, hiddenNames, onClose }: Props) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [position, setPosition] = useState(() =>
    Math.max(
      0,
      cards.findIndex((card) => card.key === startKey),
    ),
  );
  const [copy, setCopy] = useState<CopyState>("idle");
  const swipeStart = useRef<{ x: number; y: number } | null>(null);
  const keepFocusInside = useDialog(dialogRef, closeRef, onClose);

  const card = cards[Math.min(position, cards.length - 1)];
  if (!card?.imageUrl) return null;
  const name = hiddenNames?.get(card.key) ?? card.model;
  const go = (delta: number) => setPosition((current) => step(current, delta, cards.length));

  const copyPrompt = async () => {
    try {
      await navigator.clipboard.writeText(prompt);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  };
  const onPointerDown = (event: PointerEvent) => {
    swipeStart.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerUp = (event: PointerEvent) => {
    const start = swipeStart.current;
    swipeStart.current = null;
    if (!start) return;
    const direction = swipeDirection(event.clientX - start.x, event.clientY - start.y);
    if (direction !== 0) go(direction);
  };
  const applied = Object.entries(card.applied);
  const facts = [
    card.duration !== null ? `Done in ${formatDuration(card.duration)}` : null,
    card.costUsd !== null ? `Cost ${formatUsd(card.costUsd)}` : null,
    hiddenNames ? null : card.detail,
  ].filter(Boolean);

  return (
    <div
      className="lightbox-backdrop"
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className="lightbox"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={(event) => {
          if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
            event.preventDefault();
            go(event.key === "ArrowLeft" ? -1 : 1);
          }
          keepFocusInside(event);
        }}
      >
        <div className="lightbox-head">
          <h2 id={titleId}>{name}</h2>
          <span className="muted" aria-live="polite">
            {position + 1} of {cards.length}
          </span>
          <button ref={closeRef} type="button" className="button-quiet" onClick={onClose}>
            Close
          </button>
        </div>
        <div
          className="lightbox-stage"
          onPointerDown={onPointerDown}
          onPointerUp={onPointerUp}
          onPointerCancel={() => (swipeStart.current = null)}
        >
          {cards.length > 1 && (
            <button
              type="button"
              className="stage-nav stage-prev"
              aria-label="Previous image"
              onClick={() => go(-1)}
            >
              ‹
            </button>
          )}
          <img
            className="lightbox-image"
            src={card.imageUrl}
            alt={altText(name, prompt)}
            draggable={false}
          />
          {cards.length > 1 && (
            <button
              type="button"
              className="stage-nav stage-next"
              aria-label="Next image"
              onClick={() => go(1)}
            >
              ›
            </button>
          )}
        </div>
        {facts.length > 0 && <p className="lightbox-facts">{facts.join(" · ")}</p>}
        {(applied.length > 0 || card.ignored.length > 0) && (
          <p className="lightbox-facts">
            {applied.length > 0 &&
              `Applied: ${applied.map(([k, v]) => `${controlLabel(k)} ${describe(v)}`).join(", ")}`}
            {applied.length > 0 && card.ignored.length > 0 && " · "}
            {card.ignored.length > 0 && `Ignored: ${card.ignored.map(controlLabel).join(", ")}`}
          </p>
        )}
        {prompt && <p className="lightbox-prompt">{prompt}</p>}
        <div className="actions">
          <a
            className="button button-secondary"
            href={card.imageUrl}
            download={fileName(card.imageUrl)}
            target="_blank"
            rel="noopener"
          >
            Download
          </a>
          <button type="button" className="button-secondary" onClick={() => void copyPrompt()}>
            Copy prompt
          </button>
          <span className="copy-status" role="status">
            {copy === "copied" && "Prompt copied."}
            {copy === "failed" && "Could not copy: select the prompt above and copy it."}
          </span>
          <span className="muted hint">← / → or swipe for the others</span>
        </div>
      </div>
    </div>
  );
}
