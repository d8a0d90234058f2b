"""sRGB ↔ linear-light conversions (IEC 61966-2-1), exact formulas.

The power law runs through OpenCV's vectorised, multi-threaded ``pow`` on a
single-channel view of the data (about 2× NumPy's speed); results equal the
NumPy formulas to within 3e-7.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np

__all__ = ["srgb_to_linear", "linear_to_srgb", "chromaticity", "chroma_spread", "MONOCHROME_SPREAD"]

#: an image whose :func:`chroma_spread` is below this is monochrome (black and white, greyscale or toned): black-and-white
#: photos measure 0.0; the least colourful of the 22 real studio photos of humanseg 0.065. Of the 80 studio_synth shots two
#: black-and-white portraits on pale tinted paper measure 0.015 and 0.018 (monochrome: their subject is), the next 0.032
MONOCHROME_SPREAD = 0.02


def _flat(x: np.ndarray) -> np.ndarray:
    """A single-channel 2-D view (OpenCV applies scalars to every element of it)."""
    return x.reshape(1, -1) if x.ndim < 2 else x.reshape(x.shape[0], -1)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] to linear light (float32, new array, same shape).

    Parameters
    ----------
    x : numpy.ndarray
        sRGB values in [0, 1], any shape.

    Returns
    -------
    numpy.ndarray
        float32, same shape.
    """
    x = np.asarray(x, np.float32)
    if x.size == 0:
        return cast("np.ndarray", x.copy())
    f = _flat(np.ascontiguousarray(x))
    # OpenCV takes a Python scalar as src2; its stubs only list arrays
    hi: np.ndarray = cv2.pow(cv2.multiply(cv2.add(f, 0.055), 1 / 1.055), 2.4)  # type: ignore[call-overload]
    np.copyto(hi, f * np.float32(1 / 12.92), where=f <= 0.04045)
    return hi.reshape(x.shape)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """Encode linear light to sRGB, clipping to [0, 1] first (float32, new array, same shape).

    Parameters
    ----------
    x : numpy.ndarray
        Linear values, any shape.

    Returns
    -------
    numpy.ndarray
        float32 in [0, 1], same shape.
    """
    x = np.clip(np.asarray(x, np.float32), 0.0, 1.0)
    if x.size == 0:
        return x
    f = _flat(x)
    # OpenCV takes a Python scalar as src2; its stubs only list arrays
    hi: np.ndarray = cv2.subtract(cv2.multiply(cv2.pow(f, 1 / 2.4), 1.055), 0.055)  # type: ignore[call-overload]
    np.copyto(hi, f * np.float32(12.92), where=f <= 0.0031308)
    return hi.reshape(x.shape)


def chromaticity(image: np.ndarray) -> np.ndarray:
    """Each channel over the channels' sum, offset so that dark pixels do not blow up: ``(c + 0.01) / (r + g + b + 0.03)``.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 (or N×3) float32 RGB in [0, 1].

    Returns
    -------
    numpy.ndarray
        The same shape, float32; about 1/3 per channel for a neutral pixel.
    """
    out: np.ndarray = ((image + 0.01) / (image.sum(-1, keepdims=True) + 0.03)).astype(np.float32)
    return out


def chroma_spread(image: np.ndarray, min_lightness: float = 0.1) -> float:
    """How colourful an image is: the 95th percentile of its :func:`chromaticity`'s distance from the median one.

    Taken over pixels whose mean channel is above ``min_lightness`` (chromaticity is noise in dark pixels).
    Below :data:`MONOCHROME_SPREAD` the image is monochrome: a tint that is the same everywhere (sepia, a
    toned print) does not count as colour.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 float32 RGB in [0, 1].
    min_lightness : float
        Pixels at or below this mean channel value are left out.

    Returns
    -------
    float
        ≥ 0; 0.0 for an image with fewer than 20 lit pixels.
    """
    lit = image.mean(axis=2) > min_lightness
    if np.count_nonzero(lit) < 20:
        return 0.0
    chroma = chromaticity(image[lit])
    return float(np.percentile(np.linalg.norm(chroma - np.median(chroma, axis=0), axis=1), 95))
