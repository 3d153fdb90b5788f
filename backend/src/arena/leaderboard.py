"""The leaderboard document (``GET /leaderboard``), assembled from the tally. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arena.ratings import BOOTSTRAP_ROUNDS, rate
from arena.tally import Tally, median, split_key

RATING_SEED = 20261126
"""Fixed, so the same tally always shows the same intervals."""


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def leaderboard(
    tally: Tally,
    configured: Sequence[tuple[str, str]],
    price_for: Callable[[str, str], float | None],
    rounds: int = BOOTSTRAP_ROUNDS,
) -> dict[str, Any]:
    """``{"totalVotes", "updatedAt", "models": [...]}``, highest rating first.

    ``configured``: (model key, display name) of the models configured now, which are listed
    even without votes (``rating`` and ``ci95`` null) and whose current names are shown; a
    model that has votes but is no longer configured keeps its last name. ``winRate`` counts a
    tie as half a win; ``medianSeconds`` is over the recent voted results of that model.
    """
    ratings = rate(tally.pair_counts(), rounds=rounds, seed=RATING_SEED)
    names = dict(tally.names)
    names.update(dict(configured))
    rows: list[dict[str, Any]] = []
    for key in names:
        provider, model_id = split_key(key)
        wins, losses, ties = tally.record(key)
        votes = wins + losses + ties
        rated = ratings.get(key)
        rows.append(
            {
                "name": names[key],
                "provider": provider,
                "modelId": model_id,
                "rating": _rounded(rated.rating, 1) if rated else None,
                "ci95": [round(rated.ci95[0], 1), round(rated.ci95[1], 1)] if rated else None,
                "wins": wins,
                "losses": losses,
                "ties": ties,
                "votes": votes,
                "winRate": round((wins + ties / 2) / votes, 4) if votes else None,
                "medianSeconds": _rounded(median(tally.seconds.get(key, [])), 2),
                "priceUsd": price_for(provider, model_id),
            }
        )
    rows.sort(key=lambda row: (row["rating"] is None, -(row["rating"] or 0), row["name"]))
    return {"totalVotes": tally.votes, "updatedAt": tally.updated_at, "models": rows}
