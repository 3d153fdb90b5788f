import { useId, useRef, useState, type PointerEvent, type WheelEvent } from "react";
import { toApiError, type ApiClient } from "../api/client";
import { altText, type Card } from "../cards";
import { useDialog } from "../hooks/useDialog";
import { formatDuration, formatUsd, noticeFor, type Notice } from "../messages";
import { RESET, panBy, zoomAt, type View } from "../viewer";
import { shownName } from "../voting";

export type Verdict = "left" | "right" | "tie";

interface Props {
  pair: [Card, Card];
  prompt: string;
  /** Hide the names until the vote is cast. */
  blind: boolean;
  /** Where a vote goes; null: voting is not offered (no job to vote in). */
  vote: ((winner: Card, loser: Card, tie: boolean) => ReturnType<ApiClient["vote"]>) | null;
  /** Already voted on this pair (this session). */
  alreadyVoted: boolean;
  onVoted: () => void;
  /** Offered after a vote in blind mode: another pair. */
  onNext: (() => void) | null;
  onClose: () => void;
}

/** Two images side by side, zoomed and panned together (wheel, drag, or the buttons), with the
 * vote: which is better, or a tie. In blind mode the names show only once the vote is cast. */
export function SideBySide({
  pair,
  prompt,
  blind,
  vote,
  alreadyVoted,
  onVoted,
  onNext,
  onClose,
}: Props) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [view, setView] = useState<View>(RESET);
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<{ verdict: Verdict } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const keepFocusInside = useDialog(dialogRef, closeRef, onClose);
  const [left, right] = pair;
  // A new pair (Next pair) starts afresh in the same dialog, which keeps its history entry.
  const pairId = `${left.key}|${right.key}`;
  const [shownPair, setShownPair] = useState(pairId);
  if (shownPair !== pairId) {
    setShownPair(pairId);
    setOutcome(null);
    setNotice(null);
    setView(RESET);
  }
  const hidden = blind && outcome === null && !alreadyVoted;

  const frameSize = (element: Element) => {
    const box = element.getBoundingClientRect();
    return { width: box.width || 1, height: box.height || 1, box };
  };
  const onWheel = (event: WheelEvent<HTMLDivElement>) => {
    const { width, height, box } = frameSize(event.currentTarget);
    const px = event.clientX - box.left - width / 2;
    const py = event.clientY - box.top - height / 2;
    setView((v) => zoomAt(v, event.deltaY < 0 ? 1.2 : 1 / 1.2, px, py, width, height));
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    drag.current = { x: event.clientX, y: event.clientY };
    event.currentTarget.setPointerCapture?.(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const start = drag.current;
    if (!start) return;
    const { width, height } = frameSize(event.currentTarget);
    drag.current = { x: event.clientX, y: event.clientY };
    setView((v) => panBy(v, event.clientX - start.x, event.clientY - start.y, width, height));
  };
  const zoomButton = (factor: number) => {
    const frame = dialogRef.current?.querySelector(".compare-frame");
    const { width, height } = frame ? frameSize(frame) : { width: 1, height: 1 };
    setView((v) => zoomAt(v, factor, 0, 0, width, height));
  };

  const cast = async (verdict: Verdict) => {
    if (!vote) return;
    setSending(true);
    setNotice(null);
    const [winner, loser] = verdict === "right" ? [right, left] : [left, right];
    try {
      await vote(winner, loser, verdict === "tie");
      setOutcome({ verdict });
      onVoted();
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === "ALREADY_VOTED") {
        setOutcome({ verdict });
        onVoted();
      }
      setNotice(noticeFor(apiError));
    } finally {
      setSending(false);
    }
  };

  const nameOf = (card: Card, position: number) => shownName(card, position, hidden);
  const result =
    outcome === null
      ? null
      : outcome.verdict === "tie"
        ? `Vote recorded: a tie between ${left.model} and ${right.model}.`
        : `Vote recorded: ${(outcome.verdict === "left" ? left : right).model} beat ${
            (outcome.verdict === "left" ? right : left).model
          }.`;
  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;

  return (
    <div className="lightbox-backdrop">
      <div
        ref={dialogRef}
        className="lightbox compare"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={keepFocusInside}
      >
        <div className="lightbox-head">
          <h2 id={titleId}>{hidden ? "Which is better? (blind)" : "Side by side"}</h2>
          <button ref={closeRef} type="button" className="button-quiet" onClick={onClose}>
            Close
          </button>
        </div>
        <div className="compare-panes">
          {pair.map((card, position) => (
            <figure key={card.key} className="compare-pane">
              <div
                className="compare-frame"
                onWheel={onWheel}
                onPointerDown={onPointerDown}
                onPointerMove={onPointerMove}
                onPointerUp={() => (drag.current = null)}
                onPointerCancel={() => (drag.current = null)}
                onDoubleClick={() => setView(RESET)}
              >
                {card.imageUrl && (
                  <img
                    src={card.imageUrl}
                    alt={altText(nameOf(card, position), prompt)}
                    draggable={false}
                    style={{ transform }}
                  />
                )}
              </div>
              <figcaption>
                <strong className="compare-name">{nameOf(card, position)}</strong>
                {!hidden && (
                  <span className="muted">
                    {[
                      card.duration !== null ? formatDuration(card.duration) : null,
                      card.costUsd !== null ? formatUsd(card.costUsd) : null,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                )}
              </figcaption>
            </figure>
          ))}
        </div>
        <div className="actions compare-zoom" aria-label="Zoom both images" role="group">
          <button type="button" className="button-secondary" onClick={() => zoomButton(1.5)}>
            Zoom in
          </button>
          <button type="button" className="button-secondary" onClick={() => zoomButton(1 / 1.5)}>
            Zoom out
          </button>
          <button type="button" className="button-secondary" onClick={() => setView(RESET)}>
            Reset
          </button>
          <span className="muted hint" aria-live="polite">
            {Math.round(view.scale * 100)}% · wheel to zoom, drag to pan, both move together
          </span>
        </div>
        {vote && (
          <div className="actions vote" role="group" aria-label="Your vote">
            {outcome === null && !alreadyVoted ? (
              <>
                <button
                  type="button"
                  className="button-primary"
                  disabled={sending}
                  onClick={() => void cast("left")}
                >
                  {nameOf(left, 0)} is better
                </button>
                <button
                  type="button"
                  className="button-secondary"
                  disabled={sending}
                  onClick={() => void cast("tie")}
                >
                  Tie
                </button>
                <button
                  type="button"
                  className="button-primary"
                  disabled={sending}
                  onClick={() => void cast("right")}
                >
                  {nameOf(right, 1)} is better
                </button>
              </>
            ) : (
              onNext && (
                <button type="button" className="button-primary" onClick={onNext}>
                  Next pair
                </button>
              )
            )}
          </div>
        )}
        <p className="vote-result" role="status">
          {result ?? (alreadyVoted && !outcome ? "You have voted on this pair." : "")}
          {notice && outcome === null && ` ${notice.title} ${notice.detail ?? ""}`}
        </p>
      </div>
    </div>
  );
}
