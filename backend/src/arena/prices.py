"""The price per image the arena shows (``priceUsd`` in ``GET /models`` and the leaderboard).

One small seam over the spend-control work's prices: a configured model's own price (the
registry's resolution: MODEL_N_PRICE_USD, else the catalogue's, else the provider's, else
DEFAULT_PRICE_USD) when the model carries one; for a model that is no longer configured, the
catalogue row's or the provider row's price. ``local`` costs 0. None when nothing is known.
"""

from __future__ import annotations

from typing import Any

from models.catalogue import find_entry
from models.providers import Provider, row_for
from models.types import ModelConfig


def _usd(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def price_usd(provider: str, model_id: str) -> float | None:
    """USD per image at the model's default size from the catalogue or the provider table."""
    row = row_for(provider)
    if row.provider is Provider.LOCAL:
        return 0.0
    entry = find_entry(model_id, str(row.provider))
    catalogue = getattr(entry, "price", None)
    for value in (
        getattr(catalogue, "usd", None),
        getattr(entry, "price_usd", None),
        getattr(row, "price_usd", None),
    ):
        if _usd(value) is not None:
            return _usd(value)
    return None


def model_price_usd(model: ModelConfig) -> float | None:
    """A configured model's price: its own resolved price when it has one."""
    own = _usd(getattr(model, "price_usd", None))
    return own if own is not None else price_usd(model.provider, model.model_id)
