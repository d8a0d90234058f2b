"""Temporal stabilisation of per-frame alphas: the previous result carried along optical flow.

The method is the one of Bonneel et al., "Blind Video Temporal Consistency" (SIGGRAPH Asia
2015) and Lai et al., "Learning Blind Video Temporal Consistency" (ECCV 2018), reduced to its
classical core: the previous *stabilised* alpha is warped into the current frame along dense
backward optical flow (OpenCV's DIS, Kroeger et al. ECCV 2016, on a downscaled grey frame),
and blended with the new per-frame alpha with a weight that falls where the warp is not to
be trusted — large motion, or where the warped previous frame does not match the current one
(occlusion, flow error). Where the picture is still, flicker is averaged away; where it moves,
the new alpha wins.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ..errors import InputError
from ..types import Image, Mask, Matte

__all__ = ["FlowStabiliser", "StabilisedMatter", "grey_at"]


def grey_at(img: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """A frame as 8-bit grey (Rec. 601 luma) at ``hw``, the input of the optical flow.

    Parameters
    ----------
    img : numpy.ndarray
        H×W×3 RGB (float32 in [0, 1] or uint8) or an H×W grey image.
    hw : (int, int)
        The output's height and width (area-averaged).

    Returns
    -------
    numpy.ndarray
        ``hw`` uint8.
    """
    import cv2

    if img.ndim == 3:
        g = img @ np.array([0.299, 0.587, 0.114], np.float32) * (np.float32(1 / 255) if img.dtype == np.uint8 else np.float32(1))
    else:
        g = img if img.dtype == np.uint8 else img.astype(np.float32)
    if g.dtype != np.uint8:
        g = np.clip(g * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cast("np.ndarray", cv2.resize(g, (hw[1], hw[0]), interpolation=cv2.INTER_AREA))


class FlowStabiliser:
    """Blend each frame's alpha with the previous stabilised alpha warped along optical flow.

    ``out_t = w · warp(out_{t−1}) + (1 − w) · alpha_t`` with
    ``w = strength · exp(−(|flow| / motion)²) · exp(−(photometric error / tolerance)²)``,
    the flow and error measured on grey frames whose long side is ``work_side`` px
    (flow in those pixels; error in 0–255 grey levels). See the module docstring for the
    sources of the method.

    Parameters
    ----------
    strength : float in [0, 1)
        Weight of the propagated alpha where nothing moves (0 turns the stabiliser off).
    motion : float
        Flow magnitude (work-size pixels per frame) at which the weight has fallen to 1/e.
    tolerance : float
        Grey-level difference between the current frame and the warped previous one at
        which the weight has fallen to 1/e (occlusions, flow errors).
    work_side : int
        Long side of the frames the flow is computed on.

    Call :meth:`__call__` with each frame (H×W×3 float32 in [0, 1] or uint8) and its
    per-frame alpha (H×W float32 in [0, 1]) in order; :meth:`reset` between shots.
    A change of frame size resets it too.

    Raises
    ------
    InputError
        ``strength`` outside [0, 1), or ``motion`` / ``tolerance`` not positive.
    """

    def __init__(self, strength: float = 0.5, motion: float = 6.0, tolerance: float = 20.0, work_side: int = 320) -> None:
        if not 0.0 <= strength < 1.0:
            raise InputError("strength", "a number in [0, 1)", repr(strength))
        if motion <= 0 or tolerance <= 0:
            raise InputError("motion/tolerance", "positive numbers", f"{motion}, {tolerance}")
        self.strength, self.motion, self.tolerance = float(strength), float(motion), float(tolerance)
        self.work_side = int(work_side)
        self._dis: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame: the next one starts a new shot."""
        self._prev_grey: np.ndarray | None = None
        self._prev_alpha: np.ndarray | None = None
        self._shape: tuple[int, int] | None = None

    def __call__(self, image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """The stabilised alpha of this frame (H×W float32 in [0, 1]); updates the state.

        Parameters
        ----------
        image : numpy.ndarray
            The frame, H×W×3 float32 sRGB in [0, 1].
        alpha : numpy.ndarray
            Its H×W float32 alpha from the matter.

        Returns
        -------
        numpy.ndarray
            H×W float32 in [0, 1].

        Raises
        ------
        InputError
            ``alpha`` is not the frame's size.
        """
        import cv2

        h, w = alpha.shape
        if image.shape[:2] != (h, w):
            raise InputError("alpha", f"the frame's size {image.shape[:2]}", f"{alpha.shape}")
        s = min(1.0, self.work_side / max(h, w))
        hw = (max(8, round(h * s)), max(8, round(w * s)))
        grey = grey_at(image, hw)
        alpha = np.asarray(alpha, np.float32)
        if self._prev_grey is None or self._shape != (h, w) or self.strength == 0.0:
            self._prev_grey, self._prev_alpha, self._shape = grey, alpha, (h, w)
            return alpha
        if self._dis is None:
            self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        flow = self._dis.calc(grey, self._prev_grey, None)  # current → previous (backward)
        ys, xs = np.mgrid[0 : hw[0], 0 : hw[1]].astype(np.float32)
        mx, my = xs + flow[..., 0], ys + flow[..., 1]
        warped_grey = cv2.remap(self._prev_grey, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        err = cv2.GaussianBlur(np.abs(grey.astype(np.float32) - warped_grey.astype(np.float32)), (5, 5), 0)
        mag = np.hypot(flow[..., 0], flow[..., 1])
        weight = self.strength * np.exp(-((mag / self.motion) ** 2)) * np.exp(-((err / self.tolerance) ** 2))
        # full-size warp of the previous alpha: flow scaled up to full-size pixels
        fx = cv2.resize(flow[..., 0], (w, h), interpolation=cv2.INTER_LINEAR) / np.float32(s)
        fy = cv2.resize(flow[..., 1], (w, h), interpolation=cv2.INTER_LINEAR) / np.float32(s)
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        assert self._prev_alpha is not None  # set together with _prev_grey
        prev = cv2.remap(self._prev_alpha, gx + fx, gy + fy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        wf = cv2.resize(weight.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        out = np.clip(wf * prev + (1.0 - wf) * alpha, 0.0, 1.0).astype(np.float32)
        self._prev_grey, self._prev_alpha = grey, out
        return cast("np.ndarray", out)


class StabilisedMatter:
    """Any frame-by-frame matter (or segmenter) made steady from frame to frame with a :class:`FlowStabiliser`.

    ``StabilisedMatter(create("matter", "modnet"))`` is a Matter whose :meth:`matte`
    must be called with the frames of one clip in order (:meth:`reset` between
    clips). A Segmenter is accepted too: its mask is the per-frame alpha, and the
    stabilised alpha is thresholded back at 0.5 by :meth:`segment`.

    Parameters
    ----------
    backend : Matter or Segmenter
        The frame-by-frame backend.
    stabiliser : FlowStabiliser, optional
        Default: ``FlowStabiliser()``.

    Raises
    ------
    InputError
        ``backend`` is neither a Matter nor a Segmenter.
    """

    def __init__(self, backend: Any, stabiliser: FlowStabiliser | None = None) -> None:
        if not (hasattr(backend, "matte") or hasattr(backend, "segment")):
            raise InputError("backend", "a Matter or a Segmenter", type(backend).__name__)
        self.backend = backend
        self.stabiliser = stabiliser or FlowStabiliser()
        self.sequence = True

    def reset(self) -> None:
        """Forget the previous frames: the next call starts a new clip."""
        self.stabiliser.reset()
        if hasattr(self.backend, "reset"):
            self.backend.reset()

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        """The backend's matte of this frame with its alpha stabilised along the optical flow.

        Parameters
        ----------
        image : Image
            The frame, H×W×3.
        mask : Mask, optional
            A segmenter's H×W mask, passed to a matter backend.

        Returns
        -------
        Matte
            Stabilised H×W alpha and the H×W×3 foreground.
        """
        from ..image import checked_image

        img = checked_image(image)
        if hasattr(self.backend, "matte"):
            m = self.backend.matte(img, mask)
            return Matte(self.stabiliser(img, m.alpha), m.foreground)
        a = np.asarray(self.backend.segment(img), np.float32)
        return Matte(self.stabiliser(img, a), img.copy())

    def segment(self, image: Image) -> Mask:
        """The stabilised alpha of this frame cut at 0.5.

        Parameters
        ----------
        image : Image
            The frame, H×W×3.

        Returns
        -------
        Mask
            H×W bool.
        """
        return self.matte(image).alpha > 0.5
