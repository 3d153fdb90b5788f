"""Blind pairwise votes on a job's results: which pairs may be voted on, one vote per job, pair
and client, and the tally each vote updates.

A vote is recorded as one create-only object, ``arena/votes/{jobId}/{lo}-{hi}-{client}.json``
(``lo``/``hi``: the two result indices in order, so A-vs-B and B-vs-A are one pair; ``client``:
the rate limiter's keyed digest of the address, never the address). Create-only is what makes
the rule "one vote per job, pair and client" exact under concurrency: of two identical votes
at the same instant one write wins and the other is told ``AlreadyVoted``. The vote is then
added to the tally (``arena.tally``). A vote whose tally update loses every one of its
conditional writes (``TallyUnavailable``, not seen in the measurements) is logged with its id
as ``vote_not_tallied``; its marker stays, so a retry answers 409.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from arena import PREFIX as ARENA_PREFIX
from arena.tally import Side, TallyStore, TallyUnavailable, model_key
from jobs.document import Job, ModelRun, iso, utc_now
from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

log = logging.getLogger("pixel_prompt.arena")

PREFIX = ARENA_PREFIX + "votes/"


class InvalidVote(ValueError):
    """The two results cannot be voted on (not both completed images of that job)."""


class AlreadyVoted(Exception):
    """This client already voted on this pair of this job."""


@dataclass(frozen=True)
class Ballot:
    """``winner`` and ``loser`` are result indices of job ``job_id``; ``tie`` makes the order
    meaningless."""

    job_id: str
    winner: int
    loser: int
    tie: bool = False


def voted_runs(job: Job, ballot: Ballot) -> tuple[ModelRun, ModelRun]:
    """The two results a ballot names; ``InvalidVote`` unless both are completed images of two
    different models (two MODEL_N entries calling the same model would rate it against itself)."""
    if ballot.winner == ballot.loser:
        raise InvalidVote("winner and loser must be two different results")
    by_index = {run.index: run for run in job.results}
    runs = []
    for index in (ballot.winner, ballot.loser):
        run = by_index.get(index)
        if run is None:
            raise InvalidVote(f"the job has no result {index}")
        if run.status != "completed" or not run.imageKey:
            raise InvalidVote(f"result {index} is not a completed image")
        runs.append(run)
    if (runs[0].provider, runs[0].modelId) == (runs[1].provider, runs[1].modelId):
        raise InvalidVote("both results come from the same model (provider and model id)")
    return runs[0], runs[1]


def _identity(run: ModelRun) -> dict[str, object]:
    return {"index": run.index, "provider": run.provider, "modelId": run.modelId}


def _side(run: ModelRun) -> Side:
    return Side(model_key(run.provider, run.modelId), run.model, run.duration)


class VoteBook:
    def __init__(
        self, store: ObjectStore, tally: TallyStore, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._store = store
        self.tally = tally
        self._clock = clock

    @staticmethod
    def _key(ballot: Ballot, client: str) -> str:
        low, high = sorted((ballot.winner, ballot.loser))
        voter = hashlib.sha256(client.encode()).hexdigest()[:32]
        return f"{PREFIX}{ballot.job_id}/{low}-{high}-{voter}.json"

    def has_voted(self, ballot: Ballot, client: str) -> bool:
        """A cheap check before the rate limiter counts the request; ``record`` decides."""
        try:
            self._store.get(self._key(ballot, client))
        except ObjectNotFound:
            return False
        return True

    def record(self, job: Job, ballot: Ballot, client: str) -> str:
        """Store the vote (create-only) and add it to the tally; returns the vote id.

        Raises ``InvalidVote`` (checked first, nothing written) or ``AlreadyVoted``."""
        winner, loser = voted_runs(job, ballot)
        vote_id = str(uuid.uuid4())
        document = {
            "voteId": vote_id,
            "jobId": job.jobId,
            "createdAt": iso(self._clock()),
            "winner": {
                "index": winner.index,
                "provider": winner.provider,
                "modelId": winner.modelId,
            },
            "loser": {"index": loser.index, "provider": loser.provider, "modelId": loser.modelId},
            "tie": ballot.tie,
        }
        try:
            self._store.put(
                self._key(ballot, client),
                json.dumps(document).encode(),
                "application/json",
                if_none_match=True,
            )
        except PreconditionFailed as exc:
            raise AlreadyVoted("this pair of this job already has your vote") from exc
        try:
            self.tally.add(_side(winner), _side(loser), "tie" if ballot.tie else "first")
        except TallyUnavailable:
            log.error(json.dumps({"event": "vote_not_tallied", "voteId": vote_id}))
            raise
        return vote_id
