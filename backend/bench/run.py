"""``make bench``: run every figure, print a table, write ``bench/results.json``.

Usage (from backend/): ``python -m bench.run [--quick] [--output PATH] [--only NAME ...]``.
``--quick`` is the smoke test's tiny run: same code paths, a fraction of the work, figures
not meaningful. See bench/README.md for what each figure means and how to read it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    arena_votes,
    cold_start,
    content_filter_speed,
    job_pipeline,
    load,
    package_size,
    rate_limiter,
    request_latency,
)
from bench.harness import Figure, Settings
from bench.s3_server import MotoS3, S3RequestCounter, use_fake_credentials

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"


def sections(
    settings: Settings, s3: MotoS3, counter: S3RequestCounter
) -> dict[str, Callable[[], list[Figure]]]:
    """Every figure group, in the order of bench/README.md."""
    return {
        "cold_start": lambda: cold_start.measure(settings, s3),
        "requests": lambda: request_latency.measure(settings, s3, counter),
        "jobs": lambda: job_pipeline.job_wall_time(settings, s3, counter),
        "storage": lambda: job_pipeline.storage_cost(settings, s3, counter),
        "document_writes": lambda: job_pipeline.document_writes(settings, s3, counter),
        "cost": lambda: job_pipeline.cost_per_job(settings, s3, counter),
        "rate_limit": lambda: (
            rate_limiter.growth(settings)
            + rate_limiter.contention(settings, s3)
            + rate_limiter.crowd(settings, s3)
        ),
        "arena": lambda: arena_votes.measure(settings, s3),
        "content_filter": lambda: content_filter_speed.measure(settings),
        "load": lambda: load.measure(settings),
        "crowd": lambda: load.crowd(settings, s3),
        "package": package_size.measure,
    }


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "unit", "target", "")]
    for f in figures:
        verdict = "" if f.meets_target is None else ("ok" if f.meets_target else "MISSED")
        rows.append((f.name, f"{f.value:g}", f.unit, f.target or "", verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i != 1 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pixel Prompt benchmark")
    parser.add_argument("--quick", action="store_true", help="tiny run for the smoke test")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--only", nargs="*", help="figure groups to run (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the app's per-request logs are not figures
    settings = Settings(quick=args.quick)
    use_fake_credentials()  # before any boto3 client; nothing here may reach AWS
    counter = S3RequestCounter().install()
    started = time.monotonic()
    figures: list[Figure] = []
    with MotoS3() as s3:
        groups = sections(settings, s3, counter)
        unknown = set(args.only or ()) - set(groups)
        if unknown:
            parser.error(f"unknown groups {sorted(unknown)}; choose from {sorted(groups)}")
        for name, measure in groups.items():
            if args.only and name not in args.only:
                continue
            print(f"... {name}", flush=True)
            figures += measure()
    report = {
        "ranAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "quick": settings.quick,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "figures": [f.to_dict() for f in figures],
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(table(figures))
    print(f"{len(figures)} figures in {report['seconds']} s, written to {args.output}")
    return 1 if any(f.meets_target is False for f in figures) and not settings.quick else 0


if __name__ == "__main__":
    raise SystemExit(main())
