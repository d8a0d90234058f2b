"""The progress bar's phases: the rate and time left are read from the current phase alone."""

from __future__ import annotations

import io
import re
import time

from studiocomp.progress import Progress


def test_a_new_phase_times_itself_not_the_warm_up_before_it() -> None:
    out = io.StringIO()
    bar = Progress(10, "video warm-up", stream=out, enabled=True)
    bar._start -= 30.0  # noqa: SLF001  a 30 s warm-up has passed before the first frame
    bar.phase("video matting", since=time.perf_counter() - 1.0)  # the first frame took 1 s
    bar.advance()
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("video matting")
    eta = float(re.search(r"eta\s+([\d.]+)s", last).group(1))  # type: ignore[union-attr]
    assert 8.0 <= eta <= 10.0, last  # 9 frames left at about 1 s each, not 9 × 31 s


def test_phase_defaults_to_now() -> None:
    bar = Progress(3, "a", stream=io.StringIO(), enabled=False)
    before = time.perf_counter()
    bar.phase("b")
    assert bar.label == "b" and bar._start >= before  # noqa: SLF001
