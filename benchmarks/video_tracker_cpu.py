"""The subject tracker's own CPU time a frame on the DAVIS people clips, and the subject IoU it gives.

Run from the repository root (needs ../shared, or STUDIOCOMP_SHARED; the hub is seeded from ../shared/weights
and kept offline)::

    python benchmarks/video_tracker_cpu.py [--reps 3] [--cache DIR]

RVM mattes each clip once, as :func:`studiocomp.video.evaluate_clip` does (its state primed by the default
warm-up, frames in order), and its full-size alphas are held in memory. The tracker
(:class:`studiocomp.video.track.SubjectTracker`, defaults) is then replayed over
them ``--reps`` times, each frame given with the next one (as :func:`studiocomp.video.run` does), on one OpenCV
thread. Printed per clip: the mean subject IoU (identical to ``evaluate_clip``'s with the same tracker), the alpha
outside the dancer on frames 0-3 (:func:`studiocomp.video.evaluate.outside_mass`, %), and the tracker's CPU time
(``time.process_time``) a frame, the lowest of the reps. Unlike the overhead benchmark's ratio
(``benchmarks/test_video.py``) this does not swing with the machine's load by more than a few ms.

``--cache DIR`` keeps each clip's frames, alphas and truth in ``DIR/<clip>.npz`` (about 250 MB for breakdance) and
reads them from there on the next run, so that a change to the tracker is measured without running RVM again (the
cache belongs to the RVM and warm-up of the run that wrote it: delete it when they change).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_real import SHARED, seed_hub  # noqa: E402  (the same offline hub seeding)

CLIPS = ("dance-twirl", "breakdance")


def rvm_alphas(seq: str) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The clip's frames (uint8), RVM's alphas (float32, warm-up as evaluate_clip) and the truth masks (T×H×W bool)."""
    from PIL import Image

    from studiocomp.video.io import open_video
    from studiocomp.video.stream import fresh_clip_stages
    from studiocomp.video.warmup import WARMUP_FRAMES, warm_up

    root = SHARED / "data" / "davis2016_people_video"
    m, _ = fresh_clip_stages(None, None, False)
    frames, alphas = [], []
    with open_video(root / "image" / seq) as reader:
        for rgb, _t in warm_up(m, iter(reader), WARMUP_FRAMES, lambda item: item[0].astype(np.float32) / 255.0):
            frames.append(rgb)
            alphas.append(m.matte(rgb.astype(np.float32) / 255.0).alpha.astype(np.float32))
    truth = np.stack([np.array(Image.open(p).convert("L")) > 127 for p in sorted((root / "mask" / seq).glob("*.png"))])
    return frames, alphas, truth


def cached_alphas(seq: str, cache: Path | None) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """:func:`rvm_alphas`, read from ``cache/<seq>.npz`` when there and written there when not (no cache: None)."""
    if cache is None:
        return rvm_alphas(seq)
    path = cache / f"{seq}.npz"
    if path.is_file():
        with np.load(path) as z:
            return list(z["frames"]), list(z["alphas"]), z["truth"]
    frames, alphas, truth = rvm_alphas(seq)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, frames=np.stack(frames), alphas=np.stack(alphas), truth=truth)
    return frames, alphas, truth


def replay(frames: list[np.ndarray], alphas: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """The tracked alphas (uint8, as evaluate_clip keeps them) and the tracker's CPU seconds over the clip."""
    from studiocomp.video.track import SubjectTracker

    tracker, out, cpu = SubjectTracker(), [], 0.0
    for i, (rgb, alpha) in enumerate(zip(frames, alphas, strict=True)):
        t0 = time.process_time()
        a = tracker(alpha, rgb, frames[i + 1] if i + 1 < len(frames) else None)
        cpu += time.process_time() - t0
        out.append((a * 255 + 0.5).astype(np.uint8))
    return out, cpu


def main() -> None:
    import cv2

    from studiocomp.video.evaluate import score_clip

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None, help="folder for the clips' frames and RVM alphas (read when there)")
    args = ap.parse_args()
    seed_hub()
    cv2.setNumThreads(1)
    for seq in CLIPS:
        frames, alphas, truth = cached_alphas(seq, args.cache)
        best = float("inf")
        for _ in range(args.reps):
            out, cpu = replay(frames, alphas)
            best = min(best, cpu)
        rep = score_clip(np.stack(out).astype(np.float32) / 255.0, truth)
        outside = " / ".join(f"{100 * x:.2f}" for x in rep.outside[:4])
        print(f"{seq}: mean IoU {rep.mean_iou:.4f}, outside frames 0-3 {outside} %, tracker {1000 * best / len(frames):.1f} ms CPU a frame", flush=True)


if __name__ == "__main__":
    main()
