"""Backgrounds: procedural presets, image files, and fitting them to a size."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeAlias, cast

import cv2
import numpy as np

from .errors import InputError
from .image import as_image
from .types import Image

__all__ = ["PRESETS", "ALIASES", "Fit", "make_preset", "is_rendered", "fit_background", "resolve_background", "without_letterbox"]

Fit: TypeAlias = str | tuple[int, int, int, int]
"""``"cover"`` (fill, crop the overflow), ``"contain"`` (fit inside, pad with the
image's edge colour), ``"stretch"``, ``"none"`` (the background image's own
size; the default when the subject is placed), or ``(x, y, w, h)``: the region
of the background image to use, scaled to the output size."""

_SMALL = 64  # gradients are drawn small and upscaled bilinearly: smooth and fast at any size


def _solid(rgb: tuple[float, float, float]) -> Callable[[int, int], Image]:
    def make(h: int, w: int) -> Image:
        # three filled planes interleaved by OpenCV (about 2× faster than NumPy's broadcast copy) into a
        # NumPy-allocated array (large ones get huge pages: cheaper to touch first)
        return cast("Image", cv2.merge([np.full((h, w), v, np.float32) for v in rgb], dst=np.empty((h, w, 3), np.float32)))

    return make


def _solid_cached(rgb: tuple[float, ...], h: int, w: int) -> Image:
    if h <= 0 or w <= 0:
        raise InputError("size", "positive width and height", f"{w}×{h}")
    from .prepared import CACHE

    key = "colour:" + ",".join(f"{v:.6f}" for v in rgb)
    return CACHE.remember((key, int(h), int(w)), lambda: _solid(rgb)(int(h), int(w)))  # type: ignore[arg-type]


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    sh, sw = (_SMALL, max(2, round(_SMALL * w / h))) if h >= w else (max(2, round(_SMALL * h / w)), _SMALL)
    y, x = np.mgrid[0:sh, 0:sw].astype(np.float32)
    return y / (sh - 1), x / (sw - 1)


def _upscale(small: np.ndarray, h: int, w: int) -> Image:
    return np.ascontiguousarray(cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR))


def _mix(c0: tuple[float, ...], c1: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    a, b = np.asarray(c0, np.float32), np.asarray(c1, np.float32)
    return cast("np.ndarray", a + (b - a) * np.clip(t, 0, 1)[..., None])


def _spotlight(h: int, w: int) -> Image:
    """Studio grey with a soft light spot above centre, darker towards the corners."""
    y, x = _grid(h, w)
    r = np.sqrt(((x - 0.5) * 1.2) ** 2 + (y - 0.42) ** 2)
    return _upscale(_mix((0.78, 0.78, 0.79), (0.33, 0.34, 0.36), r / 0.75), h, w)


def _pink_white_1(h: int, w: int) -> Image:
    """Soft pink at the top fading to white at the floor."""
    y, _ = _grid(h, w)
    return _upscale(_mix((0.96, 0.78, 0.82), (1.0, 1.0, 1.0), y**1.3), h, w)


def _pink_white_2(h: int, w: int) -> Image:
    """White glow behind the subject, pink towards the edges."""
    y, x = _grid(h, w)
    r = np.sqrt((x - 0.5) ** 2 + (y - 0.45) ** 2)
    return _upscale(_mix((1.0, 0.98, 0.98), (0.93, 0.66, 0.74), r / 0.7), h, w)


PRESETS: dict[str, Callable[[int, int], Image]] = {
    "white": _solid((1.0, 1.0, 1.0)),
    "grey": _solid((0.5, 0.5, 0.5)),
    "blue": _solid((0.13, 0.30, 0.62)),
    "green": _solid((0.0, 0.69, 0.25)),
    "gradient": _spotlight,
    "pink-white-1": _pink_white_1,
    "pink-white-2": _pink_white_2,
}
"""Procedural background presets by name."""

ALIASES: dict[str, str] = {"grad": "gradient", "gray": "grey", "pink": "pink-white-1"}
"""Other names for the presets (the names the studio's first scripts used, and US spelling)."""


def make_preset(name: str, height: int, width: int) -> Image:
    """Render the preset ``name`` (or an :data:`ALIASES` name) at ``height``×``width``.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS` or :data:`ALIASES`.
    height, width : int
        Output size in pixels.

    Returns
    -------
    Image
        ``height``×``width``×3 float32 sRGB in [0, 1].

    Raises
    ------
    InputError
        Unknown name, or a non-positive size.
    """
    name = ALIASES.get(name, name)
    if name not in PRESETS:
        raise InputError("background", f"a preset name ({', '.join(PRESETS)}), an image path or an array", repr(name))
    if height <= 0 or width <= 0:
        raise InputError("size", "positive width and height", f"{width}×{height}")
    return PRESETS[name](int(height), int(width))


def is_rendered(spec: Any) -> bool:
    """True for a background studiocomp renders itself (a preset name or alias, ``"#rrggbb"``, an RGB tuple).

    Such a background was never photographed: it has no scene light or cast shadows to read, so a shadow caster's
    default light is no news on it (the photo pipeline and ``video.run`` both ask this).

    Parameters
    ----------
    spec : object
        A background as the pipeline takes it (a name, a colour, a path, an array ...).

    Returns
    -------
    bool
    """
    if isinstance(spec, str):
        return spec in PRESETS or spec in ALIASES or (spec.startswith("#") and len(spec) == 7)
    return isinstance(spec, tuple) and len(spec) == 3


def fit_background(background: Image, height: int, width: int, fit: Fit = "cover") -> Image:
    """Scale/crop ``background`` to ``height``×``width`` according to ``fit``.

    Parameters
    ----------
    background : array_like
        H×W×3 image (see :func:`studiocomp.as_image`).
    height, width : int
        Output size in pixels.
    fit : str or (int, int, int, int)
        ``"cover"`` (scale to fill, crop the overflow), ``"contain"`` (scale to fit, pad), ``"stretch"``,
        ``"none"`` (as it is) or a box (x, y, w, h) of the background, cropped and stretched to the size.

    Returns
    -------
    Image
        ``height``×``width``×3 float32 (the background's own size for ``"none"``).

    Raises
    ------
    InputError
        A bad image or ``fit``.
    """
    return _fit(as_image(background, name="background"), height, width, fit)


def _fit(bg: Image, height: int, width: int, fit: Fit) -> Image:
    """:func:`fit_background` on a checked image (returned as it is for ``"none"``)."""
    bh, bw = bg.shape[:2]
    if fit == "none":
        return bg
    if isinstance(fit, tuple):
        if len(fit) != 4:
            raise InputError("fit", "'cover', 'contain', 'stretch', 'none' or a box (x, y, w, h)", repr(fit))
        x, y, w, h = (int(v) for v in fit)
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > bw or y + h > bh:
            raise InputError("fit", f"a box inside the {bw}×{bh} background", repr(fit))
        bg, fit = bg[y : y + h, x : x + w], "stretch"
        bh, bw = h, w

    def interp(s: float) -> int:
        return cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR

    if fit == "stretch":
        stretched: np.ndarray = cv2.resize(bg, (width, height), interpolation=interp(min(width / bw, height / bh)))
        return np.ascontiguousarray(stretched)
    if fit == "cover":
        s = max(width / bw, height / bh)
        nw, nh = max(width, round(bw * s)), max(height, round(bh * s))
        x0, y0 = (nw - width) // 2, (nh - height) // 2
        if s > 1:
            # enlarging: sample only the window that is kept, never the whole enlarged image (a square
            # background covering a 33000×1000 panorama would be 33000×33000: 13 GB). The same
            # half-pixel-centre mapping as cv2.resize's, so the result matches resize-then-crop.
            sx, sy = nw / bw, nh / bh
            inverse = np.array([[1 / sx, 0, (x0 + 0.5) / sx - 0.5], [0, 1 / sy, (y0 + 0.5) / sy - 0.5]], np.float64)
            warped = cv2.warpAffine(bg, inverse, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
            return np.ascontiguousarray(warped)
        scaled = cv2.resize(bg, (nw, nh), interpolation=interp(s))
        return np.ascontiguousarray(scaled[y0 : y0 + height, x0 : x0 + width])
    if fit == "contain":
        s = min(width / bw, height / bh)
        nw, nh = min(width, max(1, round(bw * s))), min(height, max(1, round(bh * s)))
        scaled = cv2.resize(bg, (nw, nh), interpolation=interp(s))
        edge = np.concatenate([scaled[0], scaled[-1], scaled[:, 0], scaled[:, -1]]).mean(0)
        out = np.empty((height, width, 3), np.float32)
        out[...] = edge
        x0, y0 = (width - nw) // 2, (height - nh) // 2
        out[y0 : y0 + nh, x0 : x0 + nw] = scaled
        return out
    raise InputError("fit", "'cover', 'contain', 'stretch', 'none' or a box (x, y, w, h)", repr(fit))


def resolve_background(spec: Any, height: int, width: int, fit: Fit = "cover") -> Image:
    """Turn a background spec into an H×W×3 image.

    ``spec`` is a preset name (see :data:`PRESETS`), an ``"#rrggbb"`` colour, an
    RGB tuple of floats in [0, 1], an image path, or anything :func:`as_image`
    takes (arrays and files are fitted with ``fit``; ``fit="none"`` keeps
    their own size, and then ``height``×``width`` only sizes presets and colours).
    Image files are decoded once per process (:func:`studiocomp.prepared.load_background`,
    an LRU bounded in bytes); with ``fit="none"`` the cached, read-only array is returned.
    Presets and colours are rendered once per size into the same cache and returned read-only
    (copy before writing).

    Parameters
    ----------
    spec : str, tuple, path or array_like
        See above.
    height, width : int
        Output size in pixels.
    fit : str or (int, int, int, int)
        ``"cover"`` (scale to fill, crop the overflow), ``"contain"`` (scale to fit, pad), ``"stretch"``,
        ``"none"`` (as it is) or a box (x, y, w, h) of the background, cropped and stretched to the size.

    Returns
    -------
    Image
        H×W×3 float32 sRGB in [0, 1].

    Raises
    ------
    InputError
        An unknown preset, a malformed colour, a missing file, or an image the loader refuses.
    """
    from .prepared import CACHE

    if isinstance(spec, str) and (spec in PRESETS or spec in ALIASES):
        name = ALIASES.get(spec, spec)
        return CACHE.remember((f"preset:{name}", int(height), int(width)), lambda: make_preset(name, height, width))
    if isinstance(spec, str) and spec.startswith("#") and len(spec) == 7:
        try:
            rgb = tuple(int(spec[i : i + 2], 16) / 255 for i in (1, 3, 5))
        except ValueError:
            raise InputError("background", "a colour '#rrggbb'", repr(spec)) from None
        return _solid_cached(rgb, height, width)
    if isinstance(spec, tuple) and len(spec) == 3 and all(isinstance(v, (int, float)) for v in spec):
        if not all(0.0 <= float(v) <= 1.0 for v in spec):
            raise InputError("background", "an RGB tuple of floats in [0, 1]", repr(spec))
        return _solid_cached(tuple(float(v) for v in spec), height, width)
    if isinstance(spec, str) and not os.path.exists(spec):
        raise InputError("background", f"a preset name ({', '.join(PRESETS)}), '#rrggbb', or an existing image file", repr(spec))
    if isinstance(spec, (str, os.PathLike)):  # decoded once per process (prepared.CACHE), then only fitted
        from .prepared import load_background

        return _fit(load_background(spec), height, width, fit)
    return fit_background(as_image(spec, name="background"), height, width, fit)


def without_letterbox(background: Image) -> Image:
    """``background`` with the flat bars of a ``"contain"`` fit replaced by its content mirrored into them.

    The bars are the rows and columns at the edges that are exactly one colour (the pad
    :func:`fit_background` adds). A light estimate around the subject then reads the
    scene, not the pad's flat mean colour (which made a warm scene read 20 % darker and,
    on a dusk photo, blue). Used by the pipeline for its relighter only; the composite
    keeps the bars.

    Parameters
    ----------
    background : Image
        H×W×3 float32 in [0, 1].

    Returns
    -------
    Image
        H×W×3 float32: the same array when there are no bars (or nothing but bars), else
        a new one whose bars hold the content reflected at its edges (``cv2.BORDER_REFLECT_101``).
    """
    h, w = background.shape[:2]
    flat = np.all(background == background[0, 0], axis=2)
    rows, cols = flat.all(axis=1), flat.all(axis=0)
    if not (rows[0] or cols[0]):
        return background
    inner_rows, inner_cols = np.flatnonzero(~rows), np.flatnonzero(~cols)
    if inner_rows.size < 2 or inner_cols.size < 2:
        return background
    y0, y1, x0, x1 = int(inner_rows[0]), int(inner_rows[-1]) + 1, int(inner_cols[0]), int(inner_cols[-1]) + 1
    content = np.ascontiguousarray(background[y0:y1, x0:x1])
    if y0 > content.shape[0] - 1 or h - y1 > content.shape[0] - 1 or x0 > content.shape[1] - 1 or w - x1 > content.shape[1] - 1:
        return background  # bars wider than the content: nothing to mirror
    return cast("Image", cv2.copyMakeBorder(content, y0, h - y1, x0, w - x1, cv2.BORDER_REFLECT_101))
