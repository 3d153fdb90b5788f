import type { LeaderboardEntry } from "./api/types";

/** The rating range every confidence bar is drawn against, padded a little. */
export function ratingScale(models: LeaderboardEntry[]): { min: number; max: number } | null {
  const bounds = models.flatMap((model) =>
    model.ci95 ? model.ci95 : model.rating !== null ? [model.rating] : [],
  );
  if (bounds.length === 0) return null;
  const low = Math.min(...bounds);
  const high = Math.max(...bounds);
  const pad = Math.max(10, (high - low) * 0.05);
  return { min: low - pad, max: high + pad };
}

/** Where `value` falls on the scale, in percent of the bar's width. */
export function percentOn(value: number, scale: { min: number; max: number }): number {
  if (scale.max === scale.min) return 50;
  return Math.min(100, Math.max(0, ((value - scale.min) / (scale.max - scale.min)) * 100));
}

/** "62%"; "—" with no decided vote. */
export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)}%`;
}
