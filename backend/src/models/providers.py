"""The provider table: every fact the rest of the code needs about a provider, in one row.

Detection (``models.detection``) reads the name patterns, in table order; the catalogue
(``models.catalogue``) reads the default model id; the registry reads the provider names;
the handler lookup (``models.handlers``) reads the handler targets; the guard reads
``key_required``; handlers read the default base URL, region and chat model.

Adding a provider is one ``ProviderRow`` here plus one handler module. Adding a column (a price
per image, the generation controls a provider supports) is one field of ``ProviderRow`` with a
default, filled in on the rows that need it.

Handler targets name ``module:function`` and are imported on first use, so a cold start pays
only for the providers a deployment actually calls (the openai and google-genai SDKs cost
seconds); importing this module imports no SDK.

Model ids that retire, and when, are not here: they are catalogue rows (``models.catalogue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

ASPECT_RATIOS: tuple[str, ...] = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
"""The aspect ratios ``POST /generate`` accepts (``aspectRatio``)."""

STABILITY_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
"""Stability's ``aspect_ratio`` values, on its own API and on Bedrock (SD 3.5, Core, Ultra):
platform.stability.ai/docs/api-reference; docs.aws.amazon.com/bedrock/latest/userguide/
model-parameters-diffusion-3-5-large.html."""


@dataclass(frozen=True)
class Capabilities:
    """What a model honours of the user's generation controls (as ``llm`` keeps model options
    beside each model). Data, read by ``GET /models`` and by the handlers themselves, so what
    a model is said to honour and what its handler sends are one fact.

    ``aspect_ratios``: the ratios the provider takes as such (its own list, which may hold
    ratios the API does not offer, such as 4:5); any other requested ratio is sent as the
    nearest of these (``models.handlers.common.nearest_ratio``). ``seed``,
    ``negative_prompt``, ``steps``, ``guidance``: the handler sends them.
    """

    aspect_ratios: tuple[str, ...] = ("1:1",)
    seed: bool = False
    negative_prompt: bool = False
    steps: bool = False
    guidance: bool = False


Pattern = str | tuple[str, ...]
"""A detection phrase, or a tuple of phrases that must all occur (see ``models.detection``)."""


class Provider(StrEnum):
    """A provider API this service can call; the stable strings stored in job documents."""

    BEDROCK_SD = "bedrock_sd"
    BEDROCK_NOVA = "bedrock_nova"
    LOCAL = "local"
    GOOGLE_IMAGEN = "google_imagen"
    GOOGLE_GEMINI = "google_gemini"
    OPENAI = "openai"
    STABILITY = "stability"
    BFL = "bfl"
    RECRAFT = "recraft"
    HUNYUAN = "hunyuan"
    QWEN = "qwen"
    GENERIC = "generic"


@dataclass(frozen=True)
class ProviderRow:
    """One provider.

    ``image_handler``/``text_handler`` are ``module:function`` targets (``text_handler`` None:
    the provider cannot rewrite prompts). ``key_required``: the guard refuses a call when
    MODEL_N_KEY is empty or a placeholder, before any request. ``default_model_id``: the id a
    name that matches no catalogue row means (None: the name itself, for OpenAI-compatible
    servers). ``patterns``: detection phrases. ``default_base_url``: None means the provider's
    SDK default, or (``generic``, ``hunyuan``, ``qwen``) that MODEL_N_BASE_URL is required.
    ``default_region``: Bedrock only. ``text_model_id``: the chat model a text handler calls
    when the configured model is an image model. ``capabilities``: the generation controls its
    models honour (a catalogue row overrides them for a model that differs).
    ``price_usd``: what any image of this
    provider costs when its catalogue row names no price (``local``: 0; None: unknown, see
    ``models.pricing``). ``sdk_modules``: what the handlers import on first call (lazily, to
    keep the API path light), which a worker imports ahead (``models.handlers.preload``).
    """

    provider: Provider
    label: str
    image_handler: str
    text_handler: str | None
    key_required: bool
    default_model_id: str | None
    patterns: tuple[Pattern, ...] = ()
    default_base_url: str | None = None
    default_region: str | None = None
    text_model_id: str | None = None
    sdk_modules: tuple[str, ...] = ()
    capabilities: Capabilities = Capabilities()
    price_usd: float | None = None


_H = "models.handlers."
_STABILITY_WORDS = ("stable diffusion", "stability", "stable image", "sd", "sdxl")
_OPENAI_COMPATIBLE_IMAGE = _H + "generic_provider:generate_image"
_OPENAI_COMPATIBLE_TEXT = _H + "generic_provider:write_text"
_OPENAI_COMPATIBLE = Capabilities(ASPECT_RATIOS)
"""``size`` as WIDTHxHEIGHT, computed for any ratio; nothing else every server knows."""

TABLE: tuple[ProviderRow, ...] = (
    ProviderRow(
        Provider.BEDROCK_SD,
        "Stability on Amazon Bedrock",
        _H + "bedrock_provider:generate_sd_image",
        None,
        key_required=False,  # IAM credentials from the function role
        default_model_id="stability.sd3-5-large-v1:0",
        patterns=tuple(
            (host, word) for host in ("bedrock", "aws", "amazon") for word in _STABILITY_WORDS
        ),
        # Stability models on Bedrock are served in us-west-2 (catalogue sources).
        default_region="us-west-2",
        sdk_modules=("boto3",),
        # SD 3.5 Large (the default); Core and Ultra take no negative prompt (catalogue).
        capabilities=Capabilities(STABILITY_RATIOS, seed=True, negative_prompt=True),
    ),
    ProviderRow(
        Provider.BEDROCK_NOVA,
        "Amazon Nova on Bedrock",
        _H + "bedrock_provider:generate_nova_image",
        None,
        key_required=False,
        default_model_id="amazon.nova-canvas-v1:0",  # retired: the catalogue remaps it
        patterns=("nova", "nova canvas", "amazon nova"),
        default_region="us-east-1",
        sdk_modules=("boto3",),
        # width/height (any ratio), seed, negativeText, cfgScale: Nova Canvas user guide.
        capabilities=Capabilities(ASPECT_RATIOS, seed=True, negative_prompt=True, guidance=True),
    ),
    ProviderRow(
        Provider.LOCAL,
        "local preview",
        _H + "local_provider:generate_image",
        _H + "local_provider:write_text",
        key_required=False,
        default_model_id="local",
        patterns=("local", "local preview"),
        capabilities=Capabilities(ASPECT_RATIOS, seed=True, negative_prompt=True),
        price_usd=0.0,  # drawn on this machine: nothing is billed
    ),
    ProviderRow(
        Provider.GOOGLE_IMAGEN,
        "Google Imagen",
        _H + "imagen_provider:generate_image",
        None,
        key_required=True,
        default_model_id="imagen-4.0-generate-001",  # retired: the catalogue remaps it
        patterns=("imagen",),
        default_base_url="https://generativelanguage.googleapis.com",
        capabilities=Capabilities(("1:1", "3:4", "4:3", "9:16", "16:9")),
    ),
    ProviderRow(
        Provider.GOOGLE_GEMINI,
        "Google Gemini",
        _H + "gemini_provider:generate_image",
        _H + "gemini_provider:write_text",
        key_required=True,
        default_model_id="gemini-nano-banana-2.1",
        patterns=("gemini", "nano banana"),
        default_base_url="https://generativelanguage.googleapis.com",
        # Google's floating alias: pinned Flash ids turn over every few months.
        text_model_id="gemini-flash-latest",
        sdk_modules=("google.genai",),
        # imageConfig.aspectRatio (google-genai ImageConfig; ai.google.dev image generation).
        capabilities=Capabilities(
            ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
        ),
    ),
    ProviderRow(
        Provider.OPENAI,
        "OpenAI",
        _H + "openai_provider:generate_image",
        _H + "openai_provider:write_text",
        key_required=True,
        default_model_id="gpt-image-2.6-flare",
        patterns=("dall e", "gpt image", "chatgpt", "gpt", "openai"),
        default_base_url="https://api.openai.com/v1",
        # OpenAI's cheapest current chat model (https://developers.openai.com/api/docs/models/gpt-6-luna).
        text_model_id="gpt-6-luna",
        sdk_modules=("openai",),
        # size: 1024x1024, 1536x1024, 1024x1536 for every GPT image model (openai_provider).
        capabilities=Capabilities(("1:1", "3:2", "2:3")),
    ),
    ProviderRow(
        Provider.STABILITY,
        "Stability AI",
        _H + "stability_provider:generate_image",
        None,
        key_required=True,
        default_model_id="sd3.5-large",
        patterns=(*_STABILITY_WORDS, "sd3", "sd3.5"),
        default_base_url="https://api.stability.ai",
        # sd3.5-large (the default): cfg_scale; the catalogue narrows turbo, Core and Ultra.
        capabilities=Capabilities(STABILITY_RATIOS, seed=True, negative_prompt=True, guidance=True),
    ),
    ProviderRow(
        Provider.BFL,
        "BFL",
        _H + "bfl_provider:generate_image",
        None,
        key_required=True,
        default_model_id="flux-2-pro",
        patterns=("flux", "black forest", "bfl"),
        default_base_url="https://api.bfl.ai",
        # width/height in multiples of 32 (or aspect_ratio 21:9..9:21) and seed; no negative
        # prompt; steps/guidance on flux-dev, flux-pro and flux-2-flex only (catalogue).
        capabilities=Capabilities(ASPECT_RATIOS, seed=True),
    ),
    ProviderRow(
        Provider.RECRAFT,
        "Recraft",
        _H + "recraft_provider:generate_image",
        None,
        key_required=True,
        default_model_id="recraftv4",
        patterns=("recraft", "recraftv"),  # model ids: recraftv3, recraftv4
        default_base_url="https://external.api.recraft.ai/v1",
        sdk_modules=("openai",),
        # size as w:h, V3 and V4 (https://www.recraft.ai/docs/api-reference/appendix).
        capabilities=Capabilities(
            ("1:1", "2:1", "1:2", "3:2", "2:3", "4:3", "3:4", "5:4", "4:5", "16:9", "9:16")
        ),
    ),
    ProviderRow(
        Provider.HUNYUAN,
        "the hunyuan endpoint",
        _OPENAI_COMPATIBLE_IMAGE,
        _OPENAI_COMPATIBLE_TEXT,
        key_required=False,
        default_model_id="tencent/HunyuanImage-3.0",
        patterns=("hunyuan",),
        sdk_modules=("openai",),
        capabilities=_OPENAI_COMPATIBLE,
    ),
    ProviderRow(
        Provider.QWEN,
        "the qwen endpoint",
        _OPENAI_COMPATIBLE_IMAGE,
        _OPENAI_COMPATIBLE_TEXT,
        key_required=False,
        default_model_id="Qwen/Qwen-Image",
        patterns=("qwen",),
        sdk_modules=("openai",),
        capabilities=_OPENAI_COMPATIBLE,
    ),
    ProviderRow(
        Provider.GENERIC,
        "the generic endpoint",
        _OPENAI_COMPATIBLE_IMAGE,
        _OPENAI_COMPATIBLE_TEXT,
        key_required=False,  # local OpenAI-compatible servers often need none
        default_model_id=None,
        sdk_modules=("openai",),
        capabilities=_OPENAI_COMPATIBLE,
    ),
)
"""Ordered: detection tries rows in this order and the first matching pattern wins, so
Bedrock comes before Stability, and Nova and Imagen before the rest."""

PROVIDERS: Mapping[Provider, ProviderRow] = MappingProxyType({row.provider: row for row in TABLE})
"""The table by provider."""

assert set(PROVIDERS) == set(Provider), "every Provider has exactly one row"


def parse_provider(value: str | None) -> Provider | None:
    """The provider a setting names (case and spaces ignored), or None when it names none."""
    text = (value or "").strip().casefold()
    return Provider(text) if text in PROVIDERS else None


def row_for(provider: str) -> ProviderRow:
    """The row of ``provider``; an unknown name gets the ``generic`` row."""
    return PROVIDERS.get(parse_provider(provider) or Provider.GENERIC, PROVIDERS[Provider.GENERIC])
