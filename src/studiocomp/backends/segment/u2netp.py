"""U²-Net-p salient object segmentation (Qin et al. 2020), the file rembg ships as ``u2netp.onnx``."""

from __future__ import annotations

import os
from typing import Any

import cv2
import numpy as np

from ...image import checked_image
from ...types import Image, Mask
from .._neural import onnx_session

__all__ = ["U2NetPSegmenter"]

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


class U2NetPSegmenter:
    """Salient-object segmentation with U²-Net-p (4.6 MB): the most prominent subject, person or not.

    Preprocessing as rembg does it: squeeze to 320×320, divide by the image's
    maximum, ImageNet mean/std. The fused map (first output) is min–max
    normalised, resized back and cut at ``threshold``.
    """

    model = "u2netp"
    size = 320

    def __init__(self, threshold: float = 0.5, *, device: str = "auto", threads: int | None = None, weights: str | os.PathLike[str] | None = None) -> None:
        self.threshold = float(threshold)
        self._session: Any = onnx_session(self.model, weights, device, threads)
        self._input = self._session.get_inputs()[0].name

    def probability(self, image: Image) -> np.ndarray:
        """Saliency at full size (H×W float32 in [0, 1])."""
        img = checked_image(image)
        h, w = img.shape[:2]
        x = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_AREA)
        x = (x / max(float(x.max()), 1e-6) - _MEAN) / _STD
        out = self._session.run(None, {self._input: np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)})[0][0, 0]
        lo, hi = float(out.min()), float(out.max())
        sal = (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)
        return np.clip(cv2.resize(sal.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def segment(self, image: Image) -> Mask:
        return self.probability(image) > self.threshold
