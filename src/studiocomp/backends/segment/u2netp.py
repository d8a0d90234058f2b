"""U²-Net-p salient object segmentation (Qin et al. 2020), the file rembg ships as ``u2netp.onnx``."""

from __future__ import annotations

import cv2
import numpy as np

from .._neural import OnnxSegmenter

__all__ = ["U2NetPSegmenter"]

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


class U2NetPSegmenter(OnnxSegmenter):
    """Salient-object segmentation with U²-Net-p (4.6 MB): the most prominent subject, person or not.

    Preprocessing as rembg does it: squeeze to 320×320, divide by the image's
    maximum, ImageNet mean/std. The fused map (first output) is min–max
    normalised, resized back and cut at ``threshold``.
    """

    model = "u2netp"
    size = 320

    def _predict(self, image: np.ndarray) -> np.ndarray:
        x: np.ndarray = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA)
        x = (x / max(float(x.max()), 1e-6) - _MEAN) / _STD
        out = self._session.run(None, {self._input: np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)})[0][0, 0]
        lo, hi = float(out.min()), float(out.max())
        return (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)
