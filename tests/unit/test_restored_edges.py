"""A part of the subject the matter dropped and the segmenter's mask restores keeps the photo's outline, not the mask's.

humanseg 240 and 210 (`portrait` preset): MODNet dropped most of the people, ``fill_missed`` restored them from the
selfie mask, and the cut-out took the mask's outline: cut at 0.5 from a 256-pixel probability map, stepped on that
grid and a little too wide, so a rim of the old background came along (white blobs round 210's legs) and an enlarged
subject showed staircase edges. The restored region's outline is now feathered along the photo's edges
(:func:`studiocomp._ops.feather_into`). Every input is generated here.
"""

from __future__ import annotations

import cv2
import numpy as np

from studiocomp._ops import feather_into
from studiocomp.backends._neural import finish_matte

H, W = 480, 640


def _scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A dark figure (an ellipse and a body, antialiased) on a pale street: the photo and its true alpha."""
    rng = np.random.default_rng(seed)
    big = np.zeros((H * 4, W * 4), np.uint8)
    cv2.ellipse(big, (4 * 300, 4 * 150), (4 * 40, 4 * 50), 0, 0, 360, 255, -1)
    cv2.ellipse(big, (4 * 310, 4 * 330), (4 * 95, 4 * 140), 0, 0, 360, 255, -1)
    truth = cv2.resize(big, (W, H), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    street = np.linspace(0.7, 0.85, W, dtype=np.float32)[None, :, None] * np.ones((H, 1, 3), np.float32)
    person = np.array([0.12, 0.1, 0.14], np.float32)
    image = truth[..., None] * person + (1.0 - truth[..., None]) * street
    image = np.clip(image + rng.normal(0.0, 0.01, image.shape).astype(np.float32), 0.0, 1.0)
    return image, truth


def _coarse_mask(truth: np.ndarray, side: int = 128, widen: float = 0.3) -> np.ndarray:
    """What a segmenter gives: the truth on a coarse grid, cut a little low (too wide), back at full size with steps."""
    small = cv2.resize(truth, (side, side * H // W), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (W, H), interpolation=cv2.INTER_NEAREST) > widen


def _edge_error(alpha: np.ndarray, truth: np.ndarray) -> float:
    """Mean |alpha − truth| over the band ±6 px round the true outline."""
    edge = cv2.morphologyEx((truth > 0.5).view(np.uint8), cv2.MORPH_GRADIENT, np.ones((13, 13), np.uint8)) > 0
    return float(np.abs(alpha - truth)[edge].mean())


def test_a_dropped_person_restored_from_the_mask_follows_the_photo() -> None:
    image, truth = _scene()
    mask = _coarse_mask(truth)
    low = np.zeros((H // 2, W // 2), np.float32)  # the matter dropped the whole person
    alpha = finish_matte(image, low, mask, 0.03, fill_missed=True).alpha
    stepped = _edge_error(mask.astype(np.float32), truth)
    assert _edge_error(alpha, truth) < 0.8 * stepped, (_edge_error(alpha, truth), stepped)  # 0.060 against 0.087
    iou = lambda a: float(((a > 0.5) & (truth > 0.5)).sum() / ((a > 0.5) | (truth > 0.5)).sum())  # noqa: E731
    assert iou(alpha) > iou(mask.astype(np.float32)) + 0.01, (iou(alpha), iou(mask.astype(np.float32)))  # 0.997 against 0.976
    assert np.count_nonzero((alpha > 0.02) & (alpha < 0.98)) > 0.5 * np.count_nonzero(cv2.Canny((truth * 255).astype(np.uint8), 50, 150))  # antialiased
    inside = cv2.erode((truth > 0.999).view(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert (alpha[inside] > 0.98).mean() > 0.995  # the inside stays solid


def test_only_the_restored_region_and_its_reach_change() -> None:
    """The matter's own soft edge (hair) away from the region is left as it was; nothing is lowered outside it."""
    image, truth = _scene(1)
    alpha = np.zeros((H, W), np.float32)
    alpha[40:200, 20:120] = np.linspace(0.1, 0.9, 100, dtype=np.float32)[None, :]  # soft, far from the region
    before = alpha.copy()
    region = _coarse_mask(truth)
    feather_into(alpha, region, image)
    far = np.zeros((H, W), bool)
    far[40:200, 20:120] = True
    np.testing.assert_array_equal(alpha[far], before[far])
    assert (alpha[~region] >= before[~region]).all()
    assert alpha.dtype == np.float32 and alpha.min() >= 0.0 and alpha.max() <= 1.0
