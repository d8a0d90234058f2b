"""End-to-end speed of the ``studio`` preset at 1, 6, 12 and 24 megapixels.

Run:  pytest benchmarks --benchmark-enable --benchmark-json=benchmarks/results.json

Each case records image size, pixel count and thread counts in ``extra_info``;
the memory case runs in a fresh process and records its peak RSS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from tests.conftest import HUB_CACHE, seed_hub_cache

import studiocomp

SIZES_MP = [1, 6, 12, 24]


def _shape(mp: float) -> tuple[int, int]:
    h = int((mp * 1e6 * 4 / 3) ** 0.5)  # 3:4 portrait frame
    return h, int(h * 0.75)


@pytest.mark.parametrize("prior", ["keyer-only", "person-models"])
@pytest.mark.parametrize("mp", SIZES_MP)
def test_studio_end_to_end(benchmark: pytest.FixtureRequest, mp: int, prior: str) -> None:
    """The preset as a fresh offline machine runs it (keyer alone) and with the person models (weights from ../shared)."""
    import cv2

    h, w = _shape(mp)
    image, _ = studiocomp.synthetic.studio_shot((h, w), seed=0)
    if prior == "person-models":
        seed_hub_cache(HUB_CACHE)
        segmenter = studiocomp.create("segmenter", "studio")
        if segmenter.prior is None:
            pytest.skip("no person-model weights")
    else:
        segmenter = studiocomp.create("segmenter", "studio", prior=None)
    pipe = studiocomp.Pipeline.preset("studio", segmenter=segmenter)
    pipe(image, background="gradient")  # warm-up
    benchmark.extra_info.update({"prior": prior, "megapixels": h * w / 1e6, "height": h, "width": w, "cv2_threads": cv2.getNumThreads(), "cpus": os.cpu_count()})
    result = benchmark.pedantic(pipe, args=(image,), kwargs={"background": "gradient"}, rounds=3, iterations=1)
    assert result.composite.shape == (h, w, 3)


_PEAK = """
import sys, numpy as np, studiocomp
h, w = int(sys.argv[1]), int(sys.argv[2])
image = np.load(sys.argv[3])
studiocomp.Pipeline.preset("studio")(image, background="gradient")
# VmHWM: the peak RSS of this process's own memory. (getrusage's ru_maxrss is not: Linux carries the
# parent's peak over fork and exec, so a child of a big pytest process would report the parent's size.)
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024)
"""


def test_studio_peak_memory_24mp(benchmark: pytest.FixtureRequest, tmp_path: pytest.TempPathFactory) -> None:
    """Peak RSS (MB) of a process that holds a 24 MP float image and runs the preset once."""
    import numpy as np

    h, w = _shape(24)
    image, _ = studiocomp.synthetic.studio_shot((h, w), seed=0)
    path = f"{tmp_path}/shot.npy"
    np.save(path, image)
    del image

    def run() -> float:
        out = subprocess.run([sys.executable, "-c", _PEAK, str(h), str(w), path], capture_output=True, text=True, check=True)
        return float(out.stdout.strip())

    peak_mb = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update({"peak_rss_mb": peak_mb, "megapixels": h * w / 1e6})
    print(json.dumps({"peak_rss_mb": peak_mb}))
    assert peak_mb < 2500
