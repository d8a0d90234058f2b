"""Placement and perspective, sharpness matching, light from existing shadows, layers out, the finished presets."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import studiocomp
from studiocomp import InputError, Placement, metrics
from studiocomp.placement import subject_extent


def standing(h: int = 200, w: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """A photo of a standing figure (feet at row 180, centred at x = 60) with red garbage outside it."""
    yy, xx = np.mgrid[:h, :w]
    alpha = ((((xx - 60) / 20.0) ** 2 + ((yy - 110) / 70.0) ** 2) < 1).astype(np.float32)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.0)
    alpha[alpha < 0.01] = 0.0
    fg = np.zeros((h, w, 3), np.float32)
    fg[...] = (1.0, 0.0, 0.0)  # meaningless where alpha is 0: must not leak into the placed edge
    fg[alpha > 0] = (0.2, 0.4, 0.6)
    return fg, alpha


def test_placement_puts_the_feet_where_asked_at_the_height_asked() -> None:
    fg, alpha = standing()
    placed = Placement(feet=(300, 350), height=280).apply(fg, alpha, (400, 600))
    top, bottom, feet_x, cut = subject_extent(placed.alpha)
    assert not cut
    assert bottom == pytest.approx(349, abs=2) and feet_x == pytest.approx(300, abs=2)
    assert bottom - top + 1 == pytest.approx(280, abs=3)
    # premultiplied resampling: the red outside the subject does not reach its edge
    edge = (placed.alpha > 0.02) & (placed.alpha < 0.98)
    assert edge.any() and np.abs(placed.foreground[edge] - (0.2, 0.4, 0.6)).max() < 0.02
    assert placed.alpha.dtype == np.float32 and placed.foreground.shape == (400, 600, 3)


def test_automatic_placement_is_centred_on_the_floor_line() -> None:
    fg, alpha = standing()
    placed = Placement().apply(fg, alpha, (500, 800))
    top, bottom, feet_x, _ = subject_extent(placed.alpha)
    assert feet_x == pytest.approx(400, abs=2) and bottom == pytest.approx(0.92 * 500, abs=2)
    assert top == pytest.approx(0.12 * 0.92 * 500, abs=3)


def test_horizon_rule_nearer_is_taller_and_the_horizon_crosses_at_camera_height() -> None:
    fg, alpha = standing()
    heights = []
    for feet_y in (300, 400, 500):
        p = Placement(feet=(400, feet_y), horizon=200, subject_height=1.8, camera_height=1.2).apply(fg, alpha, (600, 800))
        top, bottom, _, _ = subject_extent(p.alpha)
        height = bottom - top + 1
        assert height == pytest.approx((feet_y - 200) * 1.8 / 1.2, abs=3)
        # the horizon cuts the figure at 1.2 / 1.8 of its height above the feet
        assert (bottom + 1 - 200) / height == pytest.approx(1.2 / 1.8, abs=0.02)
        heights.append(height)
    assert heights[0] < heights[1] < heights[2]
    with pytest.raises(InputError, match="below the horizon"):
        Placement(feet=(400, 150), horizon=200).apply(fg, alpha, (600, 800))


def test_a_cut_subject_stands_on_the_bottom_edge() -> None:
    image, alpha = studiocomp.synthetic.studio_shot((200, 150), seed=1)  # a bust, cut by the frame
    placed = Placement().apply(image, alpha, (400, 600))
    top, bottom, feet_x, cut = subject_extent(placed.alpha)
    assert cut and bottom == 399 and feet_x == pytest.approx(300, abs=4)
    src_top, src_bottom, _, _ = subject_extent(alpha)
    assert (bottom - top + 1) / 400 == pytest.approx((src_bottom - src_top + 1) / 200, abs=0.02)


def test_placement_input_errors() -> None:
    for bad in [{"feet": (1,)}, {"feet": "centre"}, {"height": -5}, {"horizon": float("nan")}, {"camera_height": 0}]:
        with pytest.raises(InputError):
            Placement(**bad)  # type: ignore[arg-type]
    assert Placement.parse("auto") == Placement()
    assert Placement.parse("10,20,30") == Placement(feet=(10.0, 20.0), height=30.0)
    with pytest.raises(InputError, match="place"):
        Placement.parse("left")
    fg, alpha = standing()
    with pytest.raises(InputError, match="size"):
        Placement().apply(fg, alpha, (0, 10))
    empty = Placement().apply(fg, np.zeros_like(alpha), (50, 60))
    assert not empty.alpha.any() and empty.box == (0, 0, 0, 0)


def _textured(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blocks = cv2.resize(rng.random((h // 12, w // 12, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
    return 0.15 + 0.7 * blocks


@pytest.mark.parametrize("case", ["soft subject, sharp scene", "sharp subject, soft scene"])
def test_sharpness_matching_closes_the_gap(case: str) -> None:
    h, w = 480, 640
    scene, subject = _textured(h, w, 0), _textured(h, w, 1)
    if case.startswith("soft"):
        subject = cv2.GaussianBlur(subject, (0, 0), 2.5)
    else:
        scene = cv2.GaussianBlur(scene, (0, 0), 2.5)
    alpha = np.zeros((h, w), np.float32)
    alpha[40:440, 160:480] = 1.0
    plain = studiocomp.create("compositor", "alpha-over").composite(subject, alpha, scene)
    matched = studiocomp.create("compositor", "matched", grain=False, light_wrap=0.0).composite(subject, alpha, scene)
    before, after = metrics.blur_mismatch(plain, alpha), metrics.blur_mismatch(matched, alpha)
    assert before > 1.0
    # blurring a sharp subject matches a soft scene closely (1.55 -> 0.14 px when written); deblurring a soft
    # subject only narrows the gap (1.55 -> 1.42 px): the bounded Van Cittert steps (σ ≤ 1 px, ±0.05 per
    # value, kept small against ringing and sparkle) cannot restore detail that was never recorded
    if case.startswith("sharp"):
        assert after < 0.5 * before
    else:
        assert after < before - 0.1
    off = studiocomp.create("compositor", "matched", grain=False, sharpness=False, light_wrap=0.0).composite(subject, alpha, scene)
    assert np.array_equal(off, plain)


def test_blur_level_follows_a_known_blur() -> None:
    sharp = _textured(480, 480, 2)
    levels = [metrics.blur_level(cv2.GaussianBlur(sharp, (0, 0), s)) for s in (1.0, 2.0, 3.0)]
    assert levels == sorted(levels)
    assert levels[1] == pytest.approx(2.0, abs=0.35)
    assert math.isnan(metrics.blur_level(np.full((64, 64, 3), 0.5, np.float32)))


def _floor_with_shadows(angle_deg: float) -> np.ndarray:
    """A flat grey scene with three shadows on its floor, pointing at ``angle_deg`` in the image, fading away from their base."""
    h, w = 600, 900
    shade = np.zeros((h, w), np.float32)
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg)) * 0.5
    for i in range(3):
        x0, y0 = 200 + i * 250, 400 + (i % 2) * 60
        for t in np.linspace(0, 1, 60):
            cv2.circle(shade, (int(x0 + dx * 160 * t), int(y0 + dy * 160 * t)), 14, float(0.6 * (1 - 0.6 * t)), -1)
    bg = np.full((h, w, 3), 0.7, np.float32) * (1 - cv2.GaussianBlur(shade, (0, 0), 3))[..., None]
    return np.clip(bg, 0, 1)


@pytest.mark.parametrize(("shadows_point", "azimuth"), [(180, 90), (0, 270), (90, 180), (270, 0)])
def test_light_estimated_from_shadows_already_there(shadows_point: float, azimuth: float) -> None:
    from studiocomp.backends.shadow.floor import estimate_light

    az, el = estimate_light(_floor_with_shadows(shadows_point))
    assert min(abs(az - azimuth), 360 - abs(az - azimuth)) < 15 and el == 45.0
    # and the new subject's shadow falls the same way as the ones there
    yy, xx = np.mgrid[:600, :900]
    figure = ((((xx - 450) / 40.0) ** 2 + ((yy - 300) / 150.0) ** 2) < 1).astype(np.float32)
    s = studiocomp.create("shadow_caster", "cast", contact=False).cast(figure, _floor_with_shadows(shadows_point))
    ys, xs = np.nonzero(s > 0.02)
    if shadows_point == 180:
        assert xs.mean() < 450 - 20
    elif shadows_point == 0:
        assert xs.mean() > 450 + 20


@pytest.fixture(scope="module")
def placed_result() -> studiocomp.PipelineResult:
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)
    bg = np.zeros((300, 500, 3), np.float32)
    bg[...] = np.linspace(0.4, 0.9, 500, dtype=np.float32)[None, :, None]
    return studiocomp.Pipeline.preset("studio")(image, background=bg, place=Placement(height=150))


def test_pipeline_places_into_the_background_frame(placed_result: studiocomp.PipelineResult) -> None:
    r = placed_result
    assert r.composite.shape == (300, 500, 3) and r.background.shape == (300, 500, 3)
    assert r.placed_alpha.shape == r.shadow.shape == (300, 500) and r.alpha.shape == (240, 180)
    assert r.placed_alpha.dtype == r.shadow.dtype == np.float32
    top, bottom, feet_x, cut = subject_extent(r.placed_alpha)
    assert cut and feet_x == pytest.approx(250, abs=4) and bottom - top + 1 == pytest.approx(150, abs=3)
    assert list(r.timings) == ["load", "segmenter", "matter", "background", "placement", "relighter", "shadow_caster", "compositor"]
    assert 0.0 <= r.shadow.min() and r.shadow.max() <= 1.0


def test_stage_overrides_remove_relighting_and_shadows() -> None:
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=4)
    rng = np.random.default_rng(0)  # a photographed orange scene (sensor noise): a generated one carries no light
    bg = np.clip(np.full((300, 500, 3), (0.9, 0.6, 0.3), np.float32) + rng.normal(0, 0.01, (300, 500, 3)), 0, 1).astype(np.float32)
    place = Placement(feet=(250, 280), height=140)  # a bust stood on the floor: its base makes a contact line
    full = studiocomp.Pipeline.preset("studio")(image, background=bg, place=place)
    unlit = studiocomp.Pipeline.preset("studio", relighter=None)(image, background=bg, place=place)
    no_shadow = studiocomp.Pipeline.preset("studio", shadow_caster=None)(image, background=bg, place=place)
    inside = unlit.placed_alpha > 0.5
    assert not np.allclose(full.placed_foreground[inside], unlit.placed_foreground[inside], atol=0.01)  # relit towards orange
    assert np.array_equal(unlit.placed_alpha, full.placed_alpha)
    assert full.shadow.max() > 0.1 and not no_shadow.shadow.any()
    outside = (full.placed_alpha == 0) & (full.shadow > 0.05)
    assert (full.composite[outside] < no_shadow.composite[outside] - 1e-4).all()  # the shadow only darkens


def test_fit_must_give_the_photo_size_without_placement() -> None:
    image, _ = studiocomp.synthetic.studio_shot((120, 90), seed=0)
    with pytest.raises(InputError, match="fit"):
        studiocomp.Pipeline.preset("studio")(image, background=np.zeros((50, 50, 3), np.float32), fit="none")
    with pytest.raises(InputError, match="place"):
        studiocomp.Pipeline.preset("studio")(image, place=3)  # type: ignore[call-overload]


@pytest.mark.parametrize(("fmt", "depth", "dtype"), [("png", 8, np.uint8), ("tiff", 16, np.uint16), ("png", 16, np.uint16)])
def test_layers_are_written_for_a_retoucher(placed_result: studiocomp.PipelineResult, tmp_path, fmt: str, depth: int, dtype: type) -> None:
    paths = placed_result.save_layers(tmp_path / "layers", format=fmt, depth=depth)
    assert list(paths) == ["background", "shadow", "subject", "composite"]
    for name, path in paths.items():
        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert raw.dtype == dtype and raw.shape[:2] == (300, 500)
        assert raw.shape[2] == (4 if name in ("shadow", "subject") else 3)
    subject, sub_alpha = studiocomp.load_image(paths["subject"], with_alpha=True)
    tol = 1.0 / (255 if depth == 8 else 65535)
    assert np.abs(sub_alpha - placed_result.placed_alpha).max() <= tol
    _, shadow_alpha = studiocomp.load_image(paths["shadow"], with_alpha=True)
    assert np.abs(shadow_alpha - placed_result.shadow).max() <= tol
    assert not list((tmp_path / "layers").glob("*.tmp*"))  # nothing half-written left behind
    with pytest.raises(InputError, match="format"):
        placed_result.save_layers(tmp_path, format="jpg")
    with pytest.raises(InputError, match="depth"):
        placed_result.save_layers(tmp_path, depth=12)


def test_an_enlarged_outline_has_no_bright_teeth_and_softer_steps() -> None:
    """Enlarged 4×, a hard outline with a darker matted edge (as hair) keeps its colours and loses most of its steps.

    Cubic resampling rang at the outline: alpha undershot and the colour, divided by it, overshot, so each
    photo pixel along the edge became a bright tooth (humanseg 037 enlarged 3.8×: a white serrated line along
    the hair; here the colour reached 0.92 over an interior of 0.8, and the 0.5 contour strayed 0.94 px rms
    from a straight line).
    """
    h, w = 120, 80
    yy, xx = np.mgrid[0:h, 0:w]
    alpha = ((xx >= 20 + yy // 3) & (xx < 70) & (yy >= 5)).astype(np.float32)  # the left side leans: a step every 3 rows
    fg = np.full((h, w, 3), 0.8, np.float32)
    edge = (alpha > 0) & (np.roll(alpha, 1, 1) == 0)
    alpha[edge], fg[edge] = 0.5, 0.3
    placed = Placement(feet=(400, 470), height=4 * (h - 5)).apply(fg, alpha, (480, 640))
    a, (t, b, left, right) = placed.alpha, placed.box
    assert placed.scale == pytest.approx(4.0)
    assert float(placed.foreground[..., 0][a > 0.02].max()) <= 0.8 + 1e-3  # no colour beyond the photo's
    crossings = []
    for y in range(t + 40, b - 40):
        line = a[y, left:right]
        i = int(np.argmax(line >= 0.5))
        crossings.append(i - 1 + (0.5 - line[i - 1]) / (line[i] - line[i - 1]))
    xs = np.array(crossings)
    ys = np.arange(len(xs))
    steps = xs - np.polyval(np.polyfit(ys, xs, 1), ys)
    assert float(np.sqrt(np.mean(steps**2))) < 0.7  # the old cubic path: 0.94 px
    assert np.allclose(placed.foreground[a >= 1][:, 0], 0.8, atol=1e-3)  # the interior as it was
