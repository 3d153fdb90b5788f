"""The arena through the HTTP app, on both stores (moto S3 and the local directory store):
GET /models, generation controls on a job, POST /votes, GET /leaderboard, and 60 simultaneous
votes from 60 addresses."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from arena.tally import PREFIX as TALLY_PREFIX
from arena.votes import PREFIX as VOTES_PREFIX
from bootstrap import Service, build_service
from testkit.dispatch import RecordingDispatcher
from testkit.events import http_event

SECRET_KEY = "sk-arena-secret-0123456789abcdef"
LOCAL = [("Sunrise", "local-sunrise"), ("Dusk", "local-dusk"), ("Night", "local-night")]


def environment(store: str, tmp_path, local=LOCAL, **extra: str) -> dict[str, str]:
    env = {"MODEL_TIMEOUT_SECONDS": "10", "RATE_LIMIT_KEY": "arena-test-key-0123456789"}
    env.update({"S3_BUCKET": "test-bucket"} if store == "s3" else {"DATA_DIR": str(tmp_path)})
    models = [(name, {"PROVIDER": "local", "MODEL_ID": model_id}) for name, model_id in local]
    # An OpenAI model without a key: its result is an error, never an image to vote on.
    models.append(("GPT Image", {"PROVIDER": "openai", "KEY": "changeme"}))
    env["MODEL_COUNT"] = str(len(models))
    for index, (name, fields) in enumerate(models, start=1):
        env[f"MODEL_{index}_NAME"] = name
        env.update({f"MODEL_{index}_{key}": value for key, value in fields.items()})
    env.update(extra)
    return env


@pytest.fixture(params=["s3", "local"])
def store_kind(request):
    if request.param == "s3":
        request.getfixturevalue("moto_s3")
    return request.param


@pytest.fixture
def arena(store_kind, tmp_path):
    def build(**extra: str) -> tuple[Service, RecordingDispatcher]:
        recorder = RecordingDispatcher()
        env = environment(store_kind, tmp_path, **extra)
        return build_service(env, dispatcher=recorder), recorder

    return build


def call(service: Service, method: str, path: str, body=None, ip: str = "203.0.113.7"):
    answer = service.app.handle_http(http_event(method, path, body, ip=ip))
    return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None


def finished_job(service: Service, recorder: RecordingDispatcher, **params) -> dict:
    status, accepted = call(service, "POST", "/generate", {"prompt": "a red fox", **params})
    assert status == 202, accepted
    service.worker.run(recorder.job_ids[-1])
    status, job = call(service, "GET", f"/status/{accepted['jobId']}")
    assert status == 200
    return job


# -- GET /models ---------------------------------------------------------------------------------


def test_models_lists_identity_price_and_capabilities_without_secrets(arena):
    service, _ = arena(
        MODEL_4_KEY=SECRET_KEY, MODEL_4_BASE_URL="https://user:hunter2@gateway.example/v1"
    )
    status, body = call(service, "GET", "/models")
    assert status == 200
    text = json.dumps(body)
    for secret in (SECRET_KEY, "hunter2", "gateway.example", "user:"):
        assert secret not in text
    by_index = {model["index"]: model for model in body["models"]}
    assert [by_index[i]["modelId"] for i in (1, 2, 3)] == [m for _, m in LOCAL]
    local = by_index[1]
    assert local["provider"] == "local" and local["priceUsd"] == 0
    assert local["capabilities"] == {
        "aspectRatios": ["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21"],
        "seed": True,
        "negativePrompt": True,
        "steps": False,
        "guidance": False,
        "text": True,
    }
    openai = by_index[4]["capabilities"]
    assert openai["aspectRatios"] == ["1:1", "3:2", "2:3"] and openai["seed"] is False
    assert set(by_index[4]) == {"index", "name", "provider", "modelId", "priceUsd", "capabilities"}


# -- generation controls ---------------------------------------------------------------------------


def test_job_stores_the_controls_and_each_result_reports_applied_and_ignored(arena):
    service, recorder = arena()
    job = finished_job(
        service, recorder, aspectRatio="21:9", seed=42, negativePrompt="rain", steps=30
    )
    assert job["parameters"] == {
        "aspectRatio": "21:9",
        "seed": 42,
        "negativePrompt": "rain",
        "steps": 30,
    }
    local = job["results"][0]
    assert local["status"] == "completed"
    assert local["appliedParameters"]["aspectRatio"] == "21:9"
    assert local["appliedParameters"]["seed"] == 42
    assert local["appliedParameters"]["negativePrompt"] == "rain"
    assert local["ignoredParameters"] == ["steps"]


@pytest.mark.parametrize(
    "extra",
    [
        {"aspectRatio": "5:4"},
        {"aspectRatio": 1.5},
        {"seed": -1},
        {"seed": 4294967296},
        {"seed": 1.5},
        {"seed": True},
        {"seed": "7"},
        {"negativePrompt": "x" * 1001},
        {"negativePrompt": 5},
    ],
)
def test_bad_controls_are_400_invalid_request_before_any_job(arena, extra):
    service, recorder = arena()
    status, body = call(service, "POST", "/generate", {"prompt": "a fox", **extra})
    assert (status, body["code"]) == (400, "INVALID_REQUEST")
    assert recorder.job_ids == []


# -- POST /votes ---------------------------------------------------------------------------------


def test_vote_rules(arena):
    service, recorder = arena()
    job = finished_job(service, recorder)
    job_id = job["jobId"]

    status, body = call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 2})
    assert status == 201 and body["voteId"]
    # The same pair from the same address, in either order or as a tie: one vote.
    for ballot in ({"winner": 1, "loser": 2}, {"winner": 2, "loser": 1, "tie": True}):
        status, body = call(service, "POST", "/votes", {"jobId": job_id, **ballot})
        assert (status, body["code"]) == (409, "ALREADY_VOTED")
    # Another pair, or another address: a new vote.
    assert call(service, "POST", "/votes", {"jobId": job_id, "winner": 3, "loser": 1})[0] == 201
    other = "198.51.100.9"
    assert (
        call(service, "POST", "/votes", {"jobId": job_id, "winner": 2, "loser": 1}, other)[0] == 201
    )
    # Not two completed images of this job: the keyless model failed; index 9 does not exist.
    for ballot in ({"winner": 1, "loser": 4}, {"winner": 9, "loser": 1}, {"winner": 1, "loser": 1}):
        status, body = call(service, "POST", "/votes", {"jobId": job_id, **ballot})
        assert (status, body["code"]) == (400, "INVALID_VOTE"), ballot
    unknown = "6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11"
    status, body = call(service, "POST", "/votes", {"jobId": unknown, "winner": 1, "loser": 2})
    assert (status, body["code"]) == (404, "JOB_NOT_FOUND")
    for bad in (
        {"jobId": "x", "winner": 1, "loser": 2},
        {"jobId": job_id, "winner": "1", "loser": 2},
        {"jobId": job_id, "winner": 1, "loser": 2, "tie": "yes"},
    ):
        assert call(service, "POST", "/votes", bad)[0] == 400

    status, board = call(service, "GET", "/leaderboard")
    assert status == 200 and board["totalVotes"] == 3 and board["updatedAt"]
    rows = {row["modelId"]: row for row in board["models"]}
    assert (rows["local-sunrise"]["wins"], rows["local-sunrise"]["losses"]) == (1, 2)
    assert (rows["local-dusk"]["wins"], rows["local-night"]["wins"]) == (1, 1)
    assert rows["local-sunrise"]["votes"] == 3
    assert rows["local-sunrise"]["winRate"] == pytest.approx(1 / 3, abs=1e-4)
    assert rows["local-sunrise"]["medianSeconds"] is not None
    # Configured, never voted on: listed without a rating.
    gpt = next(row for row in board["models"] if row["provider"] == "openai")
    assert gpt["rating"] is None and gpt["ci95"] is None and gpt["votes"] == 0
    assert board["models"][-1] is not None and board["models"][-1]["rating"] is None
    ratings = [row["rating"] for row in board["models"] if row["rating"] is not None]
    assert ratings == sorted(ratings, reverse=True)


def test_votes_are_rate_limited_like_enhance_and_a_repeat_is_not_counted(arena):
    service, recorder = arena(IP_LIMIT="3")
    job = finished_job(service, recorder)  # the generate request counts one
    job_id = job["jobId"]
    assert call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 2})[0] == 201
    # A repeat is refused before the limiter: it does not use up the address's allowance.
    assert call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 2})[0] == 409
    assert call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 3})[0] == 201
    status, body = call(service, "POST", "/votes", {"jobId": job_id, "winner": 2, "loser": 3})
    assert (status, body["code"]) == (429, "RATE_LIMITED")


def test_a_tie_and_a_sweep_order_the_leaderboard(arena):
    service, recorder = arena()
    for voter in range(4):
        job_id = finished_job(service, recorder)["jobId"]
        ip = f"192.0.2.{voter + 1}"
        for winner, loser, tie in ((3, 1, False), (3, 2, False), (1, 2, True)):
            ballot = {"jobId": job_id, "winner": winner, "loser": loser, "tie": tie}
            assert call(service, "POST", "/votes", ballot, ip=ip)[0] == 201
    _, board = call(service, "GET", "/leaderboard")
    assert board["totalVotes"] == 12
    top, second, third = board["models"][:3]
    assert top["modelId"] == "local-night" and top["winRate"] == 1.0
    assert {second["modelId"], third["modelId"]} == {"local-sunrise", "local-dusk"}
    assert second["rating"] == pytest.approx(third["rating"], abs=0.2)
    assert second["ties"] == third["ties"] == 4
    lo, hi = top["ci95"]
    assert lo <= top["rating"] <= hi


def test_a_model_keeps_its_record_across_configuration_changes(arena, store_kind, tmp_path):
    service, recorder = arena()
    job_id = finished_job(service, recorder)["jobId"]
    call(service, "POST", "/votes", {"jobId": job_id, "winner": 2, "loser": 1})
    # Renamed and moved to another MODEL_N position: still the same provider and model id.
    moved = [("Evening", "local-dusk"), ("Morning", "local-sunrise")]
    env = environment(store_kind, tmp_path, local=moved)
    renamed = build_service(env, dispatcher=RecordingDispatcher())
    _, board = call(renamed, "GET", "/leaderboard")
    rows = {row["modelId"]: row for row in board["models"]}
    assert rows["local-dusk"]["name"] == "Evening" and rows["local-dusk"]["wins"] == 1
    assert rows["local-sunrise"]["name"] == "Morning" and rows["local-sunrise"]["losses"] == 1
    # No longer configured, but voted on: kept with its last name.
    assert board["totalVotes"] == 1


def _listed(service: Service, prefix: str) -> list[str]:
    store = service.app.jobs._store  # the one store every part of the service shares
    keys, start = [], None
    while True:
        page = store.list(prefix, start_after=start)
        keys += page.keys
        if not page.truncated or not page.keys:
            return keys
        start = page.keys[-1]


def test_sixty_simultaneous_votes_from_sixty_addresses_are_sixty_recorded(arena):
    service, recorder = arena()
    job_id = finished_job(service, recorder)["jobId"]
    start = threading.Barrier(60)

    def vote(n: int) -> int:
        ballot = {"jobId": job_id, "winner": 1 + n % 3, "loser": 1 + (n + 1) % 3}
        start.wait()
        return call(service, "POST", "/votes", ballot, ip=f"10.0.{n // 250}.{n % 250 + 1}")[0]

    with ThreadPoolExecutor(60) as pool:
        statuses = list(pool.map(vote, range(60)))
    assert statuses == [201] * 60
    _, board = call(service, "GET", "/leaderboard")
    assert board["totalVotes"] == 60
    assert sum(row["wins"] for row in board["models"]) == 60
    assert len(_listed(service, VOTES_PREFIX)) == 60
    assert service.app.votes.tally.read().votes == 60
    assert 1 <= len(_listed(service, TALLY_PREFIX)) <= 16


def test_the_same_vote_sent_twenty_times_at_once_counts_once(arena):
    service, recorder = arena()
    job_id = finished_job(service, recorder)["jobId"]
    start = threading.Barrier(20)

    def vote(_: int) -> int:
        start.wait()
        return call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 2})[0]

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(vote, range(20)))
    assert statuses == [201] + [409] * 19
    assert service.app.votes.tally.read().votes == 1


def test_two_entries_of_one_model_cannot_be_voted_against_each_other(store_kind, tmp_path):
    recorder = RecordingDispatcher()
    same = [("First", "local-same"), ("Second", "local-same"), ("Other", "local-other")]
    service = build_service(environment(store_kind, tmp_path, local=same), dispatcher=recorder)
    job_id = finished_job(service, recorder)["jobId"]
    status, body = call(service, "POST", "/votes", {"jobId": job_id, "winner": 1, "loser": 2})
    assert (status, body["code"]) == (400, "INVALID_VOTE")
    assert call(service, "POST", "/votes", {"jobId": job_id, "winner": 3, "loser": 2})[0] == 201
