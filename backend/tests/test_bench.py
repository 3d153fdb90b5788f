"""The benchmark's smoke test: ``python -m bench.run --quick`` runs every figure group with
tiny settings, so ``make bench`` cannot rot. The figures of a quick run mean nothing; what is
checked here is that each group ran, wrote well-formed records, and that the invariants hold
(no load errors, the rate limiter exact under contention, requests actually counted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(320)  # the quick run itself takes about half a minute


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--output", str(output)],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "figures in" in run.stdout  # the table was printed
    return json.loads(output.read_text())


def figure(report: dict, name: str) -> dict:
    (match,) = [f for f in report["figures"] if f["name"] == name]
    return match


def test_every_figure_is_a_named_number_with_its_unit_and_parameters(report):
    assert report["quick"] is True
    names = [f["name"] for f in report["figures"]]
    assert len(names) == len(set(names))
    for f in report["figures"]:
        assert isinstance(f["value"], int | float) and f["unit"], f
        assert isinstance(f["params"], dict), f
        assert (f["target"] is None) == (f["meets_target"] is None), f
    groups = ("cold start", "POST /generate", "GET /status", "GET /gallery", "cold first job")
    groups += ("warm job", "S3 ", "Lambda compute", "cost per 9-model job")
    groups += ("rate limit", "content filter", "load:", "deployment package")
    for group in groups:
        assert any(name.startswith(group) for name in names), group


def test_invariants_hold_even_in_a_tiny_run(report):
    assert figure(report, "load: errors")["value"] == 0
    assert figure(report, "load: jobs completed per second")["value"] > 0
    for name in ("dropped connections", "wrong refusals", "5xx answers"):
        assert figure(report, f"crowd on S3: {name}")["value"] == 0, name
    assert figure(report, "crowd on S3: request p99")["params"]["requests"] > 0
    far = "rate limit: 40 concurrent distinct addresses, limits far above, refused"
    assert figure(report, far)["value"] == 0
    assert figure(report, "rate limit: 40 concurrent at GLOBAL_LIMIT=25, admitted")["value"] == 25
    admitted = figure(report, "rate limit: 50 concurrent checks, limit 10, admitted")
    assert admitted["value"] == 10 and admitted["meets_target"] is True
    # /generate: two rate-limit counters and a spend-ledger shard (read, conditional write
    # each) and the create-only job write
    assert figure(report, "POST /generate S3 requests")["value"] == 7
    assert figure(report, "GET /status S3 requests")["value"] == 1
    breakdown = figure(report, "S3 PUT-class requests per 9-model job")["params"]
    assert breakdown["PUT image"] == 9 and breakdown["PUT gallery manifest"] == 1
    assert figure(report, "S3 writes per 9-model job beyond two per model")["meets_target"]
    # a first page is one GET of the head; after a cursor, one LIST and one GET
    for limit in (10, 100):
        page = figure(report, f"GET /gallery S3 requests, first page of {limit}")
        assert page["params"] == {"GetObject": 1}  # the head
    later = figure(report, "GET /gallery S3 requests, 100 after a cursor")
    assert later["params"] == {"ListObjectsV2": 1, "GetObject": 1}
    compute = figure(report, "Lambda compute per 20-model job")
    assert compute["params"]["memory_mb"] >= 128 and compute["value"] > 0
    for entry in ("worker entry", "API entry"):
        cold = figure(report, f"cold first job ({entry}): 20 models, local store, wall / one model")
        assert cold["value"] >= 1 and cold["params"]["init_seconds"] > 0
    package = figure(report, "deployment package, unzipped")
    assert "boto3" not in package["params"]["largest_mb"]
    assert 0 < package["value"] < 250


def test_cost_per_job_puts_providers_beside_storage_and_compute(report):
    providers = figure(report, "cost per 9-model job: providers")
    assert providers["value"] == providers["params"]["estimatedCostUsd"] > 0  # all completed
    s3 = figure(report, "cost per 9-model job: S3 requests")
    assert 0 < s3["value"] < providers["value"]
    assert s3["params"]["PUT spend ledger"] >= 2  # the reservation and its settlement
    compute = figure(report, "cost per 9-model job: Lambda compute")
    assert 0 < compute["value"] < providers["value"]
    assert 0 < figure(report, "cost per 9-model job: S3 + Lambda share of the total")["value"] < 100
