"""A prepared background costs under 5 ms on the second call (issue 13, part 4).

Run:  pytest benchmarks/test_background_cache.py --benchmark-enable

A 20 MP JPEG background (5472×3648, textured so JPEG has work to do) is decoded once
(``first_s`` in ``extra_info``); the benchmark times ``resolve_background`` on the same
path afterwards, as the pipeline calls it for a placed subject (``fit="none"``): a cache hit.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp.backgrounds import resolve_background
from studiocomp.prepared import CACHE


@pytest.fixture(scope="module")
def jpeg_20mp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import cv2

    rng = np.random.default_rng(0)
    small = rng.random((456, 684, 3)).astype(np.float32)
    big = cv2.resize(small, (5472, 3648), interpolation=cv2.INTER_CUBIC)
    path = tmp_path_factory.mktemp("bgcache") / "hall.jpg"
    studiocomp.save_image(path, np.clip(big, 0, 1), quality=92)
    return path


def test_cached_background_second_call(benchmark: pytest.FixtureRequest, jpeg_20mp: Path) -> None:
    CACHE.clear()
    t0 = time.perf_counter()
    first = resolve_background(str(jpeg_20mp), 600, 800, "none")
    first_s = time.perf_counter() - t0
    benchmark.extra_info.update({"megapixels": first.shape[0] * first.shape[1] / 1e6, "first_s": first_s, "threads": os.cpu_count()})
    out = benchmark(resolve_background, str(jpeg_20mp), 600, 800, "none")
    assert out is first
    if benchmark.stats is not None:  # --benchmark-disable (the default test run) records no stats
        assert benchmark.stats.stats.median < 0.005
