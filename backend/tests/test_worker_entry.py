"""The worker entry point: its init phase imports the configured providers' SDKs, which the
API's entry point never does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent

CHILD = """
import json, os, sys, time
os.environ.update(json.loads(sys.argv[1]))
import lambda_function
api_only = [m for m in ('openai', 'google.genai') if m in sys.modules]
import worker_function
after_init = [m for m in ('openai', 'google.genai') if m in sys.modules]
from models.handlers import common
clients = sorted(type(c).__module__.split('.')[0] for cache in common._client_caches
                 for c in cache.values())
ignored = worker_function.lambda_handler({"rawPath": "/generate"}, None)
missing = worker_function.lambda_handler({"action": "run_job", "jobId": "nope"}, None)
print(json.dumps([api_only, after_init, ignored, missing, clients]))
"""


def in_a_fresh_interpreter(environ: dict[str, str]) -> list:
    """What ``CHILD`` reports, run in a new interpreter with ``environ`` (a cold container)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(environ)],
        cwd=BACKEND / "src",
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_worker_entry_imports_the_configured_sdks_at_init(tmp_path):
    environ = {
        "DATA_DIR": str(tmp_path),
        "MODEL_COUNT": "2",
        "MODEL_1_NAME": "GPT Image 1",
        "MODEL_1_KEY": "sk-test-openai-0123456789",
        "MODEL_2_NAME": "Gemini 2.5 Flash Image",
        "MODEL_2_KEY": "AIza-test-google-0123456789",
    }
    api_only, after_init, ignored, missing, clients = in_a_fresh_interpreter(environ)
    assert api_only == []
    assert after_init == ["openai", "google.genai"]
    assert clients == ["google", "openai"]  # each model's client, created ahead
    assert ignored == {"status": "ignored"}
    assert missing == {"jobId": "nope", "status": "missing"}


def test_a_worker_with_no_models_prepares_nothing(tmp_path):
    environ = {"DATA_DIR": str(tmp_path), "MODEL_COUNT": "0"}
    api_only, after_init, _, _, clients = in_a_fresh_interpreter(environ)
    assert api_only == after_init == clients == []
