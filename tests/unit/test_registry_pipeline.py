"""Registry, Pipeline composition, presets, backgrounds, compositor maths, import cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import studiocomp
from studiocomp import InputError, UnknownBackendError
from studiocomp.backgrounds import PRESETS as BG_PRESETS
from studiocomp.backgrounds import fit_background, resolve_background


def test_import_is_light() -> None:
    code = "import sys, studiocomp; print(sorted(m for m in ('torch', 'onnxruntime', 'cv2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_public_submodules_are_attributes_after_import() -> None:
    """README writes ``studiocomp.batch.run_jobs`` after a plain ``import studiocomp``: each public submodule is an attribute, imported on first use."""
    code = (
        "import sys, studiocomp\n"
        "before = sorted(m for m in ('studiocomp.batch', 'studiocomp.video', 'studiocomp.prepared') if m in sys.modules)\n"
        "names = [studiocomp.batch.run_jobs.__name__, studiocomp.video.run.__name__, studiocomp.prepared.__name__, studiocomp.progress.__name__]\n"
        "print(before, names)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[] ['run_jobs', 'run', 'studiocomp.prepared', 'studiocomp.progress']"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        studiocomp.nothing  # noqa: B018


def test_public_api_surface() -> None:
    # fails when a public name disappears
    for name in studiocomp.__all__:
        assert getattr(studiocomp, name) is not None, name


def test_list_and_create() -> None:
    names = studiocomp.list_backends()
    assert set(names) == {"segmenter", "matter", "relighter", "shadow_caster", "compositor"}
    assert "backdrop" in studiocomp.list_backends("segmenter")
    with pytest.raises(UnknownBackendError, match="valid names: 'backdrop'"):
        studiocomp.create("segmenter", "nope")
    with pytest.raises(UnknownBackendError, match="valid names: 'segmenter'"):
        studiocomp.create("segmentr", "backdrop")
    with pytest.raises(InputError, match="working_size"):
        studiocomp.create("segmenter", "backdrop", working_size=5)


def test_register_custom_backend() -> None:
    class Everything:
        def segment(self, image: np.ndarray) -> np.ndarray:
            return np.ones(image.shape[:2], bool)

    studiocomp.register("segmenter", "test-everything", Everything, overwrite=True)
    pipe = studiocomp.Pipeline(segmenter="test-everything")
    result = pipe(np.zeros((16, 16, 3), np.float32), background="grey")
    assert result.alpha.min() == 1 and np.allclose(result.composite, 0)
    with pytest.raises(studiocomp.StudiocompError, match="already registered"):
        studiocomp.register("segmenter", "test-everything", Everything)

    class NotASegmenter:
        pass

    studiocomp.register("segmenter", "test-bad", NotASegmenter, overwrite=True)
    with pytest.raises(studiocomp.StudiocompError, match="lacks the Segmenter methods"):
        studiocomp.create("segmenter", "test-bad")


def test_pipeline_needs_a_cutting_stage() -> None:
    with pytest.raises(InputError, match="segmenter/matter"):
        studiocomp.Pipeline(compositor="alpha-over")
    with pytest.raises(InputError, match="Segmenter methods"):
        studiocomp.Pipeline(segmenter=object())
    with pytest.raises(UnknownBackendError, match="valid names: 'portrait', 'studio'"):
        studiocomp.Pipeline.preset("nope")
    with pytest.raises(InputError, match="keywords"):
        studiocomp.Pipeline.preset("studio", segmentr=None)


def test_preset_overrides_and_iterable(shot: tuple[np.ndarray, np.ndarray]) -> None:
    image, truth = shot
    pipe = studiocomp.Pipeline.preset("studio", matter=None)
    assert "matter" not in pipe.components
    result = pipe(image, background="blue")
    assert result.alpha.dtype == np.float32 and set(np.unique(result.alpha)) <= {0.0, 1.0}
    results = list(studiocomp.Pipeline.preset("studio")(iter([image, image[::2, ::2]])))
    assert [r.composite.shape for r in results] == [image.shape, image[::2, ::2].shape]
    assert list(results[0].timings) == ["load", "segmenter", "matter", "background", "relighter", "shadow_caster", "compositor"]
    assert results[0].cutout().shape == image.shape[:2] + (4,)
    assert results[0].placed_alpha is results[0].alpha  # not placed: the photo's own coordinates
    plain = studiocomp.Pipeline.preset("studio", relighter=None, shadow_caster=None, compositor="alpha-over")(image)
    assert list(plain.timings) == ["load", "segmenter", "matter", "background", "compositor"]
    assert plain.shadow.shape == image.shape[:2] and not plain.shadow.any()  # no caster: an empty shadow layer
    assert plain.placed_foreground is plain.foreground


def test_pipeline_does_not_alias_or_modify_input(shot: tuple[np.ndarray, np.ndarray]) -> None:
    image, _ = shot
    before = image.copy()
    result = studiocomp.Pipeline.preset("studio", matter=None)(image)
    assert np.array_equal(image, before)
    for layer in (result.foreground, result.composite, result.background):
        assert not np.shares_memory(layer, image)


@pytest.mark.parametrize("name", list(BG_PRESETS))
def test_background_presets(name: str) -> None:
    bg = resolve_background(name, 30, 40)
    assert bg.shape == (30, 40, 3) and bg.dtype == np.float32 and 0 <= bg.min() and bg.max() <= 1


def test_background_specs_and_fit() -> None:
    assert resolve_background("#ff0000", 2, 2)[0, 0].tolist() == [1.0, 0.0, 0.0]
    assert resolve_background((0.0, 0.5, 1.0), 2, 2)[1, 1].tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(InputError, match="preset name"):
        resolve_background("no-such-preset", 2, 2)
    src = np.zeros((10, 40, 3), np.float32)
    src[:, :20] = 1.0  # left half white
    assert fit_background(src, 10, 10, "cover").shape == (10, 10, 3)
    contained = fit_background(src, 40, 40, "contain")
    assert contained.shape == (40, 40, 3)
    box = fit_background(src, 5, 5, (0, 0, 10, 10))
    assert box.min() == 1.0
    with pytest.raises(InputError, match="box"):
        fit_background(src, 5, 5, (30, 0, 20, 5))
    with pytest.raises(InputError, match="fit"):
        fit_background(src, 5, 5, "zoom")


def test_cover_enlarging_a_background_allocates_only_the_kept_window() -> None:
    """A small background covering a long panorama is sampled in the window kept, not enlarged whole first.

    The old code scaled a 64×64 background to 4000×4000 (192 MB) to keep 100×4000 of it;
    a 33000×1000 panorama on a square background took 13 GB that way.
    """
    import tracemalloc

    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    bg = np.dstack([xx / 63, yy / 63, np.full_like(xx, 0.5)])
    expected_small = fit_background(bg, 10, 400, "cover")  # the same mapping, small enough for resize-then-crop
    tracemalloc.start()
    try:
        out = fit_background(bg, 100, 4000, "cover")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (100, 4000, 3) and out.dtype == np.float32
    assert peak < 3 * out.nbytes, f"peak {peak / 1e6:.0f} MB for a {out.nbytes / 1e6:.1f} MB result"
    # the kept window is the centre band of the enlarged background: rows around the middle, every column
    assert abs(float(out[:, 0, 0].mean())) < 0.01 and abs(float(out[:, -1, 0].mean()) - 1.0) < 0.01
    assert abs(float(out[50, :, 1].mean()) - 0.5) < 0.01
    assert expected_small.shape == (10, 400, 3) and abs(float(expected_small[5, :, 1].mean()) - 0.5) < 0.01


def test_alpha_over_is_linear_light() -> None:
    comp = studiocomp.create("compositor", "alpha-over")
    fg = np.ones((1, 3, 3), np.float32)
    bg = np.zeros((1, 3, 3), np.float32)
    alpha = np.array([[0.0, 0.5, 1.0]], np.float32)
    out = comp.composite(fg, alpha, bg)
    assert out[0, 0, 0] == 0.0 and out[0, 2, 0] == 1.0
    # 50 % of white over black is 0.5 in linear light = 0.7354 in sRGB (not 0.5)
    assert abs(out[0, 1, 0] - 0.7354) < 1e-3
    shadowed = comp.composite(fg, np.zeros((1, 3), np.float32), np.full((1, 3, 3), 0.8, np.float32), np.full((1, 3), 0.5, np.float32))
    assert np.all(shadowed < 0.8)  # a shadow only darkens
    with pytest.raises(InputError, match="background"):
        comp.composite(fg, alpha, np.zeros((2, 3, 3), np.float32))


def test_an_option_a_backend_does_not_take_is_an_input_error_naming_those_it_takes(tmp_path: Path) -> None:
    from studiocomp import create
    from studiocomp.cli import main

    with pytest.raises(InputError, match="working_size") as info:
        create("segmenter", "backdrop", wokring_size=320)
    assert "wokring_size" in str(info.value)
    photo = tmp_path / "p.png"
    studiocomp.save_image(photo, np.full((24, 16, 3), 0.5, np.float32))
    # --light is the shadow casters' light: a caster without one refuses it (a usage error, not an internal one)
    assert main(["composite", str(photo), "-o", str(tmp_path / "o"), "--segmenter", "backdrop", "--shadow", "contact", "--light", "30,40"]) == 2
    assert main(["composite", str(photo), "-o", str(tmp_path / "o"), "--segmenter", "backdrop:foo=1"]) == 2
