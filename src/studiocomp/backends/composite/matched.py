"""Alpha-over with the finishing a retoucher does by hand: matched grain and light wrap."""

from __future__ import annotations

import cv2
import numpy as np

from ..._ops import sample_bilinear, working_size
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...metrics.realism import _sigma
from ...types import Alpha, Image
from .alpha_over import AlphaOverCompositor

__all__ = ["MatchedCompositor"]

_TILE = 509  # the noise texture's side: prime, so its repetition does not line up with pixel grids


class MatchedCompositor:
    """Linear-light alpha-over (see ``alpha-over``), after two corrections to the subject.

    - **Grain**: the noise level of subject and background is measured with the
      wavelet estimator of :func:`studiocomp.metrics.noise_level` (as
      ``skimage.restoration.estimate_sigma`` does). A cleaner subject gets
      Gaussian grain of σ = sqrt(σ_bg² − σ_fg²) (a fixed, seeded texture, so
      results are repeatable); a grainier subject is smoothed towards the
      background's level (the softest Gaussian blur that gets there, blended
      back by the measured levels). ``grain=False`` leaves it alone. The
      estimator counts fine texture as noise, as ``estimate_sigma`` does.
    - **Light wrap**: ``light_wrap`` × the background's light, blurred over
      ``wrap_radius`` × the subject's height, spills over the subject's edge
      (added in linear light where the subject is near the background), as
      light does around a backlit subject. 0 turns it off.
    """

    def __init__(self, grain: bool = True, light_wrap: float = 0.25, wrap_radius: float = 0.02, seed: int = 0) -> None:
        if not (isinstance(light_wrap, (int, float)) and 0.0 <= light_wrap <= 1.0):
            raise InputError("light_wrap", "a number in [0, 1]", repr(light_wrap))
        if not (isinstance(wrap_radius, (int, float)) and 0.0 < wrap_radius <= 0.5):
            raise InputError("wrap_radius", "a fraction of the subject's height in (0, 0.5]", repr(wrap_radius))
        self.grain, self.light_wrap, self.wrap_radius, self.seed = bool(grain), float(light_wrap), float(wrap_radius), int(seed)
        self._over = AlphaOverCompositor()
        self._noise = np.random.default_rng(self.seed).standard_normal((_TILE, _TILE, 3)).astype(np.float32)

    def __repr__(self) -> str:
        return f"MatchedCompositor(grain={self.grain}, light_wrap={self.light_wrap}, wrap_radius={self.wrap_radius})"

    def match_grain(self, foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
        """The foreground with its noise level brought to the background's (a new array)."""
        subject, scene = alpha >= 0.95, np.ones(alpha.shape, bool)
        out = foreground.copy()
        try:
            s_fg, s_bg = _sigma(foreground, subject), _sigma(background, scene)
        except InputError:  # a subject thinner than 2 px: nothing to match
            return out
        rows, cols = np.nonzero(alpha > 0.0)
        if rows.size == 0 or abs(s_fg - s_bg) <= 0.1 * max(s_bg, 1e-4):
            return out
        if s_bg > s_fg:
            add = np.float32(np.sqrt(s_bg**2 - s_fg**2))
            out[rows, cols] = np.clip(foreground[rows, cols] + add * self._noise[rows % _TILE, cols % _TILE], 0.0, 1.0)
        else:
            # smooth just enough: the softest blur that gets below the background's level, blended back by
            # linear interpolation of the measured noise levels (photo noise is not white: measure, not model)
            for sigma in (0.7, 1.0, 1.5, 2.2, 3.2):
                smooth = cv2.GaussianBlur(foreground, (0, 0), sigma)
                s_sm = _sigma(smooth, subject)
                if s_sm <= s_bg:
                    break
            keep = np.float32(np.clip((s_bg - s_sm) / max(s_fg - s_sm, 1e-6), 0.0, 1.0))
            out[rows, cols] = keep * foreground[rows, cols] + (1 - keep) * smooth[rows, cols]
        return out

    def _wrap(self, composite: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
        from ...color import linear_to_srgb, srgb_to_linear

        h, w = alpha.shape
        rows = np.flatnonzero((alpha >= 0.5).any(axis=1))
        if rows.size == 0 or self.light_wrap == 0.0:
            return composite
        sh, sw = working_size(h, w, 512)
        scale = sh / h
        radius = max(1.0, self.wrap_radius * (rows[-1] - rows[0] + 1) * scale)
        small_a = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_AREA)
        small_bg = srgb_to_linear(cv2.resize(background, (sw, sh), interpolation=cv2.INTER_AREA))
        outside = 1.0 - small_a
        light = cv2.GaussianBlur(small_bg * outside[..., None], (0, 0), radius)
        reach = cv2.GaussianBlur(outside, (0, 0), radius)
        # where the subject is, how much background light reaches it (normalised background colour × coverage)
        spill = light / np.maximum(reach, 1e-4)[..., None] * reach[..., None]
        band_small = (reach > 0.02) & (small_a > 0.0)
        band_full = cv2.resize(band_small.view(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).view(bool) & (alpha > 0.0)
        r, c = np.nonzero(band_full)
        if r.size == 0:
            return composite
        add = sample_bilinear(spill.astype(np.float32), r, c, (sh / h, sw / w)) * (alpha[r, c] * self.light_wrap)[:, None]
        out = composite.copy()
        out[r, c] = linear_to_srgb(srgb_to_linear(composite[r, c]) + add)
        return out

    def composite(self, foreground: Image, alpha: Alpha, background: Image, shadow: Alpha | None = None) -> Image:
        fg = checked_image(foreground, name="foreground")
        a = checked_alpha(alpha, shape=fg.shape[:2])
        bg = checked_image(background, name="background")
        if bg.shape != fg.shape:
            raise InputError("background", f"shape {fg.shape} (same as foreground)", f"shape {bg.shape}")
        if self.grain:
            fg = self.match_grain(fg, a, bg)
        out = self._over.composite(fg, a, bg, shadow)
        return self._wrap(out, a, bg)
