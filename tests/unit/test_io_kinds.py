"""Issue 14: each kind of file-reading fault, on inputs the tests make themselves."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

import studiocomp
from studiocomp import refine
from studiocomp.errors import InputError

# --------------------------------------------------------------------------- helpers


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def matrix_trc_profile(name: str, rxyz: tuple, gxyz: tuple, bxyz: tuple, gamma: float | None = None) -> bytes:
    """An ICC v2 display profile (matrix/TRC): D50-adapted primaries, sRGB curve (or a pure gamma)."""

    def xyz(v: tuple) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)

    if gamma is None:  # parametric type 3: the sRGB curve
        trc = b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(c) for c in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
    else:
        trc = b"curv\0\0\0\0" + struct.pack(">I", 1) + struct.pack(">H", round(gamma * 256)) + b"\0\0"
    text = name.encode() + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(rxyz)),
        (b"gXYZ", xyz(gxyz)),
        (b"bXYZ", xyz(bxyz)),
        (b"rTRC", trc),
        (b"gTRC", trc),
        (b"bTRC", trc),
        (b"cprt", b"text\0\0\0\0test\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blob = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(blob), len(body))
        blob += body
    size = offset + len(blob)
    header = struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28 + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + blob


P3 = matrix_trc_profile("Display P3 (test)", (0.515102, 0.241182, -0.001050), (0.291965, 0.692236, 0.041882), (0.157153, 0.066583, 0.784378))
ADOBE = matrix_trc_profile("Adobe RGB (test)", (0.609741, 0.311111, 0.019470), (0.205276, 0.625671, 0.060867), (0.149185, 0.063217, 0.744568), gamma=563 / 256)


def photo(h: int = 64, w: int = 48, seed: int = 0) -> np.ndarray:
    """A smooth, saturated uint8 RGB test picture with some noise (no flat areas)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.5 + 0.45 * np.sin(6 * x), 0.5 + 0.45 * np.cos(5 * y), 0.3 + 0.6 * x * y], axis=2)
    img = img + rng.normal(0, 0.03, img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def jpeg_bytes(arr: np.ndarray, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=95, **kw)
    return buf.getvalue()


def _icc_desc(path: Path) -> str:
    with Image.open(path) as im:
        icc = im.info.get("icc_profile")
    assert icc, f"{path.name} carries no ICC profile"
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


# --------------------------------------------------------------------------- 1. one conversion path


def test_path_bytes_pil_agree_on_orientation_and_modes(tmp_path: Path) -> None:
    src = photo(48, 64)
    ex = Image.Exif()
    ex[0x0112] = 6
    p = tmp_path / "o6.jpg"
    Image.fromarray(src).save(p, quality=95, exif=ex.tobytes())
    by_path = studiocomp.as_image(p)
    assert by_path.shape == (64, 48, 3)  # rotated upright
    np.testing.assert_array_equal(studiocomp.as_image(Image.open(p)), by_path)
    np.testing.assert_array_equal(studiocomp.as_image(p.read_bytes()), by_path)
    np.testing.assert_array_equal(studiocomp.load_image(p.read_bytes()), by_path)
    grey16 = (np.asarray(Image.fromarray(src).convert("L"), np.uint16) * 257).astype(np.uint16)
    g = tmp_path / "g16.png"
    Image.fromarray(grey16).save(g)
    ref = studiocomp.as_image(g)
    assert abs(float(ref.mean()) - grey16.mean() / 65535) < 1e-4
    for im in (Image.open(g), Image.fromarray(grey16.astype(np.int32), "I"), Image.fromarray(grey16.astype(np.float32) / 65535, "F")):
        np.testing.assert_allclose(studiocomp.as_image(im), ref, atol=1e-6, err_msg=im.mode)


def test_pil_int_mode_out_of_range_is_an_error() -> None:
    with pytest.raises(InputError, match="16-bit levels"):
        studiocomp.as_image(Image.fromarray(np.full((4, 4), 70000, np.int32), "I"))


# --------------------------------------------------------------------------- 2. colour


@pytest.mark.parametrize("profile", [P3, ADOBE], ids=["p3", "adobe"])
def test_embedded_profile_is_converted_to_srgb(tmp_path: Path, profile: bytes) -> None:
    src = photo()
    srgb = ImageCms.createProfile("sRGB")
    wide = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    in_wide = ImageCms.profileToProfile(Image.fromarray(src), srgb, wide, outputMode="RGB")
    p = tmp_path / "wide.png"  # lossless, so only the colour conversion is measured
    in_wide.save(p, icc_profile=profile)
    j = tmp_path / "wide.jpg"
    in_wide.save(j, quality=95, icc_profile=profile)
    assert np.abs(studiocomp.as_image(j) * 255 - src).mean() < np.abs(np.asarray(Image.open(j), np.float32) - src).mean()
    got = studiocomp.as_image(p) * 255
    naive = np.asarray(in_wide, np.float32)
    assert np.abs(got - src).mean() < 2.0  # converted back
    assert np.abs(naive - src).mean() > 2 * np.abs(got - src).mean()  # ignoring the profile is clearly worse
    # 16-bit with the same profile: the same colours, through the lattice
    wide16 = (np.asarray(in_wide, np.uint16) * 257).astype(np.uint16)
    import tifffile

    t = tmp_path / "wide16.tif"
    tifffile.imwrite(t, wide16, photometric="rgb", iccprofile=profile)
    assert np.abs(studiocomp.as_image(t) * 255 - got).mean() < 1.0


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".webp"])
def test_every_output_carries_an_srgb_profile(tmp_path: Path, suffix: str) -> None:
    img = photo().astype(np.float32) / 255
    out = studiocomp.save_image(tmp_path / f"o{suffix}", img)
    assert "sRGB" in _icc_desc(out)
    back = studiocomp.load_image(out)
    assert np.abs(back - img).mean() < 0.04  # lossy formats on a noisy picture


def test_16_bit_kept_end_to_end(tmp_path: Path) -> None:
    ramp = np.linspace(0, 1, 4096, dtype=np.float32).reshape(64, 64)
    img = np.repeat(ramp[..., None], 3, axis=2)
    for suffix in (".png", ".tif"):
        out = studiocomp.save_image(tmp_path / f"r{suffix}", img, bit_depth=16)
        assert studiocomp.image.source_bit_depth(out) == 16
        back = studiocomp.load_image(out)
        assert len(np.unique(back[..., 0])) > 4000  # 8 bits would leave 256 levels
        assert np.abs(back - img).max() < 1e-4


# --------------------------------------------------------------------------- 3. input alpha


def test_transparent_input_hidden_colours_never_come_back(tmp_path: Path) -> None:
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., :3] = (255, 0, 0)  # red hidden under full transparency
    rgba[5:15, 5:15] = (0, 200, 0, 255)
    rgba[0:5, 0:5, 3] = 128
    p = tmp_path / "t.png"
    Image.fromarray(rgba, "RGBA").save(p)
    for x in (p, Image.open(p), p.read_bytes()):
        img = studiocomp.as_image(x)
        assert img[10, 10, 1] == pytest.approx(200 / 255)
        assert img[18, 18].max() == 0.0  # premultiplied: no red
        assert img[2, 2, 0] == pytest.approx(128 / 255, abs=1e-3)
    img, alpha = studiocomp.load_image(p, with_alpha=True)
    assert alpha is not None and alpha[18, 18] == 0 and img[18, 18].max() == 0.0 and img[2, 2, 0] == 1.0


# --------------------------------------------------------------------------- 4. multi-frame files


def _frames(n: int = 3) -> list[Image.Image]:
    return [Image.fromarray(np.roll(photo(32, 32), 5 * k, axis=1)) for k in range(n)]


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP", "TIFF"])
def test_multi_frame_files_are_refused(tmp_path: Path, fmt: str) -> None:
    f = _frames()
    p = tmp_path / f"anim.{fmt.lower()}"
    f[0].save(p, fmt, save_all=True, append_images=f[1:], duration=100, loop=0)
    with pytest.raises(InputError, match="3 frames"):
        studiocomp.load_image(p)
    with pytest.raises(InputError, match="3 frames"):
        studiocomp.as_image(Image.open(p))


# --------------------------------------------------------------------------- 5. strict decoding


def test_jpeg_corrupt_in_the_middle_is_an_error() -> None:
    b = bytearray(jpeg_bytes(photo(96, 96)))
    mid = len(b) // 2
    b[mid : mid + 400] = bytes((i * 37 + 11) % 256 for i in range(400))
    with pytest.raises(InputError, match="corrupt"):
        studiocomp.as_image(bytes(b))


def test_random_damage_anywhere_in_the_scan_is_an_error() -> None:
    """Any run of garbage in the compressed data, with or without marker-like bytes in it (a marker walk alone missed 12 of 40)."""
    good = jpeg_bytes(photo(240, 180, seed=4))
    studiocomp.as_image(good)  # the intact file loads
    rng = np.random.default_rng(0)
    for _ in range(40):
        b = bytearray(good)
        n = int(rng.integers(30, 300))
        start = int(rng.integers(len(b) // 4, len(b) - n - 4))
        b[start : start + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        with pytest.raises(InputError, match="JPEG"):
            studiocomp.as_image(bytes(b))


def test_valid_jpeg_variants_still_load() -> None:
    src = photo(96, 64, seed=6)
    padded = jpeg_bytes(src)
    padded = padded[:-2] + b"\x00\x00" + padded[-2:]  # two bytes of padding before the end marker, as some cameras write
    assert studiocomp.as_image(padded).shape == (96, 64, 3)
    for kw in ({"progressive": True}, {"optimize": True}, {"subsampling": 0}, {}):
        assert studiocomp.as_image(jpeg_bytes(src, **kw)).shape == (96, 64, 3)
    buf = io.BytesIO()
    Image.fromarray(src).convert("CMYK").save(buf, "JPEG")
    assert studiocomp.as_image(buf.getvalue()).shape == (96, 64, 3)
    buf = io.BytesIO()
    Image.fromarray(src).convert("L").save(buf, "JPEG")
    assert studiocomp.as_image(buf.getvalue()).shape == (96, 64, 3)


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.7, 0.9, 0.97])
def test_jpeg_truncated_with_end_marker_added_is_an_error(keep: float) -> None:
    b = jpeg_bytes(photo(96, 96, seed=3))
    cut = b[: int(len(b) * keep)] + b"\xff\xd9"
    with pytest.raises(InputError, match="JPEG"):
        studiocomp.as_image(cut)
    with pytest.raises(InputError, match="truncated|JPEG"):
        studiocomp.as_image(b[: int(len(b) * keep)])  # no end marker at all
    assert studiocomp.as_image(b).shape == (96, 96, 3)  # the whole file is fine


def test_truncated_png_is_an_error() -> None:
    buf = io.BytesIO()
    Image.fromarray(photo()).save(buf, "PNG")
    with pytest.raises(InputError):
        studiocomp.as_image(buf.getvalue()[:-200])


# --------------------------------------------------------------------------- 6. float TIFFs


def test_float_tiff_is_accepted(tmp_path: Path) -> None:
    import tifffile

    src = photo().astype(np.float32) / 255
    p = tmp_path / "f.tif"
    tifffile.imwrite(p, src, photometric="rgb")
    np.testing.assert_allclose(studiocomp.load_image(p), src, atol=1e-6)
    g = tmp_path / "g.tif"
    tifffile.imwrite(g, src[..., 0])
    np.testing.assert_allclose(studiocomp.load_image(g)[..., 1], src[..., 0], atol=1e-6)


# --------------------------------------------------------------------------- 7. limits


def test_one_pixel_limit_for_files_and_arrays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.png"
    Image.fromarray(photo(40, 50)).save(p)
    monkeypatch.setenv("STUDIOCOMP_MAX_PIXELS", "1000")
    for x in (p, np.zeros((40, 50, 3), np.uint8), Image.open(p)):
        with pytest.raises(InputError, match="at most 1,000 pixels"):
            studiocomp.as_image(x)
    monkeypatch.setenv("STUDIOCOMP_MAX_PIXELS", "abc")
    with pytest.raises(InputError, match="STUDIOCOMP_MAX_PIXELS"):
        studiocomp.as_image(p)


def test_limit_overrides_pillows_bomb_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "wide.png"
    Image.new("L", (3000, 1000)).save(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow alone would refuse (2× its limit: an error)
    assert studiocomp.load_image(p).shape == (1000, 3000, 3)
    assert Image.MAX_IMAGE_PIXELS == 1000  # and its setting is left as it was


def test_memory_estimate_refuses_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    from studiocomp import image

    monkeypatch.setattr(image, "_available_memory", lambda: 1000)
    with pytest.raises(InputError, match="fits in memory"):
        studiocomp.as_image(jpeg_bytes(photo()))


def test_bad_env_value_does_not_break_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from studiocomp.cli import main

    monkeypatch.setenv("STUDIOCOMP_MAX_PIXELS", "abc")
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "studiocomp" in capsys.readouterr().out


# --------------------------------------------------------------------------- 10. degenerate trimaps


def test_degenerate_trimaps_are_errors() -> None:
    img = photo(24, 24).astype(np.float32) / 255
    no_fg = np.zeros((24, 24), np.float32)
    no_fg[4:20, 4:20] = 0.5
    with pytest.raises(InputError, match="no sure foreground"):
        refine.closed_form(img, no_fg)
    no_bg = np.ones((24, 24), np.float32)
    no_bg[4:20, 4:20] = 0.5
    with pytest.raises(InputError, match="no sure background"):
        refine.closed_form(img, no_bg)


def test_trimap_files_as_pymatting_users_pass_them(tmp_path: Path) -> None:
    """Image and trimap given as files (uint8 0/128/255 PNGs): read in grey, and a degenerate one is still an error."""
    img = photo(32, 32)
    Image.fromarray(img).save(tmp_path / "image.png")
    tri = np.full((32, 32), 128, np.uint8)
    tri[:6], tri[-6:] = 0, 255
    Image.fromarray(tri).save(tmp_path / "trimap.png")
    alpha = refine.closed_form(tmp_path / "image.png", tmp_path / "trimap.png")
    assert alpha.shape == (32, 32) and alpha[:6].max() == 0.0 and alpha[-6:].min() == 1.0
    tri[-6:] = 128
    Image.fromarray(tri).save(tmp_path / "no_fg.png")
    with pytest.raises(InputError, match="no sure foreground"):
        refine.closed_form(str(tmp_path / "image.png"), str(tmp_path / "no_fg.png"))


@pytest.mark.parametrize("profile", [P3, ADOBE], ids=["p3", "adobe"])
def test_wide_gamut_photo_composite_within_de00_2_in_a_colour_managed_viewer(tmp_path: Path, profile: bytes) -> None:
    """Issue 14's done-when: the composite, as a colour-managed viewer shows it, is within ΔE00 2 of the photo in the subject's interior.

    A studio shot encoded in a wide-gamut space (its profile embedded), cut out by the keyer on a neutral
    preset with the finishing stages off, saved; both files are then read the way a colour-managed viewer
    reads them (LittleCMS, each through its own embedded profile, to one display space: sRGB here).
    """
    from skimage.color import deltaE_ciede2000, rgb2lab

    image, alpha = studiocomp.synthetic.studio_shot((160, 120), seed=5)
    srgb = ImageCms.createProfile("sRGB")
    wide = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    shot = ImageCms.profileToProfile(Image.fromarray((image * 255 + 0.5).astype(np.uint8)), srgb, wide, outputMode="RGB")
    src = tmp_path / "wide.jpg"
    shot.save(src, quality=95, icc_profile=profile)
    pipe = studiocomp.Pipeline.preset("studio", segmenter=studiocomp.create("segmenter", "studio", prior=None), relighter=None, shadow_caster=None, compositor="alpha-over")
    result = pipe(src, background="grey")
    out = studiocomp.save_image(tmp_path / "comp.png", result.composite)

    def as_viewer_shows(path: Path) -> np.ndarray:
        with Image.open(path) as im:
            icc = im.info.get("icc_profile")
            assert icc, f"{path.name} carries no profile: a viewer would guess"
            shown = ImageCms.profileToProfile(im.convert("RGB"), ImageCms.ImageCmsProfile(io.BytesIO(icc)), srgb, outputMode="RGB")
        return np.asarray(shown, np.float32) / 255

    interior = cv2.erode((result.alpha > 0.98).astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    assert interior.sum() > 500
    de = deltaE_ciede2000(rgb2lab(as_viewer_shows(src)[interior][None]), rgb2lab(as_viewer_shows(out)[interior][None]))
    print(f"median ΔE00 {np.median(de):.2f}, 95th percentile {np.percentile(de, 95):.2f}")
    assert float(np.median(de)) <= 2.0 and float(np.percentile(de, 95)) <= 3.0
