"""The cold worker container of ``job_pipeline``: a fresh interpreter that imports nothing of
the service before its handler module, as Lambda's init phase does.

``python -m bench.cold_worker '[ENVIRON, EVENT, MODULE]'`` (from backend/) prints
``{"init": seconds, "event": seconds}``.
"""

from __future__ import annotations

import json
import sys
import time

import bench.harness  # noqa: F401  (only sys.path: src/ and backend/)


def _cold_child(environ: dict[str, str], payload: dict, entry: str) -> None:
    """The cold container: Lambda's init phase imports the handler module ``entry``, then the
    first event (the worker's) is timed through its ``lambda_handler``."""
    import importlib
    import os

    os.environ.update(environ)
    start = time.perf_counter()
    module = importlib.import_module(entry)
    init = time.perf_counter() - start
    start = time.perf_counter()
    module.lambda_handler(payload, None)
    print(json.dumps({"init": init, "event": time.perf_counter() - start}))


if __name__ == "__main__":
    _cold_child(*json.loads(sys.argv[1]))
