"""The price per image the arena shows (``priceUsd`` in ``GET /models`` and the leaderboard).

One small seam: prices belong to the catalogue and provider table (the spend-control work adds
them there); until a model has one this answers None, and ``local`` costs 0.
"""

from __future__ import annotations

from models.catalogue import find_entry
from models.providers import Provider, row_for


def price_usd(provider: str, model_id: str) -> float | None:
    """USD per image at the model's default size, or None when no price is known."""
    row = row_for(provider)
    if row.provider is Provider.LOCAL:
        return 0.0
    entry = find_entry(model_id, str(row.provider))
    for source in (entry, row):
        value = getattr(source, "price_usd", None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None
