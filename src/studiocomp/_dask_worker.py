"""The worker side of :mod:`studiocomp.cluster`: the plugin that builds the pipeline once, and the per-file task.

Imported only where Dask is installed (by :func:`studiocomp.cluster.process_on_cluster`,
and by each worker when it unpickles the plugin and the tasks).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin, get_worker

from .batch import BatchOptions, FileOutcome, describe_failure, process_file
from .errors import StudiocompError

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
        _quiet_usage_errors()
        try:
            self.pipeline = await asyncio.get_running_loop().run_in_executor(None, self.spec.build)
        except Exception as exc:
            self.error = describe_failure(exc)
            if isinstance(exc, StudiocompError):
                _log.info("studiocomp pipeline not built on this worker: %s", self.error)
            raise

    def teardown(self, worker: Any) -> None:
        self.pipeline = None


_log = logging.getLogger("distributed.worker")  # the worker's own log: a dask worker shows INFO, a local cluster's (silenced to WARNING) does not


class _UsageErrorFilter(logging.Filter):
    """Drops the worker's traceback of a plugin setup that failed on a :class:`~studiocomp.errors.StudiocompError`.

    Such an error (unknown backend, wrong weight file …) is the user's, and the client that
    registered the plugin raises it in one line; the worker logs it in one line at INFO
    level (shown by ``dask worker``, not by a local cluster, whose workers log WARNING and
    above). A local cluster's workers share the client's stderr: every worker's traceback
    (about 40 lines each) came before that line. Any other exception keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, StudiocompError) and str(record.msg).startswith("Worker plugin"))


def _quiet_usage_errors() -> None:
    """Add :class:`_UsageErrorFilter` to distributed's worker logger, once per process."""
    logger = logging.getLogger("distributed.worker")
    if not any(isinstance(f, _UsageErrorFilter) for f in logger.filters):
        logger.addFilter(_UsageErrorFilter())


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
