"""aspectRatio, seed and negativePrompt reach each provider in its own vocabulary (real SDKs
and HTTP clients against the local fakes), and each handler reports what it applied."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from models.catalogue import capabilities_for
from models.handlers import get_handler
from models.handlers.common import nearest_ratio, size_for_ratio
from models.providers import ASPECT_RATIOS, STABILITY_RATIOS, TABLE, Provider
from models.types import GenerationParams, ModelConfig
from testkit.fakes import stability_api
from testkit.fakes.bedrock_api import NOVA_CANVAS, SD35_LARGE, FakeBedrock
from testkit.fakes.bfl_api import FakeBfl
from testkit.fakes.google_api import VALID_KEY, FakeGoogle
from testkit.fakes.openai_api import IMAGES_PATH, FakeOpenAI
from testkit.outcome import attempt

KEY = "sk-controls-test-0123456789abcdef"
PROMPT = "a lighthouse on a cliff"


def call(provider: str, model_id: str, base_url: str | None, key: str = KEY, **params):
    params.setdefault("timeout", 10.0)
    model = ModelConfig(1, "m", Provider(provider), model_id, key, base_url)
    return attempt(get_handler(provider), model, PROMPT, GenerationParams(**params))


def aspect(ratio: str) -> float:
    width, height = ratio.replace("x", ":").split(":")
    return int(width) / int(height)


# -- the two pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize("wanted", ASPECT_RATIOS)
def test_nearest_ratio_is_closest_in_log_scale(wanted):
    allowed = ("1:1", "3:2", "2:3", "1024x1536")
    chosen = nearest_ratio(wanted, allowed)
    best = min(abs(math.log(aspect(a) / aspect(wanted))) for a in allowed)
    assert abs(math.log(aspect(chosen) / aspect(wanted))) == best


def test_nearest_ratio_keeps_an_offered_ratio_and_maps_the_missing_ones():
    assert nearest_ratio("16:9", STABILITY_RATIOS) == "16:9"
    assert nearest_ratio("4:3", STABILITY_RATIOS) == "5:4"  # log distance 0.065 vs 3:2's 0.118
    assert nearest_ratio("9:21", ("1:1", "9:16", "16:9")) == "9:16"


@pytest.mark.parametrize("ratio", ASPECT_RATIOS)
@pytest.mark.parametrize("multiple", [16, 32, 64])
def test_size_for_ratio_is_about_a_megapixel_in_the_ratio(ratio, multiple):
    width, height = size_for_ratio(ratio, multiple=multiple)
    assert width % multiple == 0 and height % multiple == 0
    assert abs(math.log(width / height / aspect(ratio))) < 0.06
    assert 0.85 < width * height / 1024**2 < 1.15


def test_every_row_offers_some_api_ratio_and_only_valid_ones():
    for row in TABLE:
        assert row.capabilities.aspect_ratios
        assert "1:1" in row.capabilities.aspect_ratios
        for ratio in row.capabilities.aspect_ratios:
            assert aspect(ratio) > 0


# -- providers ------------------------------------------------------------------------------------


def test_stability_sends_nearest_ratio_seed_and_negative_prompt(fake_server):
    stability_api.install(fake_server)
    result = call(
        "stability",
        "sd3.5-large",
        fake_server.url,
        aspect_ratio="4:3",
        seed=4_294_967_295,
        negative_prompt="fog",
    )
    assert result.ok, result.error
    fields = stability_api.form_fields(fake_server.requests[0])
    assert fields["aspect_ratio"] == "5:4"
    assert fields["seed"] == "4294967294"  # Stability's maximum
    assert fields["negative_prompt"] == "fog"
    assert result.applied == {"aspectRatio": "5:4", "seed": 4294967294, "negativePrompt": "fog"}


def test_stability_turbo_gets_no_negative_prompt_and_says_so(fake_server):
    stability_api.install(fake_server)
    result = call(
        "stability", "sd3.5-large-turbo", fake_server.url, aspect_ratio="16:9", negative_prompt="x"
    )
    assert result.ok, result.error
    fields = stability_api.form_fields(fake_server.requests[0])
    assert "negative_prompt" not in fields and fields["aspect_ratio"] == "16:9"
    assert "negativePrompt" not in result.applied
    assert not capabilities_for("stability", "sd3.5-large-turbo").negative_prompt


def test_bfl_width_height_for_the_ratio_and_seed(fake_server):
    fake = FakeBfl(fake_server, statuses=["Ready"]).install()
    result = call("bfl", "flux-2-pro", fake_server.url, aspect_ratio="16:9", seed=7)
    assert result.ok, result.error
    body = fake.requests_to("/v1/flux-2-pro")[0].json()
    assert (body["width"], body["height"]) == size_for_ratio("16:9", multiple=32)
    assert body["width"] % 32 == 0 and body["width"] > body["height"]
    assert body["seed"] == 7
    assert result.applied["aspectRatio"] == "16:9" and result.applied["seed"] == 7
    assert result.applied["size"] == f"{body['width']}x{body['height']}"


def test_bfl_kontext_takes_the_ratio_itself(fake_server):
    fake = FakeBfl(fake_server, statuses=["Ready"]).install()
    result = call("bfl", "flux-kontext-pro", fake_server.url, aspect_ratio="9:21")
    assert result.ok, result.error
    body = fake.requests_to("/v1/flux-kontext-pro")[0].json()
    assert body["aspect_ratio"] == "9:21" and "width" not in body


@pytest.mark.parametrize(
    ("provider", "model_id", "ratio", "size"),
    [
        ("openai", "gpt-image-2.6-flare", "16:9", "1536x1024"),
        ("openai", "gpt-image-2.6-flare", "9:21", "1024x1536"),
        ("recraft", "recraftv4_1", "16:9", "16:9"),
        ("recraft", "recraftv4_1", "21:9", "2:1"),
        ("generic", "flux-dev", "21:9", "x".join(map(str, size_for_ratio("21:9")))),
    ],
)
def test_openai_style_size(fake_server, provider, model_id, ratio, size):
    api = FakeOpenAI(fake_server)
    if provider == "recraft":
        api.images = api.url_reply()
    result = call(provider, model_id, f"{fake_server.url}/v1", aspect_ratio=ratio, seed=3)
    assert result.ok, result.error
    assert api.sent(IMAGES_PATH)[0].json()["size"] == size
    assert "seed" not in api.sent(IMAGES_PATH)[0].json()
    assert "seed" not in result.applied
    offered = capabilities_for(provider, model_id).aspect_ratios
    assert result.applied["aspectRatio"] == nearest_ratio(ratio, offered)


def test_gemini_image_config_aspect_ratio(fake_server):
    fake = FakeGoogle(fake_server)
    result = call(
        "google_gemini", "gemini-nano-banana-2.1", fake.url, VALID_KEY, aspect_ratio="9:21"
    )
    assert result.ok, result.error
    config = fake.calls[0].json()["generationConfig"]
    assert config["imageConfig"]["aspectRatio"] == "9:16"
    assert result.applied == {"aspectRatio": "9:16"}


@pytest.fixture
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKECONTROLS0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-controls")


@pytest.mark.parametrize(
    ("model_id", "negative"),
    [(SD35_LARGE, True), ("stability.stable-image-core-v1:1", False)],
)
def test_bedrock_stability_per_model(fake_server, aws_credentials, model_id, negative):
    fake = FakeBedrock(fake_server, region="us-west-2")
    result = call(
        "bedrock_sd",
        model_id,
        fake.endpoint,
        "N/A",
        aspect_ratio="4:3",
        seed=9,
        negative_prompt="n",
    )
    assert result.ok, result.error
    body = fake.requests[0].json()
    assert body["aspect_ratio"] == "5:4" and body["seed"] == 9
    assert ("negative_prompt" in body) is negative
    assert ("negativePrompt" in result.applied) is negative


def test_bedrock_nova_width_height_seed_negative_text(fake_server, aws_credentials):
    fake = FakeBedrock(fake_server, region="us-east-1")
    result = call(
        "bedrock_nova", NOVA_CANVAS, fake.endpoint, "N/A", aspect_ratio="3:2", seed=5,
        negative_prompt="rain",
    )  # fmt: skip
    assert result.ok, result.error
    body = fake.requests[0].json()
    config = body["imageGenerationConfig"]
    assert (config["width"], config["height"]) == size_for_ratio("3:2")
    assert config["seed"] == 5 and body["textToImageParams"]["negativeText"] == "rain"


def test_local_preview_honours_ratio_seed_and_negative_prompt():
    base = call("local", "local", None, aspect_ratio="16:9", seed=1)
    again = call("local", "local", None, aspect_ratio="16:9", seed=1)
    other_seed = call("local", "local", None, aspect_ratio="16:9", seed=2)
    negative = call("local", "local", None, aspect_ratio="16:9", seed=1, negative_prompt="cats")
    width, height = Image.open(io.BytesIO(base.image)).size
    assert width > height and abs(math.log(width / height / (16 / 9))) < 0.06
    assert base.image == again.image
    assert base.image != other_seed.image and base.image != negative.image
    assert negative.applied["negativePrompt"] == "cats" and base.applied["seed"] == 1


def test_no_parameters_means_nothing_applied_and_the_old_defaults(fake_server):
    stability_api.install(fake_server)
    result = call("stability", "stable-image-core", fake_server.url)
    assert result.ok and result.applied == {}
    assert stability_api.form_fields(fake_server.requests[0])["aspect_ratio"] == "1:1"
