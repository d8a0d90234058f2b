"""A dependency-free progress bar for long runs (writes to stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "composite") as bar: bar.advance(name)``.

    Draws a one-line bar with count, rate and ETA when the stream is a
    terminal (or ``enabled=True``); stays silent otherwise, so logs and pipes get
    only the final summary.

    Parameters
    ----------
    total : int or None
        How many items there are; None when unknown (the count is shown alone, with no bar or time left).
    label : str
        Shown before the bar.
    stream : file-like, optional
        Where to draw (default ``sys.stderr``).
    enabled : bool, optional
        Draw or not (default: when ``stream`` is a terminal).
    estimated : bool, optional
        ``total`` is an estimate (a video's duration × frame rate): shown as ``~total``.
    """

    def __init__(self, total: int | None, label: str = "", *, stream: TextIO | None = None, enabled: bool | None = None, estimated: bool = False) -> None:
        self.total = max(0, int(total)) if total is not None else None
        self.estimated = estimated
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self._start = time.perf_counter()

    def __enter__(self) -> Progress:
        self._draw("")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def phase(self, label: str, since: float | None = None) -> None:
        """Name a new phase of the same work and time it from ``since`` (a :func:`time.perf_counter` value; default now).

        The rate and the time left are then read from the new phase alone: a video's first frames follow a
        warm-up that matted nothing, and counting its seconds made the first estimate several times too long.

        Parameters
        ----------
        label : str
            The new label (the same width as the old one keeps the redraw clean).
        since : float, optional
            When the phase began.
        """
        self.label = label
        self._start = time.perf_counter() if since is None else float(since)

    def advance(self, item: str = "") -> None:
        """Count one more item done and redraw.

        Parameters
        ----------
        item : str
            Its name, shown after the bar.
        """
        self.done += 1
        self._draw(item)

    def _draw(self, item: str) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self._start
        if self.total is None:  # unknown: the count and the time so far
            line = f"\r{self.label} {self.done}/?  {elapsed:5.1f}s  {item[:40]:<40}"
            self.stream.write(line)
            self.stream.flush()
            return
        frac = min(1.0, self.done / self.total) if self.total else 1.0
        width = 24
        filled = round(width * frac)
        eta = (elapsed / self.done) * max(0, self.total - self.done) if self.done else 0.0
        shown = f"~{self.total}" if self.estimated else str(self.total)
        line = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{shown}  {elapsed:5.1f}s  eta {eta:5.1f}s  {item[:40]:<40}"
        self.stream.write(line)
        self.stream.flush()
