"""U²-Net-p salient object segmentation (Qin et al. 2020), the file rembg ships as ``u2netp.onnx``."""

from __future__ import annotations

import cv2
import numpy as np

from .._neural import OnnxSegmenter

__all__ = ["U2NetPSegmenter"]


class U2NetPSegmenter(OnnxSegmenter):
    """Salient-object segmentation with U²-Net-p (4.6 MB): the most prominent subject, person or not.

    Preprocessing as rembg does it: squeeze to 320×320, divide by the image's
    maximum, ImageNet mean/std (the spec's :class:`~studiocomp.hub.Preprocessing`). The fused map (first output) is min–max
    normalised, resized back and cut at ``threshold``.
    """

    model = "u2netp"

    def _network_input(self, image: np.ndarray) -> np.ndarray:
        x = self.pre.normalize(cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA))
        return np.asarray(self.pre.to_layout(x))

    def _network_output(self, out: np.ndarray) -> np.ndarray:
        out = out[0, 0]
        lo, hi = float(out.min()), float(out.max())
        return (out - lo) / (hi - lo) if hi > lo else np.zeros_like(out)
