"""Colour and light matching of the subject to its new background (deterministic, no weights).

Both relighters work in CIE L*a*b*. They compare the subject (alpha ≥ 0.5) with
the *reference*: the background around where the subject stands — its
bounding box grown by half its size, weighted towards the bottom where the
subject meets the scene — and move the subject part of the way (``strength``)
towards it:

- exposure: the subject's mean lightness towards the reference's (each pixel's
  lightness moves by at most ``max_lightness_shift`` units, so a subject on a
  plain white or black backdrop is nudged, not washed out);
- white balance: the subject's mean a*, b* towards the reference's, by at most
  ``max_chroma_shift`` units, so skin stays skin on a green or blue background;
- contrast (``reinhard``): the lightness spread by a bounded ratio, as in
  Reinhard et al. (2001); or (``histogram``) the lightness histogram matched to
  the reference's.

Statistics come from a ~512 px copy; the correction (a tabulated lightness
curve and a constant chroma shift) is applied to the full-resolution subject
pixels only (alpha > 0).
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np

from ..._ops import bounding_window, shrink_area, working_size
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image

__all__ = ["ReinhardRelighter", "HistogramRelighter", "reference_region"]

_LUT_SIZE = 1001  # lightness curve samples: one per 0.1 L*


def reference_region(alpha: np.ndarray, grow: float = 0.5) -> np.ndarray:
    """The background around the subject: its bounding box grown by ``grow``, minus the subject itself.

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float32 alpha (subject: alpha ≥ 0.5).
    grow : float
        Fraction of the box's size added on every side.

    Returns
    -------
    numpy.ndarray
        H×W bool (pixels with alpha ≤ 0.05 in the grown box; all such pixels when the box holds none; all pixels without a subject).
    """
    h, w = alpha.shape
    subject = alpha >= 0.5
    win = bounding_window(subject)
    region = np.zeros((h, w), bool)
    if win is None:
        region[:] = True
        return region
    y0, y1, x0, x1 = win[0].start, win[0].stop, win[1].start, win[1].stop
    gy, gx = round((y1 - y0) * grow), round((x1 - x0) * grow)
    region[max(0, y0 - gy) : min(h, y1 + gy), max(0, x0 - gx) : min(w, x1 + gx)] = True
    region &= alpha <= 0.05
    if not region.any():
        region = alpha <= 0.05
    return region


class _LabRelighter:
    def __init__(self, strength: float = 0.6, max_chroma_shift: float = 6.0, max_lightness_shift: float = 12.0, work_side: int = 512) -> None:
        if not (isinstance(strength, (int, float)) and 0.0 <= strength <= 1.0):
            raise InputError("strength", "a number in [0, 1]", repr(strength))
        if not (isinstance(max_chroma_shift, (int, float)) and max_chroma_shift >= 0):
            raise InputError("max_chroma_shift", "a number ≥ 0 (L*a*b* units)", repr(max_chroma_shift))
        if not (isinstance(max_lightness_shift, (int, float)) and max_lightness_shift >= 0):
            raise InputError("max_lightness_shift", "a number ≥ 0 (L* units)", repr(max_lightness_shift))
        self.strength, self.max_chroma_shift, self.work_side = float(strength), float(max_chroma_shift), int(work_side)
        self.max_lightness_shift = float(max_lightness_shift)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(strength={self.strength}, max_chroma_shift={self.max_chroma_shift})"

    def _stats(self, fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Small-copy L*a*b* samples of the subject (alpha ≥ 0.5) and of the reference region."""
        h, w = alpha.shape
        sh, sw = working_size(h, w, self.work_side)
        small_a = shrink_area(alpha, (sh, sw))
        fg_lab = cv2.cvtColor(shrink_area(fg, (sh, sw)), cv2.COLOR_RGB2Lab)
        bg_lab = cv2.cvtColor(shrink_area(bg, (sh, sw)), cv2.COLOR_RGB2Lab)
        subject = fg_lab[small_a >= 0.5]
        ref_mask = reference_region(small_a)
        # the background is the new scene: the reference may lie under the subject too (it is not in the photo)
        ref = bg_lab[ref_mask | (small_a >= 0.5)]
        return subject, ref

    def _correct_lightness(self, light: np.ndarray, subject: np.ndarray, ref: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def relight(self, foreground: Image, alpha: Alpha, background: Image) -> Image:
        fg = checked_image(foreground, name="foreground")
        a = checked_alpha(alpha, shape=fg.shape[:2])
        bg = checked_image(background, name="background")
        if bg.shape != fg.shape:
            raise InputError("background", f"shape {fg.shape} (same as foreground)", f"shape {bg.shape}")
        out = fg.copy()
        subject, ref = self._stats(fg, a, bg)
        if self.strength == 0.0 or len(subject) < 16 or len(ref) < 16:
            return cast("Image", out)
        win = bounding_window(a > 0.0)
        if win is None:
            return cast("Image", out)
        # The correction is a fixed function of the pixel's colour: a lightness curve (tabulated every
        # 0.1 L*, which is invisible) and a constant a*, b* shift — applied to the subject's bounding box
        # with contiguous, multi-threaded OpenCV passes, then kept only where the subject is.
        grid = np.linspace(0.0, 100.0, _LUT_SIZE, dtype=np.float32)
        curve = grid + np.clip(self._correct_lightness(grid, subject[:, 0], ref[:, 0]) - grid, -self.max_lightness_shift, self.max_lightness_shift)
        curve = np.clip(curve, 0.0, 100.0).astype(np.float32)
        shift = (ref[:, 1:].mean(axis=0) - subject[:, 1:].mean(axis=0)) * self.strength
        norm = float(np.hypot(*shift))
        if norm > self.max_chroma_shift:
            shift *= self.max_chroma_shift / norm
        # NumPy-allocated buffers: large ones get huge pages, so first touch is cheap (OpenCV's do not)
        lab = cv2.cvtColor(fg[win], cv2.COLOR_RGB2Lab, dst=np.empty(fg[win].shape, np.float32))
        # the curve as a 1×N image, read with bilinear interpolation at x = L*·(N−1)/100: a multi-threaded table lookup
        xs = lab[..., 0] * np.float32((_LUT_SIZE - 1) / 100.0)
        rows0 = np.broadcast_to(np.float32(0.0), xs.shape)  # every lookup reads row 0 of the curve
        lab[..., 0] = cv2.remap(curve.reshape(1, -1), xs, rows0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        cv2.add(lab, (0.0, float(shift[0]), float(shift[1]), 0.0), dst=lab)  # type: ignore[call-overload]  # OpenCV takes a scalar tuple as src; its stubs list arrays only
        relit = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB, dst=np.empty(lab.shape, np.float32))
        np.clip(relit, 0.0, 1.0, out=relit)
        cv2.copyTo(relit, (a[win] > 0.0).view(np.uint8), out[win])
        return cast("Image", out)


class ReinhardRelighter(_LabRelighter):
    """Lab statistics transfer (Reinhard et al. 2001), partial and bounded: exposure, contrast, white balance.

    Lightness: L' = μ_s + (L − μ_s)·r + k·(μ_r − μ_s), with the spread ratio
    r = (σ_r/σ_s)^k clamped to [0.8, 1.25] and k = ``strength``. Chroma: the
    mean a*, b* shift k·(μ_r − μ_s), at most ``max_chroma_shift`` long.
    """

    def _correct_lightness(self, light: np.ndarray, subject: np.ndarray, ref: np.ndarray) -> np.ndarray:
        k = self.strength
        mu_s, mu_r = float(subject.mean()), float(ref.mean())
        ratio = float(np.clip((max(ref.std(), 1e-3) / max(subject.std(), 1e-3)) ** k, 0.8, 1.25))
        return ((light - mu_s) * ratio + mu_s + k * (mu_r - mu_s)).astype(np.float32)


class HistogramRelighter(_LabRelighter):
    """Masked histogram matching of the subject's lightness to the reference's, blended by ``strength``.

    Each subject lightness is mapped to the reference lightness at the same
    quantile (256 quantiles); the result is mixed with the original by
    ``strength``. Chroma as in :class:`ReinhardRelighter` (bounded mean shift).
    """

    def _correct_lightness(self, light: np.ndarray, subject: np.ndarray, ref: np.ndarray) -> np.ndarray:
        q = np.linspace(0.0, 1.0, 257)
        src_q, ref_q = np.quantile(subject, q), np.quantile(ref, q)
        src_q = np.maximum.accumulate(src_q + np.arange(257) * 1e-6)  # strictly increasing for interp
        mapped = np.interp(light, src_q, ref_q).astype(np.float32)
        return cast("np.ndarray", (light + self.strength * (mapped - light)).astype(np.float32))
