"""The ``studio`` segmenter's mask lines up with a large photo (its working copy is centre-aligned).

The segmenter works on a copy of at most 1024 px; on photos more than twice that
size the copy's nearest-neighbour step picked the first pixel of each cell, and the
mask brought back to the photo sat 0.6–1.0 px down and right of the subject
(:func:`studiocomp._ops.shrink_centred`). Every input is generated here.
"""

from __future__ import annotations

import numpy as np


def _paper_shot(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """A red ellipse, off the pixel grid, on plain light paper, and its true mask."""
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    inside = ((yy - (0.58 * h + 0.3)) / (0.3 * h)) ** 2 + ((xx - (0.5 * w - 0.2)) / (0.22 * w)) ** 2 < 1
    img = np.empty((h, w, 3), np.float32)
    img[:] = (0.80, 0.82, 0.85)
    img[inside] = (0.55, 0.18, 0.12)
    return img, inside


def _centroid_offset(mask: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    yy, xx = np.nonzero(mask)
    ty, tx = np.nonzero(truth)
    return float(yy.mean() - ty.mean()), float(xx.mean() - tx.mean())


def test_keyer_mask_centred_on_a_large_photo() -> None:
    from studiocomp.backends.segment.studio import StudioSegmenter

    img, truth = _paper_shot(1800, 2600)
    mask = StudioSegmenter(prior=None).segment(img)
    dy, dx = _centroid_offset(mask, truth)
    # centre-aligned copy: 0.005 / 0.06 px; the old copy 0.59 / 0.74 px down and right (0.98 / 0.88 at 3000×4000)
    assert abs(dy) < 0.3 and abs(dx) < 0.3, (dy, dx)


def test_shrink_centred_keeps_the_centroid() -> None:
    from studiocomp._ops import resize, shrink_centred

    h, w = 3000, 4000
    yy, xx = np.ogrid[:h, :w]
    disk = (((yy - h / 2 - 0.25) ** 2 + (xx - w / 2 + 0.25) ** 2) < (0.3 * h) ** 2).astype(np.float32)

    def centroid(a: np.ndarray) -> tuple[float, float]:
        return float(a.sum(axis=1) @ np.arange(h) / a.sum()), float(a.sum(axis=0) @ np.arange(w) / a.sum())

    back = resize(shrink_centred(disk, (768, 1024)), (h, w))
    (by, bx), (ty, tx) = centroid(back), centroid(disk)
    assert abs(by - ty) < 0.05 and abs(bx - tx) < 0.05, (by - ty, bx - tx)  # shrink_area: 0.98 / 0.95 px
    small = np.full((300, 400), 0.5, np.float32)
    assert shrink_centred(small, (150, 200)).shape == (150, 200)  # under twice the size: plain area averaging
