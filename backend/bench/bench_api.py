"""Benchmark of the request path and the job pipeline, on the local store (no network).

Prints: cold import time of the handler, /generate and /status latency (median and p95 over
repeated requests), the wall time of one job of 20 models that each take 1 s, and the peak
Python memory of that job. Run with `make bench`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent))

from bootstrap import build_app  # noqa: E402
from jobs.executor import JobExecutor  # noqa: E402
from models.types import GenerationParams, ImageResult  # noqa: E402
from tests.api_events import http_event  # noqa: E402


class NoDispatch:
    def dispatch(self, job_id: str) -> None:
        pass


def cold_import_ms() -> float:
    code = (
        "import time; t = time.perf_counter(); import lambda_function, bootstrap; "
        "print(time.perf_counter() - t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                cwd=HERE.parent / "src",
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs) * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        env = {
            "DATA_DIR": data,
            "GLOBAL_LIMIT": "100000",
            "IP_LIMIT": "100000",
            "MODEL_COUNT": "20",
        }
        env.update({f"MODEL_{i}_NAME": f"Bench {i}" for i in range(1, 21)})
        env.update({f"MODEL_{i}_PROVIDER": "local" for i in range(1, 21)})
        app = build_app(env, dispatcher=NoDispatch())
        generate, status, job_id = [], [], None
        for _ in range(200):
            start = time.perf_counter()
            response = app.handle_http(
                http_event("POST", "/generate", {"prompt": "a lighthouse at dusk"})
            )
            generate.append((time.perf_counter() - start) * 1000)
            job_id = json.loads(response["body"])["jobId"]
            start = time.perf_counter()
            app.handle_http(http_event("GET", f"/status/{job_id}"))
            status.append((time.perf_counter() - start) * 1000)

        def slow_handler(model, prompt, params):
            time.sleep(1)
            return ImageResult.success(b"\x89PNG\r\n\x1a\n" + b"0" * 200_000, "image/png")

        executor = JobExecutor(app.jobs, app.images, 10, handler_for=lambda _p: slow_handler)
        tracemalloc.start()
        start = time.perf_counter()
        finished = executor.run(job_id, app.registry.get_all_models(), GenerationParams(timeout=10))
        wall = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()

    print(f"cold import (lambda_function + bootstrap): {cold_import_ms():.0f} ms median of 5")
    print(summary("POST /generate", generate))
    print(summary("GET /status", status))
    print(f"20 models x 1 s each: {wall:.2f} s wall, status {finished.status}")
    print(f"peak Python memory during that job: {peak:.1f} MB")


def summary(name: str, millis: list[float]) -> str:
    median, p95 = statistics.median(millis), percentile(millis, 0.95)
    return f"{name}: median {median:.2f} ms, p95 {p95:.2f} ms over {len(millis)} requests"


if __name__ == "__main__":
    main()
