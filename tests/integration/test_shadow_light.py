"""The light read from a real background's cast shadows (issue 13, part 3) on ../shared's real floors."""

from __future__ import annotations

import pytest
from tests.conftest import shared_path

import studiocomp
from studiocomp.backends.shadow.floor import DEFAULT_AZIMUTH, DEFAULT_ELEVATION, find_light

pytestmark = pytest.mark.data


def test_stairs_and_wall_base_are_not_shadows() -> None:
    """bgmatting_0001 (stairs, a wall base, tiled floor, no cast shadow): the estimator says it found none."""
    bg = studiocomp.as_image(shared_path("data", "composite_assets", "backgrounds", "bgmatting_0001.png"))
    est = find_light(bg)
    assert not est.found and not est.elevation_found
    assert (est.azimuth, est.elevation) == (DEFAULT_AZIMUTH, DEFAULT_ELEVATION) and "no cast shadow" in est.reason
    shadow, notes = studiocomp.create("shadow_caster", "cast").cast_assessed(__import__("numpy").zeros(bg.shape[:2], "float32"), bg)
    assert [n.code for n in notes] == ["light-default"] and not notes[0].uncertain
