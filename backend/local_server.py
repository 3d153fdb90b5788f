"""Run the Lambda handler on this machine: no AWS account, no keys (``make dev``).

A threaded standard-library HTTP server turns each request into an API Gateway payload 2.0
event and calls the same ``App.handle_http`` the Lambda uses. The client address is the TCP
peer (``X-Forwarded-For`` is not trusted). Stored images are served under ``/images/<key>``,
standing in for CloudFront, and the built web client (``frontend/dist``) is served at ``/``
with its assets, as a static host would. Jobs run on a background thread instead of an
asynchronous Lambda self-invocation; at start-up the jobs a previous run left unfinished are
run or ended (``jobs.recovery``).

Without any MODEL_N_NAME the server configures three built-in ``local`` preview models
(model ids ``local-sunrise``, ``local-dusk``, ``local-night``), so the whole flow, arena votes
included, works out of the box. ``LOCAL_PREVIEW_DELAY_SECONDS`` (default 1.5, ``0`` for
none) makes preview model k answer after k times that delay, so a person sees the cards run
and fill in one after another. It exists only here: the Lambda never reads it.

``--no-dotenv`` ignores the repository's ``.env`` (the end-to-end tests use it, so they never
reach a provider or a bucket configured there).

The HTTP edge refuses what API Gateway would, with the API's JSON error shape and never an
HTML page or a dropped connection: a body over 64 KB (413 ``PAYLOAD_TOO_LARGE``), a malformed
``Content-Length`` (400), a chunked body (411 ``LENGTH_REQUIRED``), a malformed request line
or header block (http.server's own refusals, rewritten as JSON). Its listen backlog is large
enough that hundreds of clients connecting at once are queued, not reset.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import math
import mimetypes
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from api.http import MAX_BODY_BYTES  # noqa: E402
from bootstrap import build_app  # noqa: E402
from jobs.recovery import recover_unfinished  # noqa: E402
from models.handlers import get_handler  # noqa: E402
from models.types import GeneratedImage, GenerationParams, ImageHandler, ModelConfig  # noqa: E402
from utils.object_store import ObjectNotFound  # noqa: E402

LOCAL_MODELS = ("Local Preview Sunrise", "Local Preview Dusk", "Local Preview Night")
FRONTEND_DIST = ROOT / "frontend" / "dist"
PREVIEW_DELAY_DEFAULT = "1.5"
NOT_BUILT = (
    b"The Pixel Prompt web client is not built yet: run `make dev` (it needs Node.js and npm)."
    b" The API itself is running here: POST /generate, GET /status/{jobId}, POST /enhance,"
    b" GET /gallery.\n"
)
# Types of the files a Vite build emits, independent of the host's mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # Vite puts a content hash in /assets/ names
# CORS is the host's job, not the function's: deployed, API Gateway's CorsConfiguration in
# template.yaml adds these (and answers preflights); here the local server does, with the same
# values (a test compares them with the template).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Authorization, X-Requested-With, Idempotency-Key"
    ),
    "Access-Control-Expose-Headers": "X-Request-Id, Retry-After",
    "Access-Control-Max-Age": "86400",
}
# socketserver listens with a backlog of 5: a burst of clients got resets and 1 s SYN retries.
LISTEN_BACKLOG = 1024
SOCKET_TIMEOUT_SECONDS = 30  # a client that announces a body and never sends it is let go
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")
# The API's error code for each status http.server or the edge answers with itself.
_EDGE_CODES = {
    HTTPStatus.NOT_FOUND: "NOT_FOUND",
    HTTPStatus.LENGTH_REQUIRED: "LENGTH_REQUIRED",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
}


class LocalHTTPServer(ThreadingHTTPServer):
    """One thread per connection, daemon threads, and a listen backlog for bursts."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


class EdgeError(Exception):
    """A request refused at the HTTP edge, before the app sees it."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def read_body(headers, rfile, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or ``EdgeError``: chunked (411), a Content-Length that is not one
    non-negative decimal number (400), over ``limit`` bytes (413, nothing read), shorter
    than announced (400)."""
    encoding = (headers.get("Transfer-Encoding") or "").strip().lower()
    if encoding and encoding != "identity":
        raise EdgeError(
            HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not accepted; send Content-Length"
        )
    values = headers.get_all("Content-Length") or []
    if not values:
        return b""
    if len(set(v.strip() for v in values)) > 1 or not _CONTENT_LENGTH.fullmatch(values[0].strip()):
        raise EdgeError(
            HTTPStatus.BAD_REQUEST, "Content-Length must be one non-negative decimal number"
        )
    length = int(values[0])
    if length > limit:
        raise EdgeError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body is over {limit // 1024} KB"
        )
    body = rfile.read(length) if length else b""
    if len(body) != length:
        raise EdgeError(HTTPStatus.BAD_REQUEST, "request body is shorter than Content-Length")
    return body


def load_dotenv(path: Path, environ: dict[str, str]) -> None:
    """Minimal ``.env`` reader (KEY=VALUE lines); variables already set win."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        environ.setdefault(name.strip(), value.strip().strip("'\""))


def local_environment(base: dict[str, str], dotenv: Path | None = ROOT / ".env") -> dict[str, str]:
    """The environment the local app sees: .env, then embedded defaults for what is unset."""
    environ = dict(base)
    if dotenv is not None:
        load_dotenv(dotenv, environ)
    environ.setdefault("DATA_DIR", str(ROOT / ".data"))
    host, port = environ.get("HOST", "127.0.0.1"), environ.get("PORT", "8000")
    environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    if not any(name.startswith("MODEL_") and name.endswith("_NAME") for name in environ):
        environ["MODEL_COUNT"] = str(len(LOCAL_MODELS))
        for index, name in enumerate(LOCAL_MODELS, start=1):
            environ[f"MODEL_{index}_NAME"] = name
            environ[f"MODEL_{index}_PROVIDER"] = "local"
            # Distinct ids: the arena tells models apart by provider and model id.
            environ[f"MODEL_{index}_MODEL_ID"] = "local-" + name.rsplit(" ", 1)[-1].lower()
    return environ


def preview_delay(environ: dict[str, str]) -> float:
    """``LOCAL_PREVIEW_DELAY_SECONDS`` as a finite number of seconds, 0 or more."""
    raw = environ.get("LOCAL_PREVIEW_DELAY_SECONDS", PREVIEW_DELAY_DEFAULT)
    try:
        delay = float(raw)
    except ValueError:
        delay = math.nan
    if not math.isfinite(delay) or delay < 0:
        raise ValueError(
            f"LOCAL_PREVIEW_DELAY_SECONDS must be a number of seconds >= 0, not {raw!r}"
        )
    return delay


def preview_handler_for(
    delay: float, sleep: Callable[[float], None] = time.sleep
) -> Callable[[str], ImageHandler]:
    """The image handlers, except that ``local`` preview model k answers after k times ``delay``."""

    def handler_for(provider: str) -> ImageHandler:
        handler = get_handler(provider)
        if provider != "local" or delay <= 0:
            return handler

        def delayed(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
            sleep(model.index * delay)
            return handler(model, prompt, params)

        return delayed

    return handler_for


def static_file(dist: Path, path: str) -> Path | None:
    """The file under ``dist`` that ``path`` names (``/`` is index.html), or None; never a file
    outside ``dist``."""
    relative = "index.html" if path == "/" else path.lstrip("/")
    try:
        target = (dist / relative).resolve()
        if not target.is_relative_to(dist.resolve()) or not target.is_file():
            return None
    except (OSError, ValueError):  # a NUL byte, a symlink loop, a name too long
        return None
    return target


def make_handler(app):
    not_found = b'{"error": "no such image", "code": "NOT_FOUND"}'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "PixelPromptLocal"
        timeout = SOCKET_TIMEOUT_SECONDS

        def log_message(self, fmt: str, *args) -> None:
            logging.getLogger("pixel_prompt.local").debug(fmt, *args)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None):
            """http.server's own refusals (bad request line, headers too long, ...) as the
            API's JSON error instead of an HTML page; the connection is then closed."""
            status = HTTPStatus(code)
            if status == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:  # the client's fault: a 4xx
                status = HTTPStatus.BAD_REQUEST
            if self.request_version == "HTTP/0.9":  # unparsed: answer with a status line
                self.request_version = "HTTP/1.0"
            self._refuse(status, message or explain or status.phrase)

        def _refuse(self, status: HTTPStatus, message: str) -> None:
            self.close_connection = True
            fallback = "INVALID_REQUEST" if status < 500 else "INTERNAL_ERROR"
            error = {"error": message, "code": _EDGE_CODES.get(status, fallback)}
            headers = {"Content-Type": "application/json", **CORS_HEADERS, "Connection": "close"}
            self._send(status, headers, json.dumps(error).encode())

        def _serve_image(self, key: str) -> None:
            try:
                data, content_type = app.images.get_image(key)  # group-images/ only, as CloudFront
            except ObjectNotFound:
                self._send(404, {"Content-Type": "application/json"}, not_found)
                return
            self._send(200, {"Content-Type": content_type, "Cache-Control": "max-age=86400"}, data)

        def _serve_frontend(self, path: str) -> bool:
            """A file of the built web client; False when ``path`` names none."""
            target = static_file(FRONTEND_DIST, path)
            if target is None:
                if path != "/":
                    return False
                self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, NOT_BUILT)
                return True
            content_type = CONTENT_TYPES.get(target.suffix) or (
                mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            )
            cache = IMMUTABLE if path.startswith("/assets/") else "no-cache"
            self._send(
                200, {"Content-Type": content_type, "Cache-Control": cache}, target.read_bytes()
            )
            return True

        def _dispatch(self) -> None:
            try:
                self._answer()
            except EdgeError as exc:
                self._refuse(exc.status, exc.message)
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the client left or stalled; nobody to answer
            except Exception:
                logging.getLogger("pixel_prompt.local").exception("local server error")
                self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            if self.command in ("GET", "HEAD") and path.startswith("/images/"):
                self._serve_image(path.removeprefix("/images/"))
                return
            if (
                self.command in ("GET", "HEAD")
                and not app.router.knows(path.rstrip("/") or "/")
                and self._serve_frontend(path)
            ):
                return
            body = read_body(self.headers, self.rfile)
            event = {
                "version": "2.0",
                "rawPath": path,
                "rawQueryString": parts.query,
                "queryStringParameters": dict(parse_qsl(parts.query, keep_blank_values=True))
                or None,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": base64.b64encode(body).decode("ascii"),  # the bytes as sent
                "isBase64Encoded": True,
                "requestContext": {
                    "stage": "$default",
                    "http": {
                        "method": self.command,
                        "path": path,
                        "sourceIp": self.client_address[0],
                    },
                },
            }
            response = app.handle_http(event)
            headers = {**CORS_HEADERS, **response["headers"]}
            body = response["body"].encode("utf-8", "backslashreplace")
            self._send(response["statusCode"], headers, body)

        def __getattr__(self, name: str):
            """Every method (GET, TRACE, QUERY, ...) goes to the router, as API Gateway's does."""
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

    return Handler


def start_recovery(app) -> threading.Thread:
    """Run or end, in the background, the unfinished jobs a previous run left behind
    (``jobs.recovery``): their workers were threads of that process."""

    def recover() -> None:
        try:
            recover_unfinished(app.jobs, app.dispatcher.dispatch)
        except Exception:  # storage unreachable: /status still ends each job when read
            logging.getLogger("pixel_prompt.local").exception("start-up job recovery failed")

    thread = threading.Thread(target=recover, name="recover-jobs", daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Pixel Prompt on this machine.")
    parser.add_argument("--no-dotenv", action="store_true", help="ignore the repository's .env")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    environ = local_environment(dict(os.environ), dotenv=None if args.no_dotenv else ROOT / ".env")
    os.environ.update({k: v for k, v in environ.items() if k not in os.environ})
    try:
        delay = preview_delay(environ)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    app = build_app(environ, handler_for=preview_handler_for(delay))
    start_recovery(app)
    host, port = environ.get("HOST", "127.0.0.1"), int(environ.get("PORT", "8000"))
    server = LocalHTTPServer((host, port), make_handler(app))
    names = ", ".join(f"{m.name} [{m.provider}]" for m in app.registry.get_all_models())
    served = "web client and API" if static_file(FRONTEND_DIST, "/") else "API only, no web client"
    print(
        f"Pixel Prompt on http://{host}:{port} ({served})  data: {app.settings.data_dir}"
        f"  models: {names}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nshutting down")
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
