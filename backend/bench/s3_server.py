"""S3 for the benchmark: moto's server in a child process on 127.0.0.1, and a request counter.

The server runs apart from the measured process, as S3 does, so its work does not share that
process's GIL. Writes to one object are applied one at a time, writes to different objects
and every read in parallel: real S3 applies each write to an object atomically, moto under
threads does not, and the conditional writes the job manager, the rate limiter and the spend
ledger rely on need that atomicity. Reads need none (a read sees the object before or after a
write), and real S3 does not queue them behind each other: queueing them here made every
client that read one popular object wait for all the others.

``python -m bench.s3_server`` (from backend/) serves and prints its port; ``MotoS3`` starts it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

from bench.harness import BACKEND

BUCKET = "pixel-prompt-bench"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# S3 Standard request prices, us-east-1 (https://aws.amazon.com/s3/pricing/, "Requests &
# data retrievals"): PUT, COPY, POST and LIST per 1,000 requests; GET and all other reads.
PUT_CLASS_USD_PER_1000 = 0.005
GET_CLASS_USD_PER_1000 = 0.0004
_PUT_CLASS = {"PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "CreateBucket"}


def use_fake_credentials() -> None:
    """Credentials that can never reach a real account, and no profile from the host."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)


class MotoS3:
    """``with MotoS3() as s3:`` a bucket at ``s3.endpoint``; the child is killed on exit."""

    def __enter__(self) -> MotoS3:
        use_fake_credentials()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.s3_server"],
            cwd=BACKEND,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.endpoint = f"http://127.0.0.1:{int(self._process.stdout.readline())}"
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint)

    def __exit__(self, *exc: object) -> None:
        self._process.kill()
        self._process.wait()


class S3RequestCounter:
    """Counts the HTTP requests every S3 client created after ``install()`` sends, by operation
    and by what the key holds (``category``).

    It hooks boto3's default session, which ``bootstrap.build_store`` uses, so the count is
    taken at the client: retries included, nothing the application does is missed.
    """

    def __init__(self) -> None:
        self.operations: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self) -> S3RequestCounter:
        import boto3

        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-send.s3", self._count)
        return self

    def _count(self, event_name: str, request: Any = None, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        key = urlsplit(request.url).path.split("/", 2)[-1] if request is not None else ""
        with self._lock:
            self.operations[operation] += 1
            kind = "PUT" if operation in _PUT_CLASS else "GET"
            self.categories[f"{kind} {category(key)}"] += 1

    def reset(self) -> None:
        with self._lock:
            self.operations.clear()
            self.categories.clear()

    def by_category(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self.categories.items()))

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.operations)


def category(key: str) -> str:
    """What an object key holds, for the storage-cost breakdown."""
    if key.startswith("group-images/"):
        return "gallery manifest" if key.endswith("/images.json") else "image"
    if key.startswith("jobs/"):
        return {"cancel.json": "cancel marker", "settled.json": "settlement marker"}.get(
            key.rsplit("/", 1)[-1], "job document"
        )
    return {
        "rate-limit": "rate-limit counter",
        "gallery-index": "gallery index",
        "spend": "spend ledger",
        "idempotency": "idempotency record",
    }.get(key.split("/", 1)[0], "other")


def put_class(operations: dict[str, int]) -> int:
    return sum(n for op, n in operations.items() if op in _PUT_CLASS)


def get_class(operations: dict[str, int]) -> int:
    return sum(n for op, n in operations.items() if op not in _PUT_CLASS)


def request_cost_usd(operations: dict[str, int]) -> float:
    return (
        put_class(operations) * PUT_CLASS_USD_PER_1000
        + get_class(operations) * GET_CLASS_USD_PER_1000
    ) / 1000


def main() -> None:
    import logging

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def atomic_per_object(environ: dict, start_response: Any) -> list[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):  # reads, listings included
            return list(app(environ, start_response))
        with locks[environ.get("PATH_INFO", "")]:  # path-style URLs: /bucket/key
            return list(app(environ, start_response))

    server = make_server("127.0.0.1", 0, atomic_per_object, threaded=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
