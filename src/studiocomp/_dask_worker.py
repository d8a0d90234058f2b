"""The worker side of :mod:`studiocomp.cluster`: the plugin that builds the pipeline once, and the per-file task.

Imported only where Dask is installed (by :func:`studiocomp.cluster.process_on_cluster`,
and by each worker when it unpickles the plugin and the tasks).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin, get_worker

from .batch import BatchOptions, FileOutcome, describe_failure, process_file

if TYPE_CHECKING:
    from .cluster import PipelineSpec
    from .pipeline import Pipeline

__all__ = ["PipelinePlugin", "run_job"]


class PipelinePlugin(WorkerPlugin):  # type: ignore[misc,unused-ignore]
    """Builds a :class:`~studiocomp.cluster.PipelineSpec` once per worker and keeps the pipeline for its tasks.

    The build runs in a thread, so the worker keeps answering the scheduler's
    heartbeats while models load. A failed build is raised to the client that
    registers the plugin; a worker that joins later and fails keeps the cause,
    and its tasks raise it (Dask then retries them elsewhere).
    """

    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec
        self.pipeline: Pipeline | None = None
        self.error: str | None = None

    async def setup(self, worker: Any) -> None:
        try:
            self.pipeline = await asyncio.get_running_loop().run_in_executor(None, self.spec.build)
        except Exception as exc:
            self.error = describe_failure(exc)
            raise

    def teardown(self, worker: Any) -> None:
        self.pipeline = None


def run_job(plugin: str, source: str, output: str, options: BatchOptions) -> FileOutcome:
    """Process one file with the pipeline of the worker's plugin named ``plugin`` (a Dask task).

    Returns
    -------
    FileOutcome
        :func:`studiocomp.batch.process_file`'s outcome (a bad file is a
        ``failed`` outcome, not an exception).

    Raises
    ------
    RuntimeError
        The worker has no pipeline (its plugin is missing or failed to build).
    """
    worker = get_worker()
    loaded = worker.plugins.get(plugin)
    pipeline = getattr(loaded, "pipeline", None)
    if pipeline is None:
        cause = getattr(loaded, "error", None) or "its plugin is not registered"
        raise RuntimeError(f"no studiocomp pipeline on worker {worker.address}: {cause}")
    return process_file(pipeline, source, output, options)
