"""MediaPipe selfie segmentation (general model, 256×256), as ONNX."""

from __future__ import annotations

import cv2
import numpy as np

from .._neural import OnnxSegmenter

__all__ = ["SelfieSegmenter"]


class SelfieSegmenter(OnnxSegmenter):
    """Person segmentation with MediaPipe's selfie model: tiny (0.45 MB) and fast.

    The photo is squeezed to 256×256 (NHWC, RGB in [0, 1]: the spec's
    :class:`~studiocomp.hub.Preprocessing`); the person
    probability is resized back bilinearly and cut at ``threshold``.
    Options: ``threshold``, ``device``, ``threads``, ``weights`` (see
    :class:`~studiocomp.backends.matte.modnet.MODNetMatter`).
    """

    model = "selfie"

    def _network_input(self, image: np.ndarray) -> np.ndarray:
        x = self.pre.normalize(cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA))
        return np.asarray(self.pre.to_layout(x))

    def _network_output(self, out: np.ndarray) -> np.ndarray:
        return np.asarray(out[0, :, :, 0])
