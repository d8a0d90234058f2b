"""Behaviour of the studio keyer and the unmix matter on shots with known alpha."""

from __future__ import annotations

import numpy as np
import pytest

import studiocomp
from studiocomp.synthetic import BACKDROPS, studio_shot


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


@pytest.mark.parametrize("backdrop", sorted(BACKDROPS))
def test_studio_preset_on_every_backdrop(backdrop: str) -> None:
    image, truth = studio_shot((400, 300), seed=3, backdrop=backdrop)
    result = studiocomp.Pipeline.preset("studio")(image)
    assert iou(result.alpha > 0.5, truth > 0.5) > 0.97, backdrop


def test_cast_shadow_stays_background() -> None:
    image, truth = studio_shot((400, 300), seed=4)
    mask = studiocomp.create("segmenter", "backdrop").segment(image)
    # the synthetic shadow falls right of and below the subject: no subject pixels may appear there
    import cv2

    near_subject = cv2.dilate((truth > 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    shadow_zone = ~near_subject & (np.roll(truth, (12, 18), axis=(0, 1)) > 0.5)
    assert shadow_zone.sum() > 100
    assert mask[shadow_zone].mean() < 0.02


def test_fractional_alpha_on_edges() -> None:
    image, truth = studio_shot((400, 300), seed=6)
    alpha = studiocomp.Pipeline.preset("studio")(image).alpha
    partial = (alpha > 0.05) & (alpha < 0.95)
    assert partial.sum() > 200  # soft edges get in-between values, not a binary cut


def test_foreground_has_no_backdrop_spill() -> None:
    # a red subject on a saturated green backdrop: mixed edge pixels carry green;
    # the cleaned foreground must be close to the subject colour there, not to the mix
    h, w = 200, 200
    yy, xx = np.mgrid[0:h, 0:w]
    green = np.array([0.1, 0.7, 0.2], np.float32)
    red = np.array([0.8, 0.15, 0.1], np.float32)
    soft = np.clip((62 - np.hypot(yy - 100, xx - 100)) / 4, 0, 1).astype(np.float32)  # 4-px ramp
    image = soft[..., None] * red + (1 - soft[..., None]) * green
    matte = studiocomp.create("matter", "unmix").matte(image, soft > 0.5)
    edge = (soft > 0.15) & (soft < 0.85)
    assert edge.sum() > 100
    mixed_error = np.abs(image[edge] - red).max(1).mean()
    cleaned_error = np.abs(matte.foreground[edge] - red).max(1).mean()
    assert cleaned_error < 0.05 < mixed_error
    assert np.abs(matte.alpha[edge] - soft[edge]).mean() < 0.08


def test_clean_plate_option() -> None:
    image, _ = studio_shot((200, 150), seed=8)
    keyer = studiocomp.create("segmenter", "backdrop", plate=image)
    assert keyer.plate is not None and keyer.plate.shape == image.shape
    assert not np.shares_memory(keyer.plate, image)
    with pytest.raises(studiocomp.InputError, match="plate"):
        studiocomp.create("segmenter", "backdrop", plate=np.full((4, 4, 3), 2.0, np.float32))
