"""Figure 8: the local server under load, end to end over HTTP.

``local_server.py`` runs in a child process with its three built-in preview models answering
at once (``LOCAL_PREVIEW_DELAY_SECONDS=0``; each still draws a 512x512 PNG with Pillow) and
the local object store. 20 client threads, each a different person (its own loopback source
address, 127.0.0.2 and up, so each has its own per-IP window as it would in production), loop
for the duration: POST /generate, then poll GET /status every 0.25 s until the job is
terminal. Any answer other than 202/200, any connection error and any job that ends other than
``completed`` is an error.

The crowd (issue 13.11): the same server storing in S3 (moto's server), 200 clients, each from
its own loopback address, for 60 s, each posting /generate and polling /status every second
until the job ends, as the web client does. Limits are far above the load, so every 429 and
every ``SERVICE_BUSY`` is a wrong refusal. Reported: dropped connections (refused, reset,
timed out), wrong refusals and 5xx answers (all must be 0), and p50/p99 of every request.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from bench.harness import BACKEND, Figure, Settings, exactly, latency_figures
from bench.s3_server import FAKE_CREDENTIALS, MotoS3

CLIENTS = 20
POLL_SECONDS = 0.25
TERMINAL = {"completed", "partial", "failed"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _LocalServer:
    def __init__(self, data_dir: str, **store: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"PATH": os.environ.get("PATH", ""), **FAKE_CREDENTIALS}
        env.update(
            HOST="127.0.0.1",
            PORT=str(self.port),
            DATA_DIR=data_dir,
            GLOBAL_LIMIT="1000000000",
            IP_LIMIT="1000000000",
            LOCAL_PREVIEW_DELAY_SECONDS="0",
            RATE_LIMIT_KEY="bench-rate-limit-key-0123456789",
            **store,
        )
        self.process = subprocess.Popen(
            [sys.executable, "local_server.py", "--no-dotenv"],
            cwd=BACKEND,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.url}/gallery", timeout=1)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the local server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connects from one loopback address: the server sees one client per thread."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.completed = 0
        self.errors: list[str] = []
        self.status_millis: list[float] = []


def _client(url: str, deadline: float, tally: _Tally, number: int) -> None:
    session = requests.Session()
    session.mount("http://", _SourceAddressAdapter(f"127.0.0.{2 + number}"))
    while time.monotonic() < deadline:
        try:
            answer = session.post(
                f"{url}/generate", json={"prompt": f"load test {number}"}, timeout=30
            )
            if answer.status_code != 202:
                raise RuntimeError(f"/generate {answer.status_code}")
            job_id = answer.json()["jobId"]
            while True:
                time.sleep(POLL_SECONDS)
                start = time.perf_counter()
                answer = session.get(f"{url}/status/{job_id}", timeout=30)
                elapsed = (time.perf_counter() - start) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"/status {answer.status_code}")
                status = answer.json()["status"]
                with tally.lock:
                    tally.status_millis.append(elapsed)
                if status in TERMINAL:
                    break
            if status != "completed":
                raise RuntimeError(f"job ended {status}")
            with tally.lock:
                tally.completed += 1
        except (requests.RequestException, RuntimeError, ValueError) as exc:
            with tally.lock:
                tally.errors.append(f"{type(exc).__name__}: {exc}")


def _drive(
    server: _LocalServer,
    client: Callable[[str, float, Any, int], None],
    clients: int,
    seconds: float,
    tally: Any,
) -> float:
    """Run ``clients`` threads of ``client`` against ``server`` for ``seconds``, then stop the
    server; the seconds they actually took."""
    try:
        start = time.monotonic()
        deadline = start + seconds
        threads = [
            threading.Thread(target=client, args=(server.url, deadline, tally, n))
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - start
    finally:
        server.stop()


def measure(settings: Settings) -> list[Figure]:
    seconds = settings.pick(30.0, 2.0)
    tally = _Tally()
    with tempfile.TemporaryDirectory() as data:
        server = _LocalServer(data)
        elapsed = _drive(server, _client, CLIENTS, seconds, tally)
    params = {"clients": CLIENTS, "seconds": seconds, "poll_seconds": POLL_SECONDS, "models": 3}
    figures = [
        Figure(
            "load: jobs completed per second", round(tally.completed / elapsed, 2), "jobs/s", params
        ),
        exactly("load: errors", len(tally.errors), "errors", 0, first=tally.errors[:3], **params),
    ]
    if tally.status_millis:
        figures += latency_figures("load: GET /status", tally.status_millis, **params)
    return figures


CROWD_POLL_SECONDS = 1.0


class _CrowdTally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.dropped: list[str] = []
        self.refused: list[str] = []
        self.server_errors: list[str] = []
        self.jobs_completed = 0
        self.jobs_not_completed: list[str] = []
        self.millis: list[float] = []
        self.answers: Counter[str] = Counter()  # every answer that is not 200/202, by kind

    def timed(self, session: requests.Session, method: str, url: str, **kwargs) -> Any:
        """One request; None when the connection dropped (counted), else the response."""
        start = time.perf_counter()
        try:
            answer = session.request(method, url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.requests += 1
                self.dropped.append(f"{method} {type(exc).__name__}")
            return None
        elapsed = (time.perf_counter() - start) * 1000
        with self.lock:
            self.requests += 1
            self.millis.append(elapsed)
            what = f"{method} {urlsplit(url).path.split('/')[1]} {answer.status_code}"
            if answer.status_code not in (200, 202):
                self.answers[f"{what} {_code(answer)}"] += 1
            if answer.status_code == 429 or _code(answer) == "SERVICE_BUSY":
                self.refused.append(what)
            if answer.status_code >= 500:
                self.server_errors.append(f"{what} {_code(answer)}")
        return answer


def _code(answer: requests.Response) -> str | None:
    try:
        return answer.json().get("code")
    except ValueError:
        return None


def _crowd_client(url: str, deadline: float, tally: _CrowdTally, number: int) -> None:
    session = requests.Session()
    session.mount("http://", _SourceAddressAdapter(f"127.0.{1 + number // 250}.{number % 250 + 2}"))
    while time.monotonic() < deadline:
        answer = tally.timed(session, "POST", f"{url}/generate", json={"prompt": f"crowd {number}"})
        if answer is None or answer.status_code != 202:
            time.sleep(CROWD_POLL_SECONDS)
            continue
        job_id = answer.json()["jobId"]
        status = "pending"
        while status not in TERMINAL and time.monotonic() < deadline + 60:
            time.sleep(CROWD_POLL_SECONDS)
            answer = tally.timed(session, "GET", f"{url}/status/{job_id}")
            if answer is not None and answer.status_code == 200:
                status = answer.json()["status"]
        with tally.lock:
            if status == "completed":
                tally.jobs_completed += 1
            else:
                tally.jobs_not_completed.append(status)


def crowd(settings: Settings, s3: MotoS3) -> list[Figure]:
    """200 clients for 60 s against the local server on S3: nothing dropped, refused or 5xx."""
    clients = settings.pick(200, 20)
    seconds = settings.pick(60.0, 2.0)
    bucket = "pixel-prompt-bench-load"
    s3.client().create_bucket(Bucket=bucket)
    tally = _CrowdTally()
    with tempfile.TemporaryDirectory() as data:
        server = _LocalServer(data, S3_BUCKET=bucket, S3_ENDPOINT_URL=s3.endpoint)
        elapsed = _drive(server, _crowd_client, clients, seconds, tally)
    params = {
        "clients": clients,
        "seconds": seconds,
        "poll_seconds": CROWD_POLL_SECONDS,
        "store": "s3 (moto server)",
        "models": 3,
        "requests": tally.requests,
        "jobs_completed": tally.jobs_completed,
        "jobs_not_completed": len(tally.jobs_not_completed),
        "requests_per_second": round(tally.requests / elapsed, 1),
        "other_answers": dict(tally.answers),
    }
    figures = [
        exactly(
            "crowd on S3: dropped connections",
            len(tally.dropped),
            "connections",
            0,
            first=tally.dropped[:3],
            **params,
        ),
        exactly(
            "crowd on S3: wrong refusals",
            len(tally.refused),
            "requests",
            0,
            first=tally.refused[:3],
            **params,
        ),
        exactly(
            "crowd on S3: 5xx answers",
            len(tally.server_errors),
            "requests",
            0,
            first=tally.server_errors[:3],
            **params,
        ),
    ]
    if tally.millis:
        figures += latency_figures("crowd on S3: request", tally.millis, **params)
    return figures
