"""The configured models: MODEL_N_* settings resolved into ``ModelConfig`` objects for a date.

``ModelRegistry.from_settings(settings, today=None)`` keeps the settings and resolves them for
any date: ``models_on(today)`` (and ``get_model_by_index(index, today)``,
``get_prompt_model(today)``) answer what is called on that day. Retirement is therefore decided
when a job runs, not when the container starts: the job path passes the date from its injected
clock, so a container started the day before a shutdown calls the successor from the shutdown
day on. Without a date the registry's build date is used. Resolutions are cached per date.

Each ``ModelSettings`` is resolved so:

* provider: MODEL_N_PROVIDER when it names a provider of the provider table
  (``models.providers``); an unknown value is a warning and the provider is detected instead.
  Without it, the catalogue's provider of MODEL_N_MODEL_ID (when that id is a known one), else
  ``detect_provider(name, key)`` (``models.detection``).
* model id: MODEL_N_MODEL_ID when set, always, even a retired one (which is warned about);
  otherwise the catalogue's resolution of the name (``models.catalogue``). A name that maps to
  a retired model calls the successor and says so in a warning naming MODEL_N_NAME; when the
  successor belongs to another provider (every Imagen model is now a Gemini model, Nova
  Canvas is Stable Diffusion 3.5 on Bedrock) the model's provider changes with it, even when
  MODEL_N_PROVIDER was set: the retired provider API has nothing left to call.
* region: MODEL_N_REGION, except for a remapped model, which is called where its successor
  is offered (the successor provider's default region): MODEL_N_REGION named the retired
  model's region. MODEL_N_MODEL_ID pins model and region both.
* key and base URL are carried through unchanged.
* price per image: ``models.pricing.price_for`` (MODEL_N_PRICE_USD, the catalogue's price
  column, the provider's own price such as 0 for ``local``, else DEFAULT_PRICE_USD, with a
  warning naming the model, kept apart in ``price_warnings``).

Models keep their MODEL_N index, so gaps stay gaps and two models with the same name are two
models. PROMPT_MODEL_INDEX names the model /enhance uses; when no model has that index the
registry warns and uses the first configured model rather than disabling prompt enhancement.

Warnings (for the build date) are collected in ``warnings`` and logged once, when the registry
is built. Neither the warnings nor ``repr`` ever contain a key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from config import ModelSettings, Settings
from models.catalogue import NO_DATE_PUBLISHED, find_entry, find_unmapped, resolve_model_id
from models.detection import detect_provider
from models.pricing import job_estimate, price_for, to_usd
from models.providers import PROVIDERS, Provider, parse_provider
from models.types import ModelConfig

log = logging.getLogger(__name__)


class ModelRegistry:
    """Read-only lookups over the configured models, for a given date."""

    def __init__(
        self,
        models: Iterable[ModelConfig],
        prompt_model_index: int = 1,
        warnings: Iterable[str] = (),
        sources: Sequence[ModelSettings] = (),
        today: date | None = None,
        *,
        price_warnings: Iterable[str] = (),
        default_price_usd: float = 0.10,
    ) -> None:
        """``models`` as resolved on ``today``; with ``sources`` (the settings they came from)
        the registry can resolve them again for any other date."""
        self._models = tuple(sorted(models, key=lambda model: model.index))
        self._sources = tuple(sources)
        self._today = today or datetime.now(UTC).date()
        self._prompt_model_index = prompt_model_index
        self._by_date: dict[date, tuple[ModelConfig, ...]] = {self._today: self._models}
        self._lock = threading.Lock()
        found = list(warnings)
        prompt = self._prompt(self._models)
        if prompt is not None and prompt.index != prompt_model_index:
            found.append(
                f"PROMPT_MODEL_INDEX={prompt_model_index} names no configured model; "
                f"using model {prompt.index} ('{prompt.name}') for prompt enhancement"
            )
        self._warnings = tuple(found)
        self._price_warnings = tuple(price_warnings)
        self._default_price = default_price_usd
        for warning in (*self._warnings, *self._price_warnings):
            log.warning(warning)

    @classmethod
    def from_settings(cls, settings: Settings, today: date | None = None) -> ModelRegistry:
        today = today or datetime.now(UTC).date()
        warnings: list[str] = []
        unpriced: list[str] = []
        models = [
            _resolve(model, today, warnings, settings.default_price_usd, unpriced)
            for model in settings.models
        ]
        return cls(
            models,
            settings.prompt_model_index,
            warnings,
            settings.models,
            today,
            price_warnings=unpriced,
            default_price_usd=settings.default_price_usd,
        )

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings

    @property
    def price_warnings(self) -> tuple[str, ...]:
        """One line per model whose price is unknown and counted at DEFAULT_PRICE_USD."""
        return self._price_warnings

    def estimated_cost_usd(self, today: date | None = None) -> float:
        """What one job (every configured model, one image each) is expected to cost."""
        return to_usd(job_estimate(self.models_on(today)))

    def models_on(self, today: date | None = None) -> tuple[ModelConfig, ...]:
        """Every configured model as called on ``today`` (default: the build date)."""
        if today is None or not self._sources:
            return self._models
        with self._lock:
            models = self._by_date.get(today)
            if models is None:
                resolved = [
                    _resolve(source, today, [], self._default_price, []) for source in self._sources
                ]
                models = tuple(sorted(resolved, key=lambda model: model.index))
                self._by_date[today] = models
        return models

    def get_model_by_index(self, index: int, today: date | None = None) -> ModelConfig | None:
        return next((m for m in self.models_on(today) if m.index == index), None)

    def get_prompt_model(self, today: date | None = None) -> ModelConfig | None:
        return self._prompt(self.models_on(today))

    def get_all_models(self, today: date | None = None) -> tuple[ModelConfig, ...]:
        return self.models_on(today)

    def _prompt(self, models: Sequence[ModelConfig]) -> ModelConfig | None:
        by_index = {model.index: model for model in models}
        return by_index.get(self._prompt_model_index) or (models[0] if models else None)

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        models = ", ".join(f"{m.index}:{m.name!r}->{m.provider}/{m.model_id}" for m in self._models)
        return f"ModelRegistry([{models}])"


def _guess_provider(settings: ModelSettings) -> Provider:
    """The catalogue's provider of an explicit, known MODEL_N_MODEL_ID, else the name's."""
    known = find_entry(settings.model_id) if settings.model_id else None
    return known.provider if known else detect_provider(settings.name, settings.key)


def _when(retired_on: date | None) -> str:
    if retired_on is None or retired_on == NO_DATE_PUBLISHED:
        return "no date published"
    return retired_on.isoformat()


def _resolve(
    settings: ModelSettings,
    today: date,
    warnings: list[str],
    default_price_usd: float = 0.10,
    unpriced: list[str] | None = None,
) -> ModelConfig:
    variable = f"MODEL_{settings.index}"
    name = settings.name
    provider = parse_provider(settings.provider)
    if settings.provider is not None and provider is None:
        warnings.append(
            f"{variable}_PROVIDER={settings.provider!r} is not a known provider "
            f"({', '.join(sorted(PROVIDERS))}); using '{_guess_provider(settings)}' instead"
        )
    provider = provider or _guess_provider(settings)
    region = settings.region

    if settings.model_id:
        model_id = settings.model_id
        known = find_entry(model_id)
        if known and known.retired(on=today):
            warnings.append(
                f"{variable}_MODEL_ID={model_id!r} is a retired model "
                f"({_when(known.retired_on)}); it is called as set (its successor is "
                f"{known.successor_model_id})"
            )
    else:
        unmapped = find_unmapped(name, provider)
        resolution = resolve_model_id(name, provider, today)
        model_id = resolution.model_id
        if unmapped is not None:
            warnings.append(
                f"{variable}_NAME {name!r} names {unmapped.name}, which this service does not "
                f"call ({unmapped.reason}); calling {model_id} (see the catalogue)"
            )
        if resolution.retired_from:
            when = (
                f"retired {resolution.retired_on.isoformat()}"
                if resolution.retired_on
                else f"no longer available ({resolution.note or 'no retirement date published'})"
            )
            moved = "" if resolution.provider == provider else f" (provider {resolution.provider})"
            successor_region = PROVIDERS[resolution.provider].default_region
            if region and region != successor_region:
                moved += (
                    f" in {successor_region or 'its provider default region'}, "
                    f"not {variable}_REGION={region}"
                )
            warnings.append(
                f"{variable}_NAME {name!r} maps to {resolution.retired_from}, {when}; calling "
                f"{model_id}{moved} instead (set {variable}_MODEL_ID to choose)"
            )
            provider = resolution.provider
            # None lets the handler use the successor provider's default region itself.
            region = successor_region if region else None
        elif resolution.retires_on:
            entry = find_entry(model_id)
            successor = entry.successor_model_id if entry else None
            warnings.append(
                f"{variable}_NAME {name!r} maps to {model_id}, which retires "
                f"{resolution.retires_on.isoformat()}; from then on the registry calls "
                f"{successor} instead (set {variable}_MODEL_ID to choose)"
            )
    price = price_for(provider, model_id, settings.price_usd, default_price_usd)
    if price.origin == "default" and unpriced is not None:
        unpriced.append(
            f"{variable} ({model_id} on {provider}) has no known price; each image is counted "
            f"at DEFAULT_PRICE_USD=${default_price_usd:g} (set {variable}_PRICE_USD)"
        )
    return ModelConfig(
        index=settings.index,
        name=name,
        provider=provider,
        model_id=model_id,
        key=settings.key,
        base_url=settings.base_url,
        region=region,
        price_usd=price.usd,
    )
