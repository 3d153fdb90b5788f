import type { Usage } from "../api/types";
import { formatUsd } from "../messages";

/** "Today $1.20 of $10.00": the deployment's spend (and what running jobs reserved) against
 * its daily ceiling. */
export function spendText(usage: Usage): string {
  const spent = formatUsd(usage.spentUsd);
  const reserved = usage.reservedUsd > 0 ? ` (+${formatUsd(usage.reservedUsd)} running)` : "";
  return usage.limitUsd === null
    ? `Today ${spent}${reserved}, no daily limit`
    : `Today ${spent}${reserved} of ${formatUsd(usage.limitUsd)}`;
}

export function SpendMeter({ usage }: { usage: Usage | null }) {
  if (!usage) return null;
  const share =
    usage.limitUsd && usage.limitUsd > 0
      ? Math.min(1, (usage.spentUsd + usage.reservedUsd) / usage.limitUsd)
      : null;
  return (
    <p className="spend" title="What this deployment has spent on image models today (UTC)">
      <span className="spend-text">{spendText(usage)}</span>
      {share !== null && (
        <meter
          className="spend-meter"
          min={0}
          max={1}
          low={0.7}
          high={0.9}
          optimum={0}
          value={share}
          aria-hidden="true"
        />
      )}
    </p>
  );
}
