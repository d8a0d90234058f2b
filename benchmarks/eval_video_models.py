"""What the shipped person models reach on the DAVIS people clips: the ceiling of issue 15's subject IoU.

Run from the repository root (needs ../shared, or STUDIOCOMP_SHARED; the hub is seeded from ../shared/weights
and kept offline)::

    python benchmarks/eval_video_models.py

Two tables, printed as Markdown:

1. **Each model's own alpha, scored inside the truth's box.** Every frame's prediction (alpha > 0.5, at the
   frame's size) is compared with the DAVIS mask inside the mask's bounding box grown by 20 px (rows) and
   40 px (columns). Nothing outside the box counts, so a crowd the model also finds costs nothing: this is
   the best any subject tracker could do with that model. RVM carries its recurrent state; the others run
   frame by frame (no stabiliser). The mean of RVM's and U²-Net-p's maps is also scored.
2. **The whole clip through** :func:`studiocomp.video.evaluate_clip` (subject tracking on, the flow stabiliser
   for the frame-by-frame backends, RVM's state primed by the default warm-up): mean IoU, dtSSD×100 and
   flicker×100 over the whole frame.

``python benchmarks/eval_video_models.py --warmup-sweep`` prints instead, for RVM through ``evaluate_clip`` with
its state primed on N = 0 (none), 4, 8, 16 frames (:func:`studiocomp.video.warmup.warm_up`): the IoU of frames
0–9, the clip's mean IoU and dtSSD×100, the alpha mass outside the truth grown by 2 % of the long side
(:func:`studiocomp.video.evaluate.outside_mass`, % of the person) on frames 0, 1, 3, 7 and the seconds of the run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_real import SHARED, seed_hub  # noqa: E402  (the same offline hub seeding)

CLIPS = ("dance-twirl", "breakdance")


def _frames(seq: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from studiocomp import load_image

    root = SHARED / "data" / "davis2016_people_video"
    images = [load_image(p) for p in sorted((root / "image" / seq).glob("*.jpg"))]
    masks = [load_image(p)[..., 0] > 0.5 for p in sorted((root / "mask" / seq).glob("*.png"))]
    return images, masks


def _boxed_iou(maps: list[np.ndarray], masks: list[np.ndarray]) -> float:
    ious = []
    for a, g in zip(maps, masks, strict=True):
        ys, xs = np.nonzero(g)
        win = (slice(max(0, ys.min() - 20), ys.max() + 20), slice(max(0, xs.min() - 40), xs.max() + 40))
        p, t = a[win] > 0.5, g[win]
        ious.append((p & t).sum() / max(1, (p | t).sum()))
    return float(np.mean(ious))


def warmup_sweep() -> int:
    """RVM through evaluate_clip with its state primed on N frames: the first frames, the clip, the ghost."""
    seed_hub()
    import studiocomp
    from studiocomp.video import evaluate_clip

    root = SHARED / "data" / "davis2016_people_video"
    rvm = studiocomp.create("matter", "rvm", sequence=True)
    head = " | ".join(f"IoU {i}" for i in range(10))
    print(f"| clip | N | {head} | mean IoU | dtSSD×100 | outside % 0 / 1 / 3 / 7 | s |\n|---|---|" + "---|" * 14)
    for seq in CLIPS:
        for n in (0, 4, 8, 16):
            t0 = time.perf_counter()
            rep = evaluate_clip(root / "image" / seq, root / "mask" / seq, rvm, warmup=n)
            s = time.perf_counter() - t0
            ious = " | ".join(f"{x:.3f}" for x in rep.ious[:10])
            out = " / ".join(f"{100 * rep.outside[i]:.2f}" for i in (0, 1, 3, 7))
            print(f"| {seq} | {n} | {ious} | {rep.mean_iou:.4f} | {rep.dtssd:.2f} | {out} | {s:.0f} |", flush=True)
    return 0


def main() -> int:
    if "--warmup-sweep" in sys.argv[1:]:
        return warmup_sweep()
    seed_hub()
    import cv2

    import studiocomp
    from studiocomp.video import evaluate_clip

    print("| clip | RVM (state) | MODNet | U²-Net-p | selfie | mean of RVM and U²-Net-p |\n|---|---|---|---|---|---|")
    rvm = studiocomp.create("matter", "rvm", sequence=True)
    others = {name: studiocomp.create("matter" if name == "modnet" else "segmenter", name) for name in ("modnet", "u2netp", "selfie")}
    for seq in CLIPS:
        images, masks = _frames(seq)
        rvm.reset()
        maps: dict[str, list[np.ndarray]] = {"rvm": [rvm.predict_alpha(im) for im in images]}
        for name, backend in others.items():
            low = [backend.predict_alpha(im) if name == "modnet" else backend.probability(im) for im in images]
            maps[name] = [cv2.resize(m.astype(np.float32), (im.shape[1], im.shape[0]), interpolation=cv2.INTER_LINEAR) for m, im in zip(low, images, strict=True)]
        mix = [(a + b) / 2 for a, b in zip(maps["rvm"], maps["u2netp"], strict=True)]
        cells = [_boxed_iou(maps[k], masks) for k in ("rvm", "modnet", "u2netp", "selfie")] + [_boxed_iou(mix, masks)]
        print(f"| {seq} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print("\n| clip | backend | mean IoU | dtSSD×100 | flicker×100 |\n|---|---|---|---|---|")
    root = SHARED / "data" / "davis2016_people_video"
    for seq in CLIPS:
        for name in ("rvm", "modnet", "ensemble", "u2netp"):
            backend = None if name == "rvm" else studiocomp.create("matter" if name == "modnet" else "segmenter", name)
            rep = evaluate_clip(root / "image" / seq, root / "mask" / seq, backend)
            print(f"| {seq} | {name} | {rep.mean_iou:.3f} | {rep.dtssd:.2f} | {rep.flicker:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
