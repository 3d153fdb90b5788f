"""A job whose worker dies ends within a bound set by the model timeout, keeping (and
recording in the gallery) what was finished; the job document's writes stay within N + 4 per
N-model job, heartbeats included. Clocks are injected: no test sleeps for the bound."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

import bootstrap
import lambda_function
from bootstrap import build_service
from jobs.document import Job, ModelRun, iso
from jobs.executor import JobExecutor
from jobs.gallery import GalleryRecorder
from jobs.liveness import (
    LEGACY_STALE_SECONDS,
    MAX_STANDALONE_HEARTBEATS,
    PENDING_LEASE_SECONDS,
    WORKER_GONE,
    WORKER_NEVER_STARTED,
    end_abandoned,
    heartbeat_interval,
    is_abandoned,
    lease_seconds,
)
from jobs.manager import JobManager, job_key
from jobs.recovery import recover_unfinished
from jobs.worker import Worker
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError
from testkit.dispatch import FakeLambda
from testkit.events import http_event
from testkit.fakes.server import png_bytes
from testkit.stores import FreezingStore
from utils.object_store import LocalObjectStore, S3ObjectStore
from utils.storage import ImageStorage

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def run(status: str, index: int) -> ModelRun:
    return ModelRun(index=index, model=f"m{index}", provider="local", modelId="x", status=status)


def job_with(statuses: list[str], status: str, stale_after: datetime | None) -> Job:
    return Job(
        jobId="j",
        createdAt=iso(NOW - timedelta(minutes=1)),
        updatedAt=iso(NOW - timedelta(minutes=1)),
        prompt="p",
        target="t",
        results=[run(s, i) for i, s in enumerate(statuses, start=1)],
        status=status,
        staleAfter=iso(stale_after) if stale_after else None,
    )


# -- the rules -------------------------------------------------------------------------------


def test_the_bound_follows_the_model_timeout_not_the_function_timeout():
    # 60 s models: a live worker writes at least every 62 / 3 s; its job is ended 15 s later.
    assert heartbeat_interval(60.0) == pytest.approx(62 / 3)
    assert lease_seconds(60.0) == pytest.approx(62 / 3 + 15)
    assert lease_seconds(60.0) < 60  # today's bound: function timeout + 60 s = 960 s
    assert lease_seconds(10.0) < lease_seconds(60.0)
    # Unclaimed, a job may wait in Lambda's queue as long as the worker's maximum event age.
    assert PENDING_LEASE_SECONDS > 900


def test_an_unfinished_job_past_its_lease_is_abandoned_and_a_finished_one_never():
    in_progress = job_with(["completed", "in_progress"], "in_progress", NOW)
    assert not is_abandoned(in_progress, NOW)
    assert is_abandoned(in_progress, NOW + timedelta(milliseconds=1))
    done = job_with(["completed", "error"], "partial", None)
    assert not is_abandoned(done, NOW + timedelta(days=1))
    legacy = job_with(["in_progress"], "in_progress", None)  # written before staleAfter
    assert not is_abandoned(legacy, NOW)
    assert is_abandoned(legacy, NOW + timedelta(seconds=LEGACY_STALE_SECONDS))


@pytest.mark.parametrize(
    ("statuses", "status", "reason"),
    [
        (["completed", "in_progress", "in_progress"], "partial", WORKER_GONE),
        (["error", "in_progress"], "failed", WORKER_GONE),
        (["pending", "pending"], "failed", WORKER_NEVER_STARTED),
    ],
)
def test_an_abandoned_job_keeps_what_finished_and_times_out_the_rest(statuses, status, reason):
    ended = end_abandoned(job_with(statuses, "in_progress", NOW), NOW)
    assert (ended.status, ended.error, ended.staleAfter) == (status, reason, None)
    for before, after in zip(statuses, ended.results, strict=True):
        if before in ("completed", "error"):
            assert after.status == before
        else:
            assert (after.status, after.errorKind, after.error) == ("error", "timeout", reason)


# -- a worker killed mid-job, through lambda_handler ----------------------------------------


def twenty_local_models(**overrides: str) -> dict[str, str]:
    env = {
        "S3_BUCKET": "test-bucket",
        "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
        "MODEL_COUNT": "20",
        "MODEL_TIMEOUT_SECONDS": "30",
        "GLOBAL_LIMIT": "1000",
        "IP_LIMIT": "50",
    }
    for index in range(1, 21):
        env[f"MODEL_{index}_NAME"] = f"Local {index}"
        env[f"MODEL_{index}_PROVIDER"] = "local"
    return {**env, **overrides}


def call(event: dict) -> tuple[int, dict]:
    response = lambda_function.lambda_handler(event, None)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("store_kind", ["s3", "local"])
def test_a_worker_killed_after_5_of_20_results_leaves_a_partial_job_in_the_gallery(
    store_kind, request, tmp_path, monkeypatch
):
    from jobs.dispatch import LambdaDispatcher

    if store_kind == "s3":
        request.getfixturevalue("moto_s3")
        environ = twenty_local_models()
        public = "https://d111.cloudfront.net/"
    else:
        public = "http://127.0.0.1:1/images/"
        environ = twenty_local_models(DATA_DIR=str(tmp_path), PUBLIC_BASE_URL=public[:-8])
        del environ["S3_BUCKET"], environ["CLOUDFRONT_DOMAIN"]

    release = threading.Event()

    def five_answer(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
        if model.index > 5:
            release.wait(30)  # still generating when the worker dies; answers after it
        return GeneratedImage(png_bytes(), "image/png")

    api_now: list[datetime | None] = [None]
    invokes = FakeLambda()
    api = build_service(
        environ,
        dispatcher=LambdaDispatcher(invokes, "fn"),
        clock=lambda: api_now[0] or datetime.now(UTC),
    )
    monkeypatch.setattr(lambda_function, "_service", api)
    status, accepted = call(http_event("POST", "/generate", {"prompt": "twenty boats"}))
    assert status == 202
    job_id = accepted["jobId"]

    def five_persisted(key: str, data: bytes) -> bool:
        return key == job_key(job_id) and data.count(b'"status": "completed"') == 5

    build_store = bootstrap.build_store
    frozen_store = FreezingStore(None, five_persisted)

    def container_store(settings):
        frozen_store._store = build_store(settings)  # the same bucket or directory
        return frozen_store

    monkeypatch.setattr(bootstrap, "build_store", container_store)
    container = build_service(environ, handler_for=lambda provider: five_answer)
    monkeypatch.setattr(bootstrap, "build_store", build_store)
    worker = threading.Thread(target=container.worker.run, args=(invokes.payloads[0]["jobId"],))
    worker.start()
    try:
        assert frozen_store.frozen.wait(20), "the worker never persisted 5 results"

        _, alive = call(http_event("GET", f"/status/{job_id}"))
        assert alive["status"] == "in_progress"  # within its lease: not declared dead yet
        last_write = datetime.fromisoformat(alive["updatedAt"].replace("Z", "+00:00"))
        bound = lease_seconds(30.0)
        assert bound < 30 + 2 + 15  # below model timeout + grace, far below 960 s
        api_now[0] = last_write + timedelta(seconds=bound + 0.01)

        _, ended = call(http_event("GET", f"/status/{job_id}"))
        assert ended["status"] == "partial"
        done = [r for r in ended["results"] if r["status"] == "completed"]
        assert sorted(r["index"] for r in done) == [1, 2, 3, 4, 5]
        assert all(r["imageUrl"].startswith(public) for r in done)
        timed_out = [r for r in ended["results"] if r["status"] == "error"]
        assert len(timed_out) == 15 and {r["errorKind"] for r in timed_out} == {"timeout"}

        _, page = call(http_event("GET", "/gallery"))
        (entry,) = page["galleries"]
        assert entry["imageCount"] == 5
        _, gallery = call(http_event("GET", f"/gallery/{entry['target']}"))
        assert sorted(i["imageKey"] for i in gallery["images"]) == sorted(
            r["imageKey"] for r in done
        )
    finally:
        release.set()  # the late answers arrive ...
        frozen_store.thawed.set()  # ... and the container thaws: its writes are now late
        worker.join(30)
    assert not worker.is_alive()

    _, after = call(http_event("GET", f"/status/{job_id}"))
    assert after == ended  # the late worker overwrote nothing
    _, page = call(http_event("GET", "/gallery"))
    assert [g["imageCount"] for g in page["galleries"]] == [5]


def test_a_job_whose_worker_never_started_fails_and_a_late_worker_does_nothing(moto_s3):
    store = S3ObjectStore(moto_s3, "test-bucket")
    now = [NOW]
    jobs = JobManager(store, clock=lambda: now[0], lease=10.0, pending_lease=30.0)
    job = jobs.create("p", {}, models(3))
    now[0] = NOW + timedelta(seconds=29)
    assert jobs.current(job.jobId).status == "pending"
    now[0] = NOW + timedelta(seconds=31)
    ended = jobs.current(job.jobId)
    assert (ended.status, ended.error) == ("failed", WORKER_NEVER_STARTED)

    ran = []
    runner = JobExecutor(jobs, images(store), 5.0, handler_for=lambda p: ran.append)
    assert runner.run(job.jobId, models(3), GenerationParams()).status == "failed"
    assert ran == [] and jobs.get(job.jobId) == ended


# -- the document's writes ---------------------------------------------------------------------


def models(count: int) -> list[ModelConfig]:
    return [
        ModelConfig(index=i, name=f"Model {i}", provider="fake", model_id="f", key="")
        for i in range(1, count + 1)
    ]


def images(store) -> ImageStorage:
    return ImageStorage(store, lambda key: f"https://cdn.example/{key}")


class CountingStore:
    """The store with a tally of requests on the job document, and when each write landed
    (from then on a ``GET /status`` returns it)."""

    def __init__(self, store) -> None:
        self._store = store
        self.doc_puts: list[bytes] = []
        self.landed: list[tuple[float, dict]] = []
        self.longest_write = 0.0
        self.doc_gets = 0

    def get(self, key):
        if key.endswith("/status.json"):
            self.doc_gets += 1
        return self._store.get(key)

    def put(self, key, data, content_type, **conditions):
        if key.endswith("/status.json"):
            self.doc_puts.append(data)
        started = time.monotonic()
        etag = self._store.put(key, data, content_type, **conditions)
        self.longest_write = max(self.longest_write, time.monotonic() - started)
        if key.endswith("/status.json"):
            self.landed.append((time.monotonic(), json.loads(data)))
        return etag

    def __getattr__(self, name):
        return getattr(self._store, name)


@pytest.mark.parametrize("count", [9, 20])
def test_staggered_answers_cost_at_most_n_plus_4_writes_and_show_within_500_ms(moto_s3, count):
    """Answers 60 ms apart (longer than a write, so they rarely share one): the claim marks
    every model running, each result is at most one write, and each result is readable by
    ``GET /status`` within 500 ms of its arrival. The worker reads the job once: claiming
    costs no GET."""
    counting = CountingStore(S3ObjectStore(moto_s3, "test-bucket"))
    jobs = JobManager(counting, on_ended=[GalleryRecorder(images(counting))])
    arrived: dict[int, float] = {}

    def staggered(model, prompt, params):
        time.sleep(0.06 * model.index)
        arrived[model.index] = time.monotonic()
        return GeneratedImage(png_bytes(), "image/png")

    runner = JobExecutor(jobs, images(counting), 10.0, handler_for=lambda p: staggered)
    worker = Worker(jobs, runner, {m.index: m for m in models(count)}.get, 10.0)
    job = jobs.create("p", {}, models(count))
    counting.doc_gets = 0
    assert worker.run(job.jobId)["status"] == "completed"

    assert counting.doc_gets == 1  # the worker's read; the claim is a conditional write on it
    assert len(counting.doc_puts) <= count + 4  # create, claim, results, heartbeats
    assert len(counting.doc_puts) <= count + 2  # no heartbeat was due: results carried it
    readable = {
        index: min(
            at
            for at, body in counting.landed
            if body["results"][index - 1]["status"] == "completed"
        )
        for index in arrived
    }
    lags = {index: round(readable[index] - arrived[index], 3) for index in arrived}
    # A result waits for its image's write, the document write in flight, then its own (or a
    # shared) write. On this shared machine one moto write can itself take longer than 0.15 s;
    # what must never happen is a result queueing behind several document writes.
    bound = max(0.5, 3 * counting.longest_write + 0.1)
    assert max(lags.values()) < bound, (lags, counting.longest_write)


def test_heartbeats_keep_a_slow_job_alive_and_count_in_the_write_bound(moto_s3):
    """No result for longer than a heartbeat interval: the worker writes a heartbeat, at most
    two per job, and a reader with a lease of one interval (plus 0.8 s) never takes the live
    worker for dead, although the job runs for three intervals after its only result."""
    counting = CountingStore(S3ObjectStore(moto_s3, "test-bucket"))
    timeout, grace = 2.7, 0.3  # heartbeat interval 1 s
    interval = heartbeat_interval(timeout, grace)
    jobs = JobManager(counting, lease=interval + 0.8)

    release = threading.Event()

    def slow(model, prompt, params):
        if model.index > 1:
            release.wait(10)  # past the model timeout
            raise ProviderError(ErrorKind.TIMEOUT, "late")
        return GeneratedImage(png_bytes(), "image/png")

    runner = JobExecutor(jobs, images(counting), timeout, handler_for=lambda p: slow, grace=grace)
    job = jobs.create("p", {}, models(4))
    reader = JobManager(S3ObjectStore(moto_s3, "test-bucket"))
    abandoned_seen = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            current = reader.get(job.jobId)
            abandoned_seen.append(is_abandoned(current, datetime.now(UTC)))
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        finished = runner.run(job.jobId, models(4), GenerationParams(timeout=timeout))
    finally:
        stop.set()
        release.set()
        poller.join()

    assert finished.status == "partial"
    heartbeats = [d for d in counting.doc_puts[2:] if json.loads(d)["completedModels"] == 1]
    assert 1 <= len(heartbeats) - 1 <= MAX_STANDALONE_HEARTBEATS  # the result write, then them
    assert len(counting.doc_puts) <= 4 + 4
    assert not any(abandoned_seen)


# -- the local server's start-up sweep ------------------------------------------------------


def test_at_start_up_unfinished_jobs_are_run_or_ended(tmp_path):
    store = LocalObjectStore(tmp_path)
    now = [NOW]
    jobs = JobManager(
        store,
        clock=lambda: now[0],
        lease=30.0,
        pending_lease=60.0,
        on_ended=[GalleryRecorder(images(store))],
    )
    fresh_pending = jobs.create("fresh", {}, models(2))
    now[0] = NOW - timedelta(minutes=5)
    old_pending = jobs.create("old", {}, models(2))
    half_done = jobs.create("half", {}, models(2))
    claimed = jobs.claim(
        jobs.read(half_done.jobId),
        lambda job: Job.from_dict({**job.to_dict(), "status": "in_progress"}),
    )
    running = claimed.job
    running.results[0].status, running.results[0].imageKey = "completed", "group-images/x/1.png"
    running.results[0].completedAt = iso(now[0])
    running.results[1].status = "in_progress"
    jobs.save_snapshot(running.jobId, jobs.snapshot(running), claimed.etag)
    now[0] = NOW
    still_running = jobs.create("running", {}, models(1))
    claimed = jobs.claim(
        jobs.read(still_running.jobId),
        lambda job: Job.from_dict({**job.to_dict(), "status": "in_progress"}),
    )

    dispatched: list[str] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    outcome = recover_unfinished(jobs, dispatched.append, clock=lambda: now[0], sleep=sleep)

    assert dispatched == [fresh_pending.jobId]
    assert outcome == {
        fresh_pending.jobId: "run",
        old_pending.jobId: "failed",
        half_done.jobId: "partial",
        still_running.jobId: "failed",  # its worker never wrote again within its lease
    }
    assert slept and sum(slept) <= 30 + 1
    assert [g["prompt"] for g in images(store).list_galleries(None, 10)[0]] == ["half"]


def test_the_local_server_sweeps_at_start_up(tmp_path):
    import local_server

    app = bootstrap.build_app(local_server.local_environment({"DATA_DIR": str(tmp_path)}, None))
    job = app.jobs.create("left pending", {}, app.registry.get_all_models())
    local_server.start_recovery(app).join(10)
    for _ in range(100):
        if app.jobs.get(job.jobId).status == "completed":
            break
        time.sleep(0.05)
    assert app.jobs.get(job.jobId).status == "completed"


def test_at_start_up_a_job_another_worker_keeps_writing_is_left_to_it(tmp_path):
    """A store shared with another process: the sweep follows the job's lease while its
    worker keeps writing, and ends nothing that is alive."""
    store = LocalObjectStore(tmp_path)
    now = [NOW]
    jobs = JobManager(store, clock=lambda: now[0], lease=30.0)
    job = jobs.create("elsewhere", {}, models(1))
    claimed = jobs.claim(
        jobs.read(job.jobId),
        lambda stored: Job.from_dict({**stored.to_dict(), "status": "in_progress"}),
    )
    etag = [claimed.etag]
    heartbeats = [2]

    def sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds - 1)  # the other worker writes just in time
        running = jobs.get(job.jobId)
        if heartbeats[0]:
            heartbeats[0] -= 1
        else:
            running.results[0].status, running.status = "completed", "completed"
            running.results[0].imageKey = "group-images/x/01.png"
        etag[0] = jobs.save_snapshot(job.jobId, jobs.snapshot(running), etag[0])
        now[0] += timedelta(seconds=1)

    outcome = recover_unfinished(jobs, lambda job_id: None, clock=lambda: now[0], sleep=sleep)
    assert outcome == {job.jobId: "completed"}
    assert jobs.get(job.jobId).status == "completed"
