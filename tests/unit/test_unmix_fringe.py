"""The ``unmix`` matter on non-studio backdrops: no speckled fringe from a grainy backdrop, no complementary rim (generated inputs)."""

from __future__ import annotations

import cv2
import numpy as np

import studiocomp


def _disc(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    inside: np.ndarray = (((xx - w / 2) / (0.3 * w)) ** 2 + ((yy - h / 2) / (0.3 * h)) ** 2) <= 1.0
    return inside


def _stray(alpha: np.ndarray) -> float:
    """Pixels of faint alpha (> 0.05) more than 3 px outside the alpha > 0.5 core, per 1000 core pixels."""
    core = (alpha > 0.5).astype(np.uint8)
    far = cv2.distanceTransform(1 - core, cv2.DIST_L2, 5) > 3
    return float(np.count_nonzero((alpha > 0.05) & far) / max(int(core.sum()), 1) * 1000)


def test_grainy_backdrop_leaves_no_speckled_fringe() -> None:
    """A dark subject on pale gravel (grain of about a pixel): the grain beside the subject is not read as faint alpha.

    The grain averages out at the working size, so the backdrop looks smooth there, and at full size every grain
    darker than the local backdrop colour projected to a faint alpha: a speckled fringe of the old backdrop up to
    the band's reach (humanseg 143 on a street: 28 stray pixels per 1000 of subject; with the clip, 3.8).
    """
    h, w = 640, 480
    inside = _disc(h, w)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 0.8)[..., None]
    rng = np.random.default_rng(5)
    grain = cv2.GaussianBlur(rng.normal(0.0, 1.0, (h, w)).astype(np.float32), (0, 0), 0.7)
    backdrop = np.array([0.72, 0.70, 0.66], np.float32) + 0.12 * grain[..., None] / grain.std()
    subject = np.array([0.12, 0.10, 0.18], np.float32)
    image = np.clip(soft * subject + (1 - soft) * backdrop, 0, 1).astype(np.float32)
    alpha = studiocomp.create("matter", "unmix").matte(image, inside).alpha
    assert _stray(alpha) < 2.0
    # the subject's own soft edge is still matted: the alpha > 0.5 core keeps the disc's outline
    assert abs(np.count_nonzero(alpha > 0.5) / np.count_nonzero(inside) - 1.0) < 0.01


def test_clean_paper_keeps_a_faint_edge() -> None:
    """On clean paper (no grain) the clip is next to nothing: a soft edge's faint alpha stays."""
    h, w = 400, 300
    inside = _disc(h, w)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 2.0)
    b, f = np.array([0.9, 0.9, 0.92], np.float32), np.array([0.3, 0.2, 0.15], np.float32)
    image = (soft[..., None] * f + (1 - soft[..., None]) * b).astype(np.float32)
    alpha = studiocomp.create("matter", "unmix").matte(image, inside).alpha
    edge = (soft > 0.05) & (soft < 0.3)
    assert np.abs(alpha[edge] - soft[edge]).mean() < 0.03


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
