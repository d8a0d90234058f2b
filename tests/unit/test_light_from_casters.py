"""The light read off a caster and its shadow (backends/shadow/light.py), on generated scenes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.shadow_scenes import render_scene

from studiocomp.backends.shadow.floor import find_light
from studiocomp.backends.shadow.light import floor_step, read_light


def _figure() -> tuple[np.ndarray, np.ndarray]:
    """A red upright figure (an ellipse body on two legs), 200 px tall."""
    yy, xx = np.mgrid[:220, :120]
    a = ((((xx - 60) / 30.0) ** 2 + ((yy - 70) / 60.0) ** 2) < 1) | ((np.abs(xx - 60) < 14) & (yy > 100) & (yy < 210))
    rgb = np.zeros((220, 120, 3), np.float32)
    rgb[...] = (0.7, 0.15, 0.1)
    return rgb, a.astype(np.float32)


def _floor(h: int = 480, w: int = 640, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    tex = 0.55 + 0.05 * rng.standard_normal((h, w)).astype(np.float32)
    return np.repeat(np.clip(tex, 0, 1)[..., None], 3, axis=2)


@pytest.mark.parametrize(("azimuth", "elevation"), [(140, 45), (220, 35)])
def test_caster_and_shadow_give_both_angles(azimuth: float, elevation: float) -> None:
    rgb, a = _figure()
    img = render_scene(_floor(), rgb, a, feet=(320.0, 300.0), height=180.0, azimuth=azimuth, elevation=elevation)
    est = find_light(img)
    assert est.found and est.elevation_found and est.casters
    assert abs((est.azimuth - azimuth + 180) % 360 - 180) <= 10
    ratio = (1 / math.tan(math.radians(est.elevation))) / (1 / math.tan(math.radians(elevation)))
    assert abs(ratio - 1) <= 0.15
    c = est.casters[0]
    assert abs(c.contact[0] - 320) < 12 and abs(c.contact[1] - 300) < 12


def test_no_caster_no_light() -> None:
    assert read_light(_floor()) == []
    est = find_light(_floor())
    assert not est.found and not est.elevation_found and est.reason


def test_floor_step_matches_the_cast_model() -> None:
    cdx, cdy = floor_step(90.0, 45.0, 0.35)  # a side light: the shadow keeps a quarter of its depth
    assert cdx == pytest.approx(-1.0) and cdy == pytest.approx(-0.25 * 0.35)
    cdx, cdy = floor_step(180.0, 45.0, 0.35)  # from behind: the shadow comes towards the camera (down)
    assert cdx == pytest.approx(0.0, abs=1e-9) and cdy == pytest.approx(0.35)
