"""A real background enlarged by the fit is still a real scene to the relighter; a rendered one is still generated.

Enlarging (``fit="cover"`` of a small background) smooths away the fine detail and grain that tell a photographed
wall from a rendered backdrop: a 90×120 wall with 8-bit texture (detail in 56 % of its 2×2 blocks) read as
generated once enlarged 4× (0 %), and the subject kept its photo's light (gain 1) on a warm scene.
"""

from __future__ import annotations

import numpy as np
import pytest

from studiocomp.pipeline import Pipeline
from studiocomp.synthetic import studio_shot


def wall(texture: float, size: tuple[int, int] = (120, 90), seed: int = 1) -> np.ndarray:
    """A warm wall of ``size`` (H, W; 120×90 by default): a smooth gradient plus ``texture`` (peak-to-peak) of fine grain, quantised to 8 bits."""
    y, x = np.mgrid[0 : size[0], 0 : size[1]] / float(size[0])
    rgb = np.stack([0.75 + 0.05 * x, 0.55 + 0.04 * y, 0.35 + 0.0 * x], axis=2)
    rgb = rgb + (np.random.default_rng(seed).random((*size, 1)) - 0.5) * texture
    return (np.round(np.clip(rgb, 0, 1) * 255) / 255).astype(np.float32)


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(segmenter="backdrop", matter="unmix", relighter="illuminant")


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return studio_shot((480, 360), seed=3)[0]


def test_a_real_wall_enlarged_4x_relights_the_subject(pipe: Pipeline, photo: np.ndarray) -> None:
    r = pipe(photo, background=wall(0.012), fit="cover")
    report = r.finishing["relight"]
    assert report["generated_background"] == 0.0, report
    assert report["gain_b"] < 0.5 < report["gain_r"], report  # the warm wall's light, not the photo's
    inside = r.placed_alpha > 0.99
    assert float(np.mean(r.placed_foreground[inside][:, 2])) < float(np.mean(r.foreground[inside][:, 2])) - 0.05  # bluer before


def test_the_wall_enlarged_relights_as_the_same_wall_at_the_photos_size(pipe: Pipeline, photo: np.ndarray) -> None:
    enlarged = pipe(photo, background=wall(0.012), fit="cover").finishing["relight"]
    reference = pipe(photo, background=wall(0.012, size=(480, 360)), fit="cover").finishing["relight"]  # not enlarged: read at full size
    assert reference["generated_background"] == 0.0
    for c in ("gain_r", "gain_g", "gain_b"):
        assert abs(np.log2(enlarged[c] / reference[c])) < 0.15, (c, enlarged, reference)


def test_a_rendered_gradient_enlarged_stays_generated(pipe: Pipeline, photo: np.ndarray) -> None:
    r = pipe(photo, background=wall(0.0), fit="cover")
    report = r.finishing["relight"]
    assert report["generated_background"] == 1.0 and report["gain_r"] == report["gain_b"] == 1.0, report


def test_looks_generated_is_judged_at_the_images_own_scale() -> None:
    import cv2

    from studiocomp.estimate import looks_generated

    real = wall(0.012)
    assert not looks_generated(real) and looks_generated(wall(0.0))
    assert looks_generated(cv2.resize(real, (360, 480), interpolation=cv2.INTER_LINEAR))  # why the pipeline asks before fitting
