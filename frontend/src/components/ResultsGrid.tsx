import { useState, type ReactNode } from "react";
import type { ApiClient } from "../api/client";
import { viewable, type Card } from "../cards";
import { loadDensity, saveDensity, type Density } from "../history";
import { useNow } from "../hooks/useNow";
import { pairKey, pickPair } from "../voting";
import { ModelCard } from "./ModelCard";
import { SideBySide } from "./SideBySide";
import { Viewer } from "./Viewer";

interface Props {
  cards: Card[];
  prompt: string;
  /** What stays in view above the grid while scrolling (progress, cost). */
  header?: ReactNode;
  /** The job to vote in; null: no voting (a generation reopened without its job). */
  vote?: { api: ApiClient; jobId: string } | null;
}

const DENSITIES: { value: Density; label: string }[] = [
  { value: "small", label: "Small" },
  { value: "medium", label: "Medium" },
  { value: "large", label: "Large" },
];

interface Comparing {
  pair: [Card, Card];
  blind: boolean;
  /** Picked for a blind vote: after voting, offer the next pair. */
  round: boolean;
}

/** One card per model; a finished image opens in the viewer; two can be compared side by side
 * and voted on, blind if the person likes. The tools stay in view with the header. */
export function ResultsGrid({ cards, prompt, header, vote = null }: Props) {
  const [openKey, setOpenKey] = useState<string | null>(null);
  const [density, setDensity] = useState<Density>(() => loadDensity());
  const [blind, setBlind] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [comparing, setComparing] = useState<Comparing | null>(null);
  const [voted, setVoted] = useState<ReadonlySet<string>>(() => new Set());
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(() => new Set());
  const now = useNow(cards.some((card) => card.state === "running"));

  const images = viewable(cards);
  const hiddenNames = blind
    ? new Map(
        cards
          .map((card, i) => [card.key, `Image ${i + 1}`] as const)
          .filter(([key]) => !revealed.has(key)),
      )
    : null;
  const picked = selected
    .map((key) => images.find((card) => card.key === key))
    .filter((card): card is Card => card !== undefined);

  const choose = (density: Density) => {
    setDensity(density);
    saveDensity(density);
  };
  const select = (key: string, on: boolean) =>
    setSelected((keys) =>
      on ? [...keys.filter((k) => k !== key), key].slice(-2) : keys.filter((k) => k !== key),
    );
  const nextRound = () => {
    const pair = pickPair(cards, voted);
    setComparing(pair ? { pair, blind: true, round: true } : null);
  };
  const castVote = vote
    ? (winner: Card, loser: Card, tie: boolean) =>
        vote.api.vote({
          jobId: vote.jobId,
          winner: winner.index!,
          loser: loser.index!,
          ...(tie ? { tie: true } : {}),
        })
    : null;
  const pairVoted = (pair: [Card, Card]) =>
    pair[0].index !== null &&
    pair[1].index !== null &&
    voted.has(pairKey(pair[0].index, pair[1].index));
  const canVote = castVote !== null && images.length >= 2;
  const unvotedLeft = canVote && pickPair(cards, voted, () => 0) !== null;

  return (
    <>
      <div className="results-bar">
        {header}
        {images.length > 0 && (
          <div className="tools">
            <fieldset className="density">
              <legend className="visually-hidden">Image size</legend>
              {DENSITIES.map((option) => (
                <label
                  key={option.value}
                  className={density === option.value ? "chip chip-on" : "chip"}
                >
                  <input
                    type="radio"
                    name="density"
                    value={option.value}
                    checked={density === option.value}
                    onChange={() => choose(option.value)}
                  />
                  {option.label}
                </label>
              ))}
            </fieldset>
            {images.length >= 2 && (
              <>
                <label className="chip">
                  <input
                    type="checkbox"
                    checked={blind}
                    onChange={(event) => setBlind(event.target.checked)}
                  />
                  Blind mode
                </label>
                <button
                  type="button"
                  className="button-secondary"
                  disabled={picked.length !== 2}
                  title={picked.length !== 2 ? "Tick Compare on two images first" : undefined}
                  onClick={() =>
                    setComparing({ pair: [picked[0]!, picked[1]!], blind, round: false })
                  }
                >
                  Side by side{picked.length !== 2 ? ` (${picked.length}/2 picked)` : ""}
                </button>
              </>
            )}
            {canVote && (
              <button
                type="button"
                className="button-secondary"
                disabled={!unvotedLeft}
                onClick={nextRound}
              >
                {unvotedLeft ? "Vote blind" : "Every pair voted"}
              </button>
            )}
          </div>
        )}
      </div>
      <ul className={`grid grid-${density}`} aria-label="Images by model">
        {cards.map((card) => (
          <ModelCard
            key={card.key}
            card={card}
            prompt={prompt}
            now={now}
            hiddenName={hiddenNames?.get(card.key) ?? null}
            onOpen={() => setOpenKey(card.key)}
            {...(images.length >= 2
              ? {
                  selected: selected.includes(card.key),
                  onSelect: (on: boolean) => select(card.key, on),
                }
              : {})}
          />
        ))}
      </ul>
      {openKey !== null && images.some((card) => card.key === openKey) && (
        <Viewer
          cards={images}
          startKey={openKey}
          prompt={prompt}
          hiddenNames={hiddenNames}
          onClose={() => setOpenKey(null)}
        />
      )}
      {comparing && (
        <SideBySide
          pair={comparing.pair}
          prompt={prompt}
          blind={comparing.blind}
          vote={castVote}
          alreadyVoted={pairVoted(comparing.pair)}
          onVoted={() => {
            const [a, b] = comparing.pair;
            if (a.index !== null && b.index !== null) {
              setVoted((old) => new Set(old).add(pairKey(a.index!, b.index!)));
            }
            setRevealed((old) => new Set(old).add(a.key).add(b.key));
          }}
          onNext={comparing.round && pickPair(cards, voted) !== null ? nextRound : null}
          onClose={() => setComparing(null)}
        />
      )}
    </>
  );
}
