"""The content filter's optional second stage: OpenAI moderation (CONTENT_FILTER_MODE=provider).

Pure verdict logic is tested directly; the call goes through the real ``openai`` SDK to the
fake OpenAI server (testkit/fakes/openai_api.py); the wiring through ``build_app`` and the
Lambda handler checks that a flagged prompt gets the keyword filter's own 400.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

import lambda_function
from bootstrap import build_prompt_filter, build_service
from config import load_settings
from jobs.dispatch import LambdaDispatcher
from models.moderation import MODEL, OpenAIModeration, openai_moderation
from models.registry import ModelRegistry
from models.types import ModelConfig
from testkit.dispatch import FakeLambda
from testkit.events import http_event
from testkit.fakes.openai_api import MODERATIONS_PATH, UNAUTHORIZED, FakeOpenAI, error_reply
from testkit.fakes.server import Reply
from utils.content_filter import ContentFilter, FilterResult
from utils.moderation import (
    TERM_PREFIX,
    LazyFilter,
    ModeratedFilter,
    ModerationUnavailable,
    verdict_from_moderation,
)

KEY = "sk-proj-Zq8w4Lk2Rt7Yp1Xm9Nc3Vb6Hd5Jf0Ga"


@pytest.fixture
def api(fake_server) -> FakeOpenAI:
    return FakeOpenAI(fake_server)


def moderation(api: FakeOpenAI, timeout: float = 3.0) -> OpenAIModeration:
    return OpenAIModeration(KEY, f"{api.server.url}/v1", timeout=timeout)


def key_pieces(key: str = KEY, size: int = 12) -> list[str]:
    return [key[i : i + size] for i in range(len(key) - size + 1)]


# -- the verdict (pure) ---------------------------------------------------------------------


def answer(*results: object) -> dict:
    return {"id": "modr-1", "model": MODEL, "results": list(results)}


def test_verdict_unflagged_passes() -> None:
    body = answer({"flagged": False, "categories": {"sexual": False}})
    assert verdict_from_moderation(body) == FilterResult(blocked=False)


def test_verdict_flagged_names_the_categories() -> None:
    body = answer(
        {"flagged": True, "categories": {"violence": True, "sexual": False, "hate": True}}
    )
    assert verdict_from_moderation(body) == FilterResult(True, f"{TERM_PREFIX} hate,violence")


def test_verdict_flagged_without_categories_still_blocks() -> None:
    verdict = verdict_from_moderation(answer({"flagged": False}, {"flagged": True}))
    assert verdict == FilterResult(True, f"{TERM_PREFIX} flagged")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"results": []},
        {"results": "yes"},
        {"results": [{"categories": {}}]},
        {"results": [{"flagged": "true"}]},
        {"results": [None]},
        [],
    ],
)
def test_verdict_without_a_boolean_flag_is_no_verdict(body) -> None:
    with pytest.raises(ModerationUnavailable):
        verdict_from_moderation(body)


# -- the two stages (pure, with a scripted moderator) ---------------------------------------


class Script:
    def __init__(self, *replies: object) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def __call__(self, prompt: str):
        self.prompts.append(prompt)
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply


KEYWORDS = ContentFilter(["nude"])


def test_keyword_refusal_never_reaches_the_endpoint() -> None:
    script = Script()
    assert ModeratedFilter(KEYWORDS, script).check("a nude portrait") == FilterResult(True, "nude")
    assert script.prompts == []


def test_blank_prompt_is_not_sent() -> None:
    script = Script()
    assert not ModeratedFilter(KEYWORDS, script).is_blocked("   ")
    assert script.prompts == []


def test_moderation_decides_after_the_keywords_pass() -> None:
    flagged = answer({"flagged": True, "categories": {"violence/graphic": True}})
    script = Script(flagged, answer({"flagged": False}))
    screen = ModeratedFilter(KEYWORDS, script)
    assert screen.check("a gruesome scene") == FilterResult(True, "moderation: violence/graphic")
    assert screen.check("a kitten") == FilterResult(False)
    assert script.prompts == ["a gruesome scene", "a kitten"]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ModerationUnavailable("OpenAI moderation answered HTTP 500"), "HTTP 500"),
        (RuntimeError(f"boom {KEY}"), "unexpected RuntimeError"),
        ({"results": []}, "no results"),
    ],
)
def test_any_error_falls_back_to_the_keyword_verdict_and_logs_without_key(
    error: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    screen = ModeratedFilter(KEYWORDS, Script(error))
    with caplog.at_level(logging.WARNING, logger="pixel_prompt.moderation"):
        assert screen.check("a kitten") == FilterResult(False)
    (record,) = caplog.records
    logged = json.loads(record.getMessage())
    assert logged["event"] == "moderation_fallback"
    assert reason in logged["reason"]
    assert not any(piece in caplog.text for piece in key_pieces())


def test_a_lazy_filter_is_built_once_on_the_first_check_whichever_thread_asks() -> None:
    builds: list[str] = []
    started = threading.Barrier(8)

    def build() -> ContentFilter:
        builds.append(threading.current_thread().name)
        time.sleep(0.05)  # long enough for every other thread to arrive while it builds
        return KEYWORDS

    screen = LazyFilter(build)
    assert builds == []  # nothing is built until a prompt is checked
    verdicts: list[FilterResult] = []

    def check() -> None:
        started.wait()
        verdicts.append(screen.check("a nude portrait"))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert verdicts == [FilterResult(True, "nude")] * 8
    assert screen.check("a kitten") == FilterResult(False)
    assert len(builds) == 1


# -- the call: real openai SDK against the fake ---------------------------------------------


def test_request_wire_format(api: FakeOpenAI) -> None:
    body = moderation(api)("a red fox in the snow")
    assert body["results"][0]["flagged"] is False
    (sent,) = api.sent(MODERATIONS_PATH)
    assert sent.method == "POST"
    assert sent.json() == {"model": "omni-moderation-latest", "input": "a red fox in the snow"}
    assert sent.header("Authorization") == f"Bearer {KEY}"


def test_flagged_answer_gives_a_refusal(api: FakeOpenAI) -> None:
    api.moderation = api.moderation_reply("sexual/minors", "sexual")
    screen = ModeratedFilter(ContentFilter.from_file(), moderation(api))
    verdict = screen.check("an innocent-looking prompt the keywords miss")
    assert verdict == FilterResult(True, "moderation: sexual,sexual/minors")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (error_reply(*UNAUTHORIZED), "HTTP 401 (invalid_api_key)"),
        (error_reply(500, "The server had an error", "server_error", None), "HTTP 500"),
        (error_reply(429, "Rate limit reached", "requests", "rate_limit_exceeded"), "HTTP 429"),
        (Reply(200, b"<html>gateway</html>", {"Content-Type": "application/json"}), "unreadably"),
        (Reply.json(["not", "an", "object"]), "non-object"),
    ],
)
def test_errors_become_key_free_unavailable(api: FakeOpenAI, reply: Reply, message: str) -> None:
    # The 401 body quotes the key, as OpenAI's does (with a hint of it).
    api.moderation = Reply(
        reply.status, reply.body.replace(b"{key_hint}", KEY.encode()), reply.headers
    )
    with pytest.raises(ModerationUnavailable) as caught:
        moderation(api)("a kitten")
    assert message in str(caught.value)
    assert not any(piece in str(caught.value) for piece in key_pieces())


def test_a_silent_endpoint_times_out_quickly(api: FakeOpenAI) -> None:
    api.moderation = Reply(hang=True)
    started = time.monotonic()
    with pytest.raises(ModerationUnavailable, match="did not answer in time"):
        moderation(api, timeout=0.5)("a kitten")
    assert time.monotonic() - started < 3


def test_an_unreachable_endpoint_is_unavailable() -> None:
    with pytest.raises(ModerationUnavailable, match="could not reach"):
        OpenAIModeration(KEY, "http://127.0.0.1:9/v1", timeout=1.0)("a kitten")


def test_repr_has_no_key(api: FakeOpenAI) -> None:
    assert KEY not in repr(moderation(api))


def model(index: int, provider: str, key: str = "", base_url: str | None = None) -> ModelConfig:
    return ModelConfig(index, f"m{index}", provider, "some-model", key=key, base_url=base_url)


def test_the_first_openai_model_with_a_key_is_used() -> None:
    chosen = openai_moderation(
        [
            model(1, "google_gemini", "g-key"),
            model(2, "openai"),  # no key
            model(3, "openai", "key-3", "http://127.0.0.1:1/v1"),
            model(4, "openai", "key-4"),
        ]
    )
    assert chosen is not None and chosen.base_url == "http://127.0.0.1:1/v1"
    assert openai_moderation([model(1, "openai", "key")]).base_url == "https://api.openai.com/v1"
    assert openai_moderation([model(1, "recraft", "key"), model(2, "generic", "k")]) is None


# -- configuration and wiring ---------------------------------------------------------------


def test_mode_defaults_to_keyword_and_rejects_unknown_values() -> None:
    assert load_settings({}).content_filter_mode == "keyword"
    assert load_settings({"CONTENT_FILTER_MODE": " Provider "}).content_filter_mode == "provider"
    settings = load_settings({"CONTENT_FILTER_MODE": "llm"})
    assert settings.content_filter_mode == "keyword"
    assert any("CONTENT_FILTER_MODE" in w for w in settings.warnings)


def filter_for(environ: dict[str, str]):
    settings = load_settings(environ)
    return build_prompt_filter(settings, ModelRegistry.from_settings(settings))


def test_prompt_filter_by_mode(api: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    openai_model = {
        "MODEL_1_NAME": "GPT Image 2",
        "MODEL_1_PROVIDER": "openai",
        "MODEL_1_KEY": KEY,
        "MODEL_1_BASE_URL": f"{api.server.url}/v1",
    }
    assert isinstance(filter_for(openai_model), ContentFilter)  # off by default
    assert isinstance(
        filter_for({**openai_model, "CONTENT_FILTER_MODE": "provider"}), ModeratedFilter
    )
    no_key = {"MODEL_1_NAME": "GPT Image 2", "CONTENT_FILTER_MODE": "provider"}
    with caplog.at_level(logging.WARNING, logger="pixel_prompt.bootstrap"):
        assert isinstance(filter_for(no_key), ContentFilter)
    assert "needs an OpenAI model with a key" in caplog.text


def test_a_bad_operator_rule_line_keeps_the_shipped_list(tmp_path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("@kiwi + @knife within 2\n", encoding="utf-8")
    screen = filter_for({"CONTENT_FILTER_EXTRA_TERMS_FILE": str(extra)})
    assert screen.check("nude").blocked


@pytest.fixture
def provider_app(api: FakeOpenAI, moto_s3, monkeypatch: pytest.MonkeyPatch):
    def build(mode: str = "provider"):
        environ = {
            "S3_BUCKET": "test-bucket",
            "MODEL_COUNT": "2",
            "MODEL_1_NAME": "Local One",
            "MODEL_1_PROVIDER": "local",
            "MODEL_2_NAME": "GPT Image 2",
            "MODEL_2_PROVIDER": "openai",
            "MODEL_2_KEY": KEY,
            "MODEL_2_BASE_URL": f"{api.server.url}/v1",
            "PROMPT_MODEL_INDEX": "1",
            "CONTENT_FILTER_MODE": mode,
        }
        dispatcher = LambdaDispatcher(FakeLambda(), "pixel-prompt-fn")
        service = build_service(environ, dispatcher=dispatcher)
        monkeypatch.setattr(lambda_function, "_service", service)
        return service.app

    return build


def call(method: str, path: str, body: dict) -> tuple[int, dict]:
    response = lambda_function.lambda_handler(http_event(method, path, body), None)
    return response["statusCode"], json.loads(response["body"])


def test_flagged_prompt_gets_the_keyword_filters_400(provider_app, api: FakeOpenAI) -> None:
    provider_app()
    keyword_status, keyword_body = call("POST", "/generate", {"prompt": "a nude portrait"})
    assert api.sent(MODERATIONS_PATH) == []  # the keywords refused it first
    api.moderation = api.moderation_reply("violence/graphic", "violence")
    for path in ("/generate", "/enhance"):
        status, body = call("POST", path, {"prompt": "a scene the keywords let through"})
        assert (status, body) == (keyword_status, keyword_body) == (400, body)
        assert body["code"] == "CONTENT_BLOCKED"
    assert len(api.sent(MODERATIONS_PATH)) == 2


def test_unflagged_prompt_is_accepted(provider_app, api: FakeOpenAI) -> None:
    provider_app()
    status, body = call("POST", "/generate", {"prompt": "a red fox in the snow"})
    assert status == 202 and body["jobId"]
    assert [r.json()["input"] for r in api.sent(MODERATIONS_PATH)] == ["a red fox in the snow"]


def test_endpoint_failure_falls_back_to_the_keywords(
    provider_app, api: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    provider_app()
    api.moderation = error_reply(*UNAUTHORIZED)
    api.moderation.body = api.moderation.body.replace(b"{key_hint}", KEY.encode())
    with caplog.at_level(logging.INFO):
        status, _ = call("POST", "/generate", {"prompt": "a red fox in the snow"})
        assert status == 202
        status, body = call("POST", "/generate", {"prompt": "a nude portrait"})
        assert (status, body["code"]) == (400, "CONTENT_BLOCKED")
    assert "moderation_fallback" in caplog.text
    assert not any(piece in caplog.text for piece in key_pieces())


def test_keyword_mode_never_calls_the_endpoint(provider_app, api: FakeOpenAI) -> None:
    provider_app(mode="keyword")
    api.moderation = api.moderation_reply("violence")
    status, _ = call("POST", "/generate", {"prompt": "a red fox in the snow"})
    assert status == 202
    assert api.sent(MODERATIONS_PATH) == []
