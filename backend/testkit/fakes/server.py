"""A scriptable HTTP server on 127.0.0.1 for contract tests of provider handlers.

Each provider's fake (``testkit/fakes/<provider>_api.py``) subclasses nothing: it registers route
functions that receive the recorded ``Request`` and return a ``Reply``. Tests then assert on
``server.requests`` (what the real SDK sent) and on the handler's result.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    """Never answer (until the server stops): the handler must time out on its own."""

    @classmethod
    def json(cls, payload, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )


Route = Callable[[Request], Reply]


class FakeServer:
    """Threaded server; ``route(method, path_prefix, fn)`` scripts replies, longest prefix wins.

    ``post_delay`` holds every POST reply back that many seconds: a provider that takes time to
    draw, for the benchmark's parallel-efficiency figures (generation calls are POSTs).
    ``record=False`` keeps no ``requests`` (a long benchmark run would keep every image).
    """

    def __init__(self, post_delay: float = 0.0, record: bool = True) -> None:
        self.requests: list[Request] = []
        self.post_delay = post_delay
        self.record = record
        self._routes: dict[tuple[str, str], Route] = {}
        self._stop = threading.Event()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                if fake.record:
                    fake.requests.append(request)
                reply = fake._dispatch(request)
                if self.command == "POST" and fake.post_delay:
                    fake._stop.wait(fake.post_delay)
                if reply.hang:
                    fake._stop.wait(120)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path_prefix: str, fn: Route) -> None:
        self._routes[(method.upper(), path_prefix)] = fn

    def _dispatch(self, request: Request) -> Reply:
        matches = [
            (prefix, fn)
            for (method, prefix), fn in self._routes.items()
            if method == request.method and request.path.startswith(prefix)
        ]
        if not matches:
            return Reply.json({"error": {"message": "no such route"}}, status=404)
        return max(matches, key=lambda m: len(m[0]))[1](request)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def png_bytes(size: tuple[int, int] = (8, 8), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real, decodable PNG for fakes to return."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
