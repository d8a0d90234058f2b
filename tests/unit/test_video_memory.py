"""Streaming keeps memory flat: a clip five times longer peaks at the same traced allocation (issue 15)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av")

from tests.unit.test_video import DarkMatter, make_clip  # noqa: E402


def _peak_mib(clip: Path, out: Path) -> float:
    """Peak of the allocations Python and NumPy make during one stabilised, tracked run (MiB)."""
    from studiocomp.video import run

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run(clip, out, matter=DarkMatter(), stabilise=True, audio=False)
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_clip(tmp_path: Path) -> None:
    """60 vs 300 frames of 120×160: the frames in flight are bounded by the queues, nothing is kept per frame.

    tracemalloc sees every NumPy array (decoded frames, alphas, composites), not FFmpeg's own buffers;
    those are covered by the 1080p runs in docs/performance.md.
    """
    short = make_clip(tmp_path / "short.mp4", n=60, size=(120, 160), audio=False)
    long = make_clip(tmp_path / "long.mp4", n=300, size=(120, 160), audio=False)
    _peak_mib(short, tmp_path / "warm.mp4")  # first run: imports, OpenCV's and the stabiliser's one-off buffers
    p_short = _peak_mib(short, tmp_path / "a.mp4")
    p_long = _peak_mib(long, tmp_path / "b.mp4")
    assert np.isfinite(p_short) and p_short > 0
    assert p_long < 1.2 * p_short + 1.0, f"peak {p_short:.2f} MiB at 60 frames, {p_long:.2f} MiB at 300"
