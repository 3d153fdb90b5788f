"""OpenAI, Recraft and generic (hunyuan, qwen) handlers: the real openai SDK against a fake API."""

from __future__ import annotations

import base64
import socket
import time

import pytest

from models.handlers import get_handler, get_text_handler
from models.handlers.openai_provider import TEXT_MODEL
from models.types import ErrorKind, GenerationParams, ModelConfig, ProviderError
from testkit.fakes import openai_api
from testkit.fakes.openai_api import FakeOpenAI, error_reply
from testkit.fakes.server import Reply, png_bytes
from testkit.outcome import Outcome, attempt

KEY = "sk-test-Zq8VbN3mK7pL2xR9wT4y"
MODEL_IDS = {
    "openai": "gpt-image-2.5-flare",
    "recraft": "recraftv4_1",
    "generic": "flux-dev",
    "hunyuan": "hunyuan-image-3.0",
    "qwen": "qwen-image-3.0",
}
PROVIDERS = list(MODEL_IDS)
PROMPT = "a red fox in the snow"


@pytest.fixture
def api(fake_server) -> FakeOpenAI:
    return FakeOpenAI(fake_server)


def config(provider: str, base_url: str | None, **overrides) -> ModelConfig:
    fields = {
        "index": 2,
        "name": f"{provider} model",
        "provider": provider,
        "model_id": MODEL_IDS.get(provider, "gpt-image-2.5-flare"),
        "key": KEY,
        "base_url": base_url,
    }
    fields.update(overrides)
    return ModelConfig(**fields)


def run(provider: str, api: FakeOpenAI, timeout: float = 10.0, **overrides) -> Outcome:
    model = config(provider, f"{api.server.url}/v1", **overrides)
    params = GenerationParams(timeout=timeout)
    return attempt(get_handler(provider), model, PROMPT, params)


def assert_failure(result: Outcome, kind: ErrorKind, *words: str) -> None:
    assert not result.ok
    assert result.error_kind == kind, result.error
    assert KEY not in (result.error or "")
    assert "\n" not in (result.error or "")
    for word in words:
        assert word.lower() in (result.error or "").lower(), result.error


def reply(spec: tuple, **fmt) -> Reply:
    status, message, type_, code = spec
    return error_reply(status, message.format(**fmt), type_, code)


# -- success ------------------------------------------------------------------------------------


def test_openai_sends_gpt_image_request_and_decodes_base64(api: FakeOpenAI) -> None:
    result = run("openai", api)

    assert result.ok and result.media_type == "image/png" and result.image == api.image
    (request,) = api.server.requests
    assert (request.method, request.path) == ("POST", "/v1/images/generations")
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.json() == {
        "model": "gpt-image-2.5-flare",
        "prompt": PROMPT,
        "n": 1,
        "size": "1024x1024",
    }


def test_recraft_sends_aspect_ratio_and_downloads_the_url(api: FakeOpenAI) -> None:
    api.images = api.url_reply("rc.png")
    api.file = Reply(200, png_bytes((16, 8)), {"Content-Type": "image/png"})

    result = run("recraft", api)

    assert result.ok and result.media_type == "image/png"
    assert result.image == png_bytes((16, 8))
    post, get = api.server.requests
    assert (post.method, post.path) == ("POST", "/v1/images/generations")
    assert post.header("authorization") == f"Bearer {KEY}"
    assert post.json() == {"model": "recraftv4_1", "prompt": PROMPT, "n": 1, "size": "1:1"}
    assert (get.method, get.path) == ("GET", "/files/rc.png")
    assert get.header("authorization") is None  # the signed URL needs no key


@pytest.mark.parametrize("provider", ["generic", "hunyuan", "qwen"])
def test_generic_family_sends_standard_fields(api: FakeOpenAI, provider: str) -> None:
    result = run(provider, api)

    assert result.ok and result.media_type == "image/png"
    (request,) = api.server.requests
    assert request.path == "/v1/images/generations"
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.json() == {
        "model": MODEL_IDS[provider],
        "prompt": PROMPT,
        "n": 1,
        "size": "1024x1024",
    }


def test_generic_reads_a_url_and_jpeg(api: FakeOpenAI) -> None:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="JPEG")
    api.images = api.url_reply("g.jpg")
    api.file = Reply(200, buffer.getvalue(), {"Content-Type": "image/jpeg"})

    result = run("generic", api)

    assert result.ok and result.media_type == "image/jpeg"
    assert [r.path for r in api.server.requests] == ["/v1/images/generations", "/files/g.jpg"]


def test_generic_reads_a_data_url(api: FakeOpenAI) -> None:
    encoded = base64.b64encode(api.image).decode()
    api.images = Reply.json({"created": 1, "data": [{"url": f"data:image/png;base64,{encoded}"}]})

    result = run("generic", api)

    assert result.ok and result.image == api.image


def test_generic_without_key_sends_a_placeholder(api: FakeOpenAI) -> None:
    result = run("generic", api, key="")

    assert result.ok
    assert api.server.requests[0].header("authorization") == "Bearer none"


def test_recraft_refuses_vector_models_before_calling(api: FakeOpenAI) -> None:
    result = run("recraft", api, model_id="recraftv4_1_vector")

    assert_failure(result, ErrorKind.CONFIGURATION, "svg")
    assert api.server.requests == []


@pytest.mark.parametrize("provider", ["openai", "recraft"])
def test_missing_key_is_a_configuration_error(api: FakeOpenAI, provider: str) -> None:
    result = run(provider, api, key="")

    assert_failure(result, ErrorKind.CONFIGURATION, "MODEL_2_KEY")
    assert api.server.requests == []


@pytest.mark.parametrize("provider", ["generic", "hunyuan", "qwen"])
def test_generic_without_base_url_is_a_configuration_error(provider: str) -> None:
    model = config(provider, None)
    result = attempt(get_handler(provider), model, PROMPT, GenerationParams(timeout=5))

    assert result.error_kind == ErrorKind.CONFIGURATION
    assert result.error == (
        f"MODEL_2_BASE_URL is not set: the {provider} provider needs an OpenAI-compatible endpoint"
    )


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "words"),
    [
        (openai_api.UNAUTHORIZED, ErrorKind.AUTH, ("HTTP 401", "Incorrect API key")),
        (openai_api.RATE_LIMITED, ErrorKind.RATE_LIMITED, ("HTTP 429", "try again in 12s")),
        (openai_api.MODERATION_BLOCKED, ErrorKind.CONTENT_BLOCKED, ("safety system",)),
        (openai_api.SERVER_ERROR, ErrorKind.PROVIDER_ERROR, ("HTTP 500", "server had an error")),
    ],
    ids=["bad-key", "rate-limit", "moderation", "server-error"],
)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_openai_error_bodies(
    api: FakeOpenAI, provider: str, spec: tuple, kind: ErrorKind, words: tuple[str, ...]
) -> None:
    # Worst case for the key: the server echoes all of it back in its message.
    api.images = reply(spec, key_hint=KEY)

    result = run(provider, api)

    assert_failure(result, kind, *words)
    assert len(api.server.requests) == 1  # no SDK retry


@pytest.mark.parametrize("provider", PROVIDERS)
def test_forbidden_is_auth(api: FakeOpenAI, provider: str) -> None:
    api.images = error_reply(
        403,
        "Your organization must be verified to use the model `gpt-image-2.5-flare`.",
        "invalid_request_error",
        None,
    )

    assert_failure(run(provider, api), ErrorKind.AUTH, "HTTP 403", "verified")


def test_recraft_plain_text_401_is_auth(api: FakeOpenAI) -> None:
    api.images = Reply(401, b"request unauthorized", {"Content-Type": "text/plain"})

    assert_failure(run("recraft", api), ErrorKind.AUTH, "Recraft", "request unauthorized")


def test_qwen_data_inspection_is_content_blocked(api: FakeOpenAI) -> None:
    api.images = error_reply(
        400,
        "Input data may contain inappropriate content.",
        "data_inspection_failed",
        "data_inspection_failed",
    )

    assert_failure(run("qwen", api), ErrorKind.CONTENT_BLOCKED, "inappropriate")


def test_plain_bad_request_is_provider_error(api: FakeOpenAI) -> None:
    api.images = error_reply(
        400, "Invalid value for 'size': '7x7'.", "invalid_request_error", "invalid_value"
    )

    assert_failure(run("openai", api), ErrorKind.PROVIDER_ERROR, "HTTP 400", "Invalid value")


def test_html_gateway_error_is_one_line(api: FakeOpenAI) -> None:
    api.images = Reply(502, b"<html>\n<body>Bad gateway</body>\n</html>", {})

    assert_failure(run("generic", api), ErrorKind.PROVIDER_ERROR, "HTTP 502", "Bad gateway")


def test_unknown_model_is_configuration(api: FakeOpenAI) -> None:
    api.images = reply(openai_api.MODEL_NOT_FOUND)

    assert_failure(run("openai", api), ErrorKind.CONFIGURATION, "does not exist")


def test_base_url_without_v1_is_configuration(api: FakeOpenAI) -> None:
    model = config("generic", api.server.url)  # the fake answers 404 off /v1
    result = attempt(get_handler("generic"), model, PROMPT, GenerationParams(timeout=5))

    assert_failure(result, ErrorKind.CONFIGURATION, "HTTP 404")


def test_unreachable_endpoint_is_provider_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = config("generic", f"http://127.0.0.1:{port}/v1")

    result = attempt(get_handler("generic"), model, PROMPT, GenerationParams(timeout=5))

    assert_failure(result, ErrorKind.PROVIDER_ERROR, "could not reach")


@pytest.mark.parametrize(
    "bad",
    [
        Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}),
        Reply(200, b"{not json", {"Content-Type": "application/json"}),
        Reply.json({"created": 1}),
        Reply.json({"created": 1, "data": []}),
        Reply.json({"created": 1, "data": "x"}),
        Reply.json({"created": 1, "data": [{"revised_prompt": "no image"}]}),
        Reply.json({"created": 1, "data": [{"b64_json": "***not base64***"}]}),
        Reply.json({"created": 1, "data": [{"b64_json": base64.b64encode(b"text").decode()}]}),
    ],
    ids=["html", "broken-json", "no-data", "empty-data", "data-not-list", "no-image",
         "bad-base64", "not-an-image"],
)  # fmt: skip
@pytest.mark.parametrize("provider", ["openai", "generic"])
def test_malformed_response_is_bad_response(api: FakeOpenAI, provider: str, bad: Reply) -> None:
    api.images = bad

    assert_failure(run(provider, api), ErrorKind.BAD_RESPONSE)


def test_url_to_non_image_is_bad_response(api: FakeOpenAI) -> None:
    api.images = api.url_reply()
    api.file = Reply(200, b"<html>expired</html>", {"Content-Type": "text/html"})

    assert_failure(run("recraft", api), ErrorKind.BAD_RESPONSE)


def test_expired_url_is_reported(api: FakeOpenAI) -> None:
    api.images = api.url_reply()
    api.file = Reply(403, b"expired", {})

    assert_failure(run("recraft", api), ErrorKind.AUTH, "download failed with HTTP 403")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_silent_server_times_out_within_budget(api: FakeOpenAI, provider: str) -> None:
    api.images = Reply(hang=True)

    started = time.monotonic()
    result = run(provider, api, timeout=1.5)
    elapsed = time.monotonic() - started

    assert_failure(result, ErrorKind.TIMEOUT)
    assert 1.3 <= elapsed < 2.5


def test_silent_download_times_out_within_budget(api: FakeOpenAI) -> None:
    api.images = api.url_reply()
    api.file = Reply(hang=True)

    started = time.monotonic()
    result = run("recraft", api, timeout=1.5)
    elapsed = time.monotonic() - started

    assert_failure(result, ErrorKind.TIMEOUT)
    assert elapsed < 2.5


# -- text (/enhance) ----------------------------------------------------------------------------


def test_openai_text_uses_the_chat_model_for_an_image_model(api: FakeOpenAI) -> None:
    write = get_text_handler("openai")
    model = config("openai", f"{api.server.url}/v1")

    text = write(model, "Rewrite: fox", 10.0)

    assert text == "A watercolor fox in morning mist, soft light."
    (request,) = api.server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.json() == {
        "model": TEXT_MODEL,
        "messages": [{"role": "user", "content": "Rewrite: fox"}],
        "reasoning_effort": "none",
    }


def test_openai_text_keeps_a_configured_chat_model(api: FakeOpenAI) -> None:
    model = config("openai", f"{api.server.url}/v1", model_id="gpt-5.6-terra")

    get_text_handler("openai")(model, "Rewrite: fox", 10.0)

    body = api.server.requests[0].json()
    assert body["model"] == "gpt-5.6-terra"
    assert "reasoning_effort" not in body


@pytest.mark.parametrize("provider", ["generic", "hunyuan", "qwen"])
def test_generic_text_uses_the_configured_model(api: FakeOpenAI, provider: str) -> None:
    api.chat = api.chat_reply("  a fox, rewritten  \n")
    model = config(provider, f"{api.server.url}/v1", model_id="qwen3.5-flash")

    text = get_text_handler(provider)(model, "Rewrite: fox", 10.0)

    assert text == "a fox, rewritten"
    assert api.server.requests[0].json() == {
        "model": "qwen3.5-flash",
        "messages": [{"role": "user", "content": "Rewrite: fox"}],
    }


def test_recraft_has_no_text_handler() -> None:
    assert get_text_handler("recraft") is None


@pytest.mark.parametrize(
    ("chat", "kind"),
    [
        (reply(openai_api.UNAUTHORIZED, key_hint=KEY), ErrorKind.AUTH),
        (reply(openai_api.RATE_LIMITED), ErrorKind.RATE_LIMITED),
        (reply(openai_api.SERVER_ERROR), ErrorKind.PROVIDER_ERROR),
        (
            error_reply(
                400,
                "Invalid prompt: your prompt was flagged as potentially violating our usage "
                "policy.",
                "invalid_request_error",
                "invalid_prompt",
            ),
            ErrorKind.CONTENT_BLOCKED,
        ),
        (FakeOpenAI.chat_reply(None, finish_reason="content_filter"), ErrorKind.CONTENT_BLOCKED),
        (FakeOpenAI.chat_reply("   "), ErrorKind.BAD_RESPONSE),
        (Reply.json({"object": "chat.completion", "choices": []}), ErrorKind.BAD_RESPONSE),
        (Reply(200, b"{oops", {"Content-Type": "application/json"}), ErrorKind.BAD_RESPONSE),
    ],
    ids=["auth", "rate", "server", "flagged", "filtered", "empty", "no-choices", "broken"],
)
@pytest.mark.parametrize("provider", ["openai", "generic"])
def test_text_errors_raise_typed_key_free_errors(
    api: FakeOpenAI, provider: str, chat: Reply, kind: ErrorKind
) -> None:
    api.chat = chat
    model = config(provider, f"{api.server.url}/v1")

    with pytest.raises(ProviderError) as caught:
        get_text_handler(provider)(model, "Rewrite: fox", 10.0)

    assert caught.value.kind == kind, caught.value.message
    assert KEY not in caught.value.message
    assert "\n" not in caught.value.message


def test_text_times_out_within_budget(api: FakeOpenAI) -> None:
    api.chat = Reply(hang=True)
    model = config("openai", f"{api.server.url}/v1")

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        get_text_handler("openai")(model, "Rewrite: fox", 1.5)

    assert caught.value.kind == ErrorKind.TIMEOUT
    assert time.monotonic() - started < 2.5


def test_text_without_base_url_is_configuration() -> None:
    with pytest.raises(ProviderError) as caught:
        get_text_handler("generic")(config("generic", None), "Rewrite: fox", 5.0)

    assert caught.value.kind == ErrorKind.CONFIGURATION
    assert "MODEL_2_BASE_URL" in caught.value.message
