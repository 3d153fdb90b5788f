"""Contract tests of the google_gemini and google_imagen handlers against a fake Gemini API.

The real google-genai SDK (Gemini) and requests (Imagen) talk HTTP to testkit/fakes/google_api.py;
nothing is patched. Every handler is reached through ``models.handlers.get_handler`` so the guard
(and its redaction) is part of what is tested.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from google import genai  # noqa: F401  # warm the SDK import so timing tests measure the call
from PIL import Image

from models.handlers import get_handler, get_text_handler
from models.handlers.gemini_provider import TEXT_MODEL
from models.types import ErrorKind, GenerationParams, ModelConfig, ProviderError
from testkit.fakes import google_api
from testkit.fakes.google_api import VALID_KEY, FakeGoogle
from testkit.fakes.server import Reply, png_bytes
from testkit.outcome import attempt

GEMINI_MODEL = "gemini-2.5-flash-image"
IMAGEN_MODEL = "imagen-4.0-generate-001"
PARAMS = GenerationParams(timeout=10.0)


@pytest.fixture
def fake(fake_server) -> FakeGoogle:
    return FakeGoogle(fake_server)


def _model(fake: FakeGoogle, provider: str, model_id: str, key: str = VALID_KEY) -> ModelConfig:
    return ModelConfig(
        index=1, name="google", provider=provider, model_id=model_id, key=key, base_url=fake.url
    )


def gemini(fake: FakeGoogle, key: str = VALID_KEY, model_id: str = GEMINI_MODEL) -> ModelConfig:
    return _model(fake, "google_gemini", model_id, key)


def imagen(fake: FakeGoogle, key: str = VALID_KEY, model_id: str = IMAGEN_MODEL) -> ModelConfig:
    return _model(fake, "google_imagen", model_id, key)


def run(model: ModelConfig, prompt: str = "a red fox in snow", params: GenerationParams = PARAMS):
    return attempt(get_handler(model.provider), model, prompt, params)


def assert_failure(result, kind: ErrorKind, key: str = VALID_KEY) -> str:
    assert not result.ok
    assert result.error_kind == kind, result.error
    assert result.error and "\n" not in result.error
    assert key not in result.error
    return result.error


def the_call(fake: FakeGoogle, result, image: bytes, path: str):
    """Check a PNG success and return the one request, sent with the key in the header."""
    assert result.ok, result.error
    assert (result.image, result.media_type) == (image, "image/png")
    [call] = fake.calls
    assert (call.method, call.path) == ("POST", path)
    assert call.header("x-goog-api-key") == VALID_KEY
    assert "key" not in call.query
    return call


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


# --- both providers: transport, auth, quota and configuration failures ---------------------

PROVIDERS = ["google_gemini", "google_imagen"]


def make(provider: str, fake: FakeGoogle, **kwargs) -> ModelConfig:
    return (gemini if provider == "google_gemini" else imagen)(fake, **kwargs)


def script(provider: str, fake: FakeGoogle, reply: Reply) -> None:
    if provider == "google_gemini":
        fake.generate = reply
    else:
        fake.predict = reply


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_key_is_auth_and_never_echoed(fake, provider):
    wrong = "AIzaSyWRONG-key-that-google-echoes-0123456"

    message = assert_failure(run(make(provider, fake, key=wrong)), ErrorKind.AUTH, key=wrong)

    assert "API key not valid" in message
    assert fake.calls[0].header("x-goog-api-key") == wrong


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (google_api.permission_denied(), ErrorKind.AUTH),
        (google_api.error(401, "UNAUTHENTICATED", "bad credentials"), ErrorKind.AUTH),
        (google_api.rate_limited(), ErrorKind.RATE_LIMITED),
        (google_api.internal_error(), ErrorKind.PROVIDER_ERROR),
        (google_api.unavailable(), ErrorKind.PROVIDER_ERROR),
        (
            Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
            ErrorKind.PROVIDER_ERROR,
        ),
        (google_api.error(504, "DEADLINE_EXCEEDED", "Deadline expired"), ErrorKind.TIMEOUT),
    ],
    ids=["403", "401", "429", "500", "503", "502-html", "504"],
)
def test_error_replies_map_to_kinds_without_retry(fake, provider, reply, kind):
    script(provider, fake, reply)

    message = assert_failure(run(make(provider, fake)), kind)

    assert str(reply.status) in message
    assert len(fake.calls) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_or_retired_model_is_configuration(fake_server, provider):
    fake = FakeGoogle(
        fake_server, models={"gemini-3.1-flash-image", "imagen-4.0-fast-generate-001"}
    )
    retired = "imagen-3.0-generate-002" if provider == "google_imagen" else "gemini-2.0-flash-exp"

    message = assert_failure(run(make(provider, fake, model_id=retired)), ErrorKind.CONFIGURATION)

    assert retired in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_that_never_answers_times_out(fake, provider):
    script(provider, fake, Reply(hang=True))
    params = GenerationParams(timeout=1.5)

    started = time.monotonic()
    result = run(make(provider, fake), params=params)
    elapsed = time.monotonic() - started

    assert_failure(result, ErrorKind.TIMEOUT)
    assert elapsed < params.timeout + 1.0
    assert len(fake.calls) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_missing_key_is_configuration_and_sends_nothing(fake, provider):
    assert_failure(run(make(provider, fake, key="  ")), ErrorKind.CONFIGURATION)
    assert fake.calls == []


@pytest.mark.parametrize(
    ("provider", "reply", "expected"),
    [
        ("google_gemini", google_api.prompt_blocked("PROHIBITED_CONTENT"), "PROHIBITED_CONTENT"),
        ("google_gemini", google_api.prompt_blocked("SAFETY"), "SAFETY"),
        ("google_gemini", google_api.candidate_blocked("IMAGE_SAFETY"), "IMAGE_SAFETY"),
        (
            "google_gemini",
            google_api.candidate_blocked("IMAGE_PROHIBITED_CONTENT"),
            "IMAGE_PROHIBITED",
        ),
        ("google_imagen", google_api.predictions(google_api.imagen_filtered()), "usage guidelines"),
        ("google_imagen", Reply.json({}), "filtered"),
        ("google_imagen", google_api.imagen_prompt_refused(), "Responsible AI"),
    ],
    ids=[
        "gemini-prompt-prohibited",
        "gemini-prompt-safety",
        "gemini-image-safety",
        "gemini-image-prohibited",
        "imagen-rai-filtered",
        "imagen-empty-body",
        "imagen-prompt-refused",
    ],
)
def test_moderation_is_content_blocked(fake, provider, reply, expected):
    script(provider, fake, reply)

    message = assert_failure(run(make(provider, fake)), ErrorKind.CONTENT_BLOCKED)

    assert expected in message


NOT_JSON = Reply(200, b"<html>gateway</html>", {"Content-Type": "application/json"})
NOT_PNG_B64 = base64.b64encode(b"these bytes are not an image").decode()


@pytest.mark.parametrize(
    ("provider", "reply"),
    [
        ("google_gemini", NOT_JSON),
        (
            "google_gemini",
            google_api.content([{"inlineData": {"mimeType": "image/png", "data": "!!"}}]),
        ),
        (
            "google_gemini",
            google_api.content([google_api.image_part(b"these bytes are not an image")]),
        ),
        ("google_gemini", google_api.content([{"text": "I can only describe a fox in words."}])),
        ("google_gemini", Reply.json({"candidates": []})),
        ("google_imagen", NOT_JSON),
        ("google_imagen", Reply.json(["predictions"])),
        ("google_imagen", Reply.json({"predictions": {"bytesBase64Encoded": "abc"}})),
        (
            "google_imagen",
            google_api.predictions({"mimeType": "image/png", "bytesBase64Encoded": "%%"}),
        ),
        ("google_imagen", google_api.predictions({"bytesBase64Encoded": NOT_PNG_B64})),
        ("google_imagen", google_api.predictions({"mimeType": "image/png"})),
    ],
    ids=[
        "gemini-not-json",
        "gemini-bad-base64",
        "gemini-not-an-image",
        "gemini-text-only",
        "gemini-no-candidates",
        "imagen-not-json",
        "imagen-list-body",
        "imagen-predictions-not-list",
        "imagen-bad-base64",
        "imagen-not-an-image",
        "imagen-no-bytes",
    ],
)
def test_malformed_answer_is_bad_response(fake, provider, reply):
    script(provider, fake, reply)
    assert_failure(run(make(provider, fake)), ErrorKind.BAD_RESPONSE)


def test_imagen_base_url_with_trailing_slash(fake):
    assert run(replace(imagen(fake), base_url=fake.url + "/")).ok
    assert fake.calls[0].path == f"/v1beta/models/{IMAGEN_MODEL}:predict"


# --- google_gemini: generate_image ------------------------------------------------------


def test_gemini_success_sends_the_documented_request(fake):
    image = png_bytes((16, 9))
    fake.generate = google_api.image_content(image)

    result = run(gemini(fake))

    call = the_call(fake, result, image, f"/v1beta/models/{GEMINI_MODEL}:generateContent")
    body = call.json()
    assert body["contents"] == [{"role": "user", "parts": [{"text": "a red fox in snow"}]}]
    assert body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": "1:1"}


def test_gemini_names_the_media_type_from_the_bytes(fake):
    fake.generate = google_api.image_content(jpeg_bytes(), "image/jpeg")

    result = run(gemini(fake))

    assert result.ok, result.error
    assert result.media_type == "image/jpeg"
    assert Image.open(io.BytesIO(result.image)).format == "JPEG"


def test_gemini_skips_thought_images_and_returns_the_final_one(fake):
    final = png_bytes((4, 4), (0, 200, 0))
    fake.generate = google_api.content(
        [
            {"text": "Planning the composition", "thought": True},
            google_api.image_part(jpeg_bytes(), "image/jpeg", thought=True),
            google_api.image_part(final),
        ]
    )

    result = run(gemini(fake))

    assert result.ok, result.error
    assert result.image == final


def test_gemini_text_only_answer_says_what_the_model_said(fake):
    fake.generate = google_api.content([{"text": "I cannot draw that fox."}])

    message = assert_failure(run(gemini(fake)), ErrorKind.BAD_RESPONSE)

    assert "I cannot draw that fox." in message


# --- google_gemini: write_text -----------------------------------------------------------


@pytest.mark.parametrize(
    "image_model", [GEMINI_MODEL, "gemini-3-pro-image", "gemini-nano-banana-2.1"]
)
def test_write_text_uses_a_text_model_for_an_image_model(fake, image_model):
    fake.generate = google_api.text_content("  A red fox leaping through fresh powder snow.  ")
    write_text = get_text_handler("google_gemini")

    text = write_text(gemini(fake, model_id=image_model), "Rewrite this prompt: fox snow", 10.0)

    assert text == "A red fox leaping through fresh powder snow."
    [call] = fake.calls
    assert call.path == f"/v1beta/models/{TEXT_MODEL}:generateContent"
    assert call.header("x-goog-api-key") == VALID_KEY
    body = call.json()
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Rewrite this prompt: fox snow"}]}
    ]
    assert not body.get("generationConfig")  # nothing image-specific in a text rewrite


def test_write_text_keeps_a_configured_text_model(fake):
    fake.generate = google_api.text_content("ok")

    get_text_handler("google_gemini")(gemini(fake, model_id="gemini-3.8-flash"), "hi", 10.0)

    assert fake.calls[0].path == "/v1beta/models/gemini-3.8-flash:generateContent"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (google_api.prompt_blocked("PROHIBITED_CONTENT"), ErrorKind.CONTENT_BLOCKED),
        (google_api.rate_limited(), ErrorKind.RATE_LIMITED),
        (google_api.internal_error(), ErrorKind.PROVIDER_ERROR),
        (google_api.content([], finish_reason="STOP"), ErrorKind.BAD_RESPONSE),
        (Reply(hang=True), ErrorKind.TIMEOUT),
    ],
    ids=["blocked", "rate-limited", "server-error", "empty", "hang"],
)
def test_write_text_failures_raise_typed_provider_errors(fake, reply, kind):
    fake.generate = reply

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        get_text_handler("google_gemini")(gemini(fake), "rewrite", 1.5)

    assert caught.value.kind == kind, caught.value.message
    assert VALID_KEY not in caught.value.message
    assert time.monotonic() - started < 2.5


def test_write_text_wrong_key_is_auth_and_redacted(fake):
    wrong = "AIzaSyANOTHER-wrong-key-abcdefghijklmnop"

    with pytest.raises(ProviderError) as caught:
        get_text_handler("google_gemini")(gemini(fake, key=wrong), "rewrite", 5.0)

    assert caught.value.kind == ErrorKind.AUTH
    assert wrong not in caught.value.message


# --- google_imagen -------------------------------------------------------------------------


def test_imagen_success_sends_the_documented_request(fake):
    image = png_bytes((9, 16))
    fake.predict = google_api.predictions(google_api.imagen_image(image))

    result = run(imagen(fake), "a lighthouse")

    call = the_call(fake, result, image, f"/v1beta/models/{IMAGEN_MODEL}:predict")
    assert call.header("content-type") == "application/json"
    assert call.json() == {
        "instances": [{"prompt": "a lighthouse"}],
        "parameters": {"sampleCount": 1, "aspectRatio": "1:1", "includeRaiReason": True},
    }


def test_imagen_skips_filtered_predictions_and_returns_the_image(fake):
    image = jpeg_bytes()
    fake.predict = google_api.predictions(
        google_api.imagen_filtered(), google_api.imagen_image(image, "image/jpeg")
    )

    result = run(imagen(fake))

    assert result.ok, result.error
    assert (result.image, result.media_type) == (image, "image/jpeg")


def test_imagen_does_not_load_the_google_sdk():
    """Imagen goes through requests; loading google-genai would only cost cold-start time."""
    script = (
        "import json, sys\n"
        "from models.handlers import get_handler\n"
        "from models.types import GenerationParams, ModelConfig\n"
        "model = ModelConfig(1, 'i', 'google_imagen', 'imagen-4.0-generate-001', key='k' * 8,"
        " base_url='http://127.0.0.1:9')\n"
        "from models.types import ProviderError\n"
        "try:\n"
        "    get_handler('google_imagen')(model, 'x', GenerationParams(timeout=2))\n"
        "except ProviderError as exc:\n"
        "    kind = exc.kind\n"
        "sdk = sorted(m for m in sys.modules if m.startswith('google.genai'))\n"
        "print(json.dumps([kind, sdk]))\n"
    )
    src = Path(__file__).resolve().parents[1] / "src"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=src
    )

    assert json.loads(out.stdout) == ["provider_error", []]
