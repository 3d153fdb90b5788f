"""A finished job's images in the gallery: one manifest and one gallery entry, derived from
the terminal job document alone, so that whoever ended the job (its worker, or the reader that
found the worker gone) records the same generation, and recording it twice writes the same
two objects."""

from __future__ import annotations

from jobs.document import Job, parse_iso
from utils.storage import GalleryImage, ImageStorage


def gallery_images(job: Job) -> list[GalleryImage]:
    """The stored images of ``job``, with the time each was recorded."""
    return [
        GalleryImage(
            model=run.model,
            index=run.index,
            provider=run.provider,
            modelId=run.modelId,
            imageKey=run.imageKey,
            timestamp=int(parse_iso(run.completedAt or job.createdAt).timestamp() * 1000),
            costUsd=run.costUsd,
        )
        for run in job.results
        if run.status == "completed" and run.imageKey is not None
    ]


class GalleryRecorder:
    """The ``JobManager`` end hook that records a terminal job's images (none: nothing)."""

    def __init__(self, images: ImageStorage) -> None:
        self._images = images

    def __call__(self, job: Job) -> None:
        images = gallery_images(job)
        if images:
            self._images.record_generation(
                job.target,
                job.createdAt,
                job.prompt,
                job.parameters,
                images,
                cost_usd=job.costUsd,
                estimated_cost_usd=job.estimatedCostUsd,
                job_id=job.jobId,
            )
