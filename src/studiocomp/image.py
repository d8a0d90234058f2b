"""Conversion to and from the library's array convention, and image files.

See :mod:`studiocomp.types` for the convention (H×W×3 float32 sRGB in [0, 1],
H×W float32 alpha, H×W bool mask).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import re
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, cast, overload

import numpy as np

from ._atomic import atomic_write_bytes
from .errors import InputError
from .types import Alpha, Image, Mask

__all__ = [
    "MAX_PIXELS",
    "pixel_limit",
    "as_image",
    "as_alpha",
    "as_mask",
    "from_bgr",
    "to_uint8",
    "load_image",
    "save_image",
    "encode_image",
    "encode_alpha",
    "source_bit_depth",
    "srgb_icc",
]

MAX_PIXELS: int = 200_000_000
"""Largest accepted image (pixels) by default: a guard against decompression bombs.

The one limit for files, bytes, PIL images and arrays alike (it replaces
Pillow's own bomb guard in both directions). Override per call with
``max_pixels=`` or for the process with the ``STUDIOCOMP_MAX_PIXELS``
environment variable (a positive whole number, read at each load; a bad value
is an :class:`InputError` when an image is loaded, never at import)."""

_RANGE_TOL = 1e-4  # float inputs may overshoot [0, 1] by rounding; more is an error
_EXIF_ORIENTATION = 0x0112
_WRITE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return type(x).__name__


def is_pil_image(x: Any) -> bool:
    """True for a PIL image (without importing Pillow): its class comes from a ``PIL.`` module and it has ``mode`` and ``size``."""
    return type(x).__module__.startswith("PIL.") and hasattr(x, "mode") and hasattr(x, "size")


def _scale_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Rescale by dtype range to float32 in [0, 1] (always a new array)."""
    if arr.dtype == np.uint8:
        return cast("np.ndarray", arr.astype(np.float32) * np.float32(1 / 255))
    if arr.dtype == np.uint16:
        return cast("np.ndarray", arr.astype(np.float32) * np.float32(1 / 65535))
    if arr.dtype.kind == "f":
        out = arr.astype(np.float32, copy=True)
        if _float_range_ok(out, name):
            np.clip(out, 0.0, 1.0, out=out)
        return out
    raise InputError(name, "dtype uint8, uint16 or float", f"dtype {arr.dtype}")


def _float_range_ok(arr: np.ndarray, name: str) -> bool:
    """Raise on NaN/inf or values outside [0, 1] (± rounding); True if clipping is needed.

    Two passes, NumPy's min and max: both propagate NaN and keep ±inf, so one
    pair of reductions finds every invalid value (faster than OpenCV's sum plus
    minMaxLoc, and single-threaded, so no BLAS thread is left spinning).
    """
    lo, hi = float(arr.min()), float(arr.max())
    if np.isnan(lo) or np.isnan(hi) or np.isinf(lo) or np.isinf(hi):
        raise InputError(name, "finite values (no NaN or inf)", "an array containing NaN or inf")
    if lo < -_RANGE_TOL or hi > 1 + _RANGE_TOL:
        raise InputError(
            name,
            "float values in [0, 1] (divide 8-bit data by 255, or pass uint8)",
            f"values in [{lo:.4g}, {hi:.4g}]",
        )
    return lo < 0.0 or hi > 1.0


_CHECKED: contextvars.ContextVar[list[np.ndarray] | None] = contextvars.ContextVar("studiocomp_checked", default=None)


@contextlib.contextmanager
def checked_once() -> Iterator[None]:
    """A block in which arrays marked with :func:`trust` pass :func:`checked_image`/:func:`checked_alpha` without another pass.

    A pipeline checks each array once (the photo, the background, each stage's
    output) and hands the same arrays to several stages; each stage checks its
    inputs again at its own public boundary, which at 24 MP costs two passes
    over ~290 MB per array and call. Inside the block the checks of a trusted
    array (that very object, by identity) only look at its dtype, shape and
    layout. Per thread and per task (a :class:`contextvars.ContextVar`), so
    concurrent runs never share it; blocks nest.

    Yields
    ------
    None
    """
    token = _CHECKED.set([])
    try:
        yield
    finally:
        _CHECKED.reset(token)


def trust(arr: np.ndarray) -> np.ndarray:
    """Mark ``arr`` as checked for the rest of the current :func:`checked_once` block (a no-op outside one).

    Only for arrays whose values the caller has checked, or made itself, and
    will not change inside the block.

    Parameters
    ----------
    arr : numpy.ndarray
        The array (kept by identity, not copied).

    Returns
    -------
    numpy.ndarray
        ``arr`` itself.
    """
    trusted = _CHECKED.get()
    if trusted is not None:
        trusted.append(arr)
    return arr


def _is_trusted(x: np.ndarray) -> bool:
    trusted = _CHECKED.get()
    return trusted is not None and any(x is t for t in trusted)


def checked_image(x: Any, *, name: str = "image") -> Image:
    """Like :func:`as_image`, but returns ``x`` itself when it already follows the convention.

    For backends, which only read their inputs: a float32 C-contiguous H×W×3
    array in [0, 1] is validated (two passes; none for an array trusted in a
    :func:`checked_once` block) and passed through without a copy.

    Parameters
    ----------
    x : numpy.ndarray or PIL.Image.Image
        See :func:`as_image`.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        H×W×3 float32 in [0, 1]: ``x`` itself when it already was one.

    Raises
    ------
    InputError
        See :func:`as_image`.
    """
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 3 and x.shape[2] == 3 and x.flags.c_contiguous:
        _check_size(x.shape, name, None)
        if _is_trusted(x) or not _float_range_ok(x, name):
            return x
    return as_image(x, name=name)


def checked_alpha(x: Any, *, name: str = "alpha", shape: tuple[int, int] | None = None) -> Alpha:
    """Like :func:`as_alpha`, without a copy for a valid float32 C-contiguous H×W array."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 2 and x.flags.c_contiguous:
        _check_size(x.shape, name, None)
        if shape is not None and tuple(x.shape) != tuple(shape):
            raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
        if _is_trusted(x) or not _float_range_ok(x, name):
            return x
    return as_alpha(x, name=name, shape=shape)


def _check_size(shape: tuple[int, ...], name: str, max_pixels: int | None) -> None:
    if len(shape) < 2 or shape[0] == 0 or shape[1] == 0:
        raise InputError(name, "a non-empty image", f"shape {shape}")
    limit = _max_pixels(max_pixels)
    if shape[0] * shape[1] > limit:
        raise InputError(name, f"at most {limit:,} pixels", f"{shape[1]}×{shape[0]} (width×height) = {shape[0] * shape[1]:,} pixels")


def as_image(x: Any, *, name: str = "image", max_pixels: int | None = None) -> Image:
    """Convert ``x`` to an H×W×3 float32 sRGB image in [0, 1].

    Parameters
    ----------
    x : path, bytes, PIL image or array
        A file path, the bytes of an image file or a PIL image -- all three
        read by the same loader as :func:`load_image` (EXIF orientation
        applied, embedded ICC profile converted to sRGB, 16-bit and float
        modes ``I;16``, ``I``, ``F`` rescaled, transparency premultiplied) --
        or an array of shape H×W (grey), H×W×1 or H×W×3 (RGB). uint8 and
        uint16 arrays are rescaled by their dtype's range; float arrays must
        already be in [0, 1]. For BGR arrays (OpenCV) use :func:`from_bgr`.
    name : str
        Argument name used in error messages.
    max_pixels : int, optional
        Size guard; defaults to :data:`MAX_PIXELS`.

    Returns
    -------
    Image
        A new array (never an alias of ``x``).

    Raises
    ------
    InputError
        Wrong type, shape, dtype, range, NaN, empty or oversized input; and
        for files, bytes and PIL images everything :func:`load_image` refuses.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> studiocomp.as_image(np.zeros((4, 5, 3), np.uint8)).shape
    (4, 5, 3)
    """
    if isinstance(x, (str, os.PathLike, bytes, bytearray, memoryview)) or is_pil_image(x):
        image, alpha, _ = _load(x, name, max_pixels)
        return _premultiplied(image, alpha)
    return _array_to_image(x, name, max_pixels)


def _array_to_image(x: Any, name: str, max_pixels: int | None) -> Image:
    if not isinstance(x, np.ndarray):
        raise InputError(name, "a path, bytes, PIL image or numpy array", _describe(x))
    if x.dtype == bool:
        raise InputError(name, "an image (uint8, uint16 or float)", "a bool array (use it as a mask)")
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        _check_size(x.shape, name, max_pixels)
        grey = _scale_to_float(x, name)
        return np.repeat(grey[..., None], 3, axis=2)
    if x.ndim != 3 or x.shape[2] != 3:
        hint = " (drop the alpha channel with x[..., :3])" if x.ndim == 3 and x.shape[2] == 4 else ""
        raise InputError(name, f"shape H×W, H×W×1 or H×W×3{hint}", f"shape {x.shape}")
    _check_size(x.shape, name, max_pixels)
    return np.ascontiguousarray(_scale_to_float(x, name))


def from_bgr(x: np.ndarray, *, name: str = "image") -> Image:
    """Like :func:`as_image` for an H×W×3 BGR array as OpenCV returns it.

    Parameters
    ----------
    x : numpy.ndarray
        H×W×3 BGR (uint8, uint16 or float in [0, 1]).
    name : str
        Argument name used in error messages.

    Returns
    -------
    Image
        H×W×3 float32 RGB in [0, 1], a new array.

    Raises
    ------
    InputError
        Not H×W×3, or as :func:`as_image`.
    """
    if not isinstance(x, np.ndarray) or x.ndim != 3 or x.shape[2] != 3:
        raise InputError(name, "an H×W×3 BGR array", _describe(x))
    return as_image(x[..., ::-1], name=name)


def as_alpha(x: Any, *, name: str = "alpha", shape: tuple[int, int] | None = None) -> Alpha:
    """Convert ``x`` to an H×W float32 alpha in [0, 1].

    Accepts H×W or H×W×1 arrays of dtype bool, uint8, uint16 or float in [0, 1],
    and, as :func:`as_image` does, a file path, the bytes of an image file or a
    PIL image, read by the same loader (:func:`load_image`: EXIF orientation,
    16-bit precision, strict decoding). An image read that way becomes an alpha so:

    * it has an alpha channel (an RGBA or grey+alpha PNG, a cut-out): that channel,
      whatever its colours; but a grey image whose alpha channel is opaque everywhere
      is a matte saved with an alpha channel it does not use: its grey values;
    * else it is grey (one channel, or R, G and B equal within 2/255): its grey
      values, black transparent and white opaque (a matte saved as PNG, TIFF or JPEG);
    * else (a colour image without alpha, e.g. the photo itself) it is refused:
      there is no one way to read colours as coverage.

    ``shape``, when given, is the (H, W) the alpha must have.

    Parameters
    ----------
    x : path, bytes, PIL image or numpy.ndarray
        A matte or cut-out image file (see above), or an H×W or H×W×1 array:
        bool, uint8, uint16 or float in [0, 1].
    name : str
        Argument name used in error messages.
    shape : (int, int), optional
        The (H, W) the result must have.

    Returns
    -------
    Alpha
        H×W float32 in [0, 1], a new array.

    Raises
    ------
    InputError
        Not a path, bytes, PIL image or array; not H×W, of another ``shape``,
        empty, oversized, NaN or out of [0, 1]; a colour image without an alpha
        channel; and for files everything :func:`load_image` refuses.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> studiocomp.as_alpha(np.array([[0, 255]], np.uint8))
    array([[0., 1.]], dtype=float32)
    """
    if isinstance(x, (str, os.PathLike, bytes, bytearray, memoryview)) or is_pil_image(x):
        x = _image_as_alpha(x, name)
    if not isinstance(x, np.ndarray):
        raise InputError(name, "a path, bytes, PIL image or numpy array of shape H×W", _describe(x))
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim != 2:
        raise InputError(name, "shape H×W", f"shape {x.shape}")
    _check_size(x.shape, name, None)
    if shape is not None and tuple(x.shape) != tuple(shape):
        raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
    if x.dtype == bool:
        return cast("Alpha", x.astype(np.float32))
    return np.ascontiguousarray(_scale_to_float(x, name))


#: how far apart (in [0, 1]) the R, G and B of a pixel may be for an image without alpha to be read as a grey matte
_GREY_SPREAD = 2.0 / 255.0


def _image_as_alpha(x: Any, name: str) -> np.ndarray:
    """A file, its bytes or a PIL image as an H×W float32 alpha: its alpha channel, else its grey values (see :func:`as_alpha`)."""
    image, alpha, _ = _load(x, name, None)
    spread = float((image.max(axis=2) - image.min(axis=2)).max())
    if alpha is not None and (float(alpha.min()) < 1.0 or spread > _GREY_SPREAD):
        return alpha  # an opaque alpha channel on a grey image is unused: the matte is in its grey values
    if spread > _GREY_SPREAD:
        raise InputError(
            str(x) if isinstance(x, (str, os.PathLike)) else name,
            "a matte (grey: black transparent, white opaque) or an image with an alpha channel",
            f"a colour image without alpha (its R, G and B differ by up to {spread * 255:.0f}/255): a photo is no matte; cut it out first (studiocomp cutout, or the alpha of a Pipeline result)",
        )
    grey: np.ndarray = np.ascontiguousarray(image.mean(axis=2), dtype=np.float32)
    return grey


def checked_mask(x: Any, *, name: str = "mask", shape: tuple[int, int] | None = None) -> Mask:
    """Like :func:`as_mask`, without a copy for an H×W (or H×W×1) bool array: the one mask check.

    Used by :func:`as_mask`, the metrics and the backends (which only read their
    masks). Numeric arrays, files, bytes and PIL images are read as alpha
    (:func:`as_alpha`) and cut at 0.5.

    Parameters
    ----------
    x : numpy.ndarray, path, bytes or PIL.Image.Image
        H×W or H×W×1: bool, or uint8 / uint16 / float alpha in [0, 1]; or an image
        read as :func:`as_alpha` reads it.
    name : str
        The argument's name in error messages.
    shape : (int, int), optional
        The (H, W) the mask must have.

    Returns
    -------
    numpy.ndarray
        H×W bool; ``x`` itself (or its H×W view) when it is already bool.

    Raises
    ------
    InputError
        Not H×W, empty, too large, of another ``shape``, or (numeric) NaN / out of [0, 1].
    """
    if isinstance(x, np.ndarray) and x.dtype == bool:
        if x.ndim == 3 and x.shape[2] == 1:
            x = x[..., 0]
        if x.ndim != 2:
            raise InputError(name, "shape H×W", f"shape {x.shape}")
        _check_size(x.shape, name, None)
        if shape is not None and tuple(x.shape) != tuple(shape):
            raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
        return cast("Mask", x)
    return checked_alpha(x, name=name, shape=shape) > 0.5


def as_mask(x: Any, *, name: str = "mask", shape: tuple[int, int] | None = None) -> Mask:
    """Convert ``x`` to an H×W bool mask.

    bool arrays are copied; numeric arrays, and image files, their bytes and PIL
    images, are read as alpha (see :func:`as_alpha`: an image's alpha channel, else
    its grey values; a colour image without alpha is refused) and thresholded at 0.5.

    Parameters
    ----------
    x : numpy.ndarray, path, bytes or PIL.Image.Image
        H×W or H×W×1: bool, or alpha (see :func:`as_alpha`); or a mask image file.
    name : str
        Argument name used in error messages.
    shape : (int, int), optional
        The (H, W) the result must have.

    Returns
    -------
    Mask
        H×W bool, a new array.

    Raises
    ------
    InputError
        As :func:`checked_mask`.
    """
    m = checked_mask(x, name=name, shape=shape)
    return cast("Mask", m.copy()) if isinstance(x, np.ndarray) and x.dtype == bool else m


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Quantise a float array in [0, 1] to uint8 with rounding (half to even, saturating).

    One multi-threaded OpenCV pass (``convertScaleAbs``: values are ≥ 0, so the
    absolute value changes nothing): 0.02 s at 24 MP, where NumPy's
    multiply–round–clip–cast took 0.7 s. Same values.

    Parameters
    ----------
    x : numpy.ndarray
        Float array in [0, 1] (any shape).

    Returns
    -------
    numpy.ndarray
        uint8 of the same shape: round(255·x).
    """
    import cv2

    arr = np.asarray(x, np.float32)
    if arr.ndim == 3 and arr.shape[2] > 4:  # OpenCV reads at most 4 channels per pixel
        return np.stack([to_uint8(arr[..., c]) for c in range(arr.shape[2])], axis=2)
    return cv2.convertScaleAbs(np.ascontiguousarray(arr), alpha=255.0).reshape(arr.shape)


# --------------------------------------------------------------------------- files and the one loader

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_PIL_LOCK = threading.Lock()  # Pillow's bomb guard and truncation flag are process-wide: set them under a lock
_LOAD_BYTES_PER_PIXEL = 48  # decoded file + float32 RGB + alpha + the working copies of one load


def pixel_limit(max_pixels: int | None = None) -> int:
    """The largest image accepted, in pixels: ``max_pixels``, else ``STUDIOCOMP_MAX_PIXELS``, else :data:`MAX_PIXELS`.

    The environment variable is read at each call, so a program (the command line) can check it once
    before its first image instead of failing on each.

    Parameters
    ----------
    max_pixels : int, optional
        A per-call limit, returned as it is.

    Returns
    -------
    int
        Pixels (width × height).

    Raises
    ------
    InputError
        ``STUDIOCOMP_MAX_PIXELS`` is set but is not a positive whole number.
    """
    return _max_pixels(max_pixels)


def _max_pixels(max_pixels: int | None) -> int:
    if max_pixels is not None:
        return int(max_pixels)
    raw = os.environ.get("STUDIOCOMP_MAX_PIXELS")
    if raw is None or raw.strip() == "":
        return MAX_PIXELS
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError("STUDIOCOMP_MAX_PIXELS", "a positive whole number of pixels (e.g. 200000000)", repr(raw))
    return value


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(h: int, w: int, name: str) -> None:
    """Refuse, before decoding, an image whose load alone would not fit in the memory available now."""
    need = h * w * _LOAD_BYTES_PER_PIXEL
    avail = _available_memory()
    if avail is not None and need > avail:
        raise InputError(name, f"an image that fits in memory (about {need / 1e9:.1f} GB needed to load it)", f"{w}×{h} px (width×height) with {avail / 1e9:.1f} GB available")


def _srgb_profile() -> Any:
    from PIL import ImageCms

    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


_SRGB: Any = None


def srgb_icc() -> bytes:
    """The sRGB ICC profile studiocomp writes into its outputs (LittleCMS's built-in sRGB).

    LittleCMS stamps a profile with the time it was made (header bytes 24–35);
    that date is fixed to 2000-01-01 00:00:00 here, so the same pixels give the
    same file, byte for byte, in every process and run (a Dask worker's output
    equals the command line's). The profile ID (bytes 84–99) is left unset, as
    LittleCMS leaves it, so no checksum covers the date.

    Returns
    -------
    bytes
        The ICC profile.
    """
    data = bytearray(_srgb_profile().tobytes())
    data[24:36] = (2000).to_bytes(2, "big") + (1).to_bytes(2, "big") + (1).to_bytes(2, "big") + bytes(6)
    return bytes(data)


def _is_srgb(icc: bytes) -> bool:
    from PIL import ImageCms

    try:
        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip().lower()
    except Exception:
        return False
    return desc.startswith("srgb") or "iec61966-2" in desc.replace(" ", "").replace(".", "")


def _to_srgb_pil(im: Any, icc: bytes, name: str) -> Any:
    """Convert an 8-bit PIL image (RGB, L, CMYK, LAB) from its embedded profile to sRGB RGB."""
    from PIL import ImageCms

    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except Exception as exc:
        raise InputError(name, "an image with a readable embedded ICC profile", f"a broken profile ({exc})") from None
    try:
        return ImageCms.profileToProfile(im, src, _srgb_profile(), renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB")
    except Exception as exc:
        raise InputError(name, f"an ICC profile that matches the pixels (mode {im.mode})", f"one LittleCMS cannot apply ({exc})") from None


def _icc_float_to_srgb(rgb: np.ndarray, icc: bytes, name: str) -> np.ndarray:
    """Colour-convert a float RGB array in [0, 1] through LittleCMS at 8 bits per channel… with a 3-D LUT.

    LittleCMS (through Pillow) only converts 8-bit RGB, so 16-bit and float
    images are converted through a 33³ lattice it maps, interpolated
    trilinearly in float32: the 16-bit precision of smooth gradients is kept.
    """
    from PIL import Image as PILImage

    n = 33
    grid = np.linspace(0, 255, n).round().astype(np.uint8)
    r, g, b = np.meshgrid(grid, grid, grid, indexing="ij")
    lattice = np.stack([r, g, b], axis=-1).reshape(n * n, n, 3)
    out = _to_srgb_pil(PILImage.fromarray(lattice, "RGB"), icc, name)
    lut = (np.asarray(out, np.float32) / 255).reshape(n, n, n, 3)
    pos = np.clip(rgb, 0, 1) * np.float32(n - 1)
    i0 = np.minimum(pos.astype(np.int32), n - 2)
    f = pos - i0
    res = np.zeros_like(rgb, dtype=np.float32)
    for dr in (0, 1):
        wr = f[..., 0] if dr else 1 - f[..., 0]
        for dg in (0, 1):
            wg = f[..., 1] if dg else 1 - f[..., 1]
            for db in (0, 1):
                wb = f[..., 2] if db else 1 - f[..., 2]
                res += (wr * wg * wb)[..., None] * lut[i0[..., 0] + dr, i0[..., 1] + dg, i0[..., 2] + db]
    return np.clip(res, 0, 1)


def _open_pil(data: bytes, name: str) -> Any:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    with _PIL_LOCK:
        saved = PILImage.MAX_IMAGE_PIXELS
        PILImage.MAX_IMAGE_PIXELS = None  # studiocomp's own limit (STUDIOCOMP_MAX_PIXELS) governs, both ways
        try:
            return PILImage.open(io.BytesIO(data))
        except UnidentifiedImageError:
            return None
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(name, "a readable image file", f"a corrupt file ({exc})") from None
        finally:
            PILImage.MAX_IMAGE_PIXELS = saved


def _frames(im: Any) -> int:
    try:
        return int(getattr(im, "n_frames", 1) or 1)
    except Exception:
        return 1


def _refuse_frames(n: int, fmt: str, name: str) -> None:
    if n > 1:
        raise InputError(
            name,
            "a single-frame image (animations and multi-page files are not processed; export the frame or page you want)",
            f"a {fmt or 'multi-frame'} file with {n} frames",
        )


#: the one libjpeg warning that does not mean damaged pixels: a few bytes of padding before the end
#: marker (some cameras write them). More than a few means the scan's data and its length disagree:
#: garbage that happened to decode as valid codes, the common case of damage in the middle of a file.
_JPEG_PADDING = re.compile(r"(\d+) extraneous bytes before marker 0xd9")
_JPEG_PADDING_MAX = 4


def _check_jpeg(data: bytes, name: str) -> None:
    """Decode a JPEG's compressed data strictly; raise :class:`InputError` on any corruption libjpeg reports.

    libjpeg only *warns* about data it cannot decode (garbage in the middle, a
    truncated scan with its end marker added back) and fills what is missing
    with grey, so a plain decode succeeds on a damaged file. simplejpeg
    (libjpeg-turbo) with ``strict=True`` turns those warnings into errors. The
    check decodes at 1/8 scale (DCT scaling): every coefficient is still
    entropy-decoded, so the whole file is checked, at a fraction of the cost.
    """
    import simplejpeg

    try:
        simplejpeg.decode_jpeg(data, strict=True, min_factor=8)
    except ValueError as exc:
        message = str(exc)
        padding = _JPEG_PADDING.search(message)
        if padding is not None and int(padding.group(1)) <= _JPEG_PADDING_MAX:
            return
        if "Premature end" in message or "premature end" in message:
            raise InputError(name, "a complete JPEG file", f"a truncated JPEG ({message})") from None
        raise InputError(name, "a complete, uncorrupted JPEG file", f"corrupt JPEG data ({message})") from None


def _from_tifffile(data: bytes, name: str) -> tuple[np.ndarray, bytes | None, int, int]:
    """Pixels, ICC profile, EXIF orientation and page count of a TIFF, read with tifffile."""
    try:
        import tifffile

        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            pages = len(tif.pages)
            page = tif.pages[0]
            icc_tag = page.tags.get(34675)
            orient_tag = page.tags.get(274)
            arr = page.asarray()
            extra = page.tags.get(338)
            associated = extra is not None and (extra.value == 1 or (isinstance(extra.value, tuple) and extra.value[:1] == (1,)))
    except InputError:
        raise
    except Exception as exc:
        raise InputError(name, "a readable image file", f"a TIFF no decoder could read ({exc})") from None
    if arr.ndim == 3 and arr.shape[0] in (3, 4) and arr.shape[2] not in (1, 2, 3, 4):  # planar
        arr = np.moveaxis(arr, 0, -1)
    if associated and arr.ndim == 3 and arr.shape[2] == 4:  # premultiplied alpha: divide it out
        a = arr[..., 3:].astype(np.float64)
        scale = np.float64(65535 if arr.dtype == np.uint16 else 255 if arr.dtype == np.uint8 else 1.0)
        rgb = np.where(a > 0, arr[..., :3] * scale / np.maximum(a, 1e-12), 0)
        arr = np.concatenate([np.clip(rgb, 0, scale).astype(arr.dtype), arr[..., 3:]], axis=2)
    icc = bytes(icc_tag.value) if icc_tag is not None else None
    orientation = int(orient_tag.value) if orient_tag is not None else 1
    return arr, icc, orientation, pages


def _pil_pixels(im: Any, name: str) -> tuple[np.ndarray, bytes | None]:
    """Decoded PIL image → (uint8/uint16/float array in grey/RGB(A), ICC profile still to apply or None).

    8-bit images with a non-sRGB profile are converted here with LittleCMS;
    the profile is returned only for arrays it could not convert (16-bit, float).
    """
    icc = im.info.get("icc_profile") or None
    if icc is not None and _is_srgb(icc):
        icc = None
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(im).astype(np.uint16), icc
    if mode == "I":
        arr = np.asarray(im)
        if arr.size and (arr.min() < 0 or arr.max() > 65535):
            raise InputError(name, "32-bit integer pixels holding 16-bit levels (0–65535)", f"values in [{arr.min()}, {arr.max()}]")
        return arr.astype(np.uint16), icc
    if mode == "F":
        return np.asarray(im, np.float32), icc
    has_alpha = mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in im.info
    alpha = np.asarray(im.convert("RGBA"))[..., 3] if has_alpha else None
    if icc is not None and mode in ("RGB", "RGBA", "RGBa", "RGBX", "L", "LA", "CMYK", "LAB", "P", "PA"):
        base = im
        if mode in ("RGBA", "RGBa", "RGBX", "P", "PA"):
            base = im.convert("RGB")
        elif mode == "LA":
            base = im.convert("L")
        rgb = np.asarray(_to_srgb_pil(base, icc, name))
        icc = None
    elif mode == "LAB":
        from PIL import ImageCms

        rgb = np.asarray(ImageCms.profileToProfile(im, ImageCms.createProfile("LAB"), _srgb_profile(), outputMode="RGB"))
    elif mode in ("1", "L") and alpha is None:
        return np.asarray(im.convert("L")), None
    else:
        rgb = np.asarray(im.convert("RGB"))
    if alpha is not None:
        return np.concatenate([rgb, alpha[..., None]], axis=2), icc
    return rgb, icc


def _load(x: Any, name: str, max_pixels: int | None) -> tuple[Image, Alpha | None, int]:
    """The one loader: path, bytes or PIL image → (image, alpha or None, bits per channel of the source)."""
    import warnings

    from PIL import ImageFile, ImageOps

    limit = _max_pixels(max_pixels)
    data: bytes | None = None
    if isinstance(x, (str, os.PathLike)):
        p = Path(x)
        name = str(p)
        if p.is_dir():
            raise InputError(name, "an image file", "a folder (not a regular file)")
        if not p.exists():
            raise InputError(name, "an existing image file", "a broken symbolic link" if p.is_symlink() else "no such file")
        if not p.is_file():
            raise InputError(name, "an image file", "not a regular file")
        try:
            data = p.read_bytes()
        except PermissionError:
            raise InputError(name, "a readable file", "permission denied") from None
        except OSError as exc:
            raise InputError(name, "a readable file", f"{exc.strerror or exc}") from None
    elif isinstance(x, (bytes, bytearray, memoryview)):
        data = bytes(x)
    if data is not None and len(data) == 0:
        raise InputError(name, "an image file", "an empty file")
    im = x if data is None else _open_pil(data, name)
    tiff = data is not None and data[:4] in _TIFF_MAGIC
    arr: np.ndarray | None = None
    icc: bytes | None = None
    orientation = 1
    if im is not None:
        w, h = im.size
        _check_size((h, w), name, limit)
        _check_memory(h, w, name)
        _refuse_frames(_frames(im), im.format or "", name)
        bits = tiff and im.tag_v2.get(258, (8,)) if hasattr(im, "tag_v2") else None
        deep_tiff = tiff and (
            im.mode not in ("1", "L", "P", "RGB", "RGBA", "CMYK", "LA", "I;16", "I;16B", "I;16L") or (isinstance(bits, tuple) and max(bits) > 8 and im.mode not in ("I;16", "I;16B", "I;16L"))
        )
        deep_png = data is not None and im.format == "PNG" and data[24] == 16 and data[25] in (2, 6)  # Pillow keeps 8 of 16 bits
        if not deep_tiff:
            if data is not None and data[:2] == b"\xff\xd8":
                _check_jpeg(data, name)
            with _PIL_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # EXIF oddities are not pixel errors
                saved = ImageFile.LOAD_TRUNCATED_IMAGES
                ImageFile.LOAD_TRUNCATED_IMAGES = False
                try:
                    im.load()
                    oriented = ImageOps.exif_transpose(im)
                except (OSError, SyntaxError, ValueError, EOFError) as exc:
                    raise InputError(name, "a complete, readable image file", f"a corrupt or truncated file ({exc})") from None
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = saved
            if deep_png:
                import cv2

                assert data is not None  # deep_png needs the bytes
                raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
                if raw is None:
                    raise InputError(name, "a readable PNG", "a 16-bit PNG OpenCV cannot decode")
                raw = cv2.cvtColor(raw, cv2.COLOR_BGRA2RGBA if raw.shape[2] == 4 else cv2.COLOR_BGR2RGB)
                orientation = int(im.getexif().get(_EXIF_ORIENTATION, 1) or 1)
                icc = im.info.get("icc_profile") or None
                arr = _apply_orientation(raw, orientation)
                if icc is not None and _is_srgb(icc):
                    icc = None
            else:
                arr, icc = _pil_pixels(oriented, name)
    elif not tiff:
        raise InputError(name, "an image file (PNG, JPEG, TIFF, WebP, BMP …)", "a file no decoder recognises")
    if arr is None:  # TIFFs Pillow cannot hold (float RGB, 16-bit RGB): tifffile
        arr, icc, orientation, pages = _from_tifffile(data, name)  # type: ignore[arg-type]
        _refuse_frames(pages, "TIFF", name)
        _check_size(arr.shape, name, limit)
        arr = _apply_orientation(arr, orientation)
        if icc is not None and _is_srgb(icc):
            icc = None
    _check_size(arr.shape, name, limit)
    bit_depth = 8 if arr.dtype == np.uint8 else 16 if arr.dtype == np.uint16 else 32
    alpha_arr = None
    if arr.ndim == 3 and arr.shape[2] in (2, 4):
        alpha_arr, arr = arr[..., -1], arr[..., :-1]
    elif arr.ndim == 3 and arr.shape[2] > 4:
        alpha_arr, arr = arr[..., 3], arr[..., :3]
    if arr.dtype.kind == "f":
        arr = np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0)
        if alpha_arr is not None:
            alpha_arr = np.clip(np.nan_to_num(alpha_arr, nan=0.0), 0.0, 1.0)
    elif arr.dtype not in (np.uint8, np.uint16):
        arr = np.clip(arr, 0, 65535).astype(np.uint16)
        alpha_arr = None if alpha_arr is None else np.clip(alpha_arr, 0, 65535).astype(np.uint16)
    image = _array_to_image(arr, name, limit)
    if icc is not None:
        image = _icc_float_to_srgb(image, icc, name)
    alpha = as_alpha(alpha_arr, name=f"{name} (alpha)") if alpha_arr is not None else None
    if alpha is not None:
        image[alpha <= 0] = 0.0  # colours hidden under full transparency are never shown again
    return image, alpha, bit_depth


def _premultiplied(image: Image, alpha: Alpha | None) -> Image:
    if alpha is None:
        return image
    return np.ascontiguousarray(image * alpha[..., None], dtype=np.float32)


def _apply_orientation(arr: np.ndarray, orientation: int) -> np.ndarray:
    # EXIF orientation values 2–8: mirror and/or rotate so the image shows upright.
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1],
    }
    op = ops.get(orientation)
    return np.ascontiguousarray(op(arr)) if op else arr


@overload
def load_image(path: str | os.PathLike[str], *, with_alpha: Literal[False] = ..., max_pixels: int | None = ...) -> Image: ...
@overload
def load_image(path: str | os.PathLike[str], *, with_alpha: Literal[True], max_pixels: int | None = ...) -> tuple[Image, Alpha | None]: ...


def load_image(path: str | os.PathLike[str], *, with_alpha: bool = False, max_pixels: int | None = None) -> Image | tuple[Image, Alpha | None]:
    """Read an image file (or its bytes) into the library's convention.

    The one loader behind :func:`as_image` for paths, bytes and PIL images:

    * JPEG, PNG (8/16-bit, grey, RGBA, palette), TIFF (8/16-bit, float32,
      uncompressed/deflate/LZW…), WebP and BMP;
    * EXIF orientation applied;
    * an embedded ICC profile (Display P3, Adobe RGB, CMYK …) converted to sRGB
      with LittleCMS (Pillow's ImageCms), relative colorimetric; 16-bit and
      float pixels through a 33³ lattice, keeping their precision;
    * transparency: without ``with_alpha`` the colours are returned
      *premultiplied* by the alpha (over black); with it, straight colours and
      the alpha, with the colour of fully transparent pixels set to 0 -- either
      way colours hidden under transparent pixels never come back;
    * strict decoding: truncated or corrupt data (including a JPEG whose
      compressed data is damaged or cut short, which libjpeg only warns about)
      is an error;
    * multi-frame files (animated GIF/PNG/WebP, multi-page TIFF) are refused;
    * the pixel limit (:data:`MAX_PIXELS`, ``STUDIOCOMP_MAX_PIXELS``) and an
      estimate of the memory the load needs are checked from the header,
      before decoding.

    Parameters
    ----------
    path : str, PathLike, bytes or PIL image
    with_alpha : bool
        Also return the file's alpha channel (H×W float32 in [0, 1]; ``None``
        when it has none).
    max_pixels : int, optional
        Size guard; defaults to :data:`MAX_PIXELS` / ``STUDIOCOMP_MAX_PIXELS``.

    Returns
    -------
    Image, or (Image, Alpha | None) when ``with_alpha``. H×W×3 float32 sRGB in [0, 1].

    Raises
    ------
    InputError
        Missing, unreadable, empty, truncated, corrupt, multi-frame, non-image,
        oversized or too-large-for-memory file; a bad ``STUDIOCOMP_MAX_PIXELS``.
    """
    if not (isinstance(path, (str, os.PathLike, bytes, bytearray, memoryview)) or is_pil_image(path)):
        raise InputError("path", "a file path, the bytes of an image file or a PIL image", _describe(path))
    image, alpha, _ = _load(path, "image", max_pixels)
    return (image, alpha) if with_alpha else _premultiplied(image, alpha)


def source_bit_depth(path: str | os.PathLike[str]) -> int:
    """Bits per channel stored in an image file: 8, 16 or 32 (float); 8 when unknown. Reads the header only.

    Parameters
    ----------
    path : str or os.PathLike
        An image file.

    Returns
    -------
    int
        8, 16 or 32.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return 8
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) > 24:
        return 16 if head[24] == 16 else 8
    if head[:4] in _TIFF_MAGIC:
        try:
            import tifffile

            with tifffile.TiffFile(path) as tif:
                page = tif.pages[0]
                return 32 if page.dtype is not None and page.dtype.kind == "f" else 16 if page.bitspersample > 8 else 8
        except Exception:
            return 8
    return 8


def save_image(
    path: str | os.PathLike[str],
    image: Any,
    alpha: Any = None,
    *,
    bit_depth: Literal[8, 16] = 8,
    quality: int = 95,
) -> Path:
    """Write an image (and optional alpha) atomically; the format follows the suffix.

    Parameters
    ----------
    path : str or PathLike
        ``.png``, ``.tif``/``.tiff`` (8 or 16 bit, alpha allowed), ``.jpg``/``.jpeg``
        (8 bit, no alpha), ``.webp``, ``.bmp``. Every format but BMP carries an
        sRGB ICC profile (the library's working space); TIFFs are deflate-compressed
        with the alpha marked as unassociated (ExtraSamples = 2).
    image : array-like
        Anything :func:`as_image` accepts.
    alpha : array-like, optional
        H×W alpha stored as a straight (unassociated) alpha channel; the colour of a
        pixel whose stored alpha is 0 is written as 0 (:func:`encode_image`).
    bit_depth : {8, 16}
        16 is allowed for PNG and TIFF.
    quality : int
        JPEG/WebP quality, 1–100.

    Returns
    -------
    Path
        The written path. The file is written to a temporary name and renamed,
        so a crash never leaves a half-written file.

    Raises
    ------
    InputError
        An unsupported file suffix, or an image / alpha :func:`as_image` / :func:`as_alpha` refuse.
    OSError
        The file cannot be written (the target is left as it was).
    """

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _WRITE_SUFFIXES:
        raise InputError("path", f"a file name ending in one of {sorted(_WRITE_SUFFIXES)}", repr(p.name))
    return atomic_write_bytes(p, encode_image(image, alpha, format=suffix, bit_depth=bit_depth, quality=quality))


def encode_image(image: Any, alpha: Any = None, *, format: str = "png", bit_depth: Literal[8, 16] = 8, quality: int = 95) -> bytes:
    """Encode an image (and optional alpha) as the bytes of an image file, as :func:`save_image` writes it.

    Parameters
    ----------
    image : array-like
        Anything :func:`as_image` accepts; H×W×3 float32 sRGB in [0, 1] after conversion.
    alpha : array-like, optional
        H×W alpha in [0, 1], stored as a straight (unassociated) alpha channel. Where
        the stored alpha is 0 the colour is written as 0: a fully transparent pixel
        keeps none of the photo, so a reader that drops the alpha does not get the
        old background back.
    format : str
        ``"png"``, ``"jpg"``/``"jpeg"``, ``"tif"``/``"tiff"``, ``"webp"`` or ``"bmp"`` (a leading dot is allowed).
        Every format but BMP carries an sRGB ICC profile.
    bit_depth : {8, 16}
        16 is allowed for PNG and TIFF.
    quality : int
        JPEG/WebP quality, 1–100.

    Returns
    -------
    bytes
        The encoded file.

    Raises
    ------
    InputError
        An unknown format, a bad ``bit_depth`` or ``quality``, an alpha for a format without one
        (JPEG, BMP), or an image or alpha :func:`as_image` / :func:`as_alpha` refuse.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> studiocomp.encode_image(np.zeros((4, 5, 3), np.float32))[:4]
    b'\\x89PNG'
    """
    suffix = "." + str(format).lower().lstrip(".")
    if suffix not in _WRITE_SUFFIXES:
        raise InputError("format", f"one of {sorted(s.lstrip('.') for s in _WRITE_SUFFIXES)}", repr(format))
    if bit_depth not in (8, 16):
        raise InputError("bit_depth", "8 or 16", repr(bit_depth))
    if bit_depth == 16 and suffix not in (".png", ".tif", ".tiff"):
        raise InputError("bit_depth", "8 for this format (16 needs .png or .tif)", f"16 for {suffix}")
    if not (1 <= int(quality) <= 100):
        raise InputError("quality", "an integer in 1–100", repr(quality))
    img = as_image(image)
    channels = [img]
    if alpha is not None:
        if suffix in (".jpg", ".jpeg", ".bmp"):
            raise InputError("alpha", f"None for {suffix} (the format has no alpha channel; use .png or .tif)", "an alpha array")
        channels.append(as_alpha(alpha, shape=img.shape[:2])[..., None])
    arr = np.concatenate(channels, axis=2) if len(channels) > 1 else img
    if bit_depth == 16:
        scaled = arr * np.float32(65535.0)  # float32 throughout: float32 holds every 16-bit level exactly
        np.rint(scaled, out=scaled)
        data = np.clip(scaled, 0, 65535, out=scaled).astype(np.uint16)
    else:
        data = to_uint8(arr)
    if alpha is not None:
        from ._ops import clear_hidden

        clear_hidden(data)  # the stored alpha is 0: keep none of the photo there
    return _encode(data, suffix, int(quality))


def encode_alpha(alpha: Any, *, bit_depth: Literal[8, 16] = 16) -> bytes:
    """Encode an alpha (a matte, a mask) as a one-channel grey PNG: white = subject.

    Parameters
    ----------
    alpha : array-like
        H×W alpha in [0, 1] (anything :func:`as_alpha` accepts; bool masks too).
    bit_depth : {8, 16}
        Bits of the grey channel.

    Returns
    -------
    bytes
        The PNG file (colour type 0, grey).

    Raises
    ------
    InputError
        A bad ``bit_depth``, or an alpha :func:`as_alpha` refuses.
    """
    from PIL import Image as PILImage

    if bit_depth not in (8, 16):
        raise InputError("bit_depth", "8 or 16", repr(bit_depth))
    a = as_alpha(alpha)
    data = np.rint(a * np.float32(65535.0)).astype("<u2") if bit_depth == 16 else to_uint8(a)
    buf = io.BytesIO()
    PILImage.fromarray(data).save(buf, format="PNG")
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _encode(data: np.ndarray, suffix: str, quality: int) -> bytes:
    """Encode H×W×3/4 uint8/uint16 RGB(A) with an sRGB ICC profile embedded (all formats but BMP)."""
    import cv2

    icc = srgb_icc()
    if suffix in (".tif", ".tiff"):
        import tifffile

        buf = io.BytesIO()
        extrasamples = [2] if data.shape[2] == 4 else None  # 2 = unassociated (straight) alpha
        # deflate (zlib): every TIFF reader, and tifffile without imagecodecs, can read it
        tifffile.imwrite(buf, data, photometric="rgb", compression="zlib", compressionargs={"level": 6}, iccprofile=icc, metadata=None, extrasamples=extrasamples)
        return buf.getvalue()
    if suffix == ".webp":
        from PIL import Image as PILImage

        buf = io.BytesIO()
        PILImage.fromarray(data, "RGBA" if data.shape[2] == 4 else "RGB").save(buf, "WEBP", quality=quality, icc_profile=icc)
        return buf.getvalue()
    bgr = cv2.cvtColor(data, cv2.COLOR_RGBA2BGRA if data.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    params: list[int] = []
    if suffix in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    elif suffix == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 1]  # OpenCV's default: 1.7× faster than 3 for 3 % larger files
    ok, enc = cv2.imencode(suffix, bgr, params)
    if not ok:  # pragma: no cover - cv2 only fails here on exotic builds
        raise InputError("path", "a format OpenCV can encode", suffix)
    out = enc.tobytes()
    if suffix == ".png":  # iCCP right after IHDR (8-byte signature + 25-byte IHDR chunk)
        return out[:33] + _png_chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc)) + out[33:]
    if suffix in (".jpg", ".jpeg"):  # APP2 ICC_PROFILE after SOI (the profile fits one segment)
        body = b"ICC_PROFILE\x00\x01\x01" + icc
        return out[:2] + b"\xff\xe2" + (len(body) + 2).to_bytes(2, "big") + body + out[2:]
    return out
