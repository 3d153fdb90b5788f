"""Issue 13.3: input that used to get a 5xx, no answer or a wrong 200 is a 4xx ``{error, code}``
on both paths (``lambda_handler`` on moto S3, and the local server over TCP), and is refused
before the rate limiter counts it: with ``IP_LIMIT=1`` the same address still gets its one
request admitted after every bad one."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import pytest

from bootstrap import build_app
from jobs.dispatch import LambdaDispatcher
from testkit.dispatch import FakeLambda
from testkit.events import http_event

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TARGET = "2026-11-26-13-45-30-abcdef"
CURSOR = f"8236000000000-{TARGET}"  # the form /gallery's nextCursor takes


def nested(depth: int) -> bytes:
    return b'{"prompt": "a cat", "x": ' + b"[" * depth + b"]" * depth + b"}"


# (name, method, path, query, body bytes, status, code)
BAD_INPUT: list[tuple[str, str, str, dict[str, str] | None, bytes | None, int, str]] = [
    (
        "lone surrogate",
        "POST",
        "/generate",
        None,
        b'{"prompt": "a\\ud800cat"}',
        400,
        "INVALID_JSON",
    ),
    ("lone surrogate", "POST", "/enhance", None, b'{"prompt": "a\\udfffcat"}', 400, "INVALID_JSON"),
    (
        "surrogate key",
        "POST",
        "/generate",
        None,
        b'{"prompt": "a", "\\ud800": 1}',
        400,
        "INVALID_JSON",
    ),
    ("nested 50,000", "POST", "/generate", None, nested(50_000), 413, "PAYLOAD_TOO_LARGE"),
    ("nested 30,000", "POST", "/generate", None, nested(30_000), 400, "INVALID_JSON"),
    ("nested 100", "POST", "/enhance", None, nested(100), 400, "INVALID_JSON"),
    ("body 64 KB + 1", "POST", "/generate", None, b" " * (64 * 1024 + 1), 413, "PAYLOAD_TOO_LARGE"),
    (
        "zero-width",
        "POST",
        "/generate",
        None,
        '{"prompt": "\u200b\u200d\u2060\ufeff"}'.encode(),
        400,
        "PROMPT_REQUIRED",
    ),
    (
        "zero-width",
        "POST",
        "/enhance",
        None,
        '{"prompt": " \u200c\u3164 "}'.encode(),
        400,
        "PROMPT_REQUIRED",
    ),
    ("limit ²", "GET", "/gallery", {"limit": "²"}, None, 400, "INVALID_REQUEST"),
    ("limit ①", "GET", "/gallery", {"limit": "①"}, None, 400, "INVALID_REQUEST"),
    ("limit 5,000 digits", "GET", "/gallery", {"limit": "9" * 5000}, None, 400, "INVALID_REQUEST"),
    ("limit Arabic-Indic", "GET", "/gallery", {"limit": "٢"}, None, 400, "INVALID_REQUEST"),
    (
        "cursor Arabic-Indic",
        "GET",
        "/gallery",
        {"cursor": CURSOR.translate(ARABIC_INDIC)},
        None,
        400,
        "INVALID_CURSOR",
    ),
    ("cursor newline", "GET", "/gallery", {"cursor": CURSOR + "\n"}, None, 400, "INVALID_CURSOR"),
    ("target newline", "GET", f"/gallery/{TARGET}\n", None, None, 400, "INVALID_TARGET"),
    (
        "target Arabic-Indic",
        "GET",
        f"/gallery/{TARGET.translate(ARABIC_INDIC)}",
        None,
        None,
        400,
        "INVALID_TARGET",
    ),
]

Answer = tuple[int, dict, dict[str, str]]
Send = Callable[[str, str, dict[str, str] | None, bytes | None], Answer]


def lambda_sender(moto_s3) -> Send:
    environ = {
        "S3_BUCKET": "test-bucket",
        "MODEL_COUNT": "1",
        "MODEL_1_NAME": "Local One",
        "MODEL_1_PROVIDER": "local",
        "IP_LIMIT": "1",
        "GLOBAL_LIMIT": "1000",
        "RATE_LIMIT_KEY": "a-test-key-of-sufficient-length",
    }
    app = build_app(environ, dispatcher=LambdaDispatcher(FakeLambda(), "fn"))

    def send(method: str, path: str, query: dict[str, str] | None, body: bytes | None) -> Answer:
        # A str body with lone surrogates as they arrive from a JSON-decoded event, too.
        text = body.decode("utf-8") if body is not None else None
        event = http_event(method, path, query=query, raw_body=text)
        response = app.handle_http(event)
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    return send


def local_sender(base: str) -> Send:
    host, port = urlsplit(base).hostname, urlsplit(base).port

    def send(method: str, path: str, query: dict[str, str] | None, body: bytes | None) -> Answer:
        target = quote(path)
        if query:
            target += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            return response.status, json.loads(payload), dict(response.getheaders())
        finally:
            connection.close()

    return send


@pytest.fixture(params=["lambda", "local"])
def send(request, moto_s3, serve_locally) -> Send:
    if request.param == "lambda":
        return lambda_sender(moto_s3)
    return local_sender(
        serve_locally(IP_LIMIT="1", GLOBAL_LIMIT="1000", LOCAL_PREVIEW_DELAY_SECONDS="0")
    )


@pytest.mark.parametrize(
    ("name", "method", "path", "query", "body", "status", "code"),
    BAD_INPUT,
    ids=[f"{row[0]} {row[2]}" for row in BAD_INPUT],
)
def test_bad_input_is_a_4xx_with_the_error_shape(
    send, name, method, path, query, body, status, code
):
    got_status, got_body, headers = send(method, path, query, body)
    assert (got_status, got_body.get("code")) == (status, code), got_body
    assert set(got_body) == {"error", "code"} and got_body["error"]
    assert headers["Content-Type"] == "application/json"


def test_no_bad_request_is_counted_by_the_rate_limiter(send):
    for _, method, path, query, body, status, _ in BAD_INPUT:
        assert send(method, path, query, body)[0] == status
    # IP_LIMIT=1: the address's one request of the day is still there.
    assert send("POST", "/generate", None, b'{"prompt": "a red kite"}')[0] == 202
    assert send("POST", "/generate", None, b'{"prompt": "a red kite"}')[0] == 429


def test_a_prompt_with_visible_text_among_zero_width_characters_is_accepted(send):
    status, body, _ = send("POST", "/generate", None, '{"prompt": "\u200ba\u200bcat"}'.encode())
    assert status == 202, body
