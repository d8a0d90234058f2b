"""Alpha-over with the finishing a retoucher does by hand: matched sharpness, matched grain and light wrap."""

from __future__ import annotations

import cv2
import numpy as np

from ..._ops import bounding_window, sample_bilinear, shrink_area, upsample_into, working_size
from ...color import linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...metrics.realism import _blur_sigma, _sigma
from ...types import Alpha, Image
from .alpha_over import checked_layers, darken_in_place

__all__ = ["MatchedCompositor"]

_TILE = 509  # the noise texture's side: prime, so its repetition does not line up with pixel grids
_NOISE_BLOCKS = 1 << 18  # Haar blocks read per noise estimate: the median's standard error stays near 0.2 %
_FLAT = 2e-4  # background noise σ below this (1/20 of an 8-bit level) is a synthetic, grainless background
_SHARPNESS_GAP = 0.7  # a blur (or deblur) of less than this σ (px) is not worth doing: nothing is done
_MAX_BLUR, _MAX_DEBLUR, _MAX_DEBLUR_CHANGE = 3.0, 1.0, 0.05  # σ (px), σ (px), colour units


def _grow(win: tuple[slice, slice], hw: tuple[int, int], by: float) -> tuple[slice, slice]:
    (r, c), (h, w) = win, hw
    gy, gx = round((r.stop - r.start) * by), round((c.stop - c.start) * by)
    return slice(max(0, r.start - gy), min(h, r.stop + gy)), slice(max(0, c.start - gx), min(w, c.stop + gx))


class MatchedCompositor:
    """Linear-light alpha-over (see ``alpha-over``), after three corrections to the subject.

    - **Sharpness**: the blur of subject and background (the part around the
      subject) is estimated by :func:`studiocomp.metrics.blur_level` (edge
      gradients at two smoothing scales). A subject sharper than its new
      background is blurred by σ = sqrt(σ_bg² − σ_fg²) (at most 3 px); a
      softer one is deblurred by ``deblur_iterations`` steps of Van Cittert
      deconvolution with a Gaussian of that σ (f ← f + (g − G∗f); σ at most
      1 px and each value changed by at most 0.05, against ringing and
      sparkle). That narrows the gap a little; it cannot bring back detail
      that was never recorded.
      Nothing is done for a difference under 0.7 px, or when either blur is
      unknown (too few clear edges: smooth content looks like blur to the
      estimator). ``sharpness=False`` leaves it alone.
    - **Grain**: the noise level of subject and background is measured with the
      wavelet estimator of :func:`studiocomp.metrics.noise_level` (as
      ``skimage.restoration.estimate_sigma`` does). A cleaner subject gets
      Gaussian grain of σ = sqrt(σ_bg² − σ_fg²) (a fixed, seeded texture, so
      results are repeatable); a grainier subject is smoothed towards the
      background's level (the softest Gaussian blur that gets there, blended
      back by the measured levels) — unless the background is grainless
      (σ < 0.0002: a plain colour or a generated preset), where smoothing would
      only wipe out the photo's detail. A subject grainier than the scene is
      not deblurred (that would amplify the grain the next step removes). ``grain=False`` leaves it alone. The
      estimator counts fine texture as noise, as ``estimate_sigma`` does.
    - **Light wrap**: ``light_wrap`` × the background's light, blurred over
      ``wrap_radius`` × the subject's height, spills over the subject's edge
      (added in linear light where the subject is near the background), as
      light does around a backlit subject. 0 turns it off.

    Everything is computed in the subject's bounding box; the rest of the
    result is the (shadowed) background.
    """

    def __init__(
        self,
        grain: bool = True,
        sharpness: bool = True,
        deblur_iterations: int = 3,
        light_wrap: float = 0.25,
        wrap_radius: float = 0.02,
        seed: int = 0,
    ) -> None:
        if not (isinstance(light_wrap, (int, float)) and 0.0 <= light_wrap <= 1.0):
            raise InputError("light_wrap", "a number in [0, 1]", repr(light_wrap))
        if not (isinstance(wrap_radius, (int, float)) and 0.0 < wrap_radius <= 0.5):
            raise InputError("wrap_radius", "a fraction of the subject's height in (0, 0.5]", repr(wrap_radius))
        if not (isinstance(deblur_iterations, int) and 0 <= deblur_iterations <= 20):
            raise InputError("deblur_iterations", "an int in [0, 20]", repr(deblur_iterations))
        self.grain, self.sharpness, self.deblur_iterations = bool(grain), bool(sharpness), deblur_iterations
        self.light_wrap, self.wrap_radius, self.seed = float(light_wrap), float(wrap_radius), int(seed)
        self._noise = np.random.default_rng(self.seed).standard_normal((_TILE, _TILE, 3)).astype(np.float32)

    def __repr__(self) -> str:
        return f"MatchedCompositor(grain={self.grain}, sharpness={self.sharpness}, light_wrap={self.light_wrap}, wrap_radius={self.wrap_radius})"

    # --- the corrections work on the subject's window (fg and alpha cropped to its bounding box) and return
    # it unchanged (the same object) or a new array: an input is never written to

    def match_sharpness(self, fg: np.ndarray, alpha: np.ndarray, scene: np.ndarray, deblur: bool = True) -> np.ndarray:
        """``fg`` blurred (or, if ``deblur``, deblurred) so that its blur estimate approaches the ``scene``'s."""
        inner = cv2.erode((alpha >= 0.99).view(np.uint8), np.ones((17, 17), np.uint8)).view(bool)  # away from the cut edge
        s_fg, s_bg = _blur_sigma(fg, inner), _blur_sigma(scene, None)
        if not (np.isfinite(s_fg) and np.isfinite(s_bg)):
            return fg
        radius = float(np.sqrt(abs(s_bg**2 - s_fg**2)))
        if radius < _SHARPNESS_GAP:
            return fg
        if s_bg > s_fg:
            return cv2.GaussianBlur(fg, (0, 0), min(radius, _MAX_BLUR), dst=np.empty(fg.shape, np.float32))
        if not deblur:
            return fg
        # deblurring rings and amplifies noise: a small radius, few steps, and a bounded change per pixel
        radius = min(radius, _MAX_DEBLUR)
        out = np.array(fg, np.float32)
        for _ in range(self.deblur_iterations):  # Van Cittert: out += fg − G∗out
            cv2.add(out, cv2.subtract(fg, cv2.GaussianBlur(out, (0, 0), radius)), dst=out)
        np.clip(out, fg - _MAX_DEBLUR_CHANGE, fg + _MAX_DEBLUR_CHANGE, out=out)
        return np.clip(out, 0.0, 1.0, out=out)

    def match_grain(self, fg: np.ndarray, alpha: np.ndarray, background: np.ndarray, background_noise: float | None = None) -> np.ndarray:
        """``fg`` with its noise level brought to the ``background``'s (``background_noise``, when already measured)."""
        try:
            s_fg = _sigma(fg, alpha >= 0.95, _NOISE_BLOCKS)
        except InputError:  # a subject thinner than 2 px: nothing to match
            return fg
        s_bg = _sigma(background, None, _NOISE_BLOCKS) if background_noise is None else background_noise
        if abs(s_fg - s_bg) <= 0.1 * max(s_bg, 1e-4) or (s_fg > s_bg and s_bg < _FLAT):
            return fg  # matched already; or a flat, synthetic background (a colour, a preset): keep the photo's detail
        if s_bg > s_fg:
            add = np.float32(np.sqrt(s_bg**2 - s_fg**2))
            fg = np.array(fg, np.float32)  # a new array
            h, w = fg.shape[:2]
            for y in range(0, h, _TILE):  # the seeded tile, repeated over the window
                for x in range(0, w, _TILE):
                    block = fg[y : y + _TILE, x : x + _TILE]
                    cv2.scaleAdd(self._noise[: block.shape[0], : block.shape[1]], float(add), block, dst=block)
            return np.clip(fg, 0.0, 1.0, out=fg)
        # smooth just enough: the softest blur that gets below the background's level, blended back by
        # linear interpolation of the measured noise levels (photo noise is not white: measure, not model)
        for sigma in (0.7, 1.0, 1.5, 2.2, 3.2):
            smooth = cv2.GaussianBlur(fg, (0, 0), sigma)
            s_sm = _sigma(smooth, alpha >= 0.95, _NOISE_BLOCKS)
            if s_sm <= s_bg:
                break
        keep = float(np.clip((s_bg - s_sm) / max(s_fg - s_sm, 1e-6), 0.0, 1.0))
        return cv2.addWeighted(fg, keep, smooth, 1.0 - keep, 0.0, dst=smooth)

    def _spill(self, alpha: np.ndarray, background: np.ndarray, win: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray] | None:
        """(small linear background light reaching each point, its reach in the window at full size); None without wrap."""
        h, w = alpha.shape
        a_w = alpha[win]
        rows = np.flatnonzero((a_w >= 0.5).any(axis=1))
        if rows.size == 0 or self.light_wrap == 0.0:
            return None
        sh, sw = working_size(h, w, 512)
        radius = max(1.0, self.wrap_radius * (rows[-1] - rows[0] + 1) * sh / h)
        outside = 1.0 - shrink_area(alpha, (sh, sw))
        light = cv2.GaussianBlur(srgb_to_linear(shrink_area(background, (sh, sw))) * outside[..., None], (0, 0), radius)
        reach = cv2.GaussianBlur(outside, (0, 0), radius)
        reach_w = np.empty(a_w.shape, np.float32)
        upsample_into(reach_w, reach, (h, w), win)
        return light, reach_w

    def _blend_and_wrap(self, out: np.ndarray, fg: np.ndarray, alpha: np.ndarray, background: np.ndarray, win: tuple[slice, slice]) -> None:
        """The linear-light alpha-over of the window and the light wrap, in one pass over the edge pixels.

        Solid pixels away from the edge are copied; at the edge (0 < α < 1, or
        reached by at least 10 % of the background's light) the result is
        encode(α·(F + k·S) + (1 − α)·B) with F, B, S linear: subject, background
        and the spilt light S, k = ``light_wrap``.
        """
        h, w = alpha.shape
        a_w = alpha[win]
        spill = self._spill(alpha, background, win)
        cv2.copyTo(fg, (a_w >= 1.0).view(np.uint8), out[win])
        edge = (a_w > 0.0) & (a_w < 1.0)
        if spill is not None:
            edge |= (spill[1] > 0.1) & (a_w > 0.0)  # below 10 % reach the spill is under 2.5 % of the light
        idx = np.flatnonzero(edge)
        if idx.size == 0:
            return
        # 1-D indices (into the window and the whole frame) gather faster than (row, column) pairs
        r, c = np.divmod(idx, a_w.shape[1])
        f_p = fg.reshape(-1, 3)[idx] if fg.flags.c_contiguous else fg[r, c]
        r += win[0].start
        c += win[1].start
        frame = r * w + c
        a_p = alpha.reshape(-1)[frame][:, None]
        flat = out.reshape(-1, 3)
        lin = srgb_to_linear(f_p)
        if spill is not None:
            cv2.scaleAdd(sample_bilinear(spill[0], r, c, (spill[0].shape[0] / h, spill[0].shape[1] / w)), self.light_wrap, lin, dst=lin)
        lin *= a_p
        lin += srgb_to_linear(flat[frame]) * (1.0 - a_p)
        flat[frame] = linear_to_srgb(lin)

    def composite(self, foreground: Image, alpha: Alpha, background: Image, shadow: Alpha | None = None) -> Image:
        fg, a, bg, s = checked_layers(foreground, alpha, background, shadow)
        out = bg.copy()
        if s is not None:
            darken_in_place(out, s)
        win = bounding_window(a > 0.0)
        if win is None:
            return out
        f_w, a_w = fg[win], a[win]  # views: the corrections return new arrays when they change something
        bg_noise = _sigma(bg, None, _NOISE_BLOCKS) if self.grain else None
        if self.sharpness:
            deblur = True
            if bg_noise is not None:  # a subject grainier than the scene will be smoothed: do not sharpen its grain first
                try:
                    deblur = _sigma(f_w, a_w >= 0.95, _NOISE_BLOCKS) <= 1.1 * bg_noise
                except InputError:
                    pass
            f_w = self.match_sharpness(f_w, a_w, bg[_grow(win, a.shape, 0.25)], deblur=deblur)
        if bg_noise is not None:
            f_w = self.match_grain(f_w, a_w, bg, bg_noise)
        self._blend_and_wrap(out, f_w, a, bg, win)
        return out
