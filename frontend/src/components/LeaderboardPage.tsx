import type { ApiClient } from "../api/client";
import { useLeaderboard } from "../hooks/resources";
import { formatRate, percentOn, ratingScale } from "../leaderboard";
import { formatDuration, formatUsd, noticeFor } from "../messages";
import { StatusBanner } from "./StatusBanner";

/** The deployment's own ranking, from blind votes: rating with its 95% interval drawn as a
 * bar, votes, win rate, median time and price. */
export function LeaderboardPage({ api }: { api: ApiClient }) {
  const board = useLeaderboard(api);
  if (board.error) {
    return (
      <section className="leaderboard" aria-labelledby="leaderboard-title">
        <h2 id="leaderboard-title">Leaderboard</h2>
        <StatusBanner
          notice={
            board.error.status === 404
              ? {
                  tone: "info",
                  title: "This server has no leaderboard yet.",
                  detail: "It needs a version of the API with votes (GET /leaderboard).",
                }
              : noticeFor(board.error)
          }
        />
      </section>
    );
  }
  if (!board.data) return <p className="muted">Loading the leaderboard…</p>;
  const { models, totalVotes, updatedAt } = board.data;
  const scale = ratingScale(models);
  return (
    <section className="leaderboard" aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">Leaderboard</h2>
      <p className="muted">
        {totalVotes} vote{totalVotes === 1 ? "" : "s"} on this deployment
        {updatedAt ? `, last ${new Date(updatedAt).toLocaleString()}` : ""}. Ratings come from a
        Bradley-Terry fit of the blind votes; the bar is the 95% confidence interval.
      </p>
      {models.length === 0 ? (
        <p className="muted">No models yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="leaderboard-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Model</th>
                <th scope="col">Rating</th>
                <th scope="col" className="ci-col">
                  95% interval
                </th>
                <th scope="col">Votes</th>
                <th scope="col">Win rate</th>
                <th scope="col">Median time</th>
                <th scope="col">Price</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model, i) => (
                <tr key={`${model.provider}/${model.modelId}`}>
                  <td>{model.rating === null ? "—" : i + 1}</td>
                  <th scope="row">
                    <span className="lb-name">{model.name}</span>
                    <span className="muted lb-id">
                      {model.provider} · {model.modelId}
                    </span>
                  </th>
                  <td>{model.rating === null ? "no votes yet" : Math.round(model.rating)}</td>
                  <td className="ci-col">
                    {scale && model.ci95 && model.rating !== null ? (
                      <span
                        className="ci"
                        role="img"
                        aria-label={`${Math.round(model.ci95[0])} to ${Math.round(model.ci95[1])}`}
                      >
                        <span
                          className="ci-bar"
                          style={{
                            left: `${percentOn(model.ci95[0], scale)}%`,
                            width: `${Math.max(1, percentOn(model.ci95[1], scale) - percentOn(model.ci95[0], scale))}%`,
                          }}
                        />
                        <span
                          className="ci-dot"
                          style={{ left: `${percentOn(model.rating, scale)}%` }}
                        />
                      </span>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    {model.votes}
                    <span className="muted lb-wlt">
                      {" "}
                      ({model.wins}–{model.losses}–{model.ties})
                    </span>
                  </td>
                  <td>{formatRate(model.winRate)}</td>
                  <td>
                    {model.medianSeconds === null ? "—" : formatDuration(model.medianSeconds)}
                  </td>
                  <td>{model.priceUsd === null ? "—" : formatUsd(model.priceUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
