"""The light read off known casters (read_light's step 5, find_light's ``casters``), on generated scenes.

The caster is painted in the floor's own grey: the floor model cannot tell it from the floor
(no object, no caster, nothing found), so only a caster mask given from outside, as a person
segmenter gives, finds its shadow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.shadow_scenes import render_scene

from studiocomp.errors import InputError
from studiocomp.estimate import find_light, read_light
from studiocomp.estimate.people import person_casters


def _scene(azimuth: float, elevation: float, opacity: float = 0.5, box: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A 480×640 grey floor with a floor-grey figure standing at (320, 330), 170 px tall, and its mask; ``box`` (x0, x1, y0, y1): a brick-red block on the floor."""
    rng = np.random.default_rng(3)
    floor = np.repeat(np.clip(0.55 + 0.03 * rng.standard_normal((480, 640)), 0, 1).astype(np.float32)[..., None], 3, axis=2)
    if box is not None:
        floor[box[2] : box[3], box[0] : box[1]] = (0.6, 0.35, 0.3)  # not the floor's colour: outside the floor fill
    yy, xx = np.mgrid[:220, :60]
    fig = ((((xx - 30) / 12.0) ** 2 + ((yy - 60) / 55.0) ** 2) < 1) | ((np.abs(xx - 30) < 6) & (yy > 90) & (yy < 210))
    rgb = np.full((220, 60, 3), 0.55, np.float32)
    img = render_scene(floor, rgb, fig.astype(np.float32), feet=(320.0, 330.0), height=170.0, azimuth=azimuth, elevation=elevation, opacity=opacity)
    mask = render_scene(np.zeros_like(floor), np.ones_like(rgb), fig.astype(np.float32), feet=(320.0, 330.0), height=170.0, azimuth=azimuth, elevation=elevation, opacity=0.0)
    return img, mask[..., 0] > 0.5


@pytest.mark.parametrize(("azimuth", "elevation"), [(120, 45), (250, 40)])
def test_known_caster_gives_the_light_the_floor_model_misses(azimuth: float, elevation: float) -> None:
    img, mask = _scene(azimuth, elevation)
    assert read_light(img) == []  # the figure is the floor's grey: no caster of its own
    est = find_light(img, casters=mask)
    assert est.found and est.elevation_found and est.casters
    assert abs((est.azimuth - azimuth + 180) % 360 - 180) <= 15
    ratio = (1 / math.tan(math.radians(est.elevation))) / (1 / math.tan(math.radians(elevation)))
    assert abs(ratio - 1) <= 0.25
    assert abs(est.casters[0].contact[0] - 320) < 12 and abs(est.casters[0].contact[1] - 330) < 12


@pytest.mark.parametrize(("azimuth", "box"), [(250, (440, 600, 300, 360)), (110, (40, 200, 300, 360))])
def test_a_shadow_going_on_over_an_object_keeps_its_length(azimuth: float, box: tuple[int, int, int, int]) -> None:
    """The outer half of the shadow falls on a block that is not floor (as a shadow on stairs or chairs): its length is
    read on, not cut at the block (before: 35 % short); without a shadow, still no light."""
    img, mask = _scene(azimuth, 40, box=box)
    assert read_light(img) == []
    est = find_light(img, casters=mask)
    assert est.found and est.elevation_found and abs((est.azimuth - azimuth + 180) % 360 - 180) <= 15
    ratio = (1 / math.tan(math.radians(est.elevation))) / (1 / math.tan(math.radians(40)))
    assert abs(ratio - 1) <= 0.15
    flat, _ = _scene(azimuth, 40, opacity=0.0, box=box)
    assert not find_light(flat, casters=mask).found


@pytest.mark.parametrize(("azimuth", "elevation"), [(250, 40), (120, 45)])
def test_a_dark_seam_at_the_feet_does_not_hide_the_shadow(azimuth: float, elevation: float) -> None:
    """A dark seam on the floor runs from the figure's feet to the frame's edge: its long throw (33°, L 3.2) scores
    best but cannot be tested (too few placements of so long a throw), so step 5 takes its next mode, the shadow,
    which passes (before: no light). Without the shadow the seam alone is still no light."""
    import cv2

    for opacity in (0.5, 0.0):
        img, mask = _scene(azimuth, elevation, opacity=opacity)
        seam = np.zeros(img.shape[:2], np.uint8)
        cv2.line(seam, (320, 334), (0, 150), 1, 8)
        img[seam > 0] *= 0.45
        assert read_light(img) == []
        est = find_light(img, casters=mask)
        if opacity == 0.0:
            assert not est.found
            continue
        assert est.found and est.elevation_found and abs((est.azimuth - azimuth + 180) % 360 - 180) <= 15
        ratio = (1 / math.tan(math.radians(est.elevation))) / (1 / math.tan(math.radians(elevation)))
        assert abs(ratio - 1) <= 0.15


def test_known_caster_without_a_shadow_is_no_light() -> None:
    img, mask = _scene(120, 45, opacity=0.0)
    est = find_light(img, casters=mask)
    assert not est.found and not est.elevation_found and est.casters == () and "no cast shadow" in est.reason


@pytest.mark.parametrize(("azimuth", "elevation"), [(250, 25), (260, 28)])
def test_a_long_shadow_near_the_frame_edge_is_still_tested(azimuth: float, elevation: float) -> None:
    """A caster 40 px from the frame's left edge throwing its shadow across a 352-px frame: fewer than 8 throws from
    other contact points fit wholly in the frame, so the permutation test also counts those leaving it (the outside hidden);
    before, the test could not run and the right fit was dropped."""
    img, mask = _scene(azimuth, elevation)
    flat, _ = _scene(azimuth, elevation, opacity=0.0)
    img, mask, flat = img[:, 280:632], mask[:, 280:632], flat[:, 280:632]  # the feet at x = 40
    est = find_light(np.ascontiguousarray(img), casters=np.ascontiguousarray(mask))
    assert est.found and est.elevation_found and abs((est.azimuth - azimuth + 180) % 360 - 180) <= 15
    ratio = (1 / math.tan(math.radians(est.elevation))) / (1 / math.tan(math.radians(elevation)))
    assert abs(ratio - 1) <= 0.2
    assert not find_light(np.ascontiguousarray(flat), casters=np.ascontiguousarray(mask)).found


class _DarkSegmenter:
    """A stand-in segmenter: pixels darker than 0.3, and the shapes it was given."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def segment(self, image: np.ndarray) -> np.ndarray:
        self.shapes.append(image.shape)
        return np.asarray(image.mean(axis=2) < 0.3)


@pytest.mark.parametrize("shape", [(120, 400, 3), (400, 120, 3), (100, 100, 3)])
def test_person_casters_runs_square_tiles_over_the_whole_frame(shape: tuple[int, int, int]) -> None:
    img = np.full(shape, 0.8, np.float32)
    img[5:15, 3:9] = img[-15:-5, -9:-3] = 0.1  # one "person" at each end
    seg = _DarkSegmenter()
    got = person_casters(img, seg)
    assert np.array_equal(got, img.mean(axis=2) < 0.3)
    assert all(s[0] == s[1] == min(shape[:2]) for s in seg.shapes)


def test_casters_are_checked() -> None:
    img, _ = _scene(120, 45)
    with pytest.raises(InputError):
        find_light(img, casters=np.zeros((10, 10), np.float32))
    with pytest.raises(InputError):
        find_light(img, casters="people")


class _MaskSegmenter:
    """A stand-in person prior that finds the figure's true mask on each (square) tile of the scene it is given."""

    def __init__(self, scene: np.ndarray, mask: np.ndarray) -> None:
        self.scene, self.mask = scene, mask

    def segment(self, image: np.ndarray) -> np.ndarray:
        w = image.shape[1]
        o = next(o for o in range(self.scene.shape[1] - w + 1) if np.array_equal(self.scene[:, o : o + w], image))
        return self.mask[:, o : o + w]


def test_auto_uses_the_person_prior_only_when_it_is_here(monkeypatch: pytest.MonkeyPatch) -> None:
    import studiocomp.estimate.light as light_module

    img, mask = _scene(250, 40)
    monkeypatch.setattr(light_module, "person_prior", lambda: None)
    assert find_light(img, casters="auto") == find_light(img)  # no weights: as without casters
    assert not find_light(img, casters="auto").found
    seg = _MaskSegmenter(img, mask)
    monkeypatch.setattr(light_module, "person_prior", lambda: seg)
    est = find_light(img, casters="auto")
    assert est == find_light(img, casters=seg) == find_light(img, casters=mask) and est.found


def test_only_standing_casters_count() -> None:
    from studiocomp.estimate.casters import standing_casters

    img, mask = _scene(120, 45, opacity=0.0)
    assert len(standing_casters(mask)) == 1
    blob = np.zeros_like(mask)
    blob[200:215, 100:130] = True  # wider than tall: not a caster standing on the floor
    assert standing_casters(blob) == []
    assert find_light(img, casters=blob) == find_light(img)


def test_the_same_background_is_read_once() -> None:
    img, mask = _scene(250, 40)
    first = find_light(img)
    assert find_light(img.copy()) is first  # by content, not by array
    other = img.copy()
    other[0, 0, 0] += 0.01
    assert find_light(other) is not first and find_light(other) == first
    assert find_light(img, casters=mask) is not find_light(img, casters=mask)  # a given mask is read afresh


def test_person_casters_on_a_panorama_runs_a_bounded_number_of_tiles() -> None:
    """A 24×33000 panorama ran the prior on 2749 tiles (36 s of a folder run); now at most 13, and none below 32 px."""
    seg = _DarkSegmenter()
    assert not person_casters(np.full((24, 33000, 3), 0.1, np.float32), seg).any()  # too low for a person to be seen
    assert seg.shapes == []
    wide = np.full((200, 33000, 3), 0.8, np.float32)
    wide[150:190, 5:9] = wide[150:190, 16000:16004] = wide[150:190, -9:-5] = 0.1  # people at both ends and in the middle
    got = person_casters(wide, seg)
    assert len(seg.shapes) <= 13
    assert np.array_equal(got, wide.mean(axis=2) < 0.3)  # the tiles still cover the whole frame
