"""MediaPipe selfie segmentation (general model, 256×256), as ONNX."""

from __future__ import annotations

import os
from typing import Any

import cv2
import numpy as np

from ...image import checked_image
from ...types import Image, Mask
from .._neural import onnx_session

__all__ = ["SelfieSegmenter"]


class SelfieSegmenter:
    """Person segmentation with MediaPipe's selfie model: tiny (0.45 MB) and fast.

    The photo is squeezed to 256×256 (NHWC, RGB in [0, 1]); the person
    probability is resized back bilinearly and cut at ``threshold``.
    """

    model = "selfie"
    size = 256

    def __init__(self, threshold: float = 0.5, *, device: str = "auto", threads: int | None = None, weights: str | os.PathLike[str] | None = None) -> None:
        self.threshold = float(threshold)
        self._session: Any = onnx_session(self.model, weights, device, threads)
        self._input = self._session.get_inputs()[0].name

    def probability(self, image: Image) -> np.ndarray:
        """Person probability at full size (H×W float32 in [0, 1])."""
        img = checked_image(image)
        h, w = img.shape[:2]
        x = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_AREA)
        prob = self._session.run(None, {self._input: x[None]})[0][0, :, :, 0]
        return np.clip(cv2.resize(prob.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def segment(self, image: Image) -> Mask:
        return self.probability(image) > self.threshold
