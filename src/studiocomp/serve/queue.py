"""A bounded worker pool: a fixed number of worker threads and a bounded wait queue in front of them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["WorkerPool", "QueueFull", "JobTimeout"]

T = TypeVar("T")


class QueueFull(Exception):
    """Every worker is busy and the wait queue is full: answer 503 with ``Retry-After``."""


class JobTimeout(Exception):
    """The job did not finish before its deadline (waiting in the queue included)."""


class WorkerPool:
    """``workers`` threads and at most ``queue_size`` jobs waiting for one; anything beyond is refused at once.

    A job that times out while still waiting is cancelled and never runs. A job that times out while
    running cannot be stopped (Python threads cannot be killed): it keeps its worker until it ends,
    and its result is dropped, so the bound on concurrent work always holds.

    Parameters
    ----------
    workers : int
        Worker threads (≥ 1).
    queue_size : int
        Jobs that may wait beyond those running (≥ 0).
    initializer : callable, optional
        Called once in each worker thread when it starts (e.g. to build that thread's pipeline).
    """

    def __init__(self, workers: int, queue_size: int, initializer: Callable[[], None] | None = None) -> None:
        self.workers = int(workers)
        self.queue_size = int(queue_size)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="studiocomp-worker", initializer=initializer)
        self._lock = threading.Lock()
        self._admitted = 0  # running + waiting
        self._running = 0
        self.completed = 0  # returned a result
        self.failed = 0  # raised (a refused input, or a bug)
        self.refused = 0  # queue full: never admitted
        self.timed_out = 0

    @property
    def capacity(self) -> int:
        """Jobs admitted at most: running + waiting."""
        return self.workers + self.queue_size

    def stats(self) -> dict[str, int]:
        """Workers, queue size, jobs running and waiting now, and counts since start.

        Returns
        -------
        dict of str to int
            ``workers``, ``queue_size``, ``running``, ``waiting`` (now), and, since the pool started, the jobs
            that ended each way (an admitted job counts once, when its caller gets its answer): ``completed``
            (returned a result), ``failed`` (raised: in the service, an upload the loader refused, or a bug),
            ``timed_out`` (the deadline passed first; one still running is not counted again when it ends), and
            ``refused`` (not admitted: the queue was full). Read together under the pool's lock.
        """
        with self._lock:
            running, admitted = self._running, self._admitted
            return {
                "workers": self.workers,
                "queue_size": self.queue_size,
                "running": running,
                "waiting": admitted - running,
                "completed": self.completed,
                "failed": self.failed,
                "refused": self.refused,
                "timed_out": self.timed_out,
            }

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, fn: Callable[..., T], *args: Any, deadline: float) -> T:
        """Run ``fn(*args)`` on a worker and wait for it until ``deadline`` (``time.monotonic()`` seconds).

        Parameters
        ----------
        fn : callable
            What to run on a worker thread.
        *args
            Its positional arguments.
        deadline : float
            When to give up, in seconds on the :func:`time.monotonic` clock (the time spent waiting in the queue counts).

        Returns
        -------
        T
            What ``fn(*args)`` returned; an exception it raised is raised here.

        Raises
        ------
        QueueFull
            No worker is free and the wait queue is full.
        JobTimeout
            The deadline passed first.
        RuntimeError
            The pool has been shut down.
        """
        with self._lock:
            if self._admitted >= self.capacity:
                self.refused += 1
                raise QueueFull
            self._admitted += 1

        def job() -> T:
            if time.monotonic() >= deadline:  # waited out its whole time in the queue
                raise JobTimeout
            with self._lock:
                self._running += 1
            try:
                return fn(*args)
            finally:
                with self._lock:
                    self._running -= 1

        try:
            future = self._executor.submit(job)
        except RuntimeError:  # shut down
            with self._lock:
                self._admitted -= 1
            raise
        future.add_done_callback(self._release)
        remaining = deadline - time.monotonic()
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), timeout=max(remaining, 0.0))
        except (asyncio.TimeoutError, JobTimeout, CancelledError):
            future.cancel()  # still waiting: it never runs; running: it ends on its own, result dropped
            with self._lock:
                self.timed_out += 1
            raise JobTimeout from None
        except Exception:  # (not a cancelled request task: its client went away, nothing was answered)
            with self._lock:
                self.failed += 1
            raise
        with self._lock:
            self.completed += 1
        return result

    def shutdown(self) -> None:
        """Stop taking jobs; jobs still waiting are cancelled, running ones finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)
