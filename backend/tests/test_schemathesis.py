"""schemathesis fuzzes the local server with docs/openapi.yaml and must find nothing:
no 5xx, every response and status code as documented, invalid input rejected, valid accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_nothing(local_api, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "--config-file",
            str(ROOT / "backend" / "schemathesis.toml"),
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
