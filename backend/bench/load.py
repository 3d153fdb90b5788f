"""Figure 8: the local server under load, end to end over HTTP.

``local_server.py`` runs in a child process with its three built-in preview models answering
at once (``LOCAL_PREVIEW_DELAY_SECONDS=0``; each still draws a 512x512 PNG with Pillow) and
the local object store. 20 client threads, each a different person (its own loopback source
address, 127.0.0.2 and up, so each has its own per-IP window as it would in production), loop
for the duration: POST /generate, then poll GET /status every 0.25 s until the job is
terminal. Any answer other than 202/200, any connection error and any job that ends other than
``completed`` is an error.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests
import requests.adapters

from bench.harness import BACKEND, Figure, Settings, exactly, latency_figures

CLIENTS = 20
POLL_SECONDS = 0.25
TERMINAL = {"completed", "partial", "failed"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _LocalServer:
    def __init__(self, data_dir: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"PATH": os.environ.get("PATH", "")}
        env.update(
            HOST="127.0.0.1",
            PORT=str(self.port),
            DATA_DIR=data_dir,
            GLOBAL_LIMIT="1000000000",
            IP_LIMIT="1000000000",
            LOCAL_PREVIEW_DELAY_SECONDS="0",
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


def measure(settings: Settings) -> list[Figure]:
    seconds = settings.pick(30.0, 2.0)
    tally = _Tally()
    with tempfile.TemporaryDirectory() as data:
        server = _LocalServer(data)
        try:
            start = time.monotonic()
            deadline = start + seconds
            threads = [
                threading.Thread(target=_client, args=(server.url, deadline, tally, n))
                for n in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - start
        finally:
            server.stop()
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
