"""Job document rules, the manager's conditional writes, the executor and the dispatchers."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest

from jobs.dispatch import (
    DispatchError,
    LambdaDispatcher,
    ThreadDispatcher,
    worker_event,
    worker_job_id,
)
from jobs.document import Job, ModelRun, compute_status, iso
from jobs.executor import JobExecutor
from jobs.gallery import GalleryRecorder
from jobs.manager import JobManager, job_key
from jobs.worker import Worker
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError
from testkit.dispatch import FakeLambda
from testkit.fakes.server import png_bytes
from utils.object_store import S3ObjectStore
from utils.storage import ImageStorage

SECRET = "sk-secret-test-key-0123456789"


def run(status: str, index: int = 1) -> ModelRun:
    return ModelRun(index=index, model=f"m{index}", provider="local", modelId="x", status=status)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "failed"),
        (["pending", "pending"], "pending"),
        (["in_progress", "pending"], "in_progress"),
        (["completed", "pending"], "in_progress"),
        (["completed", "completed"], "completed"),
        (["completed", "error"], "partial"),
        (["error", "error"], "failed"),
    ],
)
def test_compute_status(statuses, expected):
    assert compute_status([run(s, i) for i, s in enumerate(statuses)]) == expected


def make_job(status: str, updated: datetime) -> Job:
    return Job(
        jobId="j",
        createdAt=iso(updated),
        updatedAt=iso(updated),
        prompt="p",
        target="t",
        results=[run("completed", 1), run("in_progress", 2)],
        status=status,
    )


def test_document_round_trips_with_counts():
    job = make_job("in_progress", datetime(2026, 1, 1, tzinfo=UTC))
    body = job.to_dict()
    assert (body["totalModels"], body["completedModels"]) == (2, 1)
    assert Job.from_dict(json.loads(json.dumps(body))) == job


@pytest.fixture
def store(moto_s3):
    return S3ObjectStore(moto_s3, "test-bucket")


def models(count: int) -> list[ModelConfig]:
    return [
        ModelConfig(
            index=i,
            name="Same Name" if i <= 2 else f"Model {i}",
            provider="fake",
            model_id="fake-1",
            key=SECRET,
        )
        for i in range(1, count + 1)
    ]


def executor(store, handler, timeout: float = 5.0) -> tuple[JobManager, JobExecutor]:
    images = ImageStorage(store, lambda key: f"https://cdn.example/{key}")
    manager = JobManager(store, on_ended=[GalleryRecorder(images)])
    return manager, JobExecutor(
        manager, images, timeout, handler_for=lambda _provider: handler, grace=0.5
    )


def test_create_is_create_only_and_claim_happens_once(store):
    manager = JobManager(store)
    job = manager.create("a cat", {"steps": 20}, models(2))
    read = manager.read(job.jobId)
    assert read.job.status == "pending"

    def start(job: Job) -> Job:
        return Job.from_dict({**job.to_dict(), "status": "in_progress"})

    assert manager.claim(read, start).job.status == "in_progress"
    assert manager.claim(read, start) is None  # a duplicated worker invocation does nothing
    assert manager.claim(manager.read(job.jobId), start) is None


def test_mark_failed_records_the_reason(store):
    manager = JobManager(store)
    job = manager.create("a cat", {}, models(1))
    manager.mark_failed(job.jobId, "could not start")
    stored = manager.get(job.jobId)
    assert (stored.status, stored.error) == ("failed", "could not start")


def test_twenty_models_finishing_at_once_are_all_recorded(store):
    barrier = threading.Barrier(20)
    seen_params = []

    def handler(model, prompt, params):
        seen_params.append(params)
        barrier.wait(timeout=10)
        return GeneratedImage(png_bytes(), "image/png")

    manager, runner = executor(store, handler)
    job = manager.create("a lighthouse", {"steps": 30, "guidance": 7.5}, models(20))
    params = GenerationParams(steps=30, guidance=7.5, timeout=5)
    started = time.monotonic()
    finished = runner.run(job.jobId, models(20), params)
    assert time.monotonic() - started < 10
    stored = manager.get(job.jobId)
    assert stored.status == "completed" and stored.completedModels == 20
    keys = [r.imageKey for r in stored.results]
    assert len(set(keys)) == 20  # two models share a name, their keys still differ
    assert all(r.imageUrl == f"https://cdn.example/{r.imageKey}" for r in stored.results)
    assert {p.steps for p in seen_params} == {30} and {p.guidance for p in seen_params} == {7.5}
    assert finished.status == "completed"


class CountingStore:
    """The store, with a tally of the writes that reach it, by key; ``slow_write`` (a key and
    a count) makes that write of that key take 0.5 s, like a slow S3 round trip."""

    def __init__(self, store, slow_write: tuple[str, int] | None = None) -> None:
        self._store, self.puts, self.slow_write = store, [], slow_write

    def put(self, key, data, content_type, **conditions):
        self.puts.append(key)
        if self.slow_write == (key, self.puts.count(key)):
            time.sleep(0.5)
        return self._store.put(key, data, content_type, **conditions)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_a_job_costs_at_most_two_writes_per_model_plus_a_constant(store):
    """Each model: its image and at most one job-document write; results that arrive together
    share writes. The constant: the claim (which marks every model running), the manifest and
    the gallery entry."""
    barrier = threading.Barrier(12)

    def together(model, prompt, params):
        barrier.wait(timeout=10)
        return GeneratedImage(png_bytes(), "image/png")

    counting = CountingStore(store)
    manager, runner = executor(counting, together)
    job = manager.create("p", {}, models(12))
    counting.puts.clear()
    runner.run(job.jobId, models(12), GenerationParams(timeout=5))

    document_writes = counting.puts.count(job_key(job.jobId))
    images = [k for k in counting.puts if k.endswith(".png")]
    assert len(images) == 12
    assert 2 <= document_writes <= 12 + 1  # the claim, then at most one per result
    assert len(counting.puts) <= 2 * 12 + 3
    stored = manager.get(job.jobId)
    assert stored.completedModels == 12 and {r.imageKey for r in stored.results} == set(images)


def test_results_arriving_during_a_slow_write_share_the_next_write(store):
    """While the first result's write is slow, the other eleven results are applied; the next
    write saves all of them, so no model queues behind eleven S3 round trips."""
    barrier = threading.Barrier(12)

    def together(model, prompt, params):
        barrier.wait(timeout=10)
        return GeneratedImage(png_bytes(), "image/png")

    manager = JobManager(store)
    job = manager.create("p", {}, models(12))
    # Write 1 of the document is the claim, which marks every model running; 2 is the first
    # result.
    counting = CountingStore(store, slow_write=(job_key(job.jobId), 2))
    manager, runner = executor(counting, together)
    runner.run(job.jobId, models(12), GenerationParams(timeout=5))

    assert counting.puts.count(job_key(job.jobId)) <= 4  # 13 if every result wrote on its own
    stored = manager.get(job.jobId)
    assert stored.status == "completed" and stored.completedModels == 12


def test_models_run_in_parallel(store):
    def slow(model, prompt, params):
        time.sleep(1)
        return GeneratedImage(png_bytes(), "image/png")

    manager, runner = executor(store, slow)
    job = manager.create("p", {}, models(20))
    started = time.monotonic()
    runner.run(job.jobId, models(20), GenerationParams(timeout=5))
    assert time.monotonic() - started < 2.0  # the bound: parallel, not 20 s


def test_one_failing_model_does_not_affect_the_others(store):
    def handler(model, prompt, params):
        if model.index == 2:
            raise RuntimeError(f"boom with {model.key}")
        if model.index == 3:
            raise ProviderError(ErrorKind.RATE_LIMITED, "slow down")
        return GeneratedImage(png_bytes(), "image/png")

    manager, runner = executor(store, handler)
    job = manager.create("p", {}, models(3))
    runner.run(job.jobId, models(3), GenerationParams())
    stored = manager.get(job.jobId)
    by_index = {r.index: r for r in stored.results}
    assert stored.status == "partial"
    assert by_index[1].status == "completed"
    assert (by_index[2].status, by_index[2].errorKind) == ("error", "provider_error")
    assert (by_index[3].status, by_index[3].errorKind, by_index[3].error) == (
        "error",
        "rate_limited",
        "slow down",
    )
    raw = store.get(job_key(job.jobId)).data.decode()
    assert SECRET not in raw


def test_a_hung_provider_cannot_keep_the_job_open(store):
    release = threading.Event()

    def handler(model, prompt, params):
        if model.index == 1:
            release.wait(30)  # hangs past the model timeout, then answers late
            return GeneratedImage(png_bytes(), "image/png")
        return GeneratedImage(png_bytes(), "image/png")

    manager, runner = executor(store, handler, timeout=1.0)
    job = manager.create("p", {}, models(2))
    started = time.monotonic()
    finished = runner.run(job.jobId, models(2), GenerationParams(timeout=1.0))
    assert time.monotonic() - started < 4
    release.set()
    time.sleep(0.3)
    stored = manager.get(job.jobId)
    by_index = {r.index: r for r in stored.results}
    assert finished.status == stored.status == "partial"
    assert (by_index[1].status, by_index[1].errorKind) == ("error", "timeout")
    assert by_index[1].imageKey is None  # the late answer was ignored


def test_all_models_failing_fails_the_job_and_records_no_gallery(store):
    def handler(model, prompt, params):
        raise ProviderError(ErrorKind.AUTH, "bad key")

    manager, runner = executor(store, handler)
    job = manager.create("p", {}, models(2))
    runner.run(job.jobId, models(2), GenerationParams())
    assert manager.get(job.jobId).status == "failed"
    assert store.list("gallery-index/").keys == ()


def test_lambda_dispatcher_invokes_itself_asynchronously_with_only_the_job_id():
    client = FakeLambda()
    LambdaDispatcher(client, "stack-pixel-prompt").dispatch("abc")
    (call,) = client.calls
    assert call["FunctionName"] == "stack-pixel-prompt"
    assert call["InvocationType"] == "Event"
    assert json.loads(call["Payload"]) == {"action": "run_job", "jobId": "abc"}


@pytest.mark.parametrize("client", [FakeLambda(status=500), FakeLambda(error=OSError("down"))])
def test_lambda_dispatcher_failures_raise_dispatch_error(client):
    with pytest.raises(DispatchError):
        LambdaDispatcher(client, "f").dispatch("abc")


def test_lambda_dispatcher_creates_its_client_at_the_first_dispatch_only(monkeypatch):
    import boto3

    created = []
    monkeypatch.setattr(boto3, "client", lambda service: created.append(service) or client)
    client = FakeLambda()
    dispatcher = LambdaDispatcher(None, "f")
    assert created == []  # building the app (cold start) creates no Lambda client
    dispatcher.dispatch("a")
    dispatcher.dispatch("b")
    assert created == ["lambda"]
    assert [json.loads(c["Payload"])["jobId"] for c in client.calls] == ["a", "b"]


def test_thread_dispatcher_runs_the_job_in_the_background():
    done = threading.Event()
    ThreadDispatcher(lambda job_id: done.set() if job_id == "j1" else None, 1).dispatch("j1")
    assert done.wait(5)


def test_thread_dispatcher_runs_at_most_its_concurrency_at_once_and_the_rest_in_turn():
    lock, release = threading.Lock(), threading.Event()
    running, most, finished = [0], [0], []

    def run(job_id: str) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1
            finished.append(job_id)

    dispatcher = ThreadDispatcher(run, 3)
    for n in range(8):
        dispatcher.dispatch(f"j{n}")
    time.sleep(0.2)
    assert running[0] == 3  # the other five wait, as jobs wait for reserved concurrency
    release.set()
    deadline = time.monotonic() + 5
    while len(finished) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(finished) == [f"j{n}" for n in range(8)] and most[0] == 3


# -- the worker ------------------------------------------------------------------------------


def test_the_worker_event_is_told_apart_from_http_events():
    assert worker_job_id(worker_event("j1")) == "j1"
    assert worker_job_id({"action": "run_job"}) == ""  # malformed: the worker finds no job
    assert worker_job_id({"version": "2.0", "rawPath": "/generate"}) is None
    assert worker_job_id(["not", "a", "dict"]) is None


def test_the_worker_runs_the_stored_models_with_the_stored_parameters(store):
    seen: list[GenerationParams] = []

    def handler(model, prompt, params):
        seen.append(params)
        return GeneratedImage(png_bytes(), "image/png")

    manager, runner = executor(store, handler)
    configured = {m.index: m for m in models(3)}
    job = manager.create("a cat", {"steps": 20, "guidance": 7.5, "control": 2.0}, models(3))
    del configured[3]  # model 3 was removed from the configuration since the job was stored
    worker = Worker(manager, runner, configured.get, model_timeout=12.0)

    assert worker.run(job.jobId) == {"jobId": job.jobId, "status": "partial"}
    assert len(seen) == 2
    for params in seen:
        assert (params.steps, params.guidance, params.timeout) == (20, 7.5, 12.0)
        assert getattr(params, "control", None) is None  # accepted by the API, read by no model
    stored = manager.get(job.jobId)
    assert stored is not None and stored.parameters["control"] == 2.0
    assert worker.run(job.jobId) == {"jobId": job.jobId, "status": "partial"}  # runs once
    assert len(seen) == 2


@pytest.mark.parametrize(
    "job_id", ["", "not-a-uuid", "../../rate-limit/x", "6F1C3A52-9A57-4D2E-8C9E-2F0F4F5B8A11"]
)
def test_the_worker_ignores_an_unknown_or_malformed_job_id(store, job_id):
    manager, runner = executor(store, lambda *args: GeneratedImage(png_bytes(), "image/png"))
    worker = Worker(manager, runner, lambda index: None, model_timeout=5.0)
    assert worker.run(job_id) == {"jobId": job_id, "status": "missing"}


def test_cancelled_runs_make_a_cancelled_job_once_nothing_runs():
    from jobs.document import compute_status

    def runs(*statuses: str) -> list[ModelRun]:
        return [ModelRun(i, f"m{i}", "p", "x", status=s) for i, s in enumerate(statuses)]

    assert compute_status(runs("completed", "cancelled")) == "cancelled"
    assert compute_status(runs("cancelled", "cancelled")) == "cancelled"
    assert compute_status(runs("in_progress", "cancelled")) == "in_progress"
    assert compute_status(runs("completed", "error")) == "partial"


def test_job_cost_is_the_exact_sum_of_its_results():
    job = make_job("completed", datetime(2026, 1, 1, tzinfo=UTC))
    job.results[0].costUsd, job.results[1].costUsd = 0.1, 0.2
    assert job.costUsd == 0.3  # not 0.30000000000000004
    assert job.to_dict()["costUsd"] == 0.3
    job.reservation = {"day": "2026-01-01", "slot": "0", "micros": 300000}
    assert "reservation" in job.to_dict() and "reservation" not in job.public_dict()
