"""sRGB ↔ linear-light conversions (IEC 61966-2-1)."""

from __future__ import annotations

import numpy as np

__all__ = ["srgb_to_linear", "linear_to_srgb"]


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] to linear light (float32, new array)."""
    x = np.asarray(x, np.float32)
    lo = x * np.float32(1 / 12.92)
    hi = np.power((x + np.float32(0.055)) * np.float32(1 / 1.055), np.float32(2.4))
    return np.where(x <= 0.04045, lo, hi).astype(np.float32, copy=False)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """Encode linear light in [0, 1] to sRGB (float32, new array)."""
    x = np.clip(np.asarray(x, np.float32), 0.0, 1.0)
    lo = x * np.float32(12.92)
    hi = np.float32(1.055) * np.power(x, np.float32(1 / 2.4)) - np.float32(0.055)
    return np.where(x <= 0.0031308, lo, hi).astype(np.float32, copy=False)
