import type { Card } from "./cards";

/** A pair of result indices in a stable order, to remember which pairs got a vote. */
export function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** Two finished images not yet voted on, in random order (so left is not always the lower
 * index); null when every pair has a vote or fewer than two images are finished. */
export function pickPair(
  cards: Card[],
  voted: ReadonlySet<string>,
  random: () => number = Math.random,
): [Card, Card] | null {
  const done = cards.filter((card) => card.state === "done" && card.index !== null);
  const pairs: [Card, Card][] = [];
  for (let i = 0; i < done.length; i += 1) {
    for (let j = i + 1; j < done.length; j += 1) {
      const [a, b] = [done[i]!, done[j]!];
      if (!voted.has(pairKey(a.index!, b.index!))) pairs.push([a, b]);
    }
  }
  if (pairs.length === 0) return null;
  const pair = pairs[Math.min(pairs.length - 1, Math.floor(random() * pairs.length))]!;
  return random() < 0.5 ? pair : [pair[1], pair[0]];
}

/** What a person sees as a model's name: hidden behind a letter until the vote is cast. */
export function shownName(card: Card, position: number, blind: boolean): string {
  return blind ? `Image ${"AB"[position] ?? position + 1}` : card.model;
}
