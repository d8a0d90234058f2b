"""Short reprs and notebook pictures for the result objects that hold arrays (internal).

A result's ``repr`` names each array by dtype and size (``float32[1200×900 px, 3 ch]`` for a
photo 1200 pixels wide and 900 tall: width×height, as every size in studiocomp's messages, although
its shape is (900, 1200, 3)) instead of printing its values, so a notebook cell or a log line stays
short; it computes nothing from
the pixels. Its ``_repr_png_`` (IPython's rich display hook) encodes a small PNG preview only
when a notebook asks for one. NumPy only at import; Pillow is imported by :func:`preview_png`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

PREVIEW_SIDE: int = 1024
"""Longest side, in pixels, of a notebook preview (larger images are reduced to it)."""

_CHECKER = 8  # checkerboard square, in preview pixels
_CHECKER_GREYS = (0.8, 0.6)  # the two squares' grey (sRGB), as image editors show transparency


def array_summary(a: Any) -> str:
    """An array's dtype and size as ``float32[1200×900 px, 3 ch]``; ``repr`` for anything else.

    An image's size is written width×height, as everywhere in studiocomp's messages (README:
    "Sizes in messages are width×height"), so an H×W×C array reads ``dtype[W×H px, C ch]``:
    a photo 600 pixels wide and 800 tall, shape (800, 600, 3), is ``float32[600×800 px, 3 ch]``,
    its alpha (800, 600) ``float32[600×800 px]``. ``px`` marks the two image axes, so the
    text is not taken for a NumPy shape.

    Parameters
    ----------
    a : numpy.ndarray or object
        Any value.

    Returns
    -------
    str
        ``dtype[W×H px]`` for an H×W array, ``dtype[W×H px, C ch]`` for H×W×C, ``dtype[W×H px, d2×d3…]``
        for more axes, ``dtype[n]`` for 1-D and ``dtype[]`` for 0-D (nothing is read from the values);
        ``repr(a)`` for anything else.
    """
    if not isinstance(a, np.ndarray):
        return repr(a)
    if a.ndim < 2:
        return f"{a.dtype}[{'×'.join(str(n) for n in a.shape)}]"
    size = f"{a.shape[1]}×{a.shape[0]} px"
    if a.ndim == 3:
        size += f", {a.shape[2]} ch"
    elif a.ndim > 3:
        size += ", " + "×".join(str(n) for n in a.shape[2:])
    return f"{a.dtype}[{size}]"


def short_value(value: Any) -> str:
    """A field's value for a short repr: arrays as :func:`array_summary`, floats to 3 decimals, warnings by code.

    Parameters
    ----------
    value : object
        A field's value.

    Returns
    -------
    str
        Arrays as :func:`array_summary` (``dtype[W×H px, C ch]``); floats rounded to 3 decimals (seconds to the millisecond);
        dicts with their values shortened the same way; a list of warnings (objects with a
        ``code``) as the list of codes; anything else as ``repr``.
    """
    if isinstance(value, np.ndarray):
        return array_summary(value)
    if isinstance(value, float):
        return repr(round(value, 3))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {short_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list) and value and all(hasattr(v, "code") for v in value):
        return repr([str(v.code) for v in value])
    return repr(value)


def short_repr(obj: Any, replace: dict[str, str] | None = None, **extra: Any) -> str:
    """``Name(field=value, …)`` for a dataclass, each value shortened by :func:`short_value`.

    Parameters
    ----------
    obj : dataclass instance
        The object to describe (fields declared with ``repr=False`` are left out).
    replace : dict of str to str, optional
        Field name → the text shown for it instead (e.g. only the keys of a long dict).
    **extra
        Further ``name=value`` pairs shown after the fields (e.g. a property such as ``uncertain``).

    Returns
    -------
    str
        One line; its length does not grow with the arrays' sizes.
    """
    shown = replace or {}
    parts = [f"{f.name}={shown[f.name] if f.name in shown else short_value(getattr(obj, f.name))}" for f in dataclasses.fields(obj) if f.repr]
    parts += [f"{k}={short_value(v)}" for k, v in extra.items()]
    return f"{type(obj).__name__}({', '.join(parts)})"


def checkerboard(h: int, w: int, square: int = _CHECKER) -> np.ndarray:
    """The grey checkerboard image editors show behind transparent pixels.

    Parameters
    ----------
    h, w : int
        Height and width in pixels.
    square : int
        Side of one square, pixels.

    Returns
    -------
    numpy.ndarray
        H×W×3 float32 sRGB in [0, 1]: squares of grey 0.8 and 0.6.
    """
    rows = (np.arange(h) // square)[:, None]
    cols = (np.arange(w) // square)[None, :]
    grey = np.where((rows + cols) % 2 == 0, _CHECKER_GREYS[0], _CHECKER_GREYS[1]).astype(np.float32)
    return np.repeat(grey[..., None], 3, axis=2)


def preview_png(image: Any, alpha: Any = None, *, max_side: int = PREVIEW_SIDE) -> bytes | None:
    """A small PNG of an image (over a checkerboard where ``alpha`` is below 1), for a notebook's rich display.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 float32 sRGB in [0, 1] (values outside are clipped).
    alpha : numpy.ndarray, optional
        H×W float32 in [0, 1]: the image is laid over :func:`checkerboard` with it (straight colours).
    max_side : int
        Longest side of the preview, pixels; a larger image is reduced to it (every n-th pixel
        down to at most twice that size, then a box filter), never enlarged.

    Returns
    -------
    bytes or None
        The PNG file's bytes (8-bit RGB), or None when ``image`` (or ``alpha``) is not an
        H×W×3 (H×W) array with at least one pixel: IPython then shows the text repr alone.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.size == 0:
        return None
    if alpha is not None and (not isinstance(alpha, np.ndarray) or alpha.shape != image.shape[:2]):
        return None
    from PIL import Image as PILImage

    h, w = image.shape[:2]
    step = max(1, -(-max(h, w) // (2 * max_side)))  # a cheap first reduction to at most twice the preview; the box filter does the rest
    rgb = np.asarray(image[::step, ::step], np.float32)
    scale = min(1.0, max_side / max(rgb.shape[:2]))
    if alpha is not None:
        a = np.clip(np.asarray(alpha[::step, ::step], np.float32), 0.0, 1.0)[..., None]
        rgb = rgb * a + checkerboard(rgb.shape[0], rgb.shape[1], max(1, round(_CHECKER / scale))) * (1.0 - a)
    pil = PILImage.fromarray((np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
    if scale < 1.0:
        pil = pil.resize((max(1, round(pil.size[0] * scale)), max(1, round(pil.size[1] * scale))), PILImage.Resampling.BOX)
    import io

    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", compress_level=1)  # a preview for the screen: fast over small
    return buffer.getvalue()
