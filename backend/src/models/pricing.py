"""What one image of a configured model costs: pure, tested directly.

The figure comes from, in order: ``MODEL_N_PRICE_USD`` (the operator's own rate, e.g. a
negotiated or a self-hosted price); the price column of the model's catalogue row
(``models.catalogue``, with its source and date); the provider's own price column
(``models.providers``: 0 for the built-in ``local`` preview models); else
``DEFAULT_PRICE_USD``, deliberately on the high side, with a start-up warning, so that an
unknown model never makes the daily ceiling look further away than it is.

Money elsewhere in the service is counted in integer micro-dollars (``to_micros``), so sums
and the ceiling are exact; USD floats only appear at the edges (settings, documents, answers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.catalogue import find_entry
from models.providers import row_for

if TYPE_CHECKING:
    from models.types import ModelConfig

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True)
class PriceQuote:
    """``usd`` per image; ``origin`` says where it came from: ``override``, ``catalogue``,
    ``provider`` or ``default`` (the last one is what start-up warns about)."""

    usd: float
    origin: str
    source: str = ""


def price_for(
    provider: str, model_id: str, override_usd: float | None, default_usd: float
) -> PriceQuote:
    """The price of one default-size image of ``model_id`` on ``provider``."""
    if override_usd is not None:
        return PriceQuote(override_usd, "override", "MODEL_N_PRICE_USD")
    entry = find_entry(model_id, provider)
    if entry is not None and entry.price is not None:
        checked = entry.price.checked.isoformat()
        return PriceQuote(entry.price.usd, "catalogue", f"{entry.price.source} ({checked})")
    row = row_for(provider)
    if row.provider == provider and row.price_usd is not None:
        return PriceQuote(row.price_usd, "provider", f"the {row.label} row of the provider table")
    return PriceQuote(default_usd, "default", "DEFAULT_PRICE_USD")


def to_micros(usd: float) -> int:
    """USD to whole micro-dollars (exact integer arithmetic from here on)."""
    return round(usd * MICROS_PER_USD)


def job_estimate(models: Iterable[ModelConfig]) -> int:
    """What a job of ``models`` (one image each) is expected to cost, in micro-dollars: what
    the spend ceiling reserves for it."""
    return sum(to_micros(model.price_usd) for model in models)


def to_usd(micros: int) -> float:
    """Micro-dollars back to USD for documents and answers (6 decimals, no float noise)."""
    return round(micros / MICROS_PER_USD, 6)
