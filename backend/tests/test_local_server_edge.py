"""Issue 13.2 and 13.4: the local server's HTTP edge. A burst of clients is queued, not reset;
HTTP-level garbage gets the API's JSON error (never an HTML page, a traceback or a dropped
connection); bodies are capped at 64 KB; chunked bodies are refused with 411."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from local_server import LISTEN_BACKLOG, LocalHTTPServer

CLIENTS = 200


def address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def raw_exchange(base: str, request: bytes, *, close_write: bool = False):
    """Send ``request`` as is; the parsed answer (status, headers, body bytes)."""
    with socket.create_connection(address(base), timeout=10) as sock:
        sock.sendall(request)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def assert_json_error(status, headers, body, expected_status: int, code: str) -> None:
    assert status == expected_status, body[:300]
    assert headers["content-type"] == "application/json", body[:300]
    error = json.loads(body)
    assert set(error) == {"error", "code"} and error["error"], error
    assert error["code"] == code
    assert b"<html" not in body.lower() and b"Traceback" not in body


@pytest.fixture
def base(serve_locally) -> str:
    return serve_locally(GLOBAL_LIMIT="1000000", IP_LIMIT="1000000")


def post(length_header: str, body: bytes = b"") -> bytes:
    return (
        b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + length_header.encode()
        + b"\r\n\r\n"
        + body
    )


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (post("Content-Length: abc"), 400, "INVALID_REQUEST"),
        (post("Content-Length: -1"), 400, "INVALID_REQUEST"),
        (post("Content-Length: +5", b'{"a":'), 400, "INVALID_REQUEST"),
        (post("Content-Length: 1\r\nContent-Length: 2", b"{}"), 400, "INVALID_REQUEST"),
        (post("Content-Length: 99999999999999"), 413, "PAYLOAD_TOO_LARGE"),
        (post("Content-Length: 99999999999999999999999"), 400, "INVALID_REQUEST"),
        (post(f"Content-Length: {64 * 1024 + 1}"), 413, "PAYLOAD_TOO_LARGE"),
        (post("Transfer-Encoding: chunked", b"5\r\nhello\r\n0\r\n\r\n"), 411, "LENGTH_REQUIRED"),
        (b"GET /images/group-images/%00.png HTTP/1.1\r\nHost: x\r\n\r\n", 404, "NOT_FOUND"),
        (b"GET /images/group-images/a%00b/c.png HTTP/1.1\r\nHost: x\r\n\r\n", 404, "NOT_FOUND"),
        (
            b"GET /images/group-images/" + b"a" * 5000 + b".png HTTP/1.1\r\nHost: x\r\n\r\n",
            404,
            "NOT_FOUND",
        ),
        (b"GET /" + b"b" * 5000 + b".js HTTP/1.1\r\nHost: x\r\n\r\n", 404, "NOT_FOUND"),
        (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 404, "NOT_FOUND"),
        (b"NONSENSE\r\n\r\n", 400, "INVALID_REQUEST"),
        (b"GET / HTTP/9.9\r\n\r\n", 400, "INVALID_REQUEST"),
        (b"GET /" + b"c" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "INVALID_REQUEST"),
        (
            b"GET /gallery HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(150)),
            431,
            "INVALID_REQUEST",
        ),
    ],
    ids=[
        "length abc",
        "length -1",
        "length +5",
        "two lengths",
        "length 99999999999999",
        "length 23 digits",
        "64 KB + 1",
        "chunked",
        "NUL image",
        "NUL image folder",
        "5000-char image name",
        "5000-char file name",
        "NUL path",
        "garbage request line",
        "HTTP/9.9",
        "70,000-char request line",
        "150 headers",
    ],
)
def test_http_garbage_gets_a_json_error_never_a_dropped_connection(
    base, request_bytes, status, code
):
    assert_json_error(*raw_exchange(base, request_bytes), status, code)


def test_a_body_shorter_than_its_length_is_a_400(base):
    answer = raw_exchange(base, post("Content-Length: 100", b'{"prompt"'), close_write=True)
    assert_json_error(*answer, 400, "INVALID_REQUEST")


def test_a_body_at_the_cap_is_read_and_judged_by_the_api(base):
    body = b'{"prompt": "a cat"' + b" " * (64 * 1024 - 19) + b"}"
    assert len(body) == 64 * 1024
    status, _, answer = raw_exchange(base, post(f"Content-Length: {len(body)}", body))
    assert status == 202, answer


def test_the_connection_stays_usable_after_an_ordinary_request(base):
    connection = http.client.HTTPConnection(*address(base), timeout=10)
    for _ in range(3):  # keep-alive: three answers on one connection
        connection.request("GET", "/gallery")
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["galleries"] == []
    connection.close()


def test_the_listen_backlog_is_raised():
    server = LocalHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    try:
        assert server.request_queue_size == LISTEN_BACKLOG >= CLIENTS
    finally:
        server.server_close()


def test_two_hundred_clients_at_once_are_all_answered(base):
    """Each client connects at the same moment and asks for the gallery: no connection is
    reset, refused or timed out, and none waits for a SYN retransmission (1 s)."""
    gate = threading.Barrier(CLIENTS)
    connect_seconds: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        gate.wait()
        start = time.perf_counter()
        try:
            with socket.create_connection(address(base), timeout=20) as sock:
                connected = time.perf_counter() - start
                sock.sendall(b"GET /gallery HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                response = http.client.HTTPResponse(sock)
                response.begin()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"status {response.status}")
            with lock:
                connect_seconds.append(connected)
        except Exception as exc:  # every kind of drop counts
            with lock:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(connect_seconds) == CLIENTS
    assert max(connect_seconds) < 1.0, sorted(connect_seconds)[-5:]
