"""The ``unmix`` matter on a coloured backdrop: no rim of the backdrop's complementary hue (generated inputs)."""

from __future__ import annotations

import cv2
import numpy as np

import studiocomp


def _disc(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    inside: np.ndarray = (((xx - w / 2) / (0.3 * w)) ** 2 + ((yy - h / 2) / (0.3 * h)) ** 2) <= 1.0
    return inside


def test_cyan_backdrop_gives_no_red_rim() -> None:
    """Skin with a shaded underside on cyan paper: the edge's foreground is no redder than the skin (humanseg 102's forearm).

    The shaded edge reads as part backdrop, and ``F = B + (I − B) / alpha`` pushed it away from cyan, to saturated
    red: a 1–2 px red line on any new background.
    """
    h, w = 300, 400
    inside = _disc(h, w)
    depth = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 5)
    lit, shade = np.array([0.93, 0.72, 0.60], np.float32), np.array([0.50, 0.30, 0.24], np.float32)
    t = np.clip((depth - 1.0) / 4.0, 0.0, 1.0)[..., None]  # the outer 5 px darken towards the edge
    skin = t * lit + (1 - t) * shade
    cyan = np.array([0.10, 0.78, 0.82], np.float32)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 0.7)[..., None]
    image = (soft * skin + (1 - soft) * cyan).astype(np.float32)
    matte = studiocomp.create("matter", "unmix").matte(image, inside)
    fg, alpha = matte.foreground, matte.alpha
    red = fg[..., 0] - np.maximum(fg[..., 1], fg[..., 2])
    seen = alpha > 0.05
    skin_red = float((skin[..., 0] - np.maximum(skin[..., 1], skin[..., 2]))[inside].max())  # 0.21
    assert float(np.percentile(red[seen], 99.5)) < skin_red + 0.08  # 0.27 (0.59 before the limit)
