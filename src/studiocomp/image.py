"""Conversion to and from the library's array convention, and image files.

See :mod:`studiocomp.types` for the convention (H×W×3 float32 sRGB in [0, 1],
H×W float32 alpha, H×W bool mask).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from ._atomic import atomic_write_bytes
from .errors import InputError
from .types import Alpha, Image, Mask

__all__ = [
    "MAX_PIXELS",
    "as_image",
    "as_alpha",
    "as_mask",
    "from_bgr",
    "to_uint8",
    "load_image",
    "save_image",
]

MAX_PIXELS: int = int(os.environ.get("STUDIOCOMP_MAX_PIXELS", 200_000_000))
"""Largest accepted image (pixels): a guard against decompression bombs.

Override per call with ``max_pixels=`` or for the process with the
``STUDIOCOMP_MAX_PIXELS`` environment variable."""

_RANGE_TOL = 1e-4  # float inputs may overshoot [0, 1] by rounding; more is an error
_EXIF_ORIENTATION = 0x0112
_WRITE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return type(x).__name__


def _is_pil(x: Any) -> bool:
    return type(x).__module__.startswith("PIL.") and hasattr(x, "mode") and hasattr(x, "size")


def _scale_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Rescale by dtype range to float32 in [0, 1] (always a new array)."""
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) * np.float32(1 / 255)
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) * np.float32(1 / 65535)
    if arr.dtype.kind == "f":
        out = arr.astype(np.float32, copy=True)
        if _float_range_ok(out, name):
            np.clip(out, 0.0, 1.0, out=out)
        return out
    raise InputError(name, "dtype uint8, uint16 or float", f"dtype {arr.dtype}")


def _float_range_ok(arr: np.ndarray, name: str) -> bool:
    """Raise on NaN/inf or values outside [0, 1] (± rounding); True if clipping is needed.

    Two fast passes with OpenCV: the sum (a NaN or inf anywhere makes it
    non-finite; valid data cannot overflow float64) and minMaxLoc (which skips
    NaN) for the range; the slower NumPy min/max is used only for arrays
    OpenCV cannot read.
    """
    if arr.size >= 1 << 16 and arr.dtype == np.float32 and arr.flags.c_contiguous:
        import cv2

        flat = arr.reshape(arr.shape[0], -1)
        # not a BLAS product: OpenBLAS's idle threads spin after a call and slow the next ONNX Runtime run
        finite = bool(np.isfinite(cv2.sumElems(flat)[0]))
        lo, hi = cv2.minMaxLoc(flat)[:2] if finite else (float(arr.min()), float(arr.max()))
    else:
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


def checked_image(x: Any, *, name: str = "image") -> Image:
    """Like :func:`as_image`, but returns ``x`` itself when it already follows the convention.

    For backends, which only read their inputs: a float32 C-contiguous H×W×3
    array in [0, 1] is validated (two passes) and passed through without a copy.
    """
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 3 and x.shape[2] == 3 and x.flags.c_contiguous:
        _check_size(x.shape, name, None)
        if not _float_range_ok(x, name):
            return x
    return as_image(x, name=name)


def checked_alpha(x: Any, *, name: str = "alpha", shape: tuple[int, int] | None = None) -> Alpha:
    """Like :func:`as_alpha`, without a copy for a valid float32 C-contiguous H×W array."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 2 and x.flags.c_contiguous:
        _check_size(x.shape, name, None)
        if shape is not None and tuple(x.shape) != tuple(shape):
            raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
        if not _float_range_ok(x, name):
            return x
    return as_alpha(x, name=name, shape=shape)


def _check_size(shape: tuple[int, ...], name: str, max_pixels: int | None) -> None:
    if len(shape) < 2 or shape[0] == 0 or shape[1] == 0:
        raise InputError(name, "a non-empty image", f"shape {shape}")
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    if shape[0] * shape[1] > limit:
        raise InputError(name, f"at most {limit:,} pixels", f"{shape[0]}×{shape[1]} = {shape[0] * shape[1]:,} pixels")


def as_image(x: Any, *, name: str = "image", max_pixels: int | None = None) -> Image:
    """Convert ``x`` to an H×W×3 float32 sRGB image in [0, 1].

    Parameters
    ----------
    x : path, PIL image or array
        A file path (read with :func:`load_image`), a PIL image, or an array of
        shape H×W (grey), H×W×1 or H×W×3 (RGB). uint8 and uint16 arrays are
        rescaled by their dtype's range; float arrays must already be in [0, 1].
        For BGR arrays (OpenCV) use :func:`from_bgr`.
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
        Wrong type, shape, dtype, range, NaN, empty or oversized input.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> studiocomp.as_image(np.zeros((4, 5, 3), np.uint8)).shape
    (4, 5, 3)
    """
    if isinstance(x, (str, os.PathLike)):
        return load_image(x, max_pixels=max_pixels)
    if _is_pil(x):
        x = np.asarray(x.convert("RGB"))
    if not isinstance(x, np.ndarray):
        raise InputError(name, "a path, PIL image or numpy array", _describe(x))
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
    """Like :func:`as_image` for an H×W×3 BGR array as OpenCV returns it."""
    if not isinstance(x, np.ndarray) or x.ndim != 3 or x.shape[2] != 3:
        raise InputError(name, "an H×W×3 BGR array", _describe(x))
    return as_image(x[..., ::-1], name=name)


def as_alpha(x: Any, *, name: str = "alpha", shape: tuple[int, int] | None = None) -> Alpha:
    """Convert ``x`` to an H×W float32 alpha in [0, 1].

    Accepts H×W or H×W×1 arrays of dtype bool, uint8, uint16 or float in [0, 1].
    ``shape``, when given, is the (H, W) the alpha must have.
    """
    if _is_pil(x):
        x = np.asarray(x.convert("L"))
    if not isinstance(x, np.ndarray):
        raise InputError(name, "a numpy array of shape H×W", _describe(x))
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[..., 0]
    if x.ndim != 2:
        raise InputError(name, "shape H×W", f"shape {x.shape}")
    _check_size(x.shape, name, None)
    if shape is not None and tuple(x.shape) != tuple(shape):
        raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
    if x.dtype == bool:
        return x.astype(np.float32)
    return np.ascontiguousarray(_scale_to_float(x, name))


def as_mask(x: Any, *, name: str = "mask", shape: tuple[int, int] | None = None) -> Mask:
    """Convert ``x`` to an H×W bool mask.

    bool arrays are copied; numeric arrays are read as alpha (see
    :func:`as_alpha`) and thresholded at 0.5.
    """
    if isinstance(x, np.ndarray) and x.dtype == bool:
        if x.ndim == 3 and x.shape[2] == 1:
            x = x[..., 0]
        if x.ndim != 2:
            raise InputError(name, "shape H×W", f"shape {x.shape}")
        _check_size(x.shape, name, None)
        if shape is not None and tuple(x.shape) != tuple(shape):
            raise InputError(name, f"shape {tuple(shape)} (same as the image)", f"shape {x.shape}")
        return x.copy()
    return as_alpha(x, name=name, shape=shape) > 0.5


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Quantise a float array in [0, 1] to uint8 with rounding (half to even, saturating).

    One multi-threaded OpenCV pass (``convertScaleAbs``: values are ≥ 0, so the
    absolute value changes nothing): 0.02 s at 24 MP, where NumPy's
    multiply–round–clip–cast took 0.7 s. Same values.
    """
    import cv2

    arr = np.asarray(x, np.float32)
    if arr.ndim == 3 and arr.shape[2] > 4:  # OpenCV reads at most 4 channels per pixel
        return np.stack([to_uint8(arr[..., c]) for c in range(arr.shape[2])], axis=2)
    return cv2.convertScaleAbs(np.ascontiguousarray(arr), alpha=255.0).reshape(arr.shape)


# --------------------------------------------------------------------------- files


def _read_header(path: Path, max_pixels: int | None) -> tuple[int, int, int]:
    """Open the file lazily with Pillow: size check and EXIF orientation, no decoding."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as im:
            w, h = im.size
            _check_size((h, w), str(path), max_pixels)
            try:
                if im.format == "PNG":
                    # Pillow's getexif() decodes a whole PNG to look for an eXIf chunk after the pixels (the
                    # spec puts it before them): read what the header parse found instead, 2× faster loads
                    exif = PILImage.Exif()
                    if im.info.get("exif"):
                        exif.load(im.info["exif"])
                else:
                    exif = im.getexif()
                orientation = int(exif.get(_EXIF_ORIENTATION, 1))
            except Exception:  # a broken EXIF block must not make the pixels unreadable
                orientation = 1
            return h, w, orientation
    except UnidentifiedImageError:
        raise InputError(str(path), "an image file (PNG, JPEG, TIFF, WebP, BMP …)", "a file no decoder recognises") from None
    except PILImage.DecompressionBombError as exc:
        raise InputError(str(path), "an image within the pixel limit", str(exc)) from None


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


def _decode(path: Path, data: bytes) -> np.ndarray:
    """Decode to a uint8/uint16/float array in RGB(A) or grey order."""
    import cv2

    if len(data) == 0:
        raise InputError(str(path), "an image file", "an empty file")
    is_jpeg = data[:2] == b"\xff\xd8"
    if is_jpeg and b"\xff\xd9" not in data[-4096:]:
        # libjpeg would silently pad a truncated JPEG with grey; refuse it instead.
        raise InputError(str(path), "a complete JPEG file", "a truncated JPEG (no end-of-image marker)")
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        arr = _decode_pillow(path)
    elif arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
    return arr


def _decode_pillow(path: Path) -> np.ndarray:
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L"):
                return np.asarray(im, dtype=np.uint16)
            if im.mode in ("1", "L", "P", "LA", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"):
                has_alpha = im.mode in ("LA", "PA", "RGBA") or "transparency" in im.info
                return np.asarray(im.convert("RGBA" if has_alpha else "RGB"))
            return np.asarray(im.convert("RGB"))
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(str(path), "a readable image file", f"a corrupt or truncated file ({exc})") from None


@overload
def load_image(path: str | os.PathLike[str], *, with_alpha: Literal[False] = ..., max_pixels: int | None = ...) -> Image: ...
@overload
def load_image(path: str | os.PathLike[str], *, with_alpha: Literal[True], max_pixels: int | None = ...) -> tuple[Image, Alpha | None]: ...


def load_image(path: str | os.PathLike[str], *, with_alpha: bool = False, max_pixels: int | None = None) -> Image | tuple[Image, Alpha | None]:
    """Read an image file into the library's convention.

    Handles JPEG, PNG (8/16-bit, grey, RGBA), TIFF (8/16-bit, float), WebP and
    BMP; applies the EXIF orientation; refuses files over ``max_pixels`` before
    decoding them, and truncated or corrupt files.

    Parameters
    ----------
    path : str or PathLike
    with_alpha : bool
        Also return the file's alpha channel (``None`` when it has none).
    max_pixels : int, optional
        Size guard; defaults to :data:`MAX_PIXELS`.

    Returns
    -------
    Image, or (Image, Alpha | None) when ``with_alpha``.

    Raises
    ------
    InputError
        Missing, empty, truncated, corrupt, non-image or oversized file.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "an existing image file", "no such file" if not p.exists() else "not a regular file")
    if p.stat().st_size == 0:
        raise InputError(str(p), "an image file", "an empty file")
    _, _, orientation = _read_header(p, max_pixels)  # size checked there, before decoding
    arr = _decode(p, p.read_bytes())
    _check_size(arr.shape, str(p), max_pixels)
    arr = _apply_orientation(arr, orientation)
    alpha_arr = None
    if arr.ndim == 3 and arr.shape[2] in (2, 4):
        alpha_arr, arr = arr[..., -1], arr[..., :-1]
    if arr.dtype.kind == "f":
        arr = np.clip(np.nan_to_num(arr, nan=0.0), 0.0, 1.0)
        if alpha_arr is not None:
            alpha_arr = np.clip(np.nan_to_num(alpha_arr, nan=0.0), 0.0, 1.0)
    elif arr.dtype not in (np.uint8, np.uint16):
        arr = np.clip(arr, 0, 65535).astype(np.uint16)
    image = as_image(arr, name=str(p), max_pixels=max_pixels)
    if not with_alpha:
        return image
    return image, (as_alpha(alpha_arr, name=f"{p} (alpha)") if alpha_arr is not None else None)


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
        (8 bit, no alpha), ``.webp``, ``.bmp``.
    image : array-like
        Anything :func:`as_image` accepts.
    alpha : array-like, optional
        H×W alpha stored as a straight (unassociated) alpha channel.
    bit_depth : {8, 16}
        16 is allowed for PNG and TIFF.
    quality : int
        JPEG/WebP quality, 1–100.

    Returns
    -------
    Path
        The written path. The file is written to a temporary name and renamed,
        so a crash never leaves a half-written file.
    """
    import cv2

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _WRITE_SUFFIXES:
        raise InputError("path", f"a file name ending in one of {sorted(_WRITE_SUFFIXES)}", repr(p.name))
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
    data = cv2.cvtColor(data, cv2.COLOR_RGBA2BGRA if data.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    params: list[int] = []
    if suffix in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    elif suffix == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, int(quality)]
    elif suffix == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 1]  # OpenCV's default: 1.7× faster than 3 for 3 % larger files
    ok, buf = cv2.imencode(suffix, data, params)
    if not ok:  # pragma: no cover - cv2 only fails here on exotic builds
        raise InputError("path", "a format OpenCV can encode", suffix)
    return atomic_write_bytes(p, buf.tobytes())
