"""Helpers shared by the neural backends: weights + session, and model input sizes."""

from __future__ import annotations

import os
from typing import Any

import cv2
import numpy as np

from ..errors import InputError


def onnx_session(model: str, weights: str | os.PathLike[str] | None, device: str, threads: int | None) -> Any:
    """Fetch (or check) the weights of ``model`` and return its shared ONNX Runtime session."""
    from ..hub import fetch
    from ..runtime.onnx import get_session, providers_for

    providers_for(device)  # a bad or unavailable device fails before any download
    return get_session(fetch(model, weights=weights), device=device, threads=threads)


def model_size(h: int, w: int, long_side: int, multiple: int = 1) -> tuple[int, int]:
    """(H', W') with the long side scaled to ``long_side`` and each side rounded to a multiple (at least one)."""
    s = long_side / max(h, w)
    return (max(multiple, round(h * s / multiple) * multiple), max(multiple, round(w * s / multiple) * multiple))


def shrink(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """``image`` resized to (H', W'): area averaging when shrinking, bilinear when growing."""
    h, w = image.shape[:2]
    interp = cv2.INTER_AREA if hw[0] * hw[1] < h * w else cv2.INTER_LINEAR
    return cv2.resize(image, (hw[1], hw[0]), interpolation=interp)


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InputError(name, f"an int ≥ {minimum}", repr(value))
    return value


def check_margin(value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not (0 < value <= 1):
        raise InputError("mask_margin", "a fraction of the long side in (0, 1], or None", repr(value))
    return float(value)


def checked_mask(mask: Any, shape: tuple[int, int]) -> np.ndarray:
    """A segmenter's mask as H×W bool of the image's shape (no copy for a conforming bool array)."""
    if isinstance(mask, np.ndarray) and mask.dtype == bool and mask.shape == shape:
        return np.ascontiguousarray(mask)
    from ..image import as_mask

    return as_mask(mask, shape=shape)
