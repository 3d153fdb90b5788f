"""Well-known model names and the provider model id each one means, with retirements.

This module is data, and the only place retirement facts live (ids, dates, successors,
sources): handler docstrings and the README point here. ``CATALOGUE`` lists ``CatalogueEntry``
rows; a name that matches no row means its provider's ``default_model_id`` (the provider table,
``models.providers``). ``resolve_model_id(name, provider, today)`` is pure (``today`` is passed
in: the registry passes the date a job runs) and answers a ``Resolution``. ``UNMAPPED`` records
models that exist but are deliberately not mapped, and why.

Matching: an entry matches when one of its ``aliases`` (or its ``model_id`` itself) occurs in
the name as whole tokens, with the rules of ``models.detection`` (case, punctuation, ``3.0`` =
``3``; ``gemini 2`` does not match ``Gemini 2.5``). Only entries of the given provider are
considered, and the longest matching alias wins, so ``DALL-E 2`` beats ``DALL-E``.

Retirement has one rule, ``CatalogueEntry.retired(on=today)``: true when ``retired_on`` is
today or earlier. ``NO_DATE_PUBLISHED`` marks a model that is already gone although its
provider published no date. A retired entry is replaced by its ``successor_model_id``;
successors are followed until a live entry is reached, and the successor may belong to another
provider (every Imagen model now resolves to Gemini, Nova Canvas to Stable Diffusion 3.5 on
Bedrock); ``Resolution.provider`` says which. An entry with a successor and ``retired_on=None``
is deprecated but still served (no shutdown announced): a name that means it calls it, without
a warning, but a remap never lands on it, it goes on to the recommended successor. An entry
whose ``retired_on`` is still ahead is called as is, with the date in ``Resolution.retires_on``.
``MODEL_N_MODEL_ID`` bypasses all of this (the registry's rule, see ``models.registry``).

Facts as of 2026-11-26, from these sources (public pages; dates are the providers' shutdown
dates unless noted):

OpenAI
- dall-e-2, dall-e-3 shut down 2026-05-12: https://developers.openai.com/api/docs/deprecations,
  https://developers.openai.com/api/docs/models/dall-e-3 ("Shut down"), OpenAI's notice quoted
  in https://github.com/AndraxDev/speak-gpt/issues/158.
- gpt-image-1 shut down 2026-10-23: https://dev.to/importstatic/every-openai-model-shutdown-date-
  until-january-2027-and-what-replaces-it-1dfk (copied from the deprecations page 2026-10-15),
  https://github.com/diillson/chatcli/issues/1364.
- gpt-image-1.5 (and -2025-12-16), gpt-image-1-mini, chatgpt-image-latest shut down 2026-12-01,
  recommended replacement gpt-image-2.6-sunburst or gpt-image-2.6-flare: the deprecations
  page above (notice 2026-06-02).
- gpt-image-2 (snapshot gpt-image-2-2026-04-21): https://developers.openai.com/api/docs/models/
  gpt-image-2; gpt-image-2.5-flare/-sunburst released 2026-09-08:
  https://docs.apiyi.com/en/news/gpt-image-2-5-launch.md; gpt-image-2.6-flare/-sunburst
  released 2026-11-04: https://developers.openai.com/api/docs/models/gpt-image-2.6-sunburst,
  https://vercel.com/ai-gateway/models/gpt-image-2.6-sunburst. The default and every
  successor is gpt-image-2.6-flare: OpenAI's recommended replacement, and the faster of the
  two 2.6 models (one image must fit in MODEL_TIMEOUT_SECONDS).

Google Gemini and Imagen
- https://ai.google.dev/gemini-api/docs/deprecations and
  https://ai.google.dev/gemini-api/docs/changelog: gemini-2.5-flash-image-preview shut down
  2026-01-15; gemini-3.1-flash-image-preview and gemini-3-pro-image-preview 2026-06-25
  (replaced by the GA gemini-3.1-flash-image and gemini-3-pro-image, 2026-05-28);
  gemini-2.5-flash-image 2026-10-02; gemini-3.1-flash-lite-image GA 2026-06-30;
  gemini-nano-banana-2.1 GA 2026-10-06, when gemini-3.1-flash-image was deprecated with
  "migrate to gemini-nano-banana-2.1" and no date; its shutdown on 2026-10-29 is from one
  third-party snapshot, https://www.skills.sh/jpcaparas/skills/nanobanana. The default is
  gemini-nano-banana-2.1.
- gemini-2.0-flash-preview-image-generation retired 2025-10-31 (third-party notice,
  https://docs.gptproto.com/docs/api/gemini/gemini-2.5-flash-image-preview/official-format/
  image-to-image); gemini-2.0-flash-exp-image-generation was gone by 2025-09 with no published
  date (https://github.com/ShmuelRonen/ComfyUI-Gemini_Flash_2.0_Exp/issues/40).
- Imagen: all Imagen 4 models shut down 2026-08-17, across the Gemini API and Vertex AI
  (changelog 2026-06-15; https://firebase.google.com/docs/ai-logic/imagen-models-migration;
  Google's e-mail in https://github.com/lelandg/ImageAI/issues/17 maps imagen-4.0-* to
  gemini-3.1-flash-image, Ultra to gemini-3-pro-image); imagen-3.0-generate-002 shut down
  2025-11-10 (https://github.com/jmylchreest/tinct/pull/10, quoting the deprecations page);
  https://ai.google.dev/gemini-api/docs/imagen: "Imagen models are shut down".

Amazon Bedrock
- amazon.nova-canvas-v1:0: Legacy 2026-03-30, end of life 2026-09-30, no Amazon successor:
  https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html as quoted in
  https://github.com/aws-samples/generative-ai-use-cases/issues/1553 and
  https://github.com/stdapi-ai/stdapi.ai/issues/93; AWS's own samples moved to Stability on
  Bedrock (https://github.com/aws-samples/generative-ai-ml-latam-samples/pull/109), so Nova
  Canvas resolves to stability.sd3-5-large-v1:0 (provider bedrock_sd).
- stability.sd3-5-large-v1:0 (Stable Diffusion 3.5 Large; Stability models on Bedrock are served
  in us-west-2): https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-
  3-5-large.html; stability.stable-image-core-v1:1 active in 2026 (stdapi issue above);
  stability.stable-diffusion-xl-v1 end of life 2025-05-20 (AWS notice quoted in
  https://github.com/aws-samples/document-translation/issues/110); the v1:0 Stable Image Core,
  Stable Image Ultra and SD3 Large ids were removed in 2025 (no date published:
  https://github.com/epam/ai-dial-adapter-bedrock/issues/322).

Stability AI API (v2beta Stable Image API)
- sd3.5-large, sd3.5-large-turbo, sd3.5-medium, stable-image-core, stable-image-ultra:
  https://platform.stability.ai/docs/api-reference, https://docs.litellm.ai/docs/providers/
  stability (2026-10). The v1 API (the only one serving SDXL,
  stable-diffusion-xl-1024-v1-0) is deprecated in favour of v2beta, and the SD3.0 ids were
  retired in 2025, neither with a published date (https://prismix.dev/guides/
  stability-ai-not-working; this repo's stability handler).

Black Forest Labs
- FLUX.2 endpoints /v1/flux-2-pro, -max, -flex, -klein-4b, -klein-9b:
  https://skills.sh/black-forest-labs/skills/bfl-api; FLUX.1 flux-pro-1.1,
  flux-pro-1.1-ultra, flux-pro, flux-dev still callable, FLUX.2 recommended for new work
  (https://docs.apiyi.com/api-capabilities/flux/historical-versions). No retirement dates.
- FLUX 3: not mapped (see ``UNMAPPED``).

Amazon Nova 2
- Nova 2 Omni: not mapped (see ``UNMAPPED``).

Recraft
- recraftv3, recraftv4, recraftv4_1 (V4.1 newest; V4 "still a dependable default"):
  https://www.recraft.ai/docs/recraft-models/introduction.md,
  https://docs.comfy.org/es/built-in-nodes/RecraftV4TextToImageNode.md.

Open-weights models behind an OpenAI-compatible endpoint (MODEL_N_BASE_URL)
- tencent/HunyuanImage-3.0 (https://github.com/Tencent-Hunyuan/HunyuanImage-3.0),
  Qwen/Qwen-Image (Hugging Face ids; hosts name them differently, e.g. qwen-image-2.0 on
  DashScope: https://docs.crazyrouter.com/images/qwen). These defaults are hints: set
  MODEL_N_MODEL_ID to your host's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.detection import compact, contains, tokens
from models.providers import (
    PROVIDERS,
    STABILITY_RATIOS,
    Capabilities,
    Provider,
    parse_provider,
    row_for,
)

NO_DATE_PUBLISHED = date.min
"""``retired_on`` of a model that is already gone although its provider published no date."""


@dataclass(frozen=True)
class Price:
    """What one image at the model's default size (1024x1024, or the provider's 1K / 1 MP)
    costs in USD, where that figure was read and when. Token-billed models carry the cost of
    one default-size image at the quality this service requests."""

    usd: float
    source: str
    checked: date


@dataclass(frozen=True)
class CatalogueEntry:
    """One provider model id and the display names that mean it.

    ``retired_on``: the provider's shutdown date (``NO_DATE_PUBLISHED``: gone, date unknown;
    None: no shutdown announced). ``successor_model_id``: what replaces it once retired (with
    ``retired_on=None``: the provider's recommended replacement of a deprecated model).
    """

    aliases: tuple[str, ...]
    provider: Provider
    model_id: str
    retired_on: date | None = None
    successor_model_id: str | None = None
    note: str = ""
    price: Price | None = None
    """USD per image at the default size, with its source (None: unknown, see pricing)."""

    def retired(self, on: date) -> bool:
        """The one retirement rule: shut down on or before ``on`` (and something replaces it)."""
        return (
            self.successor_model_id is not None
            and self.retired_on is not None
            and self.retired_on <= on
        )

    @property
    def deprecated(self) -> bool:
        """Has a recommended successor but no announced shutdown: still served."""
        return self.successor_model_id is not None and self.retired_on is None

    @property
    def superseded(self) -> bool:
        """Already unavailable although no date was published."""
        return self.successor_model_id is not None and self.retired_on == NO_DATE_PUBLISHED


@dataclass(frozen=True)
class Unmapped:
    """A model that exists but that no name maps to, and why (checked against its sources)."""

    name: str
    aliases: tuple[str, ...]
    provider: Provider
    reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """What a name resolves to: ``model_id`` on ``provider``.

    ``retired_from`` is the retired model id the name mapped to when a successor is called
    instead (``retired_on`` its shutdown date, None when the provider published none).
    ``retires_on`` is set when ``model_id`` itself has an announced shutdown still ahead.
    """

    model_id: str
    provider: Provider
    retired_from: str | None = None
    retired_on: date | None = None
    note: str = ""
    retires_on: date | None = None


_OPENAI_NOW = PROVIDERS[Provider.OPENAI].default_model_id or ""
_GEMINI_NOW = PROVIDERS[Provider.GOOGLE_GEMINI].default_model_id or ""
_BEDROCK_SD_NOW = PROVIDERS[Provider.BEDROCK_SD].default_model_id or ""

# Prices (USD per image at the default size), checked 2026-11-30 with the sources named here.
_PRICES_CHECKED = date(2026, 11, 30)
_OPENAI_TOKENS = (
    "OpenAI image output $30 per 1M tokens (developers.openai.com pricing, as quoted by "
    "apidog.com and docs.laozhang.ai 2026-11-05); no quality is sent, so the high-quality "
    "1024x1024 figure is counted (s-anand.net, 2026-09-26)"
)
_GEMINI_FLASH = "fal.ai/learn/tools/nano-banana-api: token-billed, about $0.040 per 1K image"
_GEMINI_PRO = (
    "Gemini API standard 1K/2K image output, ai.google.dev pricing as quoted by "
    "blog.laozhang.ai (checked 2026-07-01)"
)
_STABILITY = (
    "https://platform.stability.ai/pricing (1 credit = $0.01; developer.puter.com, 2026-06)"
)
_BFL = "https://docs.bfl.ai/quick_start/pricing.md (text-to-image, first megapixel)"
_BFL_FLUX1 = (
    "https://bfl.ai/pricing as summarised by github.com/api-evangelist/black-forest-labs "
    "(plans, 2026-05-08)"
)
_BFL_DEV = "https://flux-1.ai/flux-pro-api-pricing-and-code-examples/ (BFL rate card)"
_RECRAFT = "https://www.recraft.ai/docs/api-reference/pricing (raster image generation)"
_RECRAFT_V4 = _RECRAFT + "; V4 $0.04 per github.com/api-evangelist/recraft"
_BEDROCK = (
    "Bedrock on-demand per image, third-party snapshot skills.sh/stable-image-ultra (2026-04)"
)


def _price(usd: float, source: str) -> Price:
    return Price(usd, source, _PRICES_CHECKED)


CATALOGUE: tuple[CatalogueEntry, ...] = (
    # -- OpenAI -----------------------------------------------------------------------------
    CatalogueEntry(
        ("dall e", "dall e 3"),
        Provider.OPENAI,
        "dall-e-3",
        retired_on=date(2026, 5, 12),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shut DALL-E 3 down on 2026-05-12",
    ),
    CatalogueEntry(
        ("dall e 2",),
        Provider.OPENAI,
        "dall-e-2",
        retired_on=date(2026, 5, 12),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shut DALL-E 2 down on 2026-05-12",
    ),
    CatalogueEntry(
        ("gpt image 1",),
        Provider.OPENAI,
        "gpt-image-1",
        retired_on=date(2026, 10, 23),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shut gpt-image-1 down on 2026-10-23",
    ),
    CatalogueEntry(
        ("gpt image 1 mini",),
        Provider.OPENAI,
        "gpt-image-1-mini",
        retired_on=date(2026, 12, 1),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shuts gpt-image-1-mini down on 2026-12-01",
    ),
    CatalogueEntry(
        ("gpt image 1.5",),
        Provider.OPENAI,
        "gpt-image-1.5",
        retired_on=date(2026, 12, 1),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shuts gpt-image-1.5 down on 2026-12-01",
    ),
    CatalogueEntry(
        ("chatgpt image", "chatgpt image latest"),
        Provider.OPENAI,
        "chatgpt-image-latest",
        retired_on=date(2026, 12, 1),
        successor_model_id=_OPENAI_NOW,
        note="OpenAI shuts chatgpt-image-latest down on 2026-12-01",
    ),
    CatalogueEntry(
        ("gpt image 2",), Provider.OPENAI, "gpt-image-2", price=_price(0.211, _OPENAI_TOKENS)
    ),
    CatalogueEntry(
        ("gpt image 2.5", "gpt image 2.5 flare"),
        Provider.OPENAI,
        "gpt-image-2.5-flare",
        price=_price(0.053, _OPENAI_TOKENS),
    ),
    CatalogueEntry(("gpt image 2.5 sunburst",), Provider.OPENAI, "gpt-image-2.5-sunburst"),
    CatalogueEntry(
        ("gpt image", "gpt image 2.6", "gpt image 2.6 flare", "chatgpt images"),
        Provider.OPENAI,
        "gpt-image-2.6-flare",
        note="OpenAI's current fast image model",
        price=_price(0.053, _OPENAI_TOKENS),
    ),
    CatalogueEntry(("gpt image 2.6 sunburst",), Provider.OPENAI, "gpt-image-2.6-sunburst"),
    # -- Google Gemini ("Nano Banana") ---------------------------------------------------------
    CatalogueEntry(
        ("gemini 2 flash exp image generation",),
        Provider.GOOGLE_GEMINI,
        "gemini-2.0-flash-exp-image-generation",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="gemini-2.5-flash-image",
        note="experimental model, gone by 2025-09 (no date published)",
    ),
    CatalogueEntry(
        ("gemini 2", "gemini 2 flash", "gemini 2 flash image"),
        Provider.GOOGLE_GEMINI,
        "gemini-2.0-flash-preview-image-generation",
        retired_on=date(2025, 10, 31),
        successor_model_id="gemini-2.5-flash-image",
        note="Google retired the Gemini 2.0 image preview on 2025-10-31",
    ),
    CatalogueEntry(
        ("gemini 2.5 flash image preview",),
        Provider.GOOGLE_GEMINI,
        "gemini-2.5-flash-image-preview",
        retired_on=date(2026, 1, 15),
        successor_model_id="gemini-2.5-flash-image",
        note="shut down 2026-01-15",
    ),
    CatalogueEntry(
        ("gemini 2.5", "gemini 2.5 flash", "gemini 2.5 flash image", "nano banana"),
        Provider.GOOGLE_GEMINI,
        "gemini-2.5-flash-image",
        retired_on=date(2026, 10, 2),
        successor_model_id="gemini-3.1-flash-image",
        note="Google shut gemini-2.5-flash-image down on 2026-10-02",
    ),
    CatalogueEntry(
        ("gemini 3.1 flash image preview",),
        Provider.GOOGLE_GEMINI,
        "gemini-3.1-flash-image-preview",
        retired_on=date(2026, 6, 25),
        successor_model_id="gemini-3.1-flash-image",
        note="shut down 2026-06-25",
    ),
    CatalogueEntry(
        ("gemini 3.1", "gemini 3.1 flash image", "nano banana 2"),
        Provider.GOOGLE_GEMINI,
        "gemini-3.1-flash-image",
        successor_model_id=_GEMINI_NOW,
        note="deprecated 2026-10-06 for gemini-nano-banana-2.1; no shutdown date announced",
    ),
    CatalogueEntry(
        ("gemini 3 pro image preview",),
        Provider.GOOGLE_GEMINI,
        "gemini-3-pro-image-preview",
        retired_on=date(2026, 6, 25),
        successor_model_id="gemini-3-pro-image",
        note="shut down 2026-06-25",
    ),
    CatalogueEntry(
        ("gemini 3 pro", "gemini 3 pro image", "nano banana pro"),
        Provider.GOOGLE_GEMINI,
        "gemini-3-pro-image",
        price=_price(0.134, _GEMINI_PRO),
    ),
    CatalogueEntry(
        ("gemini 3.1 flash lite image", "nano banana 2 lite", "nano banana lite"),
        Provider.GOOGLE_GEMINI,
        "gemini-3.1-flash-lite-image",
    ),
    CatalogueEntry(
        ("gemini", "nano banana 2.1", "gemini nano banana 2.1"),
        Provider.GOOGLE_GEMINI,
        _GEMINI_NOW,
        note="Google's current image model (GA 2026-10-06)",
        price=_price(0.04, _GEMINI_FLASH),
    ),
    # -- Google Imagen (every model shut down; successors are Gemini models) -----------------
    CatalogueEntry(
        ("imagen 3", "imagen 3 generate"),
        Provider.GOOGLE_IMAGEN,
        "imagen-3.0-generate-002",
        retired_on=date(2025, 11, 10),
        successor_model_id="imagen-4.0-generate-001",
        note="Google shut Imagen 3 down on 2025-11-10",
    ),
    CatalogueEntry(
        ("imagen 3 generate 001",),
        Provider.GOOGLE_IMAGEN,
        "imagen-3.0-generate-001",
        retired_on=date(2025, 11, 10),
        successor_model_id="imagen-4.0-generate-001",
        note="Google shut Imagen 3 down",
    ),
    CatalogueEntry(
        ("imagen 3 fast",),
        Provider.GOOGLE_IMAGEN,
        "imagen-3.0-fast-generate-001",
        retired_on=date(2025, 11, 10),
        successor_model_id="imagen-4.0-fast-generate-001",
        note="Google shut Imagen 3 down",
    ),
    CatalogueEntry(
        ("imagen", "imagen 4", "imagen 4 generate"),
        Provider.GOOGLE_IMAGEN,
        "imagen-4.0-generate-001",
        retired_on=date(2026, 8, 17),
        successor_model_id="gemini-3.1-flash-image",
        note="Google shut every Imagen model down on 2026-08-17; Gemini image models replace them",
    ),
    CatalogueEntry(
        ("imagen 4 fast",),
        Provider.GOOGLE_IMAGEN,
        "imagen-4.0-fast-generate-001",
        retired_on=date(2026, 8, 17),
        successor_model_id="gemini-3.1-flash-image",
        note="Google shut every Imagen model down on 2026-08-17",
    ),
    CatalogueEntry(
        ("imagen 4 ultra",),
        Provider.GOOGLE_IMAGEN,
        "imagen-4.0-ultra-generate-001",
        retired_on=date(2026, 8, 17),
        successor_model_id="gemini-3-pro-image",
        note="Google shut every Imagen model down on 2026-08-17",
    ),
    # -- Amazon Bedrock: Nova and Stability ---------------------------------------------------
    CatalogueEntry(
        ("nova", "nova canvas", "amazon nova canvas"),
        Provider.BEDROCK_NOVA,
        "amazon.nova-canvas-v1:0",
        retired_on=date(2026, 9, 30),
        successor_model_id=_BEDROCK_SD_NOW,
        note="Nova Canvas reached end of life on Bedrock on 2026-09-30 with no Amazon successor",
    ),
    CatalogueEntry(
        (
            "stable diffusion",
            "stable diffusion 3.5",
            "stable diffusion 3.5 large",
            "sd3.5",
            "sd3.5 large",
            "sd 3.5 large",
        ),
        Provider.BEDROCK_SD,
        _BEDROCK_SD_NOW,
        note="Stability models on Bedrock run in us-west-2",
        price=_price(0.06, _BEDROCK),
    ),
    CatalogueEntry(("stable image core",), Provider.BEDROCK_SD, "stability.stable-image-core-v1:1"),
    CatalogueEntry(
        ("stable image ultra",),
        Provider.BEDROCK_SD,
        "stability.stable-image-ultra-v1:1",
        price=_price(0.08, _BEDROCK),
    ),
    CatalogueEntry(
        ("stability stable image core v1 0",),
        Provider.BEDROCK_SD,
        "stability.stable-image-core-v1:0",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="stability.stable-image-core-v1:1",
        note="removed from Bedrock in 2025 (no date)",
    ),
    CatalogueEntry(
        ("stability stable image ultra v1 0",),
        Provider.BEDROCK_SD,
        "stability.stable-image-ultra-v1:0",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="stability.stable-image-ultra-v1:1",
        note="removed from Bedrock in 2025 (no date)",
    ),
    CatalogueEntry(
        ("sd3 large", "stable diffusion 3 large"),
        Provider.BEDROCK_SD,
        "stability.sd3-large-v1:0",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id=_BEDROCK_SD_NOW,
        note="removed from Bedrock in 2025 (no date)",
    ),
    CatalogueEntry(
        ("sdxl", "stable diffusion xl"),
        Provider.BEDROCK_SD,
        "stability.stable-diffusion-xl-v1",
        retired_on=date(2025, 5, 20),
        successor_model_id=_BEDROCK_SD_NOW,
        note="SDXL reached end of life on Bedrock on 2025-05-20",
    ),
    # -- Stability AI API ---------------------------------------------------------------------
    CatalogueEntry(
        (
            "stable diffusion",
            Provider.STABILITY,
            "stable diffusion 3.5",
            "stable diffusion 3.5 large",
            "sd3.5",
            "sd3.5 large",
            "sd 3.5 large",
        ),
        Provider.STABILITY,
        "sd3.5-large",
        price=_price(0.065, _STABILITY),
    ),
    CatalogueEntry(
        (
            "turbo",
            "stability turbo",
            "stability ai turbo",
            "stable diffusion turbo",
            "stable diffusion 3.5 large turbo",
            "sd3.5 large turbo",
            "sd3.5 turbo",
        ),
        Provider.STABILITY,
        "sd3.5-large-turbo",
        price=_price(0.04, _STABILITY),
    ),
    CatalogueEntry(
        ("stable diffusion 3.5 medium", "sd3.5 medium"),
        Provider.STABILITY,
        "sd3.5-medium",
        price=_price(0.035, _STABILITY),
    ),
    CatalogueEntry(
        ("stable image core", "core"),
        Provider.STABILITY,
        "stable-image-core",
        price=_price(0.03, _STABILITY),
    ),
    CatalogueEntry(
        ("stable image ultra", "ultra"),
        Provider.STABILITY,
        "stable-image-ultra",
        price=_price(0.08, _STABILITY),
    ),
    CatalogueEntry(
        ("sd3", "sd3 large", "stable diffusion 3", "stable diffusion 3 large"),
        Provider.STABILITY,
        "sd3-large",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="sd3.5-large",
        note="Stability retired the SD3.0 models in 2025",
    ),
    CatalogueEntry(
        ("sd3 large turbo", "stable diffusion 3 large turbo"),
        Provider.STABILITY,
        "sd3-large-turbo",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="sd3.5-large-turbo",
        note="Stability retired the SD3.0 models in 2025",
    ),
    CatalogueEntry(
        ("sd3 medium", "stable diffusion 3 medium"),
        Provider.STABILITY,
        "sd3-medium",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="sd3.5-medium",
        note="Stability retired the SD3.0 models in 2025",
    ),
    CatalogueEntry(
        ("sdxl", "stable diffusion xl", "sdxl 1", "stable diffusion xl 1024 v1"),
        Provider.STABILITY,
        "stable-diffusion-xl-1024-v1-0",
        retired_on=NO_DATE_PUBLISHED,
        successor_model_id="sd3.5-large",
        note="SDXL is served only by Stability's deprecated v1 API, not the v2beta API called here",
    ),
    # -- Black Forest Labs --------------------------------------------------------------------
    CatalogueEntry(
        ("black forest pro", "flux pro", "flux 1.1 pro", "flux pro 1.1", "flux1.1 pro"),
        Provider.BFL,
        "flux-pro-1.1",
        note="FLUX.1 generation; FLUX.2 is BFL's current line",
        price=_price(0.04, _BFL_FLUX1),
    ),
    CatalogueEntry(
        (
            "flux ultra",
            "flux pro ultra",
            "flux 1.1 pro ultra",
            "flux pro 1.1 ultra",
            "black forest ultra",
        ),
        Provider.BFL,
        "flux-pro-1.1-ultra",
    ),
    CatalogueEntry(
        ("black forest dev", "flux dev", "flux 1 dev"),
        Provider.BFL,
        "flux-dev",
        price=_price(0.025, _BFL_DEV),
    ),
    CatalogueEntry(("flux 1 pro", "flux pro 1"), Provider.BFL, "flux-pro"),
    CatalogueEntry(
        ("flux kontext", "flux kontext pro", "kontext pro"), Provider.BFL, "flux-kontext-pro"
    ),
    CatalogueEntry(("flux kontext max", "kontext max"), Provider.BFL, "flux-kontext-max"),
    CatalogueEntry(
        ("flux", "black forest", "bfl", "flux 2", "flux 2 pro", "black forest labs"),
        Provider.BFL,
        "flux-2-pro",
        price=_price(0.03, _BFL),
    ),
    CatalogueEntry(
        ("flux 2 max", "flux max"), Provider.BFL, "flux-2-max", price=_price(0.07, _BFL)
    ),
    CatalogueEntry(
        ("flux 2 flex", "flux flex"), Provider.BFL, "flux-2-flex", price=_price(0.05, _BFL)
    ),
    CatalogueEntry(
        ("flux 2 klein", "flux 2 klein 4b", "flux klein"),
        Provider.BFL,
        "flux-2-klein-4b",
        price=_price(0.014, _BFL),
    ),
    CatalogueEntry(
        ("flux 2 klein 9b",), Provider.BFL, "flux-2-klein-9b", price=_price(0.015, _BFL)
    ),
    # -- Recraft --------------------------------------------------------------------------------
    CatalogueEntry(
        ("recraft v3", "recraft 3"), Provider.RECRAFT, "recraftv3", price=_price(0.04, _RECRAFT)
    ),
    CatalogueEntry(
        ("recraft", "recraft v4", "recraft 4"),
        Provider.RECRAFT,
        "recraftv4",
        price=_price(0.04, _RECRAFT_V4),
    ),
    CatalogueEntry(
        ("recraft v4.1", "recraft 4.1"),
        Provider.RECRAFT,
        "recraftv4_1",
        price=_price(0.035, _RECRAFT),
    ),
)

UNMAPPED: tuple[Unmapped, ...] = (
    Unmapped(
        "FLUX 3",
        ("flux 3",),
        Provider.BFL,
        "no /v1/flux-3-* text-to-image endpoint is documented on docs.bfl.ai as of 2026-11-30 "
        "(BFL's own endpoint list names FLUX.2 and FLUX.1 paths only); third-party hosts "
        "describe FLUX 3 as a video model. A name with 'FLUX 3' resolves as any FLUX name "
        "(flux-2-pro) with a warning; set MODEL_N_MODEL_ID once BFL documents the endpoint.",
        (
            "https://skills.sh/black-forest-labs/skills/bfl-api",
            "https://wavespeed.ai/de/flux-3-api",
        ),
    ),
    Unmapped(
        "Amazon Nova 2 Omni",
        ("nova 2 omni", "nova omni", "nova 2"),
        Provider.BEDROCK_NOVA,
        "Nova 2 Omni generates images through the Nova 2 Messages/Converse schema, not the "
        "Nova Canvas TEXT_IMAGE body this service sends, and the Nova 2 guide's model-id table "
        "lists Nova 2 Lite, Sonic and Multimodal Embeddings ids but no Omni id as of "
        "2026-11-30. A 'Nova 2 Omni' name resolves as Nova Canvas (remapped to Stable "
        "Diffusion 3.5 on Bedrock) with a warning.",
        (
            "https://docs.aws.amazon.com/nova/latest/nova2-userguide/core-inference.html",
            "https://docs.aws.amazon.com/nova/latest/nova2-userguide/request-response-schema.html",
        ),
    ),
)


def find_unmapped(name: str, provider: str) -> Unmapped | None:
    """The ``UNMAPPED`` row a name means, for the registry's warning."""
    name_tokens = tokens(name)
    return next(
        (
            row
            for row in UNMAPPED
            if row.provider == provider and any(contains(name_tokens, a) for a in row.aliases)
        ),
        None,
    )


_MAX_SUCCESSORS = 8


def find_entry(model_id: str, provider: str | None = None) -> CatalogueEntry | None:
    """The entry for an exact provider model id (case-insensitive), optionally per provider."""
    wanted = model_id.strip().casefold()
    return next(
        (
            entry
            for entry in CATALOGUE
            if entry.model_id.casefold() == wanted and provider in (None, entry.provider)
        ),
        None,
    )


def match_entry(name: str, provider: str) -> CatalogueEntry | None:
    """The provider's entry whose model id is ``name``, else whose longest alias (or model
    id) occurs in ``name``."""
    exact = find_entry(name, provider)
    if exact is not None:
        return exact
    name_tokens = tokens(name)
    best: tuple[int, CatalogueEntry] | None = None
    for entry in CATALOGUE:
        if entry.provider != provider:
            continue
        for alias in (*entry.aliases, entry.model_id):
            size = len(compact(alias))
            if (best is None or size > best[0]) and contains(name_tokens, alias):
                best = (size, entry)
    return best[1] if best else None


def resolve_model_id(name: str, provider: str, today: date) -> Resolution:
    """The model id ``name`` means on ``provider`` on ``today``, following retirements."""
    known = parse_provider(provider)
    entry = match_entry(name, provider) if known else None
    default_note = ""
    if entry is None:
        default = PROVIDERS[known].default_model_id if known else None
        if known is None or default is None:
            fallback = known or Provider.GENERIC
            return Resolution(name.strip() or fallback, fallback)
        default_note = f"no catalogue entry for this name; the {provider} default"
        entry = find_entry(default, provider)
        if entry is None:
            return Resolution(default, known, note=default_note)
    first = entry
    for _ in range(_MAX_SUCCESSORS):
        moved = entry is not first
        if not (entry.retired(on=today) or (moved and entry.deprecated)):
            break
        successor = find_entry(entry.successor_model_id or "")
        if successor is None:
            break
        entry = successor
    if entry is first:
        upcoming = first.retired_on if first.retired_on and first.retired_on > today else None
        return Resolution(
            first.model_id, first.provider, note=default_note or first.note, retires_on=upcoming
        )
    return Resolution(
        entry.model_id,
        entry.provider,
        retired_from=first.model_id,
        retired_on=None if first.superseded else first.retired_on,
        note=first.note,
    )


_STABILITY_ID_CAPABILITIES = Capabilities(STABILITY_RATIOS, seed=True, negative_prompt=True)
_FLUX_TUNABLE = Capabilities(
    PROVIDERS[Provider.BFL].capabilities.aspect_ratios, seed=True, steps=True, guidance=True
)

MODEL_CAPABILITIES: dict[tuple[Provider, str], Capabilities] = {
    # Stable Image Core and Ultra on Bedrock: prompt, aspect_ratio, output_format, seed only
    # (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-stable-image-core-
    # text-image-request-response.html, ...-stable-ultra-text-image-request-response.html).
    (Provider.BEDROCK_SD, "stability.stable-image-core-v1:1"): Capabilities(
        STABILITY_RATIOS, seed=True
    ),
    (Provider.BEDROCK_SD, "stability.stable-image-ultra-v1:1"): Capabilities(
        STABILITY_RATIOS, seed=True
    ),
    # Stability v2beta: Core and Ultra take negative_prompt and seed but no cfg_scale; the
    # turbo model takes no negative prompt (stability-ai SDK SD3Request; API reference).
    (Provider.STABILITY, "stable-image-core"): _STABILITY_ID_CAPABILITIES,
    (Provider.STABILITY, "stable-image-ultra"): _STABILITY_ID_CAPABILITIES,
    (Provider.STABILITY, "sd3.5-large-turbo"): Capabilities(
        STABILITY_RATIOS, seed=True, guidance=True
    ),
    # FLUX models that take steps and guidance (docs.bfl.ai API reference; bfl_provider).
    (Provider.BFL, "flux-dev"): _FLUX_TUNABLE,
    (Provider.BFL, "flux-pro"): _FLUX_TUNABLE,
    (Provider.BFL, "flux-2-flex"): _FLUX_TUNABLE,
}
"""Models whose controls differ from their provider row's ``capabilities``."""


def capabilities_for(provider: str, model_id: str) -> Capabilities:
    """The generation controls ``model_id`` on ``provider`` honours: its own row in
    ``MODEL_CAPABILITIES`` when it differs, else the provider row's."""
    row = row_for(provider)
    return MODEL_CAPABILITIES.get((row.provider, model_id.strip().lower()), row.capabilities)
