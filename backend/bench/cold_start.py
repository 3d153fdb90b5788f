"""Figure 1, cold start: what a new Lambda container pays before it answers its first event.

What is measured is what ships: the function's artifact as ``sam build`` makes it
(``backend/Makefile``: the requirements for Lambda's platform plus ``src/``, compiled to
Python 3.12 bytecode), copied and made read-only, as Lambda's /var/task is. Each variant runs
in a fresh interpreter with ``-S -B`` (no site-packages, no bytecode writes): the artifact's
interpreter sees the standard library and the artifact only, so a module missing from the
artifact fails here as it would in Lambda, and nothing compiled at run time is kept.

- The floor is what any S3-backed Python Lambda pays: a compiled ``import boto3``, one S3
  client and one request (boto3 from the benchmark's virtualenv, compiled).
- The first event is a real API Gateway payload-2.0 ``GET /status/{jobId}`` through
  ``lambda_function.lambda_handler``: import, settings, registry, content filter, the S3
  client, one S3 read, the JSON answer. It must answer 200.
- The same first event from the artifact stripped of its ``.pyc`` files is what the build
  shipped before it compiled (every cold container compiled ~3,700 modules it imported); it
  is reported beside, without a target.

Variants are interleaved run by run, and each target is the median of the run-by-run ratios
(a variant against its floor measured moments before): pairing keeps the ratio meaningful when
the machine's speed drifts during the measurement, as it does on shared machines (a ratio of
medians taken over the same runs swung from 1.2x to 1.5x between two runs of this figure).
``--quick`` (the smoke test) builds the artifact from ``src/`` alone, compiled the
same way, and takes the dependencies from the virtualenv: its figures mean nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import BACKEND, Figure, Settings, at_most, latency_figures
from bench.s3_server import BUCKET, FAKE_CREDENTIALS, MotoS3

# Peak RSS is VmHWM: getrusage's ru_maxrss would carry the benchmark's own peak across exec.
_PROBE = """
import time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(elapsed * 1000, int(status) / 1024)
"""
_FLOOR = (
    "import boto3\n"
    "client = boto3.client('s3', endpoint_url={endpoint!r})\n"
    "client.head_bucket(Bucket={bucket!r})"
)
_FIRST_EVENT = (
    "import json, lambda_function\n"
    "answer = lambda_function.lambda_handler(json.loads({event!r}), None)\n"
    "assert answer['statusCode'] == 200, answer"
)
# What the deployed function's environment holds, minus the secret (reading it is a network call).
_LAMBDA_ENVIRONMENT = {
    **FAKE_CREDENTIALS,
    "AWS_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "pixel-prompt",
    "S3_BUCKET": BUCKET,
    "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
    "MODEL_COUNT": "9",
    **{
        f"MODEL_{i}_NAME": name
        for i, name in enumerate(
            (
                "GPT Image 2.6",
                "Nano Banana 2.1",
                "Gemini 3 Pro Image",
                "Stable Diffusion 3.5 Large",
                "Flux 2 Pro",
                "Stable Image Ultra",
                "Recraft v4",
                "Stable Image Core",
                "Flux Dev",
            ),
            start=1,
        )
    },
}


def build_artifact(target: Path, quick: bool) -> Path:
    """The function's artifact, by the recipe ``sam build`` runs (backend/Makefile)."""
    if quick:
        shutil.copytree(BACKEND / "src", target, ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run(
            [
                *(sys.executable, "-m", "compileall", "-q", "-j", "0"),
                *("--invalidation-mode", "unchecked-hash", str(target)),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return target
    build = subprocess.run(
        [
            *("make", "--no-print-directory", "-C", str(BACKEND), "build-PixelPromptFunction"),
            *(f"ARTIFACTS_DIR={target}", f"PYTHON={sys.executable}"),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        raise RuntimeError(f"the artifact did not build:\n{build.stderr[-3000:]}")
    return target


def _read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _probe(statement: str, cwd: Path, pythonpath: str, extra_env: dict[str, str]) -> tuple:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MODEL_", "PYTHON"))}
    env.update(_LAMBDA_ENVIRONMENT, **extra_env)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    output = subprocess.run(
        [sys.executable, "-S", "-B", "-c", _PROBE.format(statement=statement)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        raise RuntimeError(f"cold-start probe failed in {cwd}:\n{output.stderr[-2000:]}")
    fields = output.stdout.split()
    return float(fields[-2]), float(fields[-1])


def _paired_ratio(measured: list[float], floor: list[float]) -> float:
    """The median of ``measured[i] / floor[i]``: each run's variant against its own floor."""
    return statistics.median(m / f for m, f in zip(measured, floor, strict=True))


def _job_id(s3: MotoS3) -> str:
    """A job document in the bucket, written by the application's own job manager."""
    from jobs.manager import JobManager
    from utils.object_store import S3ObjectStore

    return JobManager(S3ObjectStore(s3.client(), BUCKET)).create("a lighthouse", {}, []).jobId


def measure(settings: Settings, s3: MotoS3) -> list[Figure]:
    runs = settings.pick(15, 2)
    from testkit.events import http_event

    event = json.dumps(http_event("GET", f"/status/{_job_id(s3)}"))
    store_env = {"S3_ENDPOINT_URL": s3.endpoint}
    venv_packages = os.pathsep.join(site.getsitepackages())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        artifact = build_artifact(root / "artifact", settings.quick)
        uncompiled = root / "uncompiled"
        shutil.copytree(artifact, uncompiled, ignore=shutil.ignore_patterns("__pycache__"))
        empty = root / "empty"
        empty.mkdir()
        # The quick artifact has no dependencies of its own: the virtualenv stands in for them.
        deps = venv_packages if settings.quick else ""
        variants = {
            "import boto3": (empty, venv_packages, "import boto3"),
            "import boto3 + S3 client + one request": (
                empty,
                venv_packages,
                _FLOOR.format(endpoint=s3.endpoint, bucket=BUCKET),
            ),
            "import lambda_function (artifact)": (artifact, deps, "import lambda_function"),
            "first event (artifact)": (artifact, deps, _FIRST_EVENT.format(event=event)),
            "first event (artifact without .pyc)": (
                uncompiled,
                deps,
                _FIRST_EVENT.format(event=event),
            ),
        }
        millis: dict[str, list[float]] = {name: [] for name in variants}
        rss: dict[str, list[float]] = {name: [] for name in variants}
        _read_only(root)
        try:
            for _ in range(runs):
                for name, (cwd, path, statement) in variants.items():
                    elapsed, peak = _probe(statement, cwd, path, store_env)
                    millis[name].append(elapsed)
                    rss[name].append(peak)
        finally:
            _writable(root)
        pyc = sum(1 for _ in artifact.rglob("*.pyc"))
    figures: list[Figure] = []
    for name in variants:
        figures += latency_figures(f"cold start: {name}", millis[name], runs=runs)
        figures.append(
            Figure(f"cold start: {name} peak RSS", round(statistics.median(rss[name]), 1), "MB")
        )
    for name, floor in (
        ("import lambda_function (artifact)", "import boto3"),
        ("first event (artifact)", "import boto3 + S3 client + one request"),
    ):
        ratio = _paired_ratio(millis[name], millis[floor])
        figures.append(
            at_most(
                f"cold start: {name} / {floor}",
                round(ratio, 3),
                "x",
                1.3,
                runs=runs,
                compiled_modules=pyc,
                read_only=True,
            )
        )
    before = _paired_ratio(
        millis["first event (artifact without .pyc)"],
        millis["import boto3 + S3 client + one request"],
    )
    figures.append(
        Figure(
            "cold start: first event (artifact without .pyc) / "
            "import boto3 + S3 client + one request",
            round(before, 3),
            "x",
            {"runs": runs, "what": "the artifact as built before it shipped bytecode"},
        )
    )
    return figures
