"""studiocomp's u2netp against rembg's on a second set: humanseg_removebg290 (290 mixed people photos).

    pip install -e ".[peers]" && python benchmarks/u2netp_parity_humanseg.py

The same ``u2netp.onnx`` (../shared/weights) in both: studiocomp's ``u2netp`` segmenter on the float photo,
``rembg.remove(uint8 photo, only_mask=True)`` with a u2netp session (``U2NET_HOME`` pointing at the file).
Masks cut at 0.5, scored against the set's machine-made masks (resized to the photo when smaller,
nearest). Prints the mean IoU of each and on how many photos each is ahead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("STUDIOCOMP_SHARED", HERE.parent.parent / "shared"))


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    weights = SHARED / "weights" / "u2netp" / "u2netp.onnx"
    home = Path(tempfile.mkdtemp(prefix="u2net_home_"))
    (home / "u2netp.onnx").symlink_to(weights)
    os.environ["U2NET_HOME"] = str(home)
    from rembg import new_session, remove

    import studiocomp
    from studiocomp.hub import use_weights

    use_weights("u2netp", weights)
    seg = studiocomp.create("segmenter", "u2netp")
    session = new_session("u2netp")
    data = SHARED / "data" / "humanseg_removebg290"
    ours, theirs = [], []
    for f in sorted((data / "image").iterdir()):
        masks = sorted((data / "mask").glob(f"{f.stem}.*"))
        if not masks:
            continue
        u8 = np.asarray(Image.open(f).convert("RGB"))
        h, w = u8.shape[:2]
        truth = np.asarray(Image.open(masks[0]).convert("L"))
        if truth.shape != (h, w):
            truth = cv2.resize(truth, (w, h), interpolation=cv2.INTER_NEAREST)
        truth = truth > 127
        for mask, out in ((seg.segment(u8.astype(np.float32) / 255), ours), (np.asarray(remove(u8, session=session, only_mask=True)) > 127, theirs)):
            out.append(float((mask & truth).sum() / max((mask | truth).sum(), 1)))
    a, b = np.array(ours), np.array(theirs)
    print(f"{len(a)} photos: studiocomp {a.mean():.4f}, rembg {b.mean():.4f}, delta {a.mean() - b.mean():+.4f}; studiocomp ahead on {(a > b).sum()}, behind on {(a < b).sum()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
