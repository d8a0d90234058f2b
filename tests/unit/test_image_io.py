"""Reading and writing files: formats, bit depths, alpha, EXIF, bad files, atomicity."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import studiocomp
from studiocomp import InputError


def _rgb(h: int = 20, w: int = 30) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp", ".webp"])
def test_8bit_roundtrip_lossless(tmp_path: Path, suffix: str) -> None:
    arr = _rgb()
    path = tmp_path / f"a{suffix}"
    if suffix == ".webp":
        PILImage.fromarray(arr).save(path, lossless=True)
    else:
        studiocomp.save_image(path, arr)
    back = studiocomp.load_image(path)
    assert back.dtype == np.float32 and back.shape == (20, 30, 3)
    np.testing.assert_array_equal(np.rint(back * 255).astype(np.uint8), arr)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_roundtrip_with_alpha(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(1)
    img = rng.random((16, 12, 3), dtype=np.float32)
    alpha = rng.random((16, 12), dtype=np.float32)
    path = studiocomp.save_image(tmp_path / f"a{suffix}", img, alpha, bit_depth=16)
    back, back_alpha = studiocomp.load_image(path, with_alpha=True)
    assert back_alpha is not None
    assert np.abs(back - img).max() < 1 / 65535 + 1e-6
    assert np.abs(back_alpha - alpha).max() < 1 / 65535 + 1e-6


def test_jpeg_and_grey_and_rgba(tmp_path: Path) -> None:
    smooth = np.dstack([np.tile(np.linspace(0, 255, 30), (20, 1))] * 3).astype(np.uint8)
    PILImage.fromarray(smooth).save(tmp_path / "a.jpg", quality=95)
    assert np.abs(studiocomp.load_image(tmp_path / "a.jpg") * 255 - smooth).mean() < 2
    arr = _rgb()
    PILImage.fromarray(arr[..., 0]).save(tmp_path / "g.png")
    grey = studiocomp.load_image(tmp_path / "g.png")
    assert grey.shape == (20, 30, 3) and np.array_equal(grey[..., 0], grey[..., 2])
    rgba = np.dstack([arr, np.full((20, 30), 128, np.uint8)])
    PILImage.fromarray(rgba).save(tmp_path / "a.png")
    img, alpha = studiocomp.load_image(tmp_path / "a.png", with_alpha=True)
    assert alpha is not None and abs(float(alpha.mean()) - 128 / 255) < 1e-6
    assert studiocomp.load_image(tmp_path / "g.png", with_alpha=True)[1] is None


def test_grey_16bit_png(tmp_path: Path) -> None:
    arr = (np.arange(40 * 50).reshape(40, 50) * 30).astype(np.uint16)
    PILImage.fromarray(arr).save(tmp_path / "g16.png")
    back = studiocomp.load_image(tmp_path / "g16.png")
    np.testing.assert_allclose(back[..., 1], arr / 65535, atol=1e-6)


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_applied(tmp_path: Path, orientation: int) -> None:
    # a 2×3 image with distinct corners; PIL's exif_transpose is the reference
    arr = np.zeros((20, 30, 3), np.uint8)
    arr[:10, :15] = (255, 0, 0)
    arr[:10, 15:] = (0, 255, 0)
    arr[10:, :15] = (0, 0, 255)
    im = PILImage.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "o.jpg"
    im.save(path, exif=exif, quality=100)
    from PIL import ImageOps

    with PILImage.open(path) as ref_im:
        ref = np.asarray(ImageOps.exif_transpose(ref_im).convert("RGB"))
    got = np.rint(studiocomp.load_image(path) * 255)
    assert got.shape == ref.shape
    assert np.abs(got - ref).mean() < 3


def test_pixel_limit_checked_before_decoding(tmp_path: Path) -> None:
    PILImage.fromarray(_rgb(100, 100)).save(tmp_path / "big.png")
    with pytest.raises(InputError, match="at most 5,000 pixels"):
        studiocomp.load_image(tmp_path / "big.png", max_pixels=5000)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty file"),
        (b"this is not an image at all", "no decoder recognises"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        studiocomp.load_image(path)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_files(tmp_path: Path, suffix: str) -> None:
    full = tmp_path / f"full{suffix}"
    PILImage.fromarray(_rgb(200, 200)).save(full)
    data = full.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError):
        studiocomp.load_image(cut)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        studiocomp.load_image(tmp_path / "nope.png")
    with pytest.raises(InputError, match="not a regular file"):
        studiocomp.load_image(tmp_path)


def test_save_refuses_bad_requests(tmp_path: Path) -> None:
    img = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(InputError, match="alpha"):
        studiocomp.save_image(tmp_path / "a.jpg", img, np.ones((4, 4), np.float32))
    with pytest.raises(InputError, match="bit_depth"):
        studiocomp.save_image(tmp_path / "a.jpg", img, bit_depth=16)
    with pytest.raises(InputError, match="path"):
        studiocomp.save_image(tmp_path / "a.xyz", img)
    with pytest.raises(InputError, match="alpha"):
        studiocomp.save_image(tmp_path / "a.png", img, np.ones((5, 4), np.float32))
    assert not list(tmp_path.iterdir())


def test_save_is_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "keep.png"
    studiocomp.save_image(target, np.zeros((4, 4, 3), np.float32))
    before = target.read_bytes()

    def boom(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        studiocomp.save_image(target, np.ones((4, 4, 3), np.float32))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]  # no temporary left behind


def test_saved_files_get_ordinary_permissions(tmp_path: Path) -> None:
    """The temporary file behind an atomic write is private (0600); the saved file must not stay so."""
    import os
    import stat

    path = studiocomp.save_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.float32))
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_png_exif_orientation_is_applied(tmp_path: Path) -> None:
    """The orientation in a PNG's eXIf chunk is honoured (read from the header, without decoding twice)."""
    a = np.zeros((20, 40, 3), np.uint8)
    a[:, :10] = 255  # a white band on the left
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    PILImage.fromarray(a).save(tmp_path / "o6.png", exif=exif.tobytes())
    img = studiocomp.load_image(tmp_path / "o6.png")
    assert img.shape == (40, 20, 3)
    assert img[:10, :, 0].min() == 1.0 and img[30:, :, 0].max() == 0.0  # the left band is now at the top


@pytest.mark.parametrize(("suffix", "depth"), [(".png", 8), (".png", 16), (".tif", 8), (".tif", 16), (".webp", 8)])
def test_hidden_pixels_keep_none_of_the_photo(tmp_path: Path, suffix: str, depth: int) -> None:
    """Where the stored alpha is 0 the colour is 0: dropping the alpha must not bring back the old background."""
    rng = np.random.default_rng(3)
    photo = rng.random((24, 32, 3), dtype=np.float32) * 0.8 + 0.1
    alpha = np.zeros((24, 32), np.float32)
    alpha[6:18, 8:24] = 1.0
    alpha[6:18, 7] = 0.5
    alpha[0, 0] = 0.3 / (255.0 if depth == 8 else 65535.0)  # rounds to a stored 0
    path = studiocomp.save_image(tmp_path / f"cut{suffix}", photo, alpha, bit_depth=depth)  # type: ignore[arg-type]
    if suffix == ".webp":  # lossy: the subject's colours bleed a little into hidden blocks, the photo does not come back
        with PILImage.open(path) as im:
            stored = np.asarray(im.convert("RGBA")).astype(np.float32) / 255.0
    elif suffix == ".tif":
        import tifffile

        raw = tifffile.imread(path)
        stored = raw.astype(np.float32) / float(np.iinfo(raw.dtype).max)
    else:
        import cv2

        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        stored = cv2.cvtColor(raw, cv2.COLOR_BGRA2RGBA).astype(np.float32) / float(np.iinfo(raw.dtype).max)
    hidden = stored[..., 3] == 0
    assert hidden.sum() == 24 * 32 - 12 * 16 - 12
    if suffix == ".webp":
        assert float(np.abs(stored[..., :3][hidden] - photo[hidden]).mean()) > 0.2
    else:
        assert float(stored[..., :3][hidden].max()) == 0.0
        kept = alpha >= 0.5  # lossless: the subject itself is untouched
        assert float(np.abs(stored[..., :3][kept] - photo[kept]).max()) <= 0.5 / (255 if depth == 8 else 65535) + 1e-6


def test_result_cutout_clears_hidden_pixels() -> None:
    from studiocomp.pipeline import PipelineResult as Result

    fg = np.full((4, 5, 3), 0.7, np.float32)
    alpha = np.zeros((4, 5), np.float32)
    alpha[1:3, 1:4] = 1.0
    res = Result.__new__(Result)
    object.__setattr__(res, "foreground", fg)
    object.__setattr__(res, "alpha", alpha)
    rgba = res.cutout()
    assert rgba.shape == (4, 5, 4) and float(rgba[..., :3][alpha == 0].max()) == 0.0
    assert float(rgba[1:3, 1:4, :3].min()) == pytest.approx(0.7)
    assert float(fg.min()) == pytest.approx(0.7)  # the result's own foreground is not changed
