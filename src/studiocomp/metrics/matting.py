"""Matting metrics with the standard definitions of Rhemann et al. (CVPR 2009), as evaluated by Deep Image Matting.

Every function takes two H×W alphas, ``pred`` and ``gt`` (uint8, uint16 or float
in [0, 1]), and an optional ``trimap``: when given, the error is summed (or
averaged) over its unknown region only — pixels strictly between 0 and 1, the
grey 128 of an 8-bit trimap. Without a trimap the whole image counts.

Scaling conventions: alpha is taken in [0, 1]. :func:`sad` returns SAD **in
thousands** (Σ|pred − gt| / 1000), the unit of the matting tables (Deep Image
Matting, alphamatting.com), so its numbers compare with a paper's directly. The
others return the unscaled quantities; those tables (and ``studiocomp eval``)
report gradient and connectivity errors divided by 1000 and MSE multiplied by
1000: do the same when comparing with such a table.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from .._ops import bounding_window
from ..errors import InputError
from ._inputs import alpha_pair, unknown_region

__all__ = ["sad", "mse", "gradient_error", "connectivity_error"]


def _prepare(pred: Any, gt: Any, trimap: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    p, g = alpha_pair(pred, gt)
    return p, g, unknown_region(trimap, p.shape)


def _total(err: np.ndarray, region: np.ndarray | None) -> float:
    return float(err.sum(dtype=np.float64) if region is None else err[region].sum(dtype=np.float64))


def sad_of(p: np.ndarray, g: np.ndarray, region: np.ndarray | None) -> float:
    """SAD in thousands (the matting tables' unit) on checked H×W float32 alphas over ``region`` (H×W bool, or None for all)."""
    return _total(cv2.absdiff(p, g), region) / 1000.0


def mse_of(p: np.ndarray, g: np.ndarray, region: np.ndarray | None) -> float:
    """MSE on checked H×W float32 alphas over ``region`` (H×W bool, or None for all)."""
    d = p - g
    n = d.size if region is None else int(np.count_nonzero(region))
    return 0.0 if n == 0 else _total(d * d, region) / n


def sad(pred: Any, gt: Any, trimap: Any = None) -> float:
    """Sum of absolute differences over the region, **in thousands**: Σ|pred − gt| / 1000.

    The unit of the matting tables (Deep Image Matting, alphamatting.com): a
    value here compares directly with a paper's SAD column.

    Parameters
    ----------
    pred, gt : array
        H×W alphas (uint8, uint16 or float in [0, 1]; compared in [0, 1]).
    trimap : array, optional
        H×W trimap; only its unknown region (strictly between 0 and 1, grey 128
        in 8 bits) counts. Without it the whole image counts.

    Returns
    -------
    float
        SAD / 1000, ≥ 0 (one pixel fully wrong adds 0.001).

    Raises
    ------
    InputError
        The alphas or the trimap are not H×W of the same size, or hold NaN.
    """
    return sad_of(*_prepare(pred, gt, trimap))


def mse(pred: Any, gt: Any, trimap: Any = None) -> float:
    """Mean squared error over the region (0.0 when the region is empty).

    Parameters
    ----------
    pred, gt : array_like
        H×W alphas of the same size (uint8, uint16 or float in [0, 1]; compared in [0, 1]).
    trimap : array_like, optional
        H×W trimap; only its unknown region (strictly between 0 and 1, grey 128 in 8 bits) counts.
        Without it the whole image counts.

    Returns
    -------
    float
        Mean of (pred − gt)² over the region, ≥ 0 (unscaled; the tables report × 1000).

    Raises
    ------
    InputError
        The alphas or the trimap are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return mse_of(*_prepare(pred, gt, trimap))


def _gauss_gradient_kernels(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The separable derivative-of-Gaussian filter of the reference MATLAB evaluation code.

    Half size ceil(σ·sqrt(−2·ln(sqrt(2π)·σ·0.01))) (9 taps for σ = 1.4); the 2-D
    kernel gauss(y)·dgauss(x) is scaled to unit Frobenius norm, which for a
    separable kernel is each factor scaled to unit norm on its own.
    """
    half = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2 * math.pi) * sigma * 1e-2)))
    x = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-(x**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    dg = -x * g / sigma**2
    return (g / np.linalg.norm(g)).astype(np.float32), (dg / np.linalg.norm(dg)).astype(np.float32)


def _gradient_magnitude(a: np.ndarray, smooth: np.ndarray, deriv: np.ndarray) -> np.ndarray:
    # OpenCV correlates where the reference convolves: that only flips the derivative's sign.
    gx = cv2.sepFilter2D(a, cv2.CV_32F, deriv, smooth, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.sepFilter2D(a, cv2.CV_32F, smooth, deriv, borderType=cv2.BORDER_REPLICATE)
    return cv2.magnitude(gx, gy)


def gradient_error(pred: Any, gt: Any, trimap: Any = None, sigma: float = 1.4) -> float:
    """Gradient error: Σ(‖∇pred‖ − ‖∇gt‖)² over the region.

    Gradients are first derivatives of a Gaussian with ``sigma`` = 1.4, borders
    replicated, as in the Deep Image Matting evaluation code.

    Parameters
    ----------
    pred, gt : array_like
        H×W alphas of the same size (uint8, uint16 or float in [0, 1]; compared in [0, 1]).
    trimap : array_like, optional
        H×W trimap; only its unknown region (strictly between 0 and 1, grey 128 in 8 bits) counts.
        Without it the whole image counts.
    sigma : float
        Width (pixels) of the derivative-of-Gaussian filter.

    Returns
    -------
    float
        ≥ 0, unscaled (the tables report it / 1000).

    Raises
    ------
    InputError
        The alphas or the trimap are not H×W of the same size, or hold NaN or values outside [0, 1].
        Or ``sigma`` is not positive.
    """
    if not (np.isfinite(sigma) and sigma > 0):
        raise InputError("sigma", "a positive Gaussian width in pixels", repr(sigma))
    return gradient_error_of(*_prepare(pred, gt, trimap), sigma)


def gradient_error_of(p: np.ndarray, g: np.ndarray, region: np.ndarray | None, sigma: float = 1.4) -> float:
    """:func:`gradient_error` on checked H×W float32 alphas over ``region`` (H×W bool, or None for all)."""
    smooth, deriv = _gauss_gradient_kernels(sigma)
    d = _gradient_magnitude(p, smooth, deriv) - _gradient_magnitude(g, smooth, deriv)
    return _total(d * d, region)


def _largest_component(s: np.ndarray, hint: np.ndarray) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """The largest 4-connected component of the bool map ``s``: (window, component inside the window).

    Labelling is done inside the bounding box of ``s`` (None when ``s`` is
    empty). The component through the first pixel of ``hint & s`` is taken at
    once when it holds more than half of ``s`` (then no other can be larger);
    otherwise all components are counted and the first largest in row-major
    order wins.
    """
    win = bounding_window(s)
    if win is None:
        return None
    crop = np.ascontiguousarray(s[win])
    _, labels = cv2.connectedComponents(crop.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    seeds = (hint[win] & crop).ravel()
    first = int(np.argmax(seeds))  # argmax stops at the first True
    if seeds[first]:
        omega = labels == labels.ravel()[first]
        if 2 * int(np.count_nonzero(omega)) > int(np.count_nonzero(crop)):
            return win, omega
    areas = np.bincount(labels.ravel())
    return win, labels == 1 + int(np.argmax(areas[1:]))


def connectivity_error_of(p: np.ndarray, g: np.ndarray, region: np.ndarray | None, step: float = 0.1) -> float:
    """:func:`connectivity_error` on checked H×W float32 alphas over ``region`` (H×W bool, or None for all)."""
    n = int(round(1.0 / step))
    both = np.minimum(p, g)
    count = np.zeros(p.shape, np.uint8)  # how many thresholds in a row kept the pixel in Ω: level = count·step
    outer = bounding_window(both >= np.float32(step))  # outside it every level is 0
    if outer is not None:
        b, c = both[outer], count[outer]
        kept = np.ones(b.shape, bool)
        for k in range(1, n + 1):
            found = _largest_component(b >= np.float32(k * step), kept)
            if found is None:
                break
            win, omega = found
            inside = kept[win] & omega
            if not inside.any():
                break
            kept = np.zeros_like(kept)
            kept[win] = inside
            c[win] += inside
    level = count.astype(np.float32)
    level *= np.float32(step)
    # |φ(pred) − φ(gt)| = |d_g·[d_g ≥ 0.15] − d_p·[d_p ≥ 0.15]|
    dp, dg = p - level, g - level
    dp[dp < 0.15] = 0.0
    dg[dg < 0.15] = 0.0
    return _total(cv2.absdiff(dp, dg), region)


def connectivity_error(pred: Any, gt: Any, trimap: Any = None, step: float = 0.1) -> float:
    """Connectivity error: how far pixels are from being connected to the main body of the matte.

    For thresholds t = step, 2·step, …, 1, Ω_t is the largest 4-connected
    component of {pred ≥ t} ∩ {gt ≥ t}; a pixel's level l is the threshold just
    before the first Ω_t that does not contain it (1 if all do). With d = α − l
    and φ(α) = 1 − d·[d ≥ 0.15], the error is Σ|φ(pred) − φ(gt)| over the region.

    Parameters
    ----------
    pred, gt : array_like
        H×W alphas of the same size (uint8, uint16 or float in [0, 1]; compared in [0, 1]).
    trimap : array_like, optional
        H×W trimap; only its unknown region (strictly between 0 and 1, grey 128 in 8 bits) counts.
        Without it the whole image counts.
    step : float
        Threshold step in (0, 1].

    Returns
    -------
    float
        ≥ 0, unscaled (the tables report it / 1000).

    Raises
    ------
    InputError
        The alphas or the trimap are not H×W of the same size, or hold NaN or values outside [0, 1].
        Or ``step`` is outside (0, 1].
    """
    if not (isinstance(step, (int, float)) and 0 < step <= 1):
        raise InputError("step", "a threshold step in (0, 1]", repr(step))
    return connectivity_error_of(*_prepare(pred, gt, trimap), step)
