"""One process: RVM's own loop, the whole ``video.run``, the loop again, on a DAVIS clip; wall and CPU a frame.

Run from the repository root (needs ../shared)::

    python benchmarks/video_run_ab.py [--clip breakdance] [--rounds 1]

For an A/B against another tree, run it in turn with ``PYTHONPATH=/path/to/old/src`` and without (each process
loads one tree). Printed per round: the loop's ms a frame before and after the run, the run's, the ratio (run's frames
a second over the mean of the two loops', as ``benchmarks/test_video.py`` takes it per round), the same net of the
warm-up, the process's CPU a frame (``os.times``: every thread) for the loop and the run, the run's stage timings and
the composite's bytes. Unlike the ratio, CPU a frame does not swing much with other work on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.test_video import _encode  # noqa: E402
from tests.conftest import HUB_CACHE, seed_hub_cache  # noqa: E402


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def main() -> None:
    import studiocomp
    from studiocomp.registry import create
    from studiocomp.video import run
    from studiocomp.video.io import open_video

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default="breakdance")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    seed_hub_cache(HUB_CACHE, ["rvm-mobilenetv3"])
    with tempfile.TemporaryDirectory() as tmp:
        clip = _encode(args.clip, Path(tmp) / f"{args.clip}.mp4")
        rvm = create("matter", "rvm", sequence=True)
        with open_video(clip) as reader:
            frames = [rgb for rgb, _t in reader]
        n = len(frames)
        rvm.predict_alpha(frames[0].astype(np.float32) / 255.0)

        def loop() -> tuple[float, float]:
            rvm.reset()
            t0, c0 = time.perf_counter(), _cpu()
            for rgb in frames:
                rvm.predict_alpha(rgb.astype(np.float32) * np.float32(1 / 255))
            return 1000 * (time.perf_counter() - t0) / n, 1000 * (_cpu() - c0) / n

        print(f"{studiocomp.__file__}, {args.clip}, {n} frames", flush=True)
        for r in range(args.rounds):
            l1, lc1 = loop()
            t0, c0, load = time.perf_counter(), _cpu(), os.getloadavg()[0]
            res = run(clip, Path(tmp) / f"out-{r}.mp4", matter=rvm)
            w, c = 1000 * (time.perf_counter() - t0) / n, 1000 * (_cpu() - c0) / n
            l2, lc2 = loop()
            loop_ms = 0.5 * (l1 + l2)
            stages = ", ".join(f"{k} {1000 * v / n:.0f}" for k, v in res.timings.items())
            print(
                f"loop {l1:.0f} / {l2:.0f} ms (CPU {lc1:.0f} / {lc2:.0f}), run {w:.0f} ms (CPU {c:.0f}): ratio {loop_ms / w:.3f}, "
                f"net of the warm-up {loop_ms / (w - 1000 * res.timings['warmup'] / n):.3f}; stages ms a frame {stages}; "
                f"load {load:.1f}-{os.getloadavg()[0]:.1f}; {os.path.getsize(res.outputs['composite'])} bytes",
                flush=True,
            )


if __name__ == "__main__":
    main()
