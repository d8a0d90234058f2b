"""Issue 13: the scene's light is read from its grey and white surfaces, not from a lit screen; doubtful relighting says so.

A fresh user composited studio photos onto a real hall with a saturated blue video wall (8 % of it): the
relighter read the wall as blue light and pushed skin blue and a stop darker, on its bound, without a word.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import studiocomp
from studiocomp.backends.relight.illuminant import achromatic_pixels, relight_warnings
from studiocomp.color import linear_to_srgb, srgb_to_linear


def _grey_scene(seed: int = 0, size: tuple[int, int] = (240, 320)) -> np.ndarray:
    """A photographed grey room under neutral light: grey texture (floor, walls) and a little sensor noise."""
    rng = np.random.default_rng(seed)
    h, w = size
    tex = cv2.resize(rng.random((12, 16)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    grey = 0.3 + 0.4 * np.clip(tex, 0, 1)
    return np.clip(grey[..., None] + rng.normal(0, 0.01, (h, w, 3)), 0, 1).astype(np.float32)


def _with_screen(scene: np.ndarray) -> np.ndarray:
    """The scene with a lit blue video wall across its upper middle (about 15 % of it), its blue clipped."""
    out = scene.copy()
    h, w = out.shape[:2]
    out[h // 6 : h // 6 + h // 4, w // 5 : 4 * w // 5] = (0.1, 0.55, 1.0)
    return out


def _subject(size: tuple[int, int] = (240, 320)) -> np.ndarray:
    alpha = np.zeros(size, np.float32)
    alpha[60:230, 130:190] = 1.0
    return alpha


def _u_v(gain: np.ndarray) -> tuple[float, float]:
    lg = np.log2(gain)
    return float(0.5 * (lg[0] - lg[2])), float(lg[1] - 0.5 * (lg[0] + lg[2]))


def test_a_lit_screen_in_the_scene_is_not_read_as_its_light() -> None:
    photo, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    relighter = studiocomp.create("relighter", "illuminant")
    plain, _ = relighter.estimate_gain(alpha, _grey_scene(), photo, alpha)
    screen, report = relighter.estimate_gain(alpha, _with_screen(_grey_scene()), photo, alpha)
    u0, v0 = _u_v(plain)
    u1, v1 = _u_v(screen)
    # the screen moves the light's colour by under 0.03 stop (the per-channel white patch of all pixels: 0.63 stop bluer)
    assert abs(u1 - u0) < 0.03 and abs(v1 - v0) < 0.03, (plain, screen)
    assert report["achromatic_share"] < 0.9 and report["bounded"] == 0.0
    # and the estimate still follows a warm light on the same scene
    gain = np.array([1.15, 1.0, 0.8], np.float32)
    warm, _ = relighter.estimate_gain(alpha, linear_to_srgb(srgb_to_linear(_with_screen(_grey_scene())) * gain), photo, alpha)
    assert np.allclose(warm / screen, gain, rtol=0.05), warm / screen


def test_the_grey_pixels_do_not_depend_on_the_colour_of_the_light() -> None:
    lin = srgb_to_linear(_with_screen(_grey_scene(2))).reshape(-1, 3).astype(np.float64)
    found = achromatic_pixels(lin)
    assert found is not None
    grey, light = found
    assert 0.7 < grey.mean() < 0.9  # the screen (about 15 %) left out
    under = achromatic_pixels(lin * np.array([1.3, 1.0, 0.6]))  # a warm light, nothing clipped (linear values)
    assert under is not None and np.array_equal(under[0], grey)
    assert np.allclose(under[1] / light, [1.3, 1.0, 0.6])
    # a scene of one colour is read as a light of that colour; no grey pixel under a neutral start: None
    amber = np.tile([[0.8, 0.3, 0.05]], (500, 1))
    one = achromatic_pixels(amber)
    assert one is not None and one[0].all() and np.allclose(one[1], [0.8, 0.3, 0.05])
    assert achromatic_pixels(amber, np.ones(3), rounds=1) is None


def test_a_blown_out_backdrop_keeps_the_subjects_exposure_and_says_so() -> None:
    """A studio photo on a clipped white backdrop: its white reference only bounds its light; the subject was exposed for itself."""
    image, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    photo = image.copy()
    photo[alpha < 0.05] = 1.0  # the backdrop blown out
    scene = linear_to_srgb(srgb_to_linear(_grey_scene()) * np.float32(0.5))  # a dimmer grey room
    relighter = studiocomp.create("relighter", "illuminant")
    gain, report = relighter.estimate_gain(alpha, scene, photo, alpha)
    assert report["clipped_photo"] == 1.0 and report["stops_asked"] < -0.5
    assert np.dot((0.2126, 0.7152, 0.0722), gain) == pytest.approx(1.0, abs=0.02)  # exposure kept
    codes = [w.code for w in relight_warnings(report)]
    assert codes == ["relight-unreliable"] and not any(w.uncertain for w in relight_warnings(report))
    # the same photo with its backdrop below the clip level follows the dimmer room
    photo[alpha < 0.05] = 0.85
    gain, report = relighter.estimate_gain(alpha, scene, photo, alpha)
    assert report["clipped_photo"] == 0.0 and np.dot((0.2126, 0.7152, 0.0722), gain) < 0.8


def test_a_photo_without_grey_pixels_keeps_its_exposure_and_says_so() -> None:
    """A photo lit red all over (no grey or white pixel) cannot tell its light: only the scene's white balance applies."""
    rng = np.random.default_rng(4)
    photo = np.clip(np.array([0.55, 0.08, 0.03]) * (0.6 + 0.4 * rng.random((240, 320, 1))), 0, 1).astype(np.float32)
    alpha = _subject()
    relighter = studiocomp.create("relighter", "illuminant")
    gain, report = relighter.estimate_gain(alpha, _grey_scene(), photo, alpha)
    assert report["unreliable_photo"] == 1.0 and report["photo_reference"] == 0.0
    assert np.allclose(gain, 1.0, atol=0.03)  # a grey scene: nothing to change (it was made 4x brighter, and cyan)
    assert [w.code for w in relight_warnings(report)] == ["relight-unreliable"]


def test_a_bound_that_cuts_the_light_is_a_note() -> None:
    image, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    warm = linear_to_srgb(srgb_to_linear(_grey_scene()) * np.float32([1.4, 1.0, 1 / 1.4]))  # on the blue-amber axis
    bounded = studiocomp.create("relighter", "illuminant", max_stops=1.0, max_tint=1.15)
    _, report = bounded.relight_reported(image, alpha, warm, photo=image, photo_alpha=alpha)
    notes = relight_warnings(report)
    assert report["bounded"] == 1.0 and report["tint_asked"] > 1.5
    assert [w.code for w in notes] == ["relight-bounded"] and not notes[0].uncertain and "bounds" in notes[0].message
    free = studiocomp.create("relighter", "illuminant")
    _, report = free.relight_reported(image, alpha, warm, photo=image, photo_alpha=alpha)
    assert report["bounded"] == 0.0 and relight_warnings(report) == []


def test_a_pipeline_notes_a_relighting_cut_back_by_its_bounds() -> None:
    """The relighter's report said ``bounded``; the result's warnings did not (a fresh user: nothing said the relight hit its bound)."""
    from studiocomp.backends.relight.illuminant import IlluminantRelighter

    rng = np.random.default_rng(0)
    photo = np.clip(0.6 + 0.02 * rng.standard_normal((240, 320, 3)), 0, 1).astype(np.float32)
    photo[60:220, 120:200] = (0.7, 0.5, 0.4)
    dark_room = np.clip(0.08 + 0.05 * rng.standard_normal((240, 320, 3)), 0, 1).astype(np.float32)  # a real (not rendered) dim scene
    pipe = studiocomp.Pipeline(segmenter="backdrop", matter=None, relighter=IlluminantRelighter(max_stops=1.0, max_tint=1.15), compositor="alpha-over")
    result = pipe(photo, background=dark_room)
    notes = [w for w in result.warnings if w.code == "relight-bounded"]
    assert len(notes) == 1 and not notes[0].uncertain and notes[0].value < -1.0, result.warnings
    assert not result.uncertain
    assert "relight-bounded" in studiocomp.batch.NOTED_WARNINGS  # listed per file by a folder run
    # a rendered preset has no light to follow: no note
    assert not [w for w in pipe(photo, background="grey").warnings if w.code.startswith("relight-")]
