"""The person prior as a caster source where the library reads a background's light (issue 13): ``studiocomp backgrounds create`` and the cast shadow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import HUB_CACHE, seed_hub_cache
from tests.integration.test_shadow_light import NO_PRIOR, _scene

import studiocomp
from studiocomp.prepared import prepare

pytestmark = pytest.mark.data


@pytest.mark.skipif(bool(NO_PRIOR), reason=NO_PRIOR or "-")
def test_a_prepared_interior_takes_its_light_from_the_person_standing_in_it(tmp_path: Path) -> None:
    """Scene 20 of test_shadow_light (bgmatting_0001, a person lit from 130°, 57° up): the floor model finds nothing there."""
    seed_hub_cache(HUB_CACHE, ["selfie"])  # "auto" then finds the selfie model in the offline hub cache
    img, az, el = _scene(20)
    path = tmp_path / "interior.png"
    studiocomp.save_image(path, img)
    info = prepare(path)
    assert info.light.source == "shadows" and abs((info.light.azimuth - az + 180) % 360 - 180) <= 15 and abs(info.light.elevation - el) <= 8
    shadow, notes = studiocomp.create("shadow_caster", "cast").cast_assessed(np.zeros(img.shape[:2], "float32"), studiocomp.as_image(path))
    assert notes == []  # direction and length both read off the scene
