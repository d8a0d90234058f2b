"""sRGB ↔ linear-light conversions (IEC 61966-2-1).

Both directions interpolate linearly in a table of the exact curve (4097 and
8193 entries), which is 4–5× faster than evaluating the power function and
within 2e-5 of it everywhere in [0, 1] (the tests check this).
"""

from __future__ import annotations

import numpy as np

__all__ = ["srgb_to_linear", "linear_to_srgb", "srgb_to_linear_exact", "linear_to_srgb_exact"]


def srgb_to_linear_exact(x: np.ndarray) -> np.ndarray:
    """The IEC 61966-2-1 decoding curve, evaluated directly (float64)."""
    x = np.asarray(x, np.float64)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb_exact(x: np.ndarray) -> np.ndarray:
    """The IEC 61966-2-1 encoding curve, evaluated directly (float64)."""
    x = np.clip(np.asarray(x, np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)


_TO_LINEAR = srgb_to_linear_exact(np.linspace(0.0, 1.0, 4097)).astype(np.float32)
_TO_SRGB = linear_to_srgb_exact(np.linspace(0.0, 1.0, 8193)).astype(np.float32)


def _interp(x: np.ndarray, table: np.ndarray) -> np.ndarray:
    n = table.size - 1
    t = np.clip(np.asarray(x, np.float32), 0.0, 1.0) * np.float32(n)
    i = np.minimum(t.astype(np.int32), n - 1)
    t -= i
    lo = table[i]
    t *= table[i + 1] - lo
    t += lo
    return t


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] to linear light (float32, new array)."""
    return _interp(x, _TO_LINEAR)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """Encode linear light in [0, 1] to sRGB (float32, new array; values outside [0, 1] are clipped)."""
    return _interp(x, _TO_SRGB)
