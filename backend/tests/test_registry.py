"""The model registry (MODEL_N_* -> ModelConfig) and the catalogue behind it."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest

from config import MAX_MODELS, load_settings
from models.catalogue import (
    CATALOGUE,
    find_entry,
    match_entry,
    resolve_model_id,
)
from models.providers import PROVIDERS, TABLE, Provider
from models.registry import ModelRegistry
from models.types import ModelConfig

TODAY = date(2026, 11, 26)
SECRET = "sk-live-DO-NOT-LOG-0123456789abcdef"


def registry(env: dict[str, str], today: date = TODAY, secret_keys=None) -> ModelRegistry:
    return ModelRegistry.from_settings(load_settings(env, secret_keys), today=today)


def named(*names: str, **extra: str) -> dict[str, str]:
    env = {f"MODEL_{i}_NAME": name for i, name in enumerate(names, 1)}
    env.update(extra)
    return env


# -- the spec's configuration ------------------------------------------------------------------

SPEC = [
    # name, key, provider, model id, retired model warned about (None: no warning)
    ("DALL-E 3", SECRET, "openai", "gpt-image-2.6-flare", "dall-e-3"),
    ("Gemini 2.0", SECRET, "google_gemini", "gemini-nano-banana-2.1", "gemini-2.0-flash-pre"),
    ("AWS Nova Canvas", "N/A", "bedrock_sd", "stability.sd3-5-large-v1:0", "amazon.nova-canvas"),
    ("Stable Diffusion 3.5 Large", "N/A", "bedrock_sd", "stability.sd3-5-large-v1:0", None),
    ("Black Forest Pro", SECRET, "bfl", "flux-pro-1.1", None),
    ("Imagen 3.0", SECRET, "google_gemini", "gemini-nano-banana-2.1", "imagen-3.0-generate"),
    ("Recraft v3", SECRET, "recraft", "recraftv3", None),
    ("Stability AI Turbo", SECRET, "stability", "sd3.5-large-turbo", None),
    ("Black Forest Dev", SECRET, "bfl", "flux-dev", None),
    ("Flux Pro", SECRET, "bfl", "flux-pro-1.1", None),
    ("Stable Diffusion XL", SECRET, "stability", "sd3.5-large", "stable-diffusion-xl"),
    ("Unknown Model X", SECRET, "generic", "Unknown Model X", None),
]


# USD per image: the catalogue's price column; DEFAULT_PRICE_USD (0.10) where it has none.
SPEC_PRICES = {
    "gpt-image-2.6-flare": 0.053,
    "gemini-nano-banana-2.1": 0.04,
    "stability.sd3-5-large-v1:0": 0.06,
    "flux-pro-1.1": 0.04,
    "recraftv3": 0.04,
    "sd3.5-large-turbo": 0.04,
    "flux-dev": 0.025,
    "sd3.5-large": 0.065,
    "Unknown Model X": 0.10,
}


@pytest.fixture
def spec_registry() -> ModelRegistry:
    env = {"MODEL_COUNT": str(len(SPEC)), "PROMPT_MODEL_INDEX": "1"}
    for index, (name, key, *_rest) in enumerate(SPEC, 1):
        env[f"MODEL_{index}_NAME"] = name
        env[f"MODEL_{index}_KEY"] = key
    return registry(env)


@pytest.mark.parametrize(("index", "row"), list(enumerate(SPEC, 1)))
def test_spec_models_resolve(spec_registry, index, row):
    name, key, provider, model_id, retired = row
    model = spec_registry.get_model_by_index(index)
    price = SPEC_PRICES[model_id]
    assert model == ModelConfig(index, name, provider, model_id, key, price_usd=price)
    mine = [w for w in spec_registry.warnings if w.startswith(f"MODEL_{index}_NAME ")]
    if retired is None:
        assert mine == []
    else:
        assert len(mine) == 1
        assert f"maps to {retired}" in mine[0]
        assert f"calling {model_id}" in mine[0]
        assert f"set MODEL_{index}_MODEL_ID to choose" in mine[0]


def test_spec_registry_is_whole(spec_registry):
    assert len(spec_registry.get_all_models()) == len(SPEC)
    assert spec_registry.get_prompt_model().name == "DALL-E 3"
    assert not any(SECRET in warning for warning in spec_registry.warnings)


# -- counts, gaps and MODEL_COUNT ----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 9, MAX_MODELS])
def test_model_counts(count):
    names = [f"Flux Pro {i}" if i % 2 else f"DALL-E 3 #{i}" for i in range(1, count + 1)]
    reg = registry(named(*names, MODEL_COUNT=str(count)))
    models = reg.get_all_models()
    assert [m.index for m in models] == list(range(1, count + 1))
    assert [m.name for m in models] == names
    assert reg.get_model_by_index(count).name == names[-1]
    assert reg.get_model_by_index(count + 1) is None
    assert reg.get_model_by_index(0) is None


def test_gaps_keep_their_indexes():
    env = {"MODEL_1_NAME": "DALL-E 3", "MODEL_4_NAME": "Flux Pro", "MODEL_20_NAME": "Recraft v3"}
    reg = registry(env)
    assert [m.index for m in reg.get_all_models()] == [1, 4, 20]
    assert reg.get_model_by_index(2) is None
    assert reg.get_model_by_index(4).model_id == "flux-pro-1.1"
    assert reg.get_model_by_index(20).provider == "recraft"


def test_model_count_smaller_than_names():
    reg = registry(named("DALL-E 3", "Flux Pro", "Recraft v3", MODEL_COUNT="2"))
    assert [m.index for m in reg.get_all_models()] == [1, 2]


def test_model_count_larger_than_names():
    settings = load_settings(named("DALL-E 3", "Flux Pro", MODEL_COUNT="4"))
    reg = ModelRegistry.from_settings(settings, today=TODAY)
    assert [m.index for m in reg.get_all_models()] == [1, 2]
    assert any("MODEL_3_NAME" in w for w in settings.warnings)
    # configuration warnings stay in Settings; the registry does not repeat them
    assert not any("MODEL_3_NAME" in w for w in reg.warnings)


def test_no_models():
    reg = registry({})
    assert reg.get_all_models() == ()
    assert reg.get_prompt_model() is None
    assert reg.warnings == ()
    assert len(reg) == 0


# -- the prompt model ----------------------------------------------------------------------------


def test_prompt_model_by_index():
    reg = registry(named("DALL-E 3", "Gemini 2.0", PROMPT_MODEL_INDEX="2"))
    assert reg.get_prompt_model() is reg.get_model_by_index(2)
    assert reg.warnings == tuple(w for w in reg.warnings if "PROMPT_MODEL_INDEX" not in w)


@pytest.mark.parametrize("prompt_index", ["3", "20"])
def test_prompt_index_out_of_range_falls_back_to_first_model(prompt_index):
    reg = registry(named("Flux Pro", "Recraft v3", PROMPT_MODEL_INDEX=prompt_index))
    assert reg.get_prompt_model() is reg.get_model_by_index(1)
    [warning] = [w for w in reg.warnings if "PROMPT_MODEL_INDEX" in w]
    assert warning.startswith(f"PROMPT_MODEL_INDEX={prompt_index} names no configured model")
    assert "model 1 ('Flux Pro')" in warning


def test_prompt_index_in_a_gap_falls_back_to_lowest_index():
    env = {"MODEL_2_NAME": "Recraft v3", "MODEL_5_NAME": "Flux Pro", "PROMPT_MODEL_INDEX": "3"}
    reg = registry(env)
    assert reg.get_prompt_model().index == 2


# -- provider overrides ------------------------------------------------------------------------


def test_valid_provider_override():
    reg = registry(named("House Style", MODEL_1_PROVIDER="OpenAI"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("openai", "gpt-image-2.6-flare")
    assert reg.warnings == ()


def test_provider_override_beats_detection():
    reg = registry(named("Flux Pro", MODEL_1_PROVIDER="generic", MODEL_1_BASE_URL="http://x/v1"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("generic", "Flux Pro")


def test_invalid_provider_override_warns_and_detects():
    reg = registry(named("Black Forest Dev", MODEL_1_PROVIDER="midjourney"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("bfl", "flux-dev")
    [warning] = reg.warnings
    assert warning.startswith("MODEL_1_PROVIDER='midjourney' is not a known provider")
    assert "using 'bfl' instead" in warning


def test_override_for_a_retired_provider_moves_to_the_successor():
    reg = registry(named("Company Imagen", MODEL_1_PROVIDER="google_imagen"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("google_gemini", "gemini-nano-banana-2.1")
    [warning] = reg.warnings
    assert "maps to imagen-4.0-generate-001, retired 2026-08-17" in warning
    assert "(provider google_gemini)" in warning


# -- MODEL_N_MODEL_ID ----------------------------------------------------------------------------


def test_model_id_wins_over_retirement():
    reg = registry(named("DALL-E 3", MODEL_1_MODEL_ID="dall-e-3"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("openai", "dall-e-3")
    [warning] = reg.warnings
    assert warning.startswith("MODEL_1_MODEL_ID='dall-e-3' is a retired model (2026-05-12)")
    assert "called as set" in warning


def test_model_id_wins_over_catalogue():
    reg = registry(named("Black Forest Pro", MODEL_1_MODEL_ID="flux-2-max"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("bfl", "flux-2-max")
    assert reg.warnings == ()


def test_known_model_id_sets_the_provider():
    reg = registry(named("House Favourite", MODEL_1_MODEL_ID="gemini-3-pro-image"))
    assert reg.get_model_by_index(1).provider == "google_gemini"


def test_unknown_model_id_keeps_detected_provider():
    reg = registry(named("Flux Pro", MODEL_1_MODEL_ID="flux-9-experimental"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("bfl", "flux-9-experimental")


def test_model_id_with_provider_override():
    reg = registry(
        named("Mine", MODEL_1_MODEL_ID="gpt-image-2", MODEL_1_PROVIDER="generic"),
    )
    assert reg.get_model_by_index(1).provider == "generic"


# -- retirements and the date ------------------------------------------------------------------


def test_retired_name_calls_successor_with_warning():
    reg = registry(named("DALL-E 3"))
    assert reg.get_model_by_index(1).model_id == "gpt-image-2.6-flare"
    assert reg.warnings == (
        "MODEL_1_NAME 'DALL-E 3' maps to dall-e-3, retired 2026-05-12; calling "
        "gpt-image-2.6-flare instead (set MODEL_1_MODEL_ID to choose)",
    )


def test_before_retirement_the_name_is_called_as_is():
    reg = registry(named("DALL-E 3"), today=date(2026, 5, 11))
    assert reg.get_model_by_index(1).model_id == "dall-e-3"
    [warning] = reg.warnings
    assert "maps to dall-e-3, which retires 2026-05-12" in warning


def test_exact_model_id_as_name():
    reg = registry(named("flux-pro", "dall-e-2"))
    assert reg.get_model_by_index(1).model_id == "flux-pro"
    assert reg.get_model_by_index(2).model_id == "gpt-image-2.6-flare"
    assert "maps to dall-e-2, retired 2026-05-12" in reg.warnings[0]


def test_upcoming_retirement_is_warned_then_applied():
    before = registry(named("GPT Image 1.5"), today=TODAY)
    assert before.get_model_by_index(1).model_id == "gpt-image-1.5"
    [warning] = before.warnings
    assert "MODEL_1_NAME 'GPT Image 1.5' maps to gpt-image-1.5, which retires 2026-12-01" in (
        warning
    )
    after = registry(named("GPT Image 1.5"), today=date(2026, 12, 1))
    assert after.get_model_by_index(1).model_id == "gpt-image-2.6-flare"
    assert "retired 2026-12-01" in after.warnings[0]


def test_successor_on_another_provider():
    reg = registry(named("AWS Nova Canvas", MODEL_1_REGION="us-west-2"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("bedrock_sd", "stability.sd3-5-large-v1:0")
    assert model.region == "us-west-2"
    assert "(provider bedrock_sd)" in reg.warnings[0]


def test_undated_retirement_is_explained():
    reg = registry(named("SD3 Large Turbo", MODEL_1_KEY=SECRET))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("stability", "sd3.5-large-turbo")
    assert "no longer available (Stability retired the SD3.0 models in 2025)" in reg.warnings[0]


def test_default_today_is_used_when_not_given():
    reg = ModelRegistry.from_settings(load_settings(named("Recraft v3")))
    assert reg.get_model_by_index(1).model_id == "recraftv3"


# -- duplicates, keys, pass-through ------------------------------------------------------------


def test_duplicate_names_are_distinct_models():
    reg = registry(named("Flux Pro", "Flux Pro", MODEL_2_MODEL_ID="flux-2-pro"))
    first, second = reg.get_all_models()
    assert (first.index, second.index) == (1, 2)
    assert (first.model_id, second.model_id) == ("flux-pro-1.1", "flux-2-pro")
    assert first != second


def test_no_key_in_repr_or_warnings():
    env = named(
        "DALL-E 3",
        "Stable Diffusion XL",
        "Bogus",
        MODEL_1_KEY=SECRET,
        MODEL_2_KEY=SECRET,
        MODEL_3_KEY=SECRET,
        MODEL_3_PROVIDER="nope",
        PROMPT_MODEL_INDEX="9",
    )
    reg = registry(env)
    assert reg.get_model_by_index(1).key == SECRET
    for model in reg.get_all_models():
        assert SECRET not in repr(model)
        assert SECRET not in str(model)
    assert SECRET not in repr(reg)
    assert SECRET not in str(reg)
    assert reg.warnings and not any(SECRET in w for w in reg.warnings)
    assert "1:'DALL-E 3'->openai/gpt-image-2.6-flare" in repr(reg)


def test_keys_from_the_secret_are_carried():
    reg = registry(named("Flux Pro", "Recraft v3"), secret_keys={"2": SECRET})
    assert reg.get_model_by_index(1).key == ""
    assert reg.get_model_by_index(2).key == SECRET


def test_base_url_and_region_carried_through():
    env = named(
        "Qwen Image",
        "Stable Diffusion 3.5 Large",
        MODEL_1_BASE_URL="https://dashscope.example/v1",
        MODEL_1_MODEL_ID="qwen-image-2.0",
        MODEL_2_KEY="N/A",
        MODEL_2_REGION="us-west-2",
        MODEL_2_BASE_URL="https://bedrock-runtime.us-west-2.amazonaws.com",
    )
    reg = registry(env)
    qwen, bedrock = reg.get_all_models()
    assert (qwen.provider, qwen.model_id, qwen.base_url, qwen.region) == (
        "qwen",
        "qwen-image-2.0",
        "https://dashscope.example/v1",
        None,
    )
    assert (bedrock.provider, bedrock.region, bedrock.base_url) == (
        "bedrock_sd",
        "us-west-2",
        "https://bedrock-runtime.us-west-2.amazonaws.com",
    )


def test_warnings_logged_once_at_construction(caplog):
    env = named("DALL-E 3", "Imagen 4", PROMPT_MODEL_INDEX="7")
    with caplog.at_level(logging.WARNING, logger="models.registry"):
        reg = registry(env)
        reg.get_all_models()
        reg.get_prompt_model()
        _ = reg.warnings
    logged = [r.getMessage() for r in caplog.records if r.name == "models.registry"]
    assert logged == list(reg.warnings)
    assert len(logged) == 3


def test_registry_built_directly():
    model = ModelConfig(3, "Local", "local", "local")
    reg = ModelRegistry([model], prompt_model_index=3)
    assert reg.get_all_models() == (model,)
    assert reg.get_prompt_model() is model


# -- the catalogue itself ------------------------------------------------------------------------


def test_catalogue_providers_are_real():
    assert {entry.provider for entry in CATALOGUE} <= set(Provider)
    for row in TABLE:  # every default id is catalogued, or its provider has no catalogue rows
        if row.default_model_id and any(e.provider == row.provider for e in CATALOGUE):
            assert find_entry(row.default_model_id, row.provider), row.provider


def test_catalogue_model_ids_are_unique():
    ids = [entry.model_id for entry in CATALOGUE]
    assert len(ids) == len(set(ids))


def test_every_successor_is_catalogued():
    for entry in CATALOGUE:
        if entry.successor_model_id:
            assert find_entry(entry.successor_model_id), entry.model_id


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.model_id)
def test_every_entry_resolves_to_a_live_model_today(entry):
    resolution = resolve_model_id(entry.model_id, entry.provider, TODAY)
    live = find_entry(resolution.model_id)
    assert live is not None
    assert live.retired_on is None or live.retired_on > TODAY
    assert not live.superseded
    assert (resolution.retired_from is not None) == (resolution.model_id != entry.model_id)


@pytest.mark.parametrize("provider", sorted(Provider))
def test_every_provider_has_a_model_for_an_unmatched_name(provider):
    resolution = resolve_model_id("Zzyzx", provider, TODAY)
    assert resolution.model_id
    assert resolution.provider in set(Provider)


@pytest.mark.parametrize(
    ("name", "provider", "model_id"),
    [
        ("DALL-E 2", "openai", "dall-e-2"),  # longest alias wins over "dall e"
        ("DALL-E", "openai", "dall-e-3"),
        ("Gemini 2.5 Flash Image", "google_gemini", "gemini-2.5-flash-image"),
        ("Gemini 2.0 Flash", "google_gemini", "gemini-2.0-flash-preview-image-generation"),
        ("Nano Banana 2.1", "google_gemini", "gemini-nano-banana-2.1"),
        ("Nano Banana Pro", "google_gemini", "gemini-3-pro-image"),
        ("Imagen 4 Ultra", "google_imagen", "imagen-4.0-ultra-generate-001"),
        ("imagen-3.0-generate-001", "google_imagen", "imagen-3.0-generate-001"),
        ("Flux 2 Pro", "bfl", "flux-2-pro"),
        ("Flux Pro 1.1 Ultra", "bfl", "flux-pro-1.1-ultra"),
        ("Recraft V4.1", "recraft", "recraftv4_1"),
        ("recraftv3", "recraft", "recraftv3"),
        ("SD3.5 Large", "stability", "sd3.5-large"),
        ("Stable Diffusion XL", "bedrock_sd", "stability.stable-diffusion-xl-v1"),
        ("Stable Image Core", "bedrock_sd", "stability.stable-image-core-v1:1"),
        ("GPT Image 2.6 Sunburst", "openai", "gpt-image-2.6-sunburst"),
    ],
)
def test_catalogue_matching(name, provider, model_id):
    assert match_entry(name, provider).model_id == model_id


def test_no_entry_means_provider_default():
    resolution = resolve_model_id("Something Else", "bfl", TODAY)
    assert (resolution.model_id, resolution.retired_from) == ("flux-2-pro", None)
    assert "default" in resolution.note


def test_generic_uses_the_name():
    assert resolve_model_id("  my-model:latest ", "generic", TODAY).model_id == "my-model:latest"


def test_resolution_chain_crosses_providers():
    resolution = resolve_model_id("Imagen 3", "google_imagen", TODAY)
    assert resolution.model_id == "gemini-nano-banana-2.1"
    assert resolution.provider == "google_gemini"
    assert resolution.retired_from == "imagen-3.0-generate-002"
    assert resolution.retired_on == date(2025, 11, 10)


def test_resolution_depends_on_today():
    early = resolve_model_id("Imagen 4", "google_imagen", date(2026, 8, 16))
    assert (early.model_id, early.provider, early.retires_on) == (
        "imagen-4.0-generate-001",
        "google_imagen",
        date(2026, 8, 17),
    )
    late = resolve_model_id("Imagen 4", "google_imagen", date(2026, 8, 17))
    assert late.provider == "google_gemini"


# -- catalogue corrections -----------------------------------------------------------------------


def test_a_remapped_model_is_called_where_its_successor_is_offered():
    reg = registry(named("Nova Canvas", MODEL_1_REGION="us-east-1"))
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id) == ("bedrock_sd", "stability.sd3-5-large-v1:0")
    assert model.region == "us-west-2"  # Stability on Bedrock, not Nova Canvas's us-east-1
    [warning] = reg.warnings
    assert "in us-west-2, not MODEL_1_REGION=us-east-1" in warning


def test_model_id_pins_model_and_region():
    reg = registry(
        named("Nova Canvas", MODEL_1_REGION="us-east-1", MODEL_1_MODEL_ID="amazon.nova-canvas-v1:0")
    )
    model = reg.get_model_by_index(1)
    assert (model.provider, model.model_id, model.region) == (
        "bedrock_nova",
        "amazon.nova-canvas-v1:0",
        "us-east-1",
    )


@pytest.mark.parametrize("today", [date(2026, 10, 30), TODAY, date(2027, 6, 1)])
def test_gemini_3_1_flash_image_is_deprecated_not_shut_down(today):
    """Google announced no shutdown date for gemini-3.1-flash-image: called, no warning."""
    reg = registry(named("Gemini 3.1 Flash Image", MODEL_1_KEY=SECRET), today=today)
    assert reg.get_model_by_index(1).model_id == "gemini-3.1-flash-image"
    assert reg.warnings == ()
    assert find_entry("gemini-3.1-flash-image").deprecated


def test_a_remap_goes_past_a_deprecated_model_to_the_recommended_one():
    resolution = resolve_model_id("Imagen 4", "google_imagen", TODAY)
    assert resolution.model_id == "gemini-nano-banana-2.1"


def test_resolution_for_the_day_a_job_runs():
    reg = registry(
        named("GPT Image 1.5", "GPT Image 1 Mini", "ChatGPT Image Latest", "Flux Pro"),
        today=date(2026, 11, 30),
    )
    before = [m.model_id for m in reg.get_all_models()]
    after = [m.model_id for m in reg.get_all_models(date(2026, 12, 1))]
    assert before == ["gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest", "flux-pro-1.1"]
    assert after == ["gpt-image-2.6-flare"] * 3 + ["flux-pro-1.1"]
    assert reg.get_model_by_index(2, date(2026, 12, 1)).model_id == "gpt-image-2.6-flare"
    assert reg.get_all_models() == reg.get_all_models(date(2026, 11, 30))


@pytest.mark.parametrize(
    ("name", "provider", "called"),
    [("FLUX 3", "bfl", "flux-2-pro"), ("Amazon Nova 2 Omni", "bedrock_sd", None)],
)
def test_unmapped_models_are_explained(name, provider, called):
    reg = registry(named(name, MODEL_1_KEY=SECRET))
    model = reg.get_model_by_index(1)
    assert model.provider == provider
    if called:
        assert model.model_id == called
    assert any("which this service does not call" in w for w in reg.warnings)


def test_retired_on_is_one_rule():
    entry = find_entry("gpt-image-1.5")
    assert not entry.retired(on=date(2026, 11, 30))
    assert entry.retired(on=date(2026, 12, 1))
    assert find_entry("sd3-large").retired(on=date(2020, 1, 1))  # gone, no date published
    assert not find_entry("gemini-3.1-flash-image").retired(on=date(2099, 1, 1))


# -- the example configurations ------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
KEY_PLACEHOLDERS = {
    "openai": "YOUR-OPENAI-KEY",
    "google_gemini": "YOUR-GOOGLE-API-KEY",
    "google_imagen": "YOUR-GOOGLE-API-KEY",
    "stability": "YOUR-STABILITY-KEY",
    "bfl": "YOUR-BFL-KEY",
    "recraft": "YOUR-RECRAFT-KEY",
}


def test_parameters_example_names_each_providers_own_key():
    params = json.loads((REPO / "backend" / "parameters.example.json").read_text())["Parameters"]
    env = {
        f"MODEL_{i}_{field.upper()}": params[f"Model{i}{field}"]
        for i in range(1, 21)
        for field in ("Name", "Key")
        if params.get(f"Model{i}Name")
    }
    reg = registry(env)
    assert len(reg) == params["ModelCount"]
    for model in reg.get_all_models():
        row = PROVIDERS[model.provider]
        expected = KEY_PLACEHOLDERS[model.provider] if row.key_required else "N/A"
        assert model.key == expected, (model.name, model.provider)
    assert reg.warnings == ()


def test_env_example_uses_no_retired_model():
    lines = (REPO / ".env.example").read_text().splitlines()
    env = dict(
        line.removeprefix("# ").split("=", 1)
        for line in lines
        if re.match(r"^# MODEL_\d+_(NAME|KEY)=", line)
    )
    reg = registry(env)
    assert len(reg) >= 1
    assert reg.warnings == ()  # no retired or retiring model is named
