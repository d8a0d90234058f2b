"""``as_alpha`` / ``as_mask`` take a path, bytes or a PIL image as ``as_image`` does.

They raised "expected a numpy array … got str" for a path. An image read as an alpha is its alpha
channel when it has one, else its grey values; a colour image without alpha is refused.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import studiocomp
from studiocomp.errors import InputError

H, W = 30, 40  # a landscape image: a transposed result would show


def _ramp() -> np.ndarray:
    return np.tile(np.linspace(0, 255, W).round().astype(np.uint8), (H, 1))


def test_a_grey_png_path_is_its_grey_values(tmp_path: Path) -> None:
    grey = _ramp()
    PILImage.fromarray(grey).save(tmp_path / "matte.png")
    expected = grey.astype(np.float32) / 255.0
    for x in (tmp_path / "matte.png", str(tmp_path / "matte.png"), (tmp_path / "matte.png").read_bytes(), PILImage.open(tmp_path / "matte.png")):
        a = studiocomp.as_alpha(x, shape=(H, W))
        assert a.dtype == np.float32 and a.shape == (H, W)
        np.testing.assert_allclose(a, expected, atol=1e-6)
        np.testing.assert_array_equal(studiocomp.as_mask(x), expected > 0.5)


def test_a_16_bit_grey_png_keeps_its_precision(tmp_path: Path) -> None:
    deep = np.linspace(0, 65535, W).round().astype(np.uint16)[None, :].repeat(H, axis=0)
    PILImage.fromarray(deep).save(tmp_path / "deep.png")
    np.testing.assert_allclose(studiocomp.as_alpha(tmp_path / "deep.png"), deep / 65535.0, atol=1e-6)


def test_a_grey_matte_saved_as_rgb_jpeg_is_read(tmp_path: Path) -> None:
    PILImage.fromarray(np.repeat(_ramp()[..., None], 3, axis=2)).save(tmp_path / "matte.jpg", quality=95)
    a = studiocomp.as_alpha(tmp_path / "matte.jpg")
    assert np.abs(a - _ramp() / 255.0).max() < 4 / 255  # JPEG's own error


def test_an_rgba_file_is_its_alpha_channel_whatever_its_colours(tmp_path: Path) -> None:
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[..., 0] = 255  # red, and dark where opaque: neither the colours nor their luma are the alpha
    rgba[..., 3] = _ramp()
    buf = io.BytesIO()
    PILImage.fromarray(rgba).save(buf, format="PNG")
    a = studiocomp.as_alpha(buf.getvalue())
    np.testing.assert_allclose(a, _ramp() / 255.0, atol=1e-6)
    np.testing.assert_allclose(studiocomp.as_alpha(PILImage.open(io.BytesIO(buf.getvalue()))), a)  # a PIL image alike (it was read as luma)


def test_a_colour_image_without_alpha_is_refused_and_says_what_to_do(tmp_path: Path) -> None:
    photo = np.zeros((H, W, 3), np.uint8)
    photo[..., 1] = 200
    PILImage.fromarray(photo).save(tmp_path / "photo.png")
    with pytest.raises(InputError, match="a colour image without alpha") as err:
        studiocomp.as_mask(tmp_path / "photo.png")
    assert str(tmp_path / "photo.png") in str(err.value) and "cut it out first" in str(err.value)


def test_file_errors_are_the_loaders_and_shapes_are_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        studiocomp.as_alpha(tmp_path / "missing.png")
    PILImage.fromarray(_ramp()).save(tmp_path / "matte.png")
    data = (tmp_path / "matte.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated|corrupt"):
        studiocomp.as_alpha(tmp_path / "cut.png")
    with pytest.raises(InputError, match=r"shape \(40, 30\)"):
        studiocomp.as_mask(tmp_path / "matte.png", shape=(40, 30))
    with pytest.raises(InputError, match="a path, bytes, PIL image or numpy array"):
        studiocomp.as_alpha([[0.0, 1.0]])


def test_a_real_mask_and_a_real_cutout(tmp_path: Path) -> None:
    from tests.conftest import SHARED

    mask = SHARED / "data" / "pfcn_portrait_test" / "mask" / "00002.png"
    if not mask.exists():
        pytest.skip("shared data not present")
    m = studiocomp.as_mask(mask)
    with PILImage.open(mask) as im:
        assert m.shape == (im.size[1], im.size[0])
        np.testing.assert_array_equal(m, np.asarray(im.convert("L")) > 127)
    photo = SHARED / "data" / "pfcn_portrait_test" / "image" / "00002.jpg"
    result = studiocomp.Pipeline.preset("studio", segmenter="backdrop")(photo, background="grey")
    studiocomp.save_image(tmp_path / "cut.png", result.foreground, result.alpha)  # a cut-out PNG, as `studiocomp cutout` writes
    np.testing.assert_allclose(studiocomp.as_alpha(tmp_path / "cut.png"), result.alpha, atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_a_grey_matte_saved_with_an_opaque_alpha_channel_is_its_grey_values(tmp_path: Path, mode: str) -> None:
    """A matte saved as RGBA or LA with alpha 255 everywhere read as all 1.0 (the whole frame subject), silently."""
    grey = PILImage.fromarray(_ramp())
    grey.convert(mode).save(tmp_path / "matte.png")  # convert() adds an opaque alpha channel
    for x in (tmp_path / "matte.png", PILImage.open(tmp_path / "matte.png")):
        np.testing.assert_allclose(studiocomp.as_alpha(x), _ramp() / 255.0, atol=1e-6)
    # an opaque colour cut-out (the subject fills the frame) is still its alpha: all opaque
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    PILImage.fromarray(rgba).save(tmp_path / "full.png")
    assert studiocomp.as_alpha(tmp_path / "full.png").min() == 1.0
