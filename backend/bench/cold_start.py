"""Figure 1, cold start: what a new Lambda container pays before it answers.

Each variant runs in a fresh interpreter (``python -c``) from a copy of ``src/`` without
``__pycache__`` and with bytecode writing off: Lambda's /var/task is read-only, so the
function's own modules are compiled at every cold start (the runtime's boto3 has its .pyc).
Each reports its time and the process's peak RSS. ``import boto3`` is the floor every Lambda on
this stack pays; the handler is compared with it as a ratio measured in the same run,
interleaved, so machine noise cancels. The first event also builds the app (settings,
registry, the S3 and Lambda clients); that is measured too, because a lazy import that only
moves cost to the first request would be no gain. Its floor is a function that imports boto3
and creates an S3 client, which any S3-backed Lambda must do.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import BACKEND, Figure, Settings, at_most, latency_figures

# Peak RSS is VmHWM: getrusage's ru_maxrss would carry the benchmark's own peak across exec.
_PROBE = """
import time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(elapsed * 1000, int(status) / 1024)
"""
VARIANTS = {
    "import boto3": "import boto3",
    "import boto3 + S3 client": "import boto3\nboto3.client('s3')",
    "import lambda_function": "import lambda_function",
    "first event (import + build app)": "import lambda_function\nlambda_function.get_service()",
}
# What the deployed function's environment holds, minus the secret (reading it is a network call).
_LAMBDA_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "pixel-prompt-pixel-prompt",
    "WORKER_FUNCTION_NAME": "pixel-prompt-worker",
    "S3_BUCKET": "pixel-prompt-bench",
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


def _probe(statement: str, src: Path) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MODEL_"))}
    env.update(_LAMBDA_ENVIRONMENT, PYTHONDONTWRITEBYTECODE="1")
    output = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(output[-2]), float(output[-1])


def measure(settings: Settings) -> list[Figure]:
    runs = settings.pick(21, 2)
    millis: dict[str, list[float]] = {name: [] for name in VARIANTS}
    rss: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(BACKEND / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
        for _ in range(runs):
            for name, statement in VARIANTS.items():
                elapsed, peak = _probe(statement, src)
                millis[name].append(elapsed)
                rss[name].append(peak)
    figures: list[Figure] = []
    for name in VARIANTS:
        figures += latency_figures(f"cold start: {name}", millis[name], runs=runs)
        figures.append(
            Figure(f"cold start: {name} peak RSS", round(statistics.median(rss[name]), 1), "MB")
        )
    for name, floor in (
        ("import lambda_function", "import boto3"),
        ("first event (import + build app)", "import boto3 + S3 client"),
    ):
        ratio = statistics.median(millis[name]) / statistics.median(millis[floor])
        figures.append(
            at_most(f"cold start: {name} / {floor}", round(ratio, 3), "x", 1.3, runs=runs)
        )
    return figures
