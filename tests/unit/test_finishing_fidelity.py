"""Issue 13: finishing that never damages the person (illuminant relighting, fidelity metrics)."""

from __future__ import annotations

import numpy as np
import pytest

import studiocomp
from studiocomp import metrics
from studiocomp.color import linear_to_srgb, srgb_to_linear


def _scene(seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)  # a photographed scene: texture and sensor noise, no clipping
    tex = cv2.resize(rng.random((12, 16, 3)).astype(np.float32), (320, 240), interpolation=cv2.INTER_CUBIC)
    return np.clip(0.25 + 0.4 * tex + rng.normal(0, 0.01, tex.shape), 0, 1).astype(np.float32)


@pytest.mark.parametrize("gain", [(1.15, 1.0, 0.8), (0.85, 1.0, 1.2), (0.6, 0.6, 0.6)], ids=["warm", "cool", "dim"])
def test_the_subject_follows_the_scene_light(gain: tuple[float, float, float]) -> None:
    image, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    bg = _scene()
    lit = linear_to_srgb(srgb_to_linear(bg) * np.float32(gain))
    r = studiocomp.create("relighter", "illuminant")
    a = r.relight(image, alpha, bg, photo=image, photo_alpha=alpha)
    b, report = r.relight_reported(image, alpha, lit, photo=image, photo_alpha=alpha)
    inner = metrics.fidelity.interior(alpha)
    m = np.log(srgb_to_linear(b[inner]).mean(0) / srgb_to_linear(a[inner]).mean(0))
    lg = np.log(np.array(gain))
    assert np.linalg.norm(m - lg) <= 0.3 * np.linalg.norm(lg)
    assert report["photo_reference"] == 1.0 and report["generated_background"] == 0.0


def test_a_generated_background_keeps_the_photo_as_shot() -> None:
    image, alpha = studiocomp.synthetic.studio_shot((240, 180), seed=1)
    r = studiocomp.create("relighter", "illuminant")
    for preset in ("white", "grey", "pink-white-1"):
        bg = studiocomp.backgrounds.resolve_background(preset, 240, 180)
        out, report = r.relight_reported(image, alpha, bg, photo=image, photo_alpha=alpha)
        assert np.array_equal(out, image) and report["generated_background"] == 1.0


def _clean_photo(gain: tuple[float, float, float], seed: int = 0) -> np.ndarray:
    """A grainless 8-bit "photograph" under a coloured light: smooth shading and many small objects, no noise.

    Its noise σ reads 0 (most 2×2 blocks are exactly flat, as in a clean 8-bit photo), but its edges are detail.
    """
    import cv2

    rng = np.random.default_rng(seed)
    h, w = 240, 320
    img = cv2.resize(rng.uniform(0.2, 0.8, (16, 20, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(150):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(img, c, int(rng.integers(2, 12)), tuple(float(v) for v in rng.uniform(0.1, 0.8, 3)), -1)
    lit = linear_to_srgb(srgb_to_linear(np.clip(img, 0, 1)) * np.float32(gain))
    return (np.round(np.clip(lit, 0, 1) * 255) / 255).astype(np.float32)


def test_a_clean_8bit_photograph_is_not_taken_for_a_generated_background() -> None:
    """A real 1920×1080 hall used at full size read noise σ 0 and was relit as a plain colour (gain 1): its light was ignored.

    Grain alone cannot tell a clean 8-bit photo from a preset; its detail can (:func:`studiocomp.estimate.detail_share`).
    """
    from studiocomp.estimate import detail_share, noise_sigma

    image, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    r = studiocomp.create("relighter", "illuminant")
    neutral, warm = _clean_photo((1.0, 1.0, 1.0)), _clean_photo((1.15, 1.0, 0.8))
    assert noise_sigma(warm) == 0.0 and detail_share(warm) > 0.05
    a, report_a = r.relight_reported(image, alpha, neutral, photo=image, photo_alpha=alpha)
    b, report_b = r.relight_reported(image, alpha, warm, photo=image, photo_alpha=alpha)
    assert report_a["generated_background"] == 0.0 and report_b["generated_background"] == 0.0
    inner = metrics.fidelity.interior(alpha)
    m = np.log(srgb_to_linear(b[inner]).mean(0) / srgb_to_linear(a[inner]).mean(0))
    lg = np.log(np.array([1.15, 1.0, 0.8]))
    assert np.linalg.norm(m - lg) <= 0.3 * np.linalg.norm(lg)  # it follows the warmer light
    # every preset, as drawn and as an 8-bit or JPEG file, is still generated
    import cv2

    for preset in studiocomp.backgrounds.PRESETS:
        bg = studiocomp.backgrounds.resolve_background(preset, 240, 320)
        ok, buf = cv2.imencode(".jpg", (np.clip(bg[..., ::-1], 0, 1) * 255).round().astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
        for version in (bg, (np.round(bg * 255) / 255).astype(np.float32), cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255):
            assert detail_share(np.ascontiguousarray(version)) < 0.05, preset
            assert r.relight_reported(image, alpha, np.ascontiguousarray(version), photo=image, photo_alpha=alpha)[1]["generated_background"] == 1.0, preset


def test_fidelity_metrics_and_the_pipeline_report() -> None:
    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=2)
    result = studiocomp.Pipeline.preset("studio")(image, background="grey")
    plain = metrics.pasted(result.placed_foreground, result.placed_alpha, result.background)
    assert metrics.sharpness_ratio(result.composite, image, result.alpha) == pytest.approx(1.0, abs=0.1)
    assert metrics.color_shift(result.composite, image, result.alpha) < 2.0
    assert metrics.edge_halo(result.composite, plain, result.alpha) * 255 < 3.0
    assert metrics.sharpness_ratio(image, image, result.alpha) == pytest.approx(1.0)
    blurred = np.ascontiguousarray(__import__("cv2").GaussianBlur(image, (0, 0), 2.0))
    assert metrics.sharpness_ratio(blurred, image, result.alpha) < 0.5
    s = metrics.score(result.alpha, result.alpha, image=result.composite, photo=image, reference=plain)
    assert set(metrics.FIDELITY_KEYS) <= set(s)
    assert s["sharpness_ratio"] == pytest.approx(metrics.sharpness_ratio(result.composite, image, result.alpha))
    assert {"relight", "sharpen", "grain", "light_wrap"} <= set(result.finishing)
    off = studiocomp.Pipeline.preset("studio", compositor=studiocomp.create("compositor", "matched", grain=False, sharpness=False, light_wrap=0.0))
    assert set(off(image, background="grey").finishing) == {"relight"}


def test_clipped_highlights_do_not_hold_the_estimate_back() -> None:
    """A brighter light clips more of the scene; the winsorised estimate follows it while under 10 % of a channel clips."""
    from studiocomp.backends.relight.illuminant import shades_of_grey

    bg = _scene(1)
    bg[:, :24] = 0.995  # 7.5 % of the frame is a blown-out window
    gain = np.array([1.15, 1.0, 0.8])
    lit = linear_to_srgb(srgb_to_linear(bg) * gain.astype(np.float32))  # clipped to [0, 1], as a camera would
    ratio = shades_of_grey(lit, winsor=0.9) / shades_of_grey(bg, winsor=0.9)
    assert np.allclose(ratio, gain, rtol=0.01)
    plain = shades_of_grey(lit) / shades_of_grey(bg)  # the plain estimate: the red gain is mostly lost to clipping
    assert plain[0] < 1.08
    # the default: a robust white patch (p = inf, each channel's 95th percentile) below the clipped 7.5 %
    white_patch = shades_of_grey(lit, p=float("inf"), winsor=0.9) / shades_of_grey(bg, p=float("inf"), winsor=0.9)
    assert np.allclose(white_patch, gain, rtol=0.01)
    r = studiocomp.create("relighter", "illuminant")
    assert r.winsor == 0.95 and np.isinf(r.p) and r.relight_reported(bg, np.zeros(bg.shape[:2], np.float32), bg)[1]["bounded"] == 0.0
    with pytest.raises(studiocomp.InputError, match="winsor"):
        studiocomp.create("relighter", "illuminant", winsor=0.2)


@pytest.mark.parametrize("gain", [(1.15, 1.0, 0.8), (0.6, 0.6, 0.6)], ids=["warm", "dim"])
def test_a_black_and_white_photo_stays_neutral_and_follows_the_intensity(gain: tuple[float, float, float]) -> None:
    # a fresh-eyes user found black-and-white portraits warm-tinted on a warm scene: a monochrome photo has no
    # white balance to move, so only the intensity may follow the scene
    image, alpha = studiocomp.synthetic.studio_shot((240, 320), seed=3)
    mono = np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2).astype(np.float32)
    bg = linear_to_srgb(srgb_to_linear(_scene()) * np.float32((1.3, 1.0, 0.7)))  # a warm scene
    r = studiocomp.create("relighter", "illuminant")
    out, report = r.relight_reported(mono, alpha, bg, photo=mono, photo_alpha=alpha)
    inner = metrics.fidelity.interior(alpha)
    assert report["monochrome"] == 1.0
    assert np.abs(out[inner] - out[inner].mean(axis=1, keepdims=True)).max() < 1e-3  # still grey
    assert report["gain_r"] == pytest.approx(report["gain_b"])
    # its intensity still follows a change of the scene's light
    a = r.relight(mono, alpha, bg, photo=mono, photo_alpha=alpha)
    b = r.relight(mono, alpha, linear_to_srgb(srgb_to_linear(bg) * np.float32(gain)), photo=mono, photo_alpha=alpha)
    applied = float(np.log(np.dot((0.2126, 0.7152, 0.0722), gain)))  # the gain's luminance (Rec. 709)
    measured = float(np.log(srgb_to_linear(b[inner]).mean() / srgb_to_linear(a[inner]).mean()))
    assert abs(measured - applied) <= 0.3 * max(abs(applied), 0.1)
    # the colour photo of the same subject takes the scene's warmth
    _, colour = r.relight_reported(image, alpha, bg, photo=image, photo_alpha=alpha)
    assert colour["monochrome"] == 0.0 and colour["gain_r"] > colour["gain_b"]


def test_the_bars_of_a_contain_fit_are_not_read_as_the_scenes_light() -> None:
    """``fit="contain"`` pads with a flat colour; the relighter read it as scene (a warm scene 20 % darker, a dusk photo blue)."""
    import cv2

    image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=3)
    rng = np.random.default_rng(1)
    tex = cv2.resize(rng.random((12, 24, 3)).astype(np.float32), (640, 320), interpolation=cv2.INTER_CUBIC)
    scene = np.clip(0.25 + 0.4 * tex + rng.normal(0, 0.01, tex.shape), 0, 1).astype(np.float32)
    scene = linear_to_srgb(srgb_to_linear(scene) * np.float32([1.15, 1.0, 0.8])).astype(np.float32)  # a wide, warm scene
    pipe = studiocomp.Pipeline.preset("studio", relighter=studiocomp.create("relighter", "illuminant"))
    gains = {}
    for fit in ("contain", "stretch"):  # the same content around the subject; contain adds bars above and below
        report = pipe(image, background=scene, fit=fit).finishing["relight"]
        gains[fit] = np.log([report["gain_r"], report["gain_g"], report["gain_b"]])
    assert np.abs(gains["contain"] - gains["stretch"]).max() < 0.05, gains
    # the composite keeps its bars
    out = pipe(image, background=scene, fit="contain").background
    assert np.all(out[0] == out[0, 0]) and np.all(out[-1] == out[0, 0])
    bars = studiocomp.backgrounds.without_letterbox(out)
    assert not np.all(bars[0] == bars[0, 0]) and np.array_equal(bars[100:140], out[100:140])
