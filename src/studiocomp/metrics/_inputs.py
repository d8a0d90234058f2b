"""Input checks shared by the metric functions (no copies for conforming arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image import checked_alpha, checked_image, checked_mask


def binary(x: Any, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An H×W bool mask: bool arrays pass through, numeric ones are read as alpha and cut at 0.5 (:func:`studiocomp.image.checked_mask`)."""
    return checked_mask(x, name=name, shape=shape)


def alpha(x: Any, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An H×W float32 alpha in [0, 1] (see :func:`studiocomp.as_alpha`)."""
    return checked_alpha(x, name=name, shape=shape)


def mask_pair(pred: Any, gt: Any) -> tuple[np.ndarray, np.ndarray]:
    p = binary(pred, "pred")
    return p, binary(gt, "gt", p.shape)


def alpha_pair(pred: Any, gt: Any) -> tuple[np.ndarray, np.ndarray]:
    p = alpha(pred, "pred")
    return p, alpha(gt, "gt", p.shape)


def unknown_region(trimap: Any, shape: tuple[int, int]) -> np.ndarray | None:
    """The trimap's unknown region (values strictly between 0 and 1, e.g. 128 of 255); None when no trimap."""
    if trimap is None:
        return None
    t = checked_alpha(trimap, name="trimap", shape=shape)
    region = (t > 0.0) & (t < 1.0)
    return region


def image_and_alpha(image: Any, a: Any) -> tuple[np.ndarray, np.ndarray]:
    img = checked_image(image, name="image")
    return img, alpha(a, "alpha", img.shape[:2])
