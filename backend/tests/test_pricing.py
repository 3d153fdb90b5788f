"""Prices per image: the catalogue column, the override, the free local models, the default."""

from __future__ import annotations

from datetime import date

import pytest

from config import load_settings
from models.catalogue import CATALOGUE, find_entry
from models.pricing import price_for, to_micros, to_usd
from models.providers import PROVIDERS, Provider
from models.registry import ModelRegistry

TODAY = date(2026, 11, 30)


def test_catalogue_price_is_used_with_its_source_and_date():
    quote = price_for("stability", "sd3.5-large", None, 0.10)
    assert (quote.usd, quote.origin) == (0.065, "catalogue")
    assert "stability.ai" in quote.source and "2026-11-30" in quote.source


def test_override_wins_even_for_local_and_unknown_models():
    assert price_for("stability", "sd3.5-large", 0.5, 0.10).usd == 0.5
    assert price_for("local", "local", 0.01, 0.10).usd == 0.01
    assert price_for("generic", "my-model", 0.0, 0.10).origin == "override"


def test_local_models_are_free():
    quote = price_for("local", "local", None, 0.10)
    assert (quote.usd, quote.origin) == (0.0, "provider")
    assert price_for("local", "anything", None, 0.10).usd == 0.0


def test_unknown_model_counts_at_the_default():
    quote = price_for("generic", "my-model", None, 0.25)
    assert (quote.usd, quote.origin) == (0.25, "default")


def test_price_is_per_provider():
    """The same id on another provider is another product (and unknown here)."""
    assert price_for("bedrock_sd", "sd3.5-large", None, 0.10).origin == "default"


@pytest.mark.parametrize(
    "provider",
    [Provider.OPENAI, Provider.GOOGLE_GEMINI, Provider.STABILITY, Provider.BFL, Provider.RECRAFT],
)
def test_every_live_default_model_has_a_price(provider):
    entry = find_entry(PROVIDERS[provider].default_model_id or "", provider)
    assert entry is not None and entry.price is not None
    assert 0 < entry.price.usd < 1
    assert entry.price.source and entry.price.checked <= TODAY


def test_prices_are_sane():
    for entry in CATALOGUE:
        if entry.price is not None:
            assert 0 < entry.price.usd < 1, entry.model_id
            assert entry.price.source.strip(), entry.model_id


def test_micros_are_exact():
    assert to_micros(0.1) * 3 == to_micros(0.3)
    assert to_usd(to_micros(0.1) * 3) == 0.3
    assert to_micros(0.065) == 65_000


def test_registry_prices_each_model_and_warns_for_unknown_ones():
    env = {
        "MODEL_1_NAME": "Stability AI Turbo",
        "MODEL_1_PROVIDER": "stability",
        "MODEL_2_NAME": "Unknown Model X",
        "MODEL_3_NAME": "Flux",
        "MODEL_3_PRICE_USD": "0.02",
        "MODEL_4_NAME": "Local Preview",
        "MODEL_4_PROVIDER": "local",
        "DEFAULT_PRICE_USD": "0.2",
    }
    registry = ModelRegistry.from_settings(load_settings(env), today=TODAY)
    prices = [m.price_usd for m in registry.get_all_models()]
    assert prices == [0.04, 0.2, 0.02, 0.0]
    assert registry.estimated_cost_usd() == 0.26
    [warning] = registry.price_warnings
    assert warning.startswith("MODEL_2 (Unknown Model X on generic) has no known price")
    assert "DEFAULT_PRICE_USD=$0.2" in warning and "MODEL_2_PRICE_USD" in warning


def test_default_price_is_ten_cents_and_bad_overrides_are_ignored_with_a_warning():
    settings = load_settings({"MODEL_1_NAME": "Flux", "MODEL_1_PRICE_USD": "cheap"})
    assert settings.default_price_usd == 0.10
    assert settings.models[0].price_usd is None
    assert any("MODEL_1_PRICE_USD='cheap' is not a number" in w for w in settings.warnings)
    negative = load_settings({"MODEL_1_NAME": "Flux", "MODEL_1_PRICE_USD": "-1"})
    assert negative.models[0].price_usd is None and negative.warnings


def test_daily_spend_limit_is_optional():
    assert load_settings({}).daily_spend_limit_usd is None
    assert load_settings({"DAILY_SPEND_LIMIT_USD": "5"}).daily_spend_limit_usd == 5.0
    assert load_settings({"DAILY_SPEND_LIMIT_USD": "lots"}).daily_spend_limit_usd is None
