"""schemathesis fuzzes the local server with docs/openapi.yaml and must find nothing:
no 5xx, every response and status code as documented, invalid input rejected, valid accepted."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from bootstrap import build_app
from local_server import local_environment, make_handler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_api(tmp_path):
    limits = {"DATA_DIR": str(tmp_path), "GLOBAL_LIMIT": "1000000", "IP_LIMIT": "1000000"}
    environ = local_environment(
        limits, dotenv=None
    )  # the built-in local models, whatever .env says
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(build_app(environ)))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_schemathesis_finds_nothing(local_api, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            str(ROOT / "docs" / "openapi.yaml"),
            "--url",
            local_api,
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "20261126",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
