"""Provider detection from display names: table-driven, pure, no I/O."""

from __future__ import annotations

import pytest

from models.detection import PROVIDER_PATTERNS, contains, detect_provider, tokens
from models.providers import Provider

SPEC_NAMES = [
    ("DALL-E 3", None, "openai"),
    ("Gemini 2.0", None, "google_gemini"),
    ("AWS Nova Canvas", None, "bedrock_nova"),
    ("Stable Diffusion 3.5 Large", "N/A", "bedrock_sd"),
    ("Black Forest Pro", None, "bfl"),
    ("Imagen 3.0", None, "google_imagen"),
    ("Recraft v3", None, "recraft"),
    ("Stability AI Turbo", None, "stability"),
    ("Black Forest Dev", None, "bfl"),
    ("Flux Pro", None, "bfl"),
    ("Stable Diffusion XL", None, "stability"),
    ("Unknown Model X", None, "generic"),
]


@pytest.mark.parametrize(("name", "key", "expected"), SPEC_NAMES)
def test_spec_names(name, key, expected):
    assert detect_provider(name, key) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # empty and blank
        ("", "generic"),
        ("   ", "generic"),
        ("\t\n", "generic"),
        # unicode: NFKC (fullwidth "Gemini", "DALL-E 3"), casefolding, diacritics folded away
        ("\uff27\uff45\uff4d\uff49\uff4e\uff49", "google_gemini"),
        ("\uff24\uff21\uff2c\uff2c\uff0d\uff25 \uff13", "openai"),
        ("Flüx Pro", "bfl"),
        ("GEMINI", "google_gemini"),
        ("İmagen 4", "google_imagen"),
        # punctuation, underscores and joined forms
        ("DALL·E 3", "openai"),
        ("dall_e", "openai"),
        ("dalle-3", "openai"),
        ("DALLE3", "openai"),
        ("gpt-image-1", "openai"),
        ("GPT Image 2", "openai"),
        ("ChatGPT Images", "openai"),
        ("OpenAI", "openai"),
        ("gpt4o", "openai"),
        ("SD3.5", "stability"),
        ("sd3", "stability"),
        ("SD 3.5 Large", "stability"),
        ("sdxl-turbo", "stability"),
        ("SDXL", "stability"),
        ("StableDiffusion", "stability"),
        ("stable_diffusion_xl", "stability"),
        ("Stable Image Ultra", "stability"),
        ("stability.ai core", "stability"),
        ("FLUX.1 [dev]", "bfl"),
        ("flux-2-pro", "bfl"),
        ("BFL Kontext", "bfl"),
        ("Black-Forest-Labs", "bfl"),
        ("recraftv3", "recraft"),
        ("Nano Banana 2", "google_gemini"),
        ("nano-banana-pro", "google_gemini"),
        ("gemini-2.5-flash-image", "google_gemini"),
        ("imagen-4.0-ultra-generate-001", "google_imagen"),
        ("Amazon Nova Canvas", "bedrock_nova"),
        ("nova", "bedrock_nova"),
        ("Super Nova", "bedrock_nova"),
        ("Hunyuan Image 3.0", "hunyuan"),
        ("HunyuanImage-3.0", "hunyuan"),  # camelCase splits
        ("QwenImage", "qwen"),
        ("SuperNova", "bedrock_nova"),  # camelCase: "Super Nova"
        ("Qwen-Image", "qwen"),
        ("qwen_image_2", "qwen"),
        ("Local", "local"),
        ("Local Preview", "local"),
        ("local-preview", "local"),
        # Bedrock-hosted Stability, said in the name
        ("Bedrock SDXL", "bedrock_sd"),
        ("Stable Diffusion 3.5 Large (Bedrock)", "bedrock_sd"),
        ("AWS Stable Image Core", "bedrock_sd"),
        ("Amazon SD3.5", "bedrock_sd"),
        ("Bedrock Nova", "bedrock_nova"),  # Nova, not Stability, on Bedrock
    ],
)
def test_names(name, expected):
    assert detect_provider(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "wisdom",  # contains "sd" only inside a word
        "Egypt",  # contains "gpt"
        "egyptian gods",
        "Supernova Studio",  # "nova" only inside "supernova"
        "Fluxus",  # not "flux"
        "Imagenation",  # not "imagen"
        "Geminids meteor",  # not "gemini"
        "Localhost Art",  # not "local"
        "Dallas",  # not "dall e"
        "Stabilizer",  # not "stability"
        "Novalis",
        "Recrafted",
        "Unknown Model X",
    ],
)
def test_no_false_positives(name):
    assert detect_provider(name) == "generic"


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        # a Stable Diffusion name with no real key runs on Bedrock (IAM, no key)
        ("Stable Diffusion 3.5 Large", "N/A", "bedrock_sd"),
        ("Stable Diffusion 3.5 Large", "n/a", "bedrock_sd"),
        ("Stable Diffusion 3.5 Large", "", "bedrock_sd"),
        ("Stable Diffusion 3.5 Large", "  none ", "bedrock_sd"),
        ("Stable Diffusion XL", "N/A", "bedrock_sd"),
        # with a real key it is Stability's own API
        ("Stable Diffusion 3.5 Large", "sk-live-123", "stability"),
        ("Stability AI Turbo", "sk-live-123", "stability"),
        # key unknown: only the spec's exact Bedrock name goes to Bedrock
        ("Stable Diffusion 3.5 Large", None, "bedrock_sd"),
        ("stable-diffusion-3.5-large", None, "bedrock_sd"),
        ("Stable Diffusion 3.5 Large Turbo", None, "stability"),
        # the key never moves a non-Stability name
        ("DALL-E 3", "N/A", "openai"),
        ("AWS Nova Canvas", "N/A", "bedrock_nova"),
        ("Unknown Model X", "", "generic"),
    ],
)
def test_key_decides_stability_on_bedrock(name, key, expected):
    assert detect_provider(name, key) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DALL·E 3", ("dall", "e", "3")),
        ("Imagen 3.0", ("imagen", "3")),
        ("gemini-2.0-flash", ("gemini", "2", "flash")),
        ("SD3.5", ("sd", "3", "5")),
        ("v1:0", ("v", "1", "0")),
        ("10.0", ("10",)),
        ("\uff26\uff4c\uff55\uff58", ("flux",)),  # fullwidth "Flux"
        ("Straße", ("strasse",)),
        ("HunyuanImage", ("hunyuan", "image")),
        ("GPTImage", ("gptimage",)),
        ("recraftv3", ("recraftv", "3")),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("name", "phrase", "expected"),
    [
        ("DALL-E 3", "dalle", True),
        ("DALLE 3", "dall e", True),
        ("Gemini 2.5", "gemini 2", False),  # the version number goes on
        ("Gemini 2.0", "gemini 2", True),
        ("Gemini 2 Flash", "gemini 2", True),
        ("Flux 2 Pro", "flux pro", False),  # not contiguous
        ("wisdom", "sd", False),
        ("", "sd", False),
        ("anything", "", False),
    ],
)
def test_contains(name, phrase, expected):
    assert contains(tokens(name), phrase) is expected


def test_table_names_only_real_providers():
    assert {provider for provider, _ in PROVIDER_PATTERNS} <= set(Provider)


def test_detection_is_deterministic_and_pure():
    assert [detect_provider("DALL-E 3") for _ in range(3)] == ["openai"] * 3
