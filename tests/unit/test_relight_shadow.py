"""Relighters and shadow casters: direction, softness, darkening only, bounded colour shifts."""

from __future__ import annotations

import numpy as np
import pytest

import studiocomp
from studiocomp import InputError, metrics
from studiocomp.color import srgb_to_linear


def figure(h: int = 300, w: int = 400) -> np.ndarray:
    """A standing figure whose feet are at row 0.85·h, centred."""
    yy, xx = np.mgrid[:h, :w]
    body = ((xx - w / 2) / (0.08 * w)) ** 2 + ((yy - 0.55 * h) / (0.3 * h)) ** 2 < 1
    head = ((xx - w / 2) / (0.05 * w)) ** 2 + ((yy - 0.2 * h) / (0.07 * h)) ** 2 < 1
    return (body | head).astype(np.float32)


def centroid(s: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(s > 0.02)
    wgt = s[ys, xs]
    return float((xs * wgt).sum() / wgt.sum()), float((ys * wgt).sum() / wgt.sum())


@pytest.mark.parametrize(("azimuth", "side"), [(90, "left"), (270, "right"), (0, "behind"), (180, "front")])
def test_cast_shadow_falls_opposite_the_light(azimuth: float, side: str) -> None:
    a = figure()
    bg = np.full((300, 400, 3), 0.8, np.float32)
    shadow = studiocomp.create("shadow_caster", "cast", azimuth=azimuth, elevation=30, contact=False).cast(a, bg)
    cx, cy = centroid(shadow)
    feet_y = np.flatnonzero((a >= 0.5).any(axis=1))[-1]
    if side == "left":
        assert cx < 200 - 20
    elif side == "right":
        assert cx > 200 + 20
    elif side == "behind":
        assert cy < feet_y - 10  # up the image: away from the camera
    else:
        assert cy > feet_y  # towards the camera


def test_cast_shadow_softens_with_distance() -> None:
    a = figure(400, 600)
    bg = np.full((400, 600, 3), 0.8, np.float32)
    s = studiocomp.create("shadow_caster", "cast", azimuth=90, elevation=25, contact=False, fade=0.0).cast(a, bg)
    # the shadow runs to the left from the feet (x ≈ 300); compare its cross-section near and far
    near, far = s[:, 270], s[:, 120]
    assert near.max() > 0.2 and far.max() > 0.05

    def width(profile: np.ndarray) -> int:  # pixels above a tenth of the peak
        return int(np.count_nonzero(profile > 0.1 * profile.max()))

    def steepness(profile: np.ndarray) -> float:
        return float(np.abs(np.diff(profile)).max() / profile.max())

    assert steepness(near) > 1.5 * steepness(far)  # a sharp edge near the contact point, a soft one far away
    assert width(far) > width(near)


def test_side_light_shadow_is_as_wide_as_the_body_is_deep() -> None:
    """A light from the side throws a band as tall as the body's depth on the floor (thickness·height·depth rows),
    not the flat silhouette's edge-on streak (a few rows, fainter than the shadow's opacity after its blur)."""
    a = figure(400, 600)
    bg = np.full((400, 600, 3), 0.8, np.float32)
    rows = np.flatnonzero((a >= 0.5).any(axis=1))
    sweep = 0.1 * (rows[-1] - rows[0] + 1) * 0.35  # about 10 rows
    flat, body = (studiocomp.create("shadow_caster", "cast", azimuth=90, elevation=30, contact=False, fade=0.0, thickness=t).cast(a, bg) for t in (0.0, 0.1))
    for x in (250, 150):  # near the feet (x ≈ 300) and further along the shadow, to the left
        tall = [int(np.count_nonzero(s[:, x] > 0.5 * s[:, x].max())) for s in (flat, body)]
        assert tall[1] >= tall[0] + 0.7 * sweep, (x, tall)
        assert body[:, x].max() == pytest.approx(0.45, abs=0.01)  # the shadow's full opacity, not thinned by its blur
        assert flat[:, x].max() < 0.42


def test_shadow_only_darkens_and_keeps_hue() -> None:
    rng = np.random.default_rng(1)
    bg = rng.random((300, 400, 3)).astype(np.float32) * 0.9 + 0.05
    a = figure()
    shadow = studiocomp.create("shadow_caster", "cast", azimuth=120, elevation=35).cast(a, bg)
    assert shadow.dtype == np.float32 and 0 <= shadow.min() and shadow.max() <= 1 and shadow.max() > 0.2
    comp = studiocomp.create("compositor", "alpha-over")
    fg = np.zeros_like(bg)
    none = np.zeros_like(a)
    out = comp.composite(fg, none, bg, shadow)  # no subject: only the shadow on the background
    assert (out <= bg + 1e-6).all()
    lin_out, lin_bg = srgb_to_linear(out), srgb_to_linear(bg)
    m = shadow > 0.1
    ratio = lin_out[m] / lin_bg[m]  # every channel scaled by the same factor: hue unchanged
    assert np.allclose(ratio, ratio[:, :1], atol=2e-3)


def test_contact_shadow_sits_under_the_feet() -> None:
    a = figure()
    s = studiocomp.create("shadow_caster", "contact").cast(a, np.full((300, 400, 3), 0.8, np.float32))
    cx, cy = centroid(s)
    feet_y = np.flatnonzero((a >= 0.5).any(axis=1))[-1]
    assert abs(cx - 200) < 5 and abs(cy - feet_y) < 10
    assert s.max() == pytest.approx(0.55, abs=0.02)


@pytest.mark.parametrize("name", ["contact", "cast"])
def test_each_person_of_a_group_stands_on_their_own_feet(name: str) -> None:
    """Two people apart, one further back (feet higher): each gets a shadow at their own feet, not only the nearer one.

    A detached small piece (a hand, a held object) is not a person: it throws no contact shadow of its own.
    """
    h, w = 300, 600
    yy, xx = np.mgrid[:h, :w]
    near = (((xx - 180) / 30) ** 2 + ((yy - 170) / 100) ** 2 < 1).astype(np.float32)  # feet at row 269
    back = (((xx - 430) / 24) ** 2 + ((yy - 140) / 80) ** 2 < 1).astype(np.float32)  # feet at row 219
    hand = (((xx - 300) / 8) ** 2 + ((yy - 120) / 8) ** 2 < 1).astype(np.float32)
    bg = np.full((h, w, 3), 0.8, np.float32)
    caster = studiocomp.create("shadow_caster", name, **({"azimuth": 90, "elevation": 40} if name == "cast" else {}))
    group = caster.cast(near + back + hand, bg)
    for person, feet in ((near, 269), (back, 219)):
        alone = caster.cast(person, bg)
        x = int(np.flatnonzero(person[feet])[0]) if name == "cast" else int(np.mean(np.flatnonzero(person[feet])))
        at_feet = group[feet - 2 : feet + 4, x - 6 : x + 7].max()
        assert at_feet > 0.25, (feet, at_feet)
        assert at_feet >= 0.9 * alone[feet - 2 : feet + 4, x - 6 : x + 7].max()
    if name == "contact":  # the hand floats at rows 112–128: nothing under it
        assert group[129:160, 290:311].max() < 0.05


def test_light_estimated_from_the_background() -> None:
    from studiocomp.backends.shadow.floor import estimate_light

    ramp = np.repeat(np.linspace(0.2, 0.9, 400, dtype=np.float32)[None, :, None], 300, axis=0).repeat(3, axis=2)
    az, el = estimate_light(ramp)
    assert 60 < az < 100 and el == 45.0  # brighter on the right: light from the right
    az, _ = estimate_light(ramp[:, ::-1].copy())
    assert 260 < az < 300
    assert estimate_light(np.full((300, 400, 3), 0.5, np.float32))[0] == 0.0
    caster = studiocomp.create("shadow_caster", "cast")  # no light given: estimated
    s = caster.cast(figure(), ramp)
    assert centroid(s)[0] < 200  # light from the right, shadow to the left


def test_bad_options() -> None:
    with pytest.raises(InputError, match="elevation"):
        studiocomp.create("shadow_caster", "cast", elevation=0)
    with pytest.raises(InputError, match="strength"):
        studiocomp.create("relighter", "reinhard", strength=2)


@pytest.mark.parametrize("name", ["reinhard", "histogram"])
def test_relighters_move_the_subject_towards_the_background(name: str, shot: tuple[np.ndarray, np.ndarray]) -> None:
    image, alpha = shot
    h, w = alpha.shape
    warm = np.empty((h, w, 3), np.float32)
    warm[...] = (0.85, 0.55, 0.25)  # an orange, darker scene
    relit = studiocomp.create("relighter", name).relight(image, alpha, warm)
    comp = studiocomp.create("compositor", "alpha-over")
    before = comp.composite(image, alpha, warm)
    after = comp.composite(relit, alpha, warm)
    assert metrics.lab_color_distance(after, alpha) < metrics.lab_color_distance(before, alpha)
    assert np.array_equal(relit[alpha == 0], image[alpha == 0])  # only the subject changes
    assert np.array_equal(studiocomp.create("relighter", name, strength=0).relight(image, alpha, warm), image)


def test_illuminant_white_balance_stays_on_the_axis_of_real_light() -> None:
    """A scene whose content reads as magenta light (a lit blue wall beside a red floor) gives people no magenta cast:
    the green–magenta part of the gain is bounded (0.1 stop), the blue–amber part follows the scene."""
    rng = np.random.default_rng(0)
    photo = np.clip(0.5 + 0.05 * rng.standard_normal((120, 160, 3)), 0, 1).astype(np.float32)  # neutral light
    alpha = np.zeros((120, 160), np.float32)
    alpha[30:110, 60:100] = 1.0
    relighter = studiocomp.create("relighter", "illuminant")
    for cast, expect in (((0.8, 0.45, 0.8), "magenta"), ((0.9, 0.7, 0.45), "amber")):
        scene = np.clip(np.asarray(cast, np.float32) * (0.9 + 0.1 * rng.random((120, 160, 1))), 0, 1).astype(np.float32)
        gain, report = relighter.estimate_gain(alpha, scene, photo, alpha)
        lg = np.log2(gain)
        u, v = 0.5 * (lg[0] - lg[2]), lg[1] - 0.5 * (lg[0] + lg[2])
        assert abs(v) <= 0.1 + 1e-6, (expect, gain)
        if expect == "amber":
            assert u > 0.5  # a warm scene warms the subject
        else:
            assert report["bounded"] == 1.0
    with pytest.raises(InputError, match="max_green_magenta"):
        studiocomp.create("relighter", "illuminant", max_green_magenta=-1)


def test_chroma_shift_is_bounded(shot: tuple[np.ndarray, np.ndarray]) -> None:
    import cv2

    image, alpha = shot
    image = 0.3 + 0.4 * image  # mid-tones: a ±5 a*b* shift stays inside the sRGB gamut
    m = alpha >= 0.99
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2Lab)
    # a strongly green scene of the subject's own lightness and spread: only the chroma pull remains
    scene = lab.copy()
    scene[..., 1] -= 40.0
    green = np.clip(cv2.cvtColor(scene, cv2.COLOR_Lab2RGB), 0, 1)
    relit = studiocomp.create("relighter", "reinhard", strength=1.0, max_chroma_shift=5.0).relight(image, alpha, green)
    shift = cv2.cvtColor(relit, cv2.COLOR_RGB2Lab)[m][:, 1:].mean(0) - lab[m][:, 1:].mean(0)
    assert 3.0 < np.hypot(*shift) <= 5.0 + 0.5  # pulled towards green, but no more than 5 (clipping adds a little)


def test_matched_compositor_grain_only_adds() -> None:
    """Issue 13: a cleaner subject gets the scene's grain; a grainier one keeps its own detail (never smoothed)."""
    rng = np.random.default_rng(0)
    h, w = 300, 240
    bg = np.clip(0.5 + rng.normal(0, 0.04, (h, w, 3)), 0, 1).astype(np.float32)
    alpha = np.zeros((h, w), np.float32)
    alpha[60:260, 60:180] = 1.0
    comp = studiocomp.create("compositor", "matched", light_wrap=0.0)
    clean = np.full((h, w, 3), 0.45, np.float32)
    grainy = np.clip(clean + rng.normal(0, 0.09, clean.shape), 0, 1).astype(np.float32)
    out, report = comp.composite_reported(clean, alpha, bg)
    assert metrics.noise_level(out, region=alpha >= 0.95) == pytest.approx(metrics.noise_level(bg), rel=0.2)
    assert report["grain"]["added_sigma"] > 0.03
    assert np.array_equal(out, comp.composite(clean, alpha, bg))  # repeatable
    out, report = comp.composite_reported(grainy, alpha, bg)
    assert np.array_equal(out[alpha == 1], grainy[alpha == 1])  # the photo's own detail is kept
    assert report["grain"]["added_sigma"] == 0.0
    off = studiocomp.create("compositor", "matched", grain=False, light_wrap=0.0).composite(clean, alpha, bg)
    assert np.array_equal(off, studiocomp.create("compositor", "alpha-over").composite(clean, alpha, bg))


def test_light_wrap_brightens_the_edge_only() -> None:
    """Issue 13: the wrap stays within a few pixels of the outline, at a bounded strength."""
    h, w = 300, 240
    bg = np.full((h, w, 3), 0.95, np.float32)  # a bright scene
    alpha = np.zeros((h, w), np.float32)
    alpha[60:260, 60:180] = 1.0
    fg = np.full((h, w, 3), 0.2, np.float32)
    plain = studiocomp.create("compositor", "matched", grain=False, light_wrap=0.0).composite(fg, alpha, bg)
    comp = studiocomp.create("compositor", "matched", grain=False, light_wrap=0.25)
    wrapped, report = comp.composite_reported(fg, alpha, bg)
    assert report["light_wrap"] == {"strength": 0.25, "sigma_px": pytest.approx(0.5)}  # 0.2 % of a 200 px subject, at least 0.5 px
    assert (wrapped >= plain - 1e-6).all()
    assert wrapped[160, 60, 0] > plain[160, 60, 0] + 0.02  # at the subject's edge
    assert wrapped[160, 64, 0] == pytest.approx(plain[160, 64, 0], abs=1e-3)  # 4 px inside: nothing
    assert wrapped[160, 120, 0] == pytest.approx(plain[160, 120, 0], abs=1e-3)  # not in its middle
    assert np.array_equal(wrapped[alpha == 0], plain[alpha == 0])  # the background is untouched
    assert comp.wrap_sigma(2800) == 1.5  # scaled to the subject, capped at a few pixels
    with pytest.raises(InputError, match="light_wrap"):
        studiocomp.create("compositor", "matched", light_wrap=0.5)
    with pytest.raises(InputError, match="light_wrap"):
        studiocomp.create("compositor", "matched", light_wrap=3)


def test_light_wrap_on_outline_tiles_equals_the_whole_window() -> None:
    """The full-size wrap reads only tiles along the outline; it must give exactly what the whole window gives."""
    import cv2

    from studiocomp._ops import bounding_window

    rng = np.random.default_rng(4)
    h, w = 300, 260
    blob = cv2.GaussianBlur((rng.random((h, w)) > 0.5).astype(np.float32), (0, 0), 12)
    alpha = np.clip((blob - 0.5) * 25 + 0.5, 0, 1).astype(np.float32)
    alpha[:, :3] = alpha[:, 3:4]  # the subject touches the frame: mirrored borders
    bg = rng.random((h, w, 3), dtype=np.float32)
    comp = studiocomp.create("compositor", "matched", light_wrap=0.25, wrap_radius=0.01)
    win = bounding_window(alpha > 0)
    sigma = comp.wrap_sigma(h)
    idx, light, _ = comp._edge_light(alpha, bg, win, sigma)
    whole, reach, region, scale, _ = comp._spill(alpha, bg, win)
    assert scale == 1.0 and idx.size > 1000
    r, c = np.divmod(idx, win[1].stop - win[1].start)
    r, c = r + win[0].start - region[0].start, c + win[1].start - region[1].start
    assert np.abs(light - whole[r, c]).max() <= 1e-6  # float32 rounding: cv2.pow on a tile vs the whole window
    a_w = alpha[win]
    expected = np.flatnonzero((a_w > 0) & ((a_w < 1) | (reach[win[0].start - region[0].start :, win[1].start - region[1].start :][: a_w.shape[0], : a_w.shape[1]] > 0.1)))
    assert np.array_equal(np.sort(idx), expected)
