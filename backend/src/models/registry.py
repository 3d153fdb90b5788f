"""The configured models: MODEL_N_* settings resolved into ``ModelConfig`` objects, once.

``ModelRegistry.from_settings(settings, today=None)`` resolves each ``ModelSettings``:

* provider: MODEL_N_PROVIDER when it names a provider of the handler table (``PROVIDERS``);
  an unknown value is a warning and the provider is detected instead. Without it, the
  catalogue's provider of MODEL_N_MODEL_ID (when that id is a known one), else
  ``detect_provider(name, key)`` (``models.detection``).
* model id: MODEL_N_MODEL_ID when set, always, even a retired one (which is warned about);
  otherwise the catalogue's resolution of the name (``models.catalogue``). A name that maps to
  a retired model calls the successor and says so in a warning naming MODEL_N_NAME; when the
  successor belongs to another provider (every Imagen model is now a Gemini model, Nova
  Canvas is Stable Diffusion 3.5 on Bedrock) the model's provider changes with it, even when
  MODEL_N_PROVIDER was set: the retired provider API has nothing left to call.
* key, base URL and region are carried through unchanged.
* price per image: ``models.pricing.price_for`` (MODEL_N_PRICE_USD, ``local`` free, the
  catalogue's price column, else DEFAULT_PRICE_USD with a warning naming the model).

Models keep their MODEL_N index, so gaps stay gaps and two models with the same name are two
models. PROMPT_MODEL_INDEX names the model /enhance uses; when no model has that index the
registry warns and uses the first configured model rather than disabling prompt enhancement.

Warnings are collected in ``warnings`` and logged once, when the registry is built; models
counted at DEFAULT_PRICE_USD are named apart, in ``price_warnings`` (logged the same way).
Neither the warnings nor ``repr`` ever contain a key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime

from config import ModelSettings, Settings
from models.catalogue import find_entry, resolve_model_id
from models.detection import detect_provider
from models.handlers import PROVIDERS
from models.pricing import price_for, to_micros, to_usd
from models.types import ModelConfig

log = logging.getLogger(__name__)


class ModelRegistry:
    """Read-only lookups over the configured models."""

    def __init__(
        self,
        models: Iterable[ModelConfig],
        prompt_model_index: int = 1,
        warnings: Iterable[str] = (),
        price_warnings: Iterable[str] = (),
    ) -> None:
        self._models = tuple(sorted(models, key=lambda model: model.index))
        self._by_index = {model.index: model for model in self._models}
        found = list(warnings)
        self._prompt_model = self._by_index.get(prompt_model_index)
        if self._prompt_model is None and self._models:
            first = self._models[0]
            self._prompt_model = first
            found.append(
                f"PROMPT_MODEL_INDEX={prompt_model_index} names no configured model; "
                f"using model {first.index} ('{first.name}') for prompt enhancement"
            )
        self._warnings = tuple(found)
        self._price_warnings = tuple(price_warnings)
        for warning in (*self._warnings, *self._price_warnings):
            log.warning(warning)

    @classmethod
    def from_settings(cls, settings: Settings, today: date | None = None) -> ModelRegistry:
        today = today or datetime.now(UTC).date()
        warnings: list[str] = []
        unpriced: list[str] = []
        models = [
            _price(_resolve(model, today, warnings), model, settings.default_price_usd, unpriced)
            for model in settings.models
        ]
        return cls(models, settings.prompt_model_index, warnings, unpriced)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings

    @property
    def price_warnings(self) -> tuple[str, ...]:
        """One line per model whose price is unknown and counted at DEFAULT_PRICE_USD."""
        return self._price_warnings

    def estimated_cost_usd(self) -> float:
        """What one job (every configured model, one image each) is expected to cost."""
        return to_usd(sum(to_micros(model.price_usd) for model in self._models))

    def get_model_by_index(self, index: int) -> ModelConfig | None:
        return self._by_index.get(index)

    def get_prompt_model(self) -> ModelConfig | None:
        return self._prompt_model

    def get_all_models(self) -> tuple[ModelConfig, ...]:
        return self._models

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        models = ", ".join(f"{m.index}:{m.name!r}->{m.provider}/{m.model_id}" for m in self._models)
        return f"ModelRegistry([{models}])"


def _guess_provider(settings: ModelSettings) -> str:
    """The catalogue's provider of an explicit, known MODEL_N_MODEL_ID, else the name's."""
    known = find_entry(settings.model_id) if settings.model_id else None
    return known.provider if known else detect_provider(settings.name, settings.key)


def _price(
    model: ModelConfig, settings: ModelSettings, default_usd: float, unpriced: list[str]
) -> ModelConfig:
    """``model`` with its price per image (``models.pricing``); unknown prices are named."""
    price = price_for(model.provider, model.model_id, settings.price_usd, default_usd)
    if price.origin == "default":
        variable = f"MODEL_{settings.index}"
        unpriced.append(
            f"{variable} ({model.model_id} on {model.provider}) has no known price; each image "
            f"is counted at DEFAULT_PRICE_USD=${default_usd:g} (set {variable}_PRICE_USD)"
        )
    return replace(model, price_usd=price.usd)


def _resolve(settings: ModelSettings, today: date, warnings: list[str]) -> ModelConfig:
    variable = f"MODEL_{settings.index}"
    name = settings.name
    provider = settings.provider
    if provider is not None and provider not in PROVIDERS:
        warnings.append(
            f"{variable}_PROVIDER={provider!r} is not a known provider "
            f"({', '.join(sorted(PROVIDERS))}); using {_guess_provider(settings)!r} instead"
        )
        provider = None
    provider = provider or _guess_provider(settings)

    if settings.model_id:
        model_id = settings.model_id
        known = find_entry(model_id)
        if (
            known
            and known.successor_model_id
            and (known.retired_on is None or known.retired_on <= today)
        ):
            when = known.retired_on.isoformat() if known.retired_on else "no date published"
            warnings.append(
                f"{variable}_MODEL_ID={model_id!r} is a retired model ({when}); it is called "
                f"as set (its successor is {known.successor_model_id})"
            )
    else:
        resolution = resolve_model_id(name, provider, today)
        model_id = resolution.model_id
        if resolution.retired_from:
            when = (
                f"retired {resolution.retired_on.isoformat()}"
                if resolution.retired_on
                else f"no longer available ({resolution.note or 'no retirement date published'})"
            )
            moved = "" if resolution.provider == provider else f" (provider {resolution.provider})"
            warnings.append(
                f"{variable}_NAME {name!r} maps to {resolution.retired_from}, {when}; calling "
                f"{model_id}{moved} instead (set {variable}_MODEL_ID to choose)"
            )
            provider = resolution.provider
        elif resolution.retires_on:
            entry = find_entry(model_id)
            successor = entry.successor_model_id if entry else None
            warnings.append(
                f"{variable}_NAME {name!r} maps to {model_id}, which retires "
                f"{resolution.retires_on.isoformat()}; from then on the registry calls "
                f"{successor} instead (set {variable}_MODEL_ID to choose)"
            )
    return ModelConfig(
        index=settings.index,
        name=name,
        provider=provider,
        model_id=model_id,
        key=settings.key,
        base_url=settings.base_url,
        region=settings.region,
    )
