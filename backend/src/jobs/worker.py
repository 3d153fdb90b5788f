"""The worker: the asynchronous invocation that runs one stored job to its end.

``POST /generate`` stores a job and dispatches ``{"action": "run_job", "jobId"}``
(``jobs.dispatch``); ``lambda_function`` hands that event here, never to the HTTP app. The
job document says which models to run and with which parameters, so the event carries
nothing else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from jobs.document import canonical_job_id, generation_params
from jobs.executor import JobExecutor
from jobs.manager import JobManager
from models.types import ModelConfig

log = logging.getLogger("pixel_prompt.worker")


class Worker:
    def __init__(
        self,
        jobs: JobManager,
        executor: JobExecutor,
        model_for: Callable[[int], ModelConfig | None],
        model_timeout: float,
    ) -> None:
        """``model_for`` finds a configured model by its index (the registry's lookup)."""
        self._jobs = jobs
        self._executor = executor
        self._model_for = model_for
        self._model_timeout = model_timeout

    def run(self, job_id: str) -> dict[str, str]:
        """Run every model of a stored job until it is terminal; ``{"jobId", "status"}``.

        A worker event for an unknown or malformed job id does nothing (there is nothing to
        retry); a job that is no longer pending is left as it is (``JobManager.claim``).
        """
        valid_id = canonical_job_id(job_id)
        read = self._jobs.read(valid_id) if valid_id else None
        if read is None:
            log.warning(json.dumps({"event": "run_job_missing", "jobId": job_id[:64]}))
            return {"jobId": job_id, "status": "missing"}
        job = read.job
        # ``control`` is accepted by the API and stored with the job but read by no model.
        params = generation_params(job.parameters, self._model_timeout)
        configured = [self._model_for(run.index) for run in job.results]
        finished = self._executor.run(
            read, [model for model in configured if model is not None], params
        )
        return {"jobId": job_id, "status": finished.status if finished else "missing"}
