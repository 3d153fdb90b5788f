"""Run the Lambda handler on this machine: no AWS account, no keys (``make dev``).

A threaded standard-library HTTP server turns each request into an API Gateway payload 2.0
event and calls the same ``App.handle_http`` the Lambda uses. The client address is the TCP
peer (``X-Forwarded-For`` is not trusted). Stored images are served under ``/images/<key>``,
standing in for CloudFront, and the built frontend (``frontend/dist``) is served at ``/``.
Jobs run on a background thread instead of an asynchronous Lambda self-invocation.

Without any MODEL_N_NAME the server configures three built-in ``local`` preview models, so
the whole flow works out of the box.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from bootstrap import build_app  # noqa: E402 - needs src/ on the path first
from utils.object_store import ObjectNotFound  # noqa: E402

LOCAL_MODELS = ("Local Preview Sunrise", "Local Preview Dusk", "Local Preview Night")
FRONTEND_DIST = ROOT / "frontend" / "dist"


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
    return environ


def make_handler(app):
    not_found = b'{"error": "no such image", "code": "NOT_FOUND"}'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "PixelPromptLocal"

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

        def _serve_image(self, key: str) -> None:
            try:
                data, content_type = app.images.get_image(key)  # group-images/ only, as CloudFront
            except ObjectNotFound:
                self._send(404, {"Content-Type": "application/json"}, not_found)
                return
            self._send(200, {"Content-Type": content_type, "Cache-Control": "max-age=86400"}, data)

        def _serve_frontend(self, path: str) -> bool:
            if not FRONTEND_DIST.is_dir():
                return False
            target = (FRONTEND_DIST / path.lstrip("/")).resolve()
            if path in ("", "/") or not target.is_file() or FRONTEND_DIST not in target.parents:
                target = FRONTEND_DIST / "index.html"
            if not target.is_file():
                return False
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, {"Content-Type": content_type}, target.read_bytes())
            return True

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            if self.command in ("GET", "HEAD") and path.startswith("/images/"):
                self._serve_image(path.removeprefix("/images/"))
                return
            if self.command == "GET" and path == "/" and self._serve_frontend(path):
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            event = {
                "version": "2.0",
                "rawPath": path,
                "rawQueryString": parts.query,
                "queryStringParameters": dict(parse_qsl(parts.query, keep_blank_values=True))
                or None,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "isBase64Encoded": False,
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
            self._send(response["statusCode"], response["headers"], response["body"].encode())

        def __getattr__(self, name: str):
            """Every method (GET, TRACE, QUERY, ...) goes to the router, as API Gateway's does."""
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

    return Handler


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    environ = local_environment(dict(os.environ))
    os.environ.update({k: v for k, v in environ.items() if k not in os.environ})
    app = build_app(environ)
    host, port = environ.get("HOST", "127.0.0.1"), int(environ.get("PORT", "8000"))
    server = ThreadingHTTPServer((host, port), make_handler(app))
    server.daemon_threads = True
    names = ", ".join(f"{m.name} [{m.provider}]" for m in app.registry.get_all_models())
    print(
        f"Pixel Prompt API on http://{host}:{port}  data: {app.settings.data_dir}  models: {names}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nshutting down")
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
