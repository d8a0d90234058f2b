"""Results in a notebook or a REPL: a short repr and a picture, and a ``dir(studiocomp)`` of public names.

A ``PipelineResult`` printed its full arrays (10 kB of numbers); now its repr names each array by
dtype and shape and its ``_repr_png_`` (IPython's rich display) is the composite; a ``Matte`` shows
the cut-out over a checkerboard. Each test makes its own arrays.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image as PILImage

import studiocomp
from studiocomp.pipeline import DecodedImage, PipelineResult
from studiocomp.types import Matte, QualityWarning


def _result(h: int, w: int) -> PipelineResult:
    rng = np.random.default_rng(0)
    rgb = rng.uniform(0, 1, (h, w, 3)).astype(np.float32)
    alpha = rng.uniform(0, 1, (h, w)).astype(np.float32)
    return PipelineResult(
        mask=alpha > 0.5,
        alpha=alpha,
        foreground=rgb,
        background=rgb[::-1].copy(),
        composite=rgb[:, ::-1].copy(),
        placed_alpha=alpha,
        placed_foreground=rgb,
        shadow=np.zeros((h, w), np.float32),
        timings={"load": 0.01234, "segmenter": 0.4567},
        warnings=[QualityWarning("backdrop-not-found", "no plain backdrop", 0.3), QualityWarning("no-prior", "keyer only", uncertain=False)],
        finishing={"grain": {"sigma": 0.0123456}},
    )


def _png(data: bytes | None) -> np.ndarray:
    assert data is not None and data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def test_result_repr_is_short_and_names_shapes_warnings_timings() -> None:
    text = repr(_result(600, 800))
    assert len(text) < 700, len(text)  # it was about 10 kB of array values
    # sizes width×height as in every message (README), so 800 wide and 600 tall is 800×600, not its shape (600, 800)
    assert text.startswith("PipelineResult(mask=bool[800×600 px], alpha=float32[800×600 px], foreground=float32[800×600 px, 3 ch]")
    assert "composite=float32[800×600 px, 3 ch]" in text and "shadow=float32[800×600 px]" in text
    assert "warnings=['backdrop-not-found', 'no-prior']" in text and "uncertain=True" in text
    assert "timings={'load': 0.012, 'segmenter': 0.457}" in text
    assert "finishing=['grain'], uncertain=True)" in text  # the steps that ran, not their numbers
    assert "array(" not in text
    assert repr(_result(60, 80)) == text.replace("800×600", "80×60")  # the same line for any size


def test_repr_sizes_read_width_by_height_like_the_messages() -> None:
    from studiocomp._display import array_summary

    portrait = np.zeros((800, 600, 3), np.float32)  # a photo 600 pixels wide and 800 tall
    assert array_summary(portrait) == "float32[600×800 px, 3 ch]"
    assert array_summary(portrait[..., 0]) == "float32[600×800 px]"
    assert array_summary(np.zeros((800, 600, 2, 5), np.uint8)) == "uint8[600×800 px, 2×5]"
    assert array_summary(np.zeros(7, np.float32)) == "float32[7]" and array_summary(np.float32(1.0)) == repr(np.float32(1.0))
    with pytest.raises(studiocomp.InputError, match=r"600×800 \(width×height\)"):  # the size as a message gives it for the same photo
        studiocomp.as_image(portrait, max_pixels=1000)


def test_repr_encodes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("repr must not encode a picture")

    monkeypatch.setattr(studiocomp.pipeline, "preview_png", refuse)
    monkeypatch.setattr(studiocomp.types, "preview_png", refuse)
    result = _result(40, 50)
    repr(result), str(result), repr(Matte(result.alpha, result.foreground)), repr(DecodedImage(result.foreground, None, "cutout"))


def test_result_shows_its_composite_in_a_notebook() -> None:
    result = _result(48, 64)
    shown = _png(result._repr_png_())
    assert shown.shape == (48, 64, 3)
    assert np.array_equal(shown, (result.composite * 255 + 0.5).astype(np.uint8))


def test_a_large_composite_is_reduced_to_a_preview() -> None:
    result = _result(1500, 3000)
    shown = _png(result._repr_png_())
    assert shown.shape == (512, 1024, 3)
    # a faithful reduction: the mean colour is kept
    assert np.allclose(shown.reshape(-1, 3).mean(0) / 255, result.composite.reshape(-1, 3).mean(0), atol=0.01)


def test_matte_shows_the_cutout_over_a_checkerboard() -> None:
    h, w = 32, 48
    fg = np.zeros((h, w, 3), np.float32)
    fg[..., 0] = 1.0  # red subject
    alpha = np.zeros((h, w), np.float32)
    alpha[:, w // 2 :] = 1.0
    matte = Matte(alpha, fg)
    assert repr(matte) == "Matte(alpha=float32[48×32 px], foreground=float32[48×32 px, 3 ch])"
    shown = _png(matte._repr_png_())
    assert shown.shape == (h, w, 3)
    assert (shown[:, w // 2 :] == [255, 0, 0]).all()  # the subject as it is
    left = shown[:, : w // 2]
    assert set(np.unique(left)) == {153, 204}  # transparent: the two greys of the checkerboard
    assert left[0, 0, 0] != left[0, 8, 0] and left[0, 0, 0] == left[8, 8, 0]  # 8-pixel squares


def test_decoded_image_repr_and_picture() -> None:
    image = np.full((20, 30, 3), 0.25, np.float32)
    decoded = DecodedImage(image, np.ones((20, 30), np.float32), "hint", seconds=0.0123)
    assert repr(decoded) == "DecodedImage(image=float32[30×20 px, 3 ch], alpha=float32[30×20 px], input_alpha='hint', seconds=0.012, mask=None, segment_seconds=0.0)"
    assert _png(decoded._repr_png_()).shape == (20, 30, 3)


def test_a_real_run_has_a_short_repr_and_a_picture() -> None:
    image, _ = studiocomp.synthetic.studio_shot((120, 90), seed=4)
    result = studiocomp.Pipeline.preset("studio", segmenter="backdrop")(image, background="grey")
    text = repr(result)
    assert len(text) < 800 and "composite=float32[90×120 px, 3 ch]" in text and "'segmenter':" in text, text  # 90 wide, 120 tall
    assert _png(result._repr_png_()).shape == (120, 90, 3)


def test_dir_lists_the_public_names_without_importing_them() -> None:
    code = (
        "import sys, studiocomp\n"
        "names = dir(studiocomp)\n"
        "print(sorted(n for n in names if not n.startswith('__')) == sorted(n for n in studiocomp.__all__ if not n.startswith('__')))\n"
        "print([n for n in ('Any', 'TYPE_CHECKING', 'annotations', 'importlib') if n in names])\n"
        "print('__version__' in names, '__path__' in names)\n"
        "print([m for m in ('studiocomp.pipeline', 'studiocomp.image', 'cv2', 'PIL') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["True", "[]", "True True", "[]"], out
    for name in studiocomp.__all__:  # every name dir offers resolves
        assert getattr(studiocomp, name) is not None


def test_video_result_repr_does_not_grow_with_the_clip() -> None:
    from pathlib import Path

    from studiocomp.video.stream import VideoResult
    from studiocomp.video.subject_record import SubjectRecord

    def result(frames: int) -> str:
        record = SubjectRecord()
        for _ in range(frames):
            record.add(0.061234, (0.1, 0.2, 0.3, 0.9))
        return repr(VideoResult(outputs={"composite": Path("o.mp4")}, frames=frames, fps=25.0, seconds=frames / 25.0, timings={"matter": 1.0526367530037533}, subject=record))

    short, long = result(10), result(3000)
    assert len(long) <= len(short) + 10 and len(long) < 300, long  # digits only; was 6.6 kB for 90 frames
    assert "frames=3000" in long and "1.053" in long and "uncertain=False" in long


def test_neural_backends_say_what_they_are() -> None:
    import inspect

    from studiocomp.backends._neural import OnnxSegmenter
    from studiocomp.backends.matte.modnet import MODNetMatter
    from studiocomp.backends.matte.rvm import RVMMatter

    for cls in (OnnxSegmenter, MODNetMatter, RVMMatter):  # not object.__repr__'s "<… object at 0x…>"
        assert "__repr__" in vars(cls), cls
        assert "return f\"" in inspect.getsource(vars(cls)["__repr__"])
