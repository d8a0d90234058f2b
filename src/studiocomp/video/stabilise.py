"""Temporal stabilisation of per-frame alphas: the previous result carried along optical flow.

The method is the one of Bonneel et al., "Blind Video Temporal Consistency" (SIGGRAPH Asia
2015) and Lai et al., "Learning Blind Video Temporal Consistency" (ECCV 2018), reduced to its
classical core: the previous *stabilised* alpha is warped into the current frame along dense
backward optical flow (OpenCV's DIS, Kroeger et al. ECCV 2016, on a downscaled grey frame)
and blended with the new per-frame alpha. Where the warp is not to be trusted the new alpha
wins; the trust is the occlusion test of Lai et al. — forward–backward flow consistency
(Sundaram, Brox & Keutzer, "Dense Point Trajectories by GPU-Accelerated Large Displacement
Optical Flow", ECCV 2010), whose tolerance grows with the motion as theirs does — times the
photometric match of the warped previous frame.

The blend weight is per pixel and adaptive: each pixel carries a variance, as in a scalar
Kalman filter (Kalman 1960) run along the flow. A pixel followed reliably for many frames is
smoothed strongly; one just uncovered, or whose flow failed, starts afresh and follows the new
alpha, so that motion does not leave a trail. The warp's own position error adds to the process
noise where the alpha has an edge (first-order error propagation: a misplacement of σ pixels
changes the alpha by σ·|∇α|), so moving edges follow the new alpha rather than lag behind it.
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

    # area-average first, then luma: both are linear, so the order only moves the rounding (and the
    # full-size frame is read once, not converted at full size)
    small = cv2.resize(img if img.dtype in (np.uint8, np.float32) else img.astype(np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_AREA)
    if small.ndim == 3:
        g = small.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        if img.dtype != np.uint8:
            g *= np.float32(255)
    else:
        g = small.astype(np.float32) * np.float32(1 if img.dtype == np.uint8 else 255)
    return cast("np.ndarray", np.clip(g + 0.5, 0, 255).astype(np.uint8))


class FlowStabiliser:
    """Blend each frame's alpha with the previous stabilised alpha warped along optical flow, per-pixel adaptive.

    Per pixel, a scalar Kalman filter along the flow (the per-frame alpha is the measurement,
    of unit variance; the warped previous result the prediction)::

        c      = exp(−fb² / (consistency² · (1 + relative · (|b|² + |f|²))))
                 · exp(−(photometric error / tolerance)²)
        P⁻     = (warp(P) + q + (edge_sigma · |∇ warp(out_{t−1})|)²) / c   # untrusted: worth nothing
        K      = P⁻ / (P⁻ + 1)
        out_t  = warp(out_{t−1}) + K · (alpha_t − warp(out_{t−1}))
        P      = (1 − K) · P⁻

    with ``fb`` the forward–backward flow mismatch and ``b``, ``f`` the backward and forward
    flows there (work-size pixels; the relative term is Sundaram et al.'s, whose criterion
    ``fb² < 0.01 (|b|² + |f|²) + 0.5`` gives ``relative`` = 0.01 / 0.5 = 0.02), the photometric
    error the grey-level difference between the frame and the warped previous frame,
    ``|∇ warp(out_{t−1})|`` the alpha's gradient (per full-size pixel, Sobel) and
    ``q = (1 − strength)² / strength``, so that a flat pixel tracked reliably for many frames
    settles at ``out = strength · warp(out_{t−1}) + (1 − strength) · alpha_t``. The flow is
    DIS (medium preset, refined down to the finest pyramid level so that thin limbs move with
    their own flow) on grey frames whose long side is ``work_side`` px. See the module
    docstring for the sources of the method.

    Parameters
    ----------
    strength : float in [0, 1)
        Steady-state weight of the propagated alpha where the flow has been trusted for many
        frames (0 turns the stabiliser off).
    consistency : float
        Forward–backward flow mismatch (work-size pixels) at which the trust has fallen to 1/e
        (occlusions, flow errors).
    tolerance : float
        Grey-level difference (0–255) between the current frame and the warped previous one
        at which the trust has fallen to 1/e.
    work_side : int
        Long side of the frames the flow is computed on.
    relative : float
        Growth of the forward–backward tolerance with the motion, per work-size pixel² of
        ``|b|² + |f|²`` (0: a fixed tolerance).
    edge_sigma : float
        Position error of the warp (full-size pixels) that turns into alpha uncertainty at the
        alpha's edges (0: none).

    Call :meth:`__call__` with each frame (H×W×3 float32 in [0, 1] or uint8) and its
    per-frame alpha (H×W float32 in [0, 1]) in order; :meth:`reset` between shots.
    A change of frame size resets it too.

    Raises
    ------
    InputError
        ``strength`` outside [0, 1), ``consistency`` / ``tolerance`` not positive,
        ``relative`` / ``edge_sigma`` negative or ``work_side`` below 16.
    """

    def __init__(
        self,
        strength: float = 0.87,
        consistency: float = 3.0,
        tolerance: float = 60.0,
        work_side: int = 480,
        relative: float = 0.02,
        edge_sigma: float = 2.0,
    ) -> None:
        if not 0.0 <= strength < 1.0:
            raise InputError("strength", "a number in [0, 1)", repr(strength))
        if consistency <= 0 or tolerance <= 0:
            raise InputError("consistency/tolerance", "positive numbers", f"{consistency}, {tolerance}")
        if relative < 0 or edge_sigma < 0:
            raise InputError("relative/edge_sigma", "numbers >= 0", f"{relative}, {edge_sigma}")
        if work_side < 16:
            raise InputError("work_side", "an integer >= 16", repr(work_side))
        self.strength, self.consistency, self.tolerance = float(strength), float(consistency), float(tolerance)
        self.work_side = int(work_side)
        self.relative, self.edge_sigma = float(relative), float(edge_sigma)
        self._dis: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame: the next one starts a new shot."""
        self._prev_grey: np.ndarray | None = None
        self._prev_alpha: np.ndarray | None = None
        self._variance: np.ndarray | None = None
        self._shape: tuple[int, int] | None = None

    def __call__(self, image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """The stabilised alpha of this frame (H×W float32 in [0, 1]); updates the state.

        Parameters
        ----------
        image : numpy.ndarray
            The frame, H×W×3 float32 sRGB in [0, 1] (or uint8).
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
            self._variance = np.ones((h, w), np.float32)  # as uncertain as one measurement
            return alpha
        assert self._prev_alpha is not None and self._variance is not None  # set together with _prev_grey
        if self._dis is None:
            self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
            self._dis.setFinestScale(0)  # the preset stops one level short: thin limbs lose their own motion
        back = self._dis.calc(grey, self._prev_grey, None)  # current → previous
        fwd = self._dis.calc(self._prev_grey, grey, None)  # previous → current
        ys, xs = np.mgrid[0 : hw[0], 0 : hw[1]].astype(np.float32)
        mx, my = xs + back[..., 0], ys + back[..., 1]
        warped_grey = cv2.remap(self._prev_grey, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        err = cv2.GaussianBlur(np.abs(grey.astype(np.float32) - warped_grey.astype(np.float32)), (5, 5), 0)
        # forward–backward check: following the backward flow, then the forward flow from there, should come home
        fwd_at = cv2.remap(fwd, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        cycle2 = (back[..., 0] + fwd_at[..., 0]) ** 2 + (back[..., 1] + fwd_at[..., 1]) ** 2
        motion2 = back[..., 0] ** 2 + back[..., 1] ** 2 + fwd_at[..., 0] ** 2 + fwd_at[..., 1] ** 2
        allowed = np.float32(self.consistency**2) * (1.0 + np.float32(self.relative) * motion2)
        trust = np.exp(-cycle2 / allowed - (err / self.tolerance) ** 2).astype(np.float32)
        # full-size warp of the previous alpha and its variance: flow scaled up to full-size pixels
        fx = cv2.resize(back[..., 0], (w, h), interpolation=cv2.INTER_LINEAR) / np.float32(s)
        fy = cv2.resize(back[..., 1], (w, h), interpolation=cv2.INTER_LINEAR) / np.float32(s)
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        gx += fx
        gy += fy
        prev = cv2.remap(self._prev_alpha, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        var = cv2.remap(self._variance, gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        q = (1.0 - self.strength) ** 2 / self.strength  # process noise whose steady-state weight is ``strength``
        c = np.maximum(cv2.resize(trust, (w, h), interpolation=cv2.INTER_LINEAR), np.float32(1e-3))
        noise = var + np.float32(q)
        if self.edge_sigma > 0:  # the warp's position error, seen through the alpha's slope
            sx = cv2.Sobel(prev, cv2.CV_32F, 1, 0, ksize=3)
            sy = cv2.Sobel(prev, cv2.CV_32F, 0, 1, ksize=3)
            noise += np.float32((self.edge_sigma / 8.0) ** 2) * (sx * sx + sy * sy)  # Sobel's 3×3 sums 8× the slope
        prior = noise / c
        gain = prior / (prior + np.float32(1.0))
        out = np.clip(prev + gain * (alpha - prev), 0.0, 1.0).astype(np.float32)
        self._prev_grey, self._prev_alpha = grey, out
        self._variance = ((1.0 - gain) * prior).astype(np.float32)
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
