"""Alpha-over compositing in linear light."""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np

from ..._ops import bounding_window
from ...color import linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image

__all__ = ["AlphaOverCompositor", "darken_in_place", "blend_in_place"]


def checked_layers(foreground: Image, alpha: Alpha, background: Image, shadow: Alpha | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The compositor's inputs validated (same size, the convention's types)."""
    fg = checked_image(foreground, name="foreground")
    hw = fg.shape[:2]
    a = checked_alpha(alpha, shape=hw)
    bg = checked_image(background, name="background")
    if bg.shape[:2] != hw:
        raise InputError("background", f"shape {hw + (3,)} (same as foreground)", f"shape {bg.shape}")
    s = None if shadow is None else checked_alpha(shadow, name="shadow", shape=hw)
    return fg, a, bg, s


def darken_in_place(out: np.ndarray, shadow: np.ndarray) -> None:
    """``out = out·(1 − shadow)`` in linear light, computed over the shadow's bounding box only.

    On the power-law part of the sRGB curve, encode(decode(b)·k) is exactly
    (b + 0.055)·k^(1/2.4) − 0.055: one power per pixel of the (one-channel)
    shadow instead of two per colour value. Values near black, where the curve
    is linear, are recomputed with the full formulas.

    Parameters
    ----------
    out : numpy.ndarray
        H×W×3 float32 sRGB, written in place.
    shadow : numpy.ndarray
        H×W float32 opacity in [0, 1].
    """
    win = bounding_window(shadow > 0.0)
    if win is None:
        return
    o_w = out[win]
    gain = cv2.pow(cv2.subtract(1.0, shadow[win]), 1 / 2.4)  # type: ignore[call-overload]  # OpenCV takes a scalar tuple as src; its stubs list arrays only
    # NumPy-allocated buffers: large ones get huge pages, so first touch is cheap (OpenCV's do not)
    dark = cv2.add(o_w, (0.055, 0.055, 0.055, 0.0), dst=np.empty(o_w.shape, np.float32))  # type: ignore[call-overload]  # OpenCV takes a scalar tuple as src; its stubs list arrays only
    np.multiply(dark, gain[..., None], out=dark)
    cv2.subtract(dark, (0.055, 0.055, 0.055, 0.0), dst=dark)  # type: ignore[call-overload]  # OpenCV takes a scalar tuple as src; its stubs list arrays only
    # darkening never brightens, so a value that started in the linear part ends there too
    low = np.unique(np.flatnonzero(dark.reshape(-1) <= 0.04045) // 3)
    if low.size:
        r, c = np.divmod(low, dark.shape[1])
        dark[r, c] = linear_to_srgb(srgb_to_linear(o_w[r, c]) * (1.0 - shadow[win][r, c])[:, None])
    np.clip(dark, 0.0, 1.0, out=o_w)


def blend_in_place(out: np.ndarray, fg: np.ndarray, alpha: np.ndarray, win: tuple[slice, slice]) -> None:
    """``out[win] = fg·α + out[win]·(1 − α)`` in linear light; ``fg`` and ``alpha`` are the window's.

    Where α = 1 the subject is copied, where α = 0 nothing changes, and only
    the partial pixels (the edge band) are mixed. ``out`` is C-contiguous.

    Parameters
    ----------
    out : numpy.ndarray
        H×W×3 float32 sRGB, written in place.
    fg : numpy.ndarray
        h×w×3 float32 sRGB colours of the window.
    alpha : numpy.ndarray
        h×w float32 alpha of the window.
    win : (slice, slice)
        The window of ``out``.
    """
    b_w = out[win]
    cv2.copyTo(fg, (alpha >= 1.0).view(np.uint8), b_w)
    idx = np.flatnonzero((alpha > 0.0) & (alpha < 1.0))
    if idx.size:
        # 1-D indices (into the window, and into the whole frame) gather faster than (row, column) pairs
        r, c = np.divmod(idx, alpha.shape[1])
        frame = (r + win[0].start) * out.shape[1] + (c + win[1].start)
        a_p = alpha.reshape(-1)[idx][:, None] if alpha.flags.c_contiguous else alpha[r, c][:, None]
        f_p = fg.reshape(-1, 3)[idx] if fg.flags.c_contiguous else fg[r, c]
        flat = out.reshape(-1, 3)
        flat[frame] = linear_to_srgb(srgb_to_linear(f_p) * a_p + srgb_to_linear(flat[frame]) * (1.0 - a_p))


class AlphaOverCompositor:
    """``out = F·α + B·(1 − α)`` computed in linear light, as light mixes.

    Mixing sRGB values directly darkens soft edges (a 50 % hair pixel between
    white and black comes out too dark); the blend is therefore done on linear
    values. Only pixels with 0 < α < 1 differ between the two, so only those are
    linearised, and only the subject's and the shadow's bounding boxes are
    computed: the rest of the result is a copy of the background.

    A shadow layer (opacity S) darkens the background first, also in linear
    light: ``B' = B·(1 − S)`` — it never brightens nor recolours it.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> comp = studiocomp.create("compositor", "alpha-over")
    >>> out = comp.composite(np.ones((2, 2, 3)), np.full((2, 2), 0.5), np.zeros((2, 2, 3)))
    >>> round(float(out[0, 0, 0]), 3)  # 50 % linear light is 0.735 in sRGB
    0.735
    """

    def __repr__(self) -> str:
        return "AlphaOverCompositor()"

    def composite(
        self,
        foreground: Image,
        alpha: Alpha,
        background: Image,
        shadow: Alpha | None = None,
    ) -> Image:
        """Return the H×W×3 composite of ``foreground`` over ``background``.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (sRGB, straight).
        alpha : Alpha
            H×W alpha.
        background : Image
            H×W×3 background.
        shadow : Alpha, optional
            H×W shadow opacity, applied to the background first (in linear light).

        Returns
        -------
        Image
            H×W×3 float32 sRGB in [0, 1].

        Raises
        ------
        InputError
            Sizes differ, or inputs are not images / alpha.
        """
        fg, a, bg, s = checked_layers(foreground, alpha, background, shadow)
        # one new full-size array (NumPy's, so the kernel can back it with huge pages)
        out = bg.copy()
        if s is not None:
            darken_in_place(out, s)
        win = bounding_window(a > 0.0)
        if win is not None:
            blend_in_place(out, fg[win], a[win], win)
        return cast("Image", out)
