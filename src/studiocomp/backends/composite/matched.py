"""Alpha-over with the finishing a retoucher does by hand: matched sharpness, matched grain and light wrap."""

from __future__ import annotations

import cv2
import numpy as np

from ..._ops import bounding_window, row_extent, sample_bilinear, shrink_area
from ...color import linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...estimate.blur import blur_sigma
from ...estimate.noise import noise_sigma
from ...types import Alpha, Image
from .alpha_over import checked_layers, darken_in_place

__all__ = ["MatchedCompositor"]

_TILE = 509  # the noise texture's side: prime, so its repetition does not line up with pixel grids
_NOISE_BLOCKS = 1 << 18  # Haar blocks read per noise estimate: the median's standard error stays near 0.2 %
_FLAT = 2e-4  # background noise σ below this (1/20 of an 8-bit level) is a synthetic, grainless background
_SHARPNESS_GAP = 0.7  # a blur (or deblur) of less than this σ (px) is not worth doing: nothing is done
_MAX_BLUR, _MAX_DEBLUR, _MAX_DEBLUR_CHANGE = 3.0, 1.0, 0.05  # σ (px), σ (px), colour units
_MAX_WRAP = 0.25  # the strongest light wrap allowed: a quarter of the background's light
_EDGE_TILE = 64  # side (px) of the tiles the full-size wrap works on: about 4 % of a 24 MP subject's box is read
_FULL_SIZE_WRAP = 1.5  # a wrap σ (px) up to this is computed at full size along the outline; wider ones on a smaller copy


class MatchedCompositor:
    """Alpha-over with three finishing steps that only add what the scene needs and never damage the subject.

    - **Sharpness**: the blur of the subject (8 px or more inside it) and of the
      background (alpha ≤ 0.05) is estimated by :func:`studiocomp.metrics.blur_level`,
      exactly the two numbers :func:`studiocomp.metrics.blur_mismatch` compares.
      Only a real gap acts: both estimates known (enough clear edges) and at
      least 0.7 px apart. A subject sharper than the scene is blurred by
      σ = sqrt(σ_bg² − σ_fg²) (at most 3 px); a softer one is deblurred by
      ``deblur_iterations`` steps of Van Cittert deconvolution (σ at most 1 px,
      each value changed by at most 0.05). The subject is then measured again
      (with its grain, as it will be laid): the change is kept only when it
      narrows the gap, so the mismatch is never made worse.
    - **Grain**: the noise level of subject and background is measured with the
      wavelet estimator of :func:`studiocomp.metrics.noise_level`. A subject
      cleaner than the background gets Gaussian grain of σ = sqrt(σ_bg² − σ_fg²)
      (a fixed, seeded texture, so results are repeatable). A subject as grainy
      as the scene, or grainier, is left as it is: grain matching only adds,
      it never smooths away the photo's detail.
    - **Light wrap**: a little of the background's light spills over the
      subject's edge, as around a backlit subject: ``light_wrap`` × the
      background's linear light, blurred over ``wrap_radius`` × the subject's
      height (at most ``max_wrap_px`` pixels, at least 0.5), added to the
      subject's linear colour where the background reaches it. It stays within
      a few pixels of the outline. 0 turns it off.

    The edge is blended in ``blend`` space: ``"srgb"`` (the default) mixes the
    encoded values, the space every matter here estimates alpha in (the
    matting equation I = αF + (1 − α)B on the photo's values), so a subject
    laid back on its own backdrop gives back the photo; ``"linear"`` mixes
    linear light (as ``alpha-over``).

    Everything is computed in the subject's bounding box; the rest of the
    result is the (shadowed) background. :meth:`composite_reported` also says
    what each step did.

    Parameters
    ----------
    grain : bool
        Match the grain.
    sharpness : bool
        Match the sharpness.
    deblur_iterations : int
        Van Cittert steps of a deblur, in [0, 20].
    light_wrap : float
        Strength of the light wrap (0: off).
    wrap_radius : float
        The wrap's blur as a fraction of the subject's height, in (0, 0.05].
    max_wrap_px : float
        Largest wrap blur in pixels, in [0.5, 16].
    blend : str
        ``"srgb"`` or ``"linear"`` (see above).
    seed : int
        Seed of the grain texture.

    Raises
    ------
    InputError
        An option out of its range.
    """

    def __init__(
        self,
        grain: bool = True,
        sharpness: bool = True,
        deblur_iterations: int = 3,
        light_wrap: float = 0.05,
        wrap_radius: float = 0.002,
        max_wrap_px: float = 1.5,
        blend: str = "srgb",
        seed: int = 0,
    ) -> None:
        if not (isinstance(light_wrap, (int, float)) and 0.0 <= light_wrap <= _MAX_WRAP):
            raise InputError("light_wrap", f"a number in [0, {_MAX_WRAP}]", repr(light_wrap))
        if not (isinstance(wrap_radius, (int, float)) and 0.0 < wrap_radius <= 0.05):
            raise InputError("wrap_radius", "a fraction of the subject's height in (0, 0.05]", repr(wrap_radius))
        if not (isinstance(max_wrap_px, (int, float)) and 0.5 <= max_wrap_px <= 16.0):
            raise InputError("max_wrap_px", "pixels in [0.5, 16]", repr(max_wrap_px))
        if not (isinstance(deblur_iterations, int) and 0 <= deblur_iterations <= 20):
            raise InputError("deblur_iterations", "an int in [0, 20]", repr(deblur_iterations))
        if blend not in ("srgb", "linear"):
            raise InputError("blend", "'srgb' or 'linear'", repr(blend))
        self.grain, self.sharpness, self.deblur_iterations = bool(grain), bool(sharpness), deblur_iterations
        self.light_wrap, self.wrap_radius, self.max_wrap_px, self.blend = float(light_wrap), float(wrap_radius), float(max_wrap_px), blend
        self.seed = int(seed)
        self._noise = np.random.default_rng(self.seed).standard_normal((_TILE, _TILE, 3)).astype(np.float32)

    def __repr__(self) -> str:
        return f"MatchedCompositor(grain={self.grain}, sharpness={self.sharpness}, light_wrap={self.light_wrap}, wrap_radius={self.wrap_radius}, blend={self.blend!r})"

    # --- the corrections work on the subject's window (fg and alpha cropped to its bounding box) and return
    # it unchanged (the same object) or a new array: an input is never written to

    def sharpness_step(self, fg: np.ndarray, s_fg: float, s_bg: float, deblur: bool = True) -> tuple[np.ndarray, float]:
        """(``fg`` blurred or deblurred towards the scene's blur ``s_bg``, the σ applied: > 0 blur, < 0 deblur, 0 nothing).

        Nothing is done when either blur is unknown (NaN) or they differ by less than 0.7 px.

        Parameters
        ----------
        fg : numpy.ndarray
            H×W×3 float32 subject colours.
        s_fg, s_bg : float
            Blur σ (pixels) of the subject and of the scene (:func:`studiocomp.estimate.blur_sigma`).
        deblur : bool
            Allow a deblur (False: only blur).

        Returns
        -------
        (numpy.ndarray, float)
            The (new or same) H×W×3 float32 colours and the σ applied (px).
        """
        if not (np.isfinite(s_fg) and np.isfinite(s_bg)):
            return fg, 0.0
        radius = float(np.sqrt(abs(s_bg**2 - s_fg**2)))
        if abs(s_bg - s_fg) < _SHARPNESS_GAP or radius < _SHARPNESS_GAP:
            return fg, 0.0
        if s_bg > s_fg:
            radius = min(radius, _MAX_BLUR)
            return cv2.GaussianBlur(fg, (0, 0), radius, dst=np.empty(fg.shape, np.float32)), radius
        if not deblur or self.deblur_iterations == 0:
            return fg, 0.0
        # deblurring rings and amplifies noise: a small radius, few steps, and a bounded change per pixel
        radius = min(radius, _MAX_DEBLUR)
        out = np.array(fg, np.float32)
        for _ in range(self.deblur_iterations):  # Van Cittert: out += fg − G∗out
            cv2.add(out, cv2.subtract(fg, cv2.GaussianBlur(out, (0, 0), radius)), dst=out)
        np.clip(out, fg - _MAX_DEBLUR_CHANGE, fg + _MAX_DEBLUR_CHANGE, out=out)
        return np.clip(out, 0.0, 1.0, out=out), -radius

    def match_grain(self, fg: np.ndarray, alpha: np.ndarray, background: np.ndarray, background_noise: float | None = None) -> np.ndarray:
        """``fg`` with grain added up to the ``background``'s noise level (``background_noise``, when already measured).

        Parameters
        ----------
        fg : numpy.ndarray
            H×W×3 float32 subject colours.
        alpha : numpy.ndarray
            H×W float32 alpha.
        background : numpy.ndarray
            H×W×3 float32 background.
        background_noise : float, optional
            Its noise σ when already measured (:func:`studiocomp.estimate.noise_sigma`).

        Returns
        -------
        numpy.ndarray
            H×W×3 float32 in [0, 1].
        """
        return self._grain(fg, alpha, noise_sigma(background, None, _NOISE_BLOCKS) if background_noise is None else background_noise)[0]

    def _grain(self, fg: np.ndarray, alpha: np.ndarray, s_bg: float) -> tuple[np.ndarray, dict[str, float]]:
        try:
            s_fg = noise_sigma(fg, alpha >= 0.95, _NOISE_BLOCKS)
        except InputError:  # a subject thinner than 2 px: nothing to match
            return fg, {"subject_sigma": float("nan"), "background_sigma": s_bg, "added_sigma": 0.0}
        report = {"subject_sigma": s_fg, "background_sigma": s_bg, "added_sigma": 0.0}
        if s_bg <= 1.1 * s_fg or s_bg < _FLAT:
            return fg, report  # as grainy as the scene already (or grainier: the photo's detail is kept)
        add = float(np.sqrt(s_bg**2 - s_fg**2))
        report["added_sigma"] = add
        out = np.empty(fg.shape, np.float32)  # a new array, written once
        h, w = fg.shape[:2]
        for y in range(0, h, _TILE):  # the seeded tile, repeated over the window
            for x in range(0, w, _TILE):
                block = fg[y : y + _TILE, x : x + _TILE]
                cv2.scaleAdd(self._noise[: block.shape[0], : block.shape[1]], add, block, dst=out[y : y + _TILE, x : x + _TILE])
        return np.clip(out, 0.0, 1.0, out=out), report

    def wrap_sigma(self, subject_height: int) -> float:
        """The light wrap's Gaussian σ in pixels for a subject ``subject_height`` pixels tall.

        Parameters
        ----------
        subject_height : int
            Pixels.

        Returns
        -------
        float
            σ in pixels, in [0.5, ``max_wrap_px``].
        """
        return float(np.clip(self.wrap_radius * subject_height, 0.5, self.max_wrap_px))

    def _spill(self, alpha: np.ndarray, background: np.ndarray, win: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice], float, float] | None:
        """(linear background light reaching each point, its reach, the region they cover, its scale, σ); None without wrap.

        Computed on the subject's window grown by 4σ, at the scale where σ is at most 1.5 px (full size for small σ).
        """
        h, w = alpha.shape
        a_w = alpha[win]
        extent = row_extent(a_w >= 0.5)
        if extent is None or self.light_wrap == 0.0:
            return None
        sigma = self.wrap_sigma(extent[1] - extent[0] + 1)
        margin = int(np.ceil(4 * sigma)) + 1
        region = (slice(max(0, win[0].start - margin), min(h, win[0].stop + margin)), slice(max(0, win[1].start - margin), min(w, win[1].stop + margin)))
        scale = min(1.0, 1.5 / sigma)
        rh, rw = region[0].stop - region[0].start, region[1].stop - region[1].start
        sh, sw = max(1, round(rh * scale)), max(1, round(rw * scale))
        a_r, b_r = alpha[region], background[region]
        if (sh, sw) != (rh, rw):
            a_r, b_r = shrink_area(a_r, (sh, sw)), shrink_area(b_r, (sh, sw))
        outside = 1.0 - a_r
        s = sigma * sh / rh
        light = cv2.GaussianBlur(srgb_to_linear(b_r) * outside[..., None], (0, 0), s)
        reach = cv2.GaussianBlur(outside, (0, 0), s)
        return light, reach, region, sh / rh, sigma

    def _blend_and_wrap(self, out: np.ndarray, fg: np.ndarray, alpha: np.ndarray, background: np.ndarray, win: tuple[slice, slice]) -> float:
        """The alpha-over of the window and the light wrap, in one pass over the edge pixels; returns the wrap's σ (0 without).

        Solid pixels away from the edge are copied; at the edge (0 < α < 1, or
        reached by at least 10 % of the background's light) the subject's colour
        is F' = encode(decode(F) + k·S) (S the spilt linear light, k =
        ``light_wrap``), and the result α·F' + (1 − α)·B in the ``blend`` space.
        """
        h, w = alpha.shape
        a_w = alpha[win]
        cv2.copyTo(fg, (a_w >= 1.0).view(np.uint8), out[win])
        light_p, sigma = None, 0.0
        extent = row_extent(a_w >= 0.5) if self.light_wrap > 0.0 else None
        wrap = self.wrap_sigma(extent[1] - extent[0] + 1) if extent is not None else 0.0
        if 0.0 < wrap <= _FULL_SIZE_WRAP:  # the usual case: at full size, along the outline only
            idx, light_p, sigma = self._edge_light(alpha, background, win, wrap)
        else:
            edge = (a_w > 0.0) & (a_w < 1.0)
            spill = self._spill(alpha, background, win) if extent is not None else None
            if spill is not None:
                light, reach, region, scale, sigma = spill
                # the reach at the window's pixels, sampled at the edge candidates only
                r_all, c_all = np.nonzero(a_w > 0.0)
                ry = (r_all + win[0].start - region[0].start).astype(np.float32)
                rx = (c_all + win[1].start - region[1].start).astype(np.float32)
                reach_px = sample_bilinear(reach[..., None], ry, rx, (scale, scale))[:, 0]
                near = reach_px > 0.1  # below 10 % reach the spill is under a tenth of the (bounded) light
                edge[r_all[near], c_all[near]] = True
            idx = np.flatnonzero(edge)
            if spill is not None and idx.size:
                r, c = np.divmod(idx, a_w.shape[1])
                ry = (r + win[0].start - region[0].start).astype(np.float32)
                rx = (c + win[1].start - region[1].start).astype(np.float32)
                light_p = sample_bilinear(light, ry, rx, (scale, scale))
        if idx.size == 0:
            return sigma
        # 1-D indices (into the window and the whole frame) gather faster than (row, column) pairs
        r, c = np.divmod(idx, a_w.shape[1])
        f_p = fg.reshape(-1, 3)[idx] if fg.flags.c_contiguous else fg[r, c]
        if light_p is not None:
            lin = srgb_to_linear(f_p)
            cv2.scaleAdd(light_p, self.light_wrap, lin, dst=lin)
            if self.blend == "srgb":
                f_p = linear_to_srgb(lin)
        elif self.blend == "linear":
            lin = srgb_to_linear(f_p)
        r += win[0].start
        c += win[1].start
        frame = r * w + c
        a_p = alpha.reshape(-1)[frame][:, None]
        flat = out.reshape(-1, 3)
        if self.blend == "srgb":
            flat[frame] = np.clip(f_p * a_p + flat[frame] * (1.0 - a_p), 0.0, 1.0)
        else:
            lin *= a_p
            lin += srgb_to_linear(flat[frame]) * (1.0 - a_p)
            flat[frame] = linear_to_srgb(lin)
        return sigma

    def _edge_light(self, alpha: np.ndarray, background: np.ndarray, win: tuple[slice, slice], sigma: float) -> tuple[np.ndarray, np.ndarray, float]:
        """(flat indices into the window of the pixels the wrap reaches, the spilt linear light there (N×3), σ) at full size.

        The spill S = G_σ ∗ (decode(B)·(1 − α)) and its reach G_σ ∗ (1 − α) are
        those of :meth:`_spill` (to float32 rounding; the window grown by 4σ + 1, mirrored at its
        border), computed only on the tiles of 64×64 px that hold a pixel the
        wrap can reach (α > 0 within OpenCV's kernel radius of an α < 1 pixel),
        each grown by the kernel's radius: inside the subject 1 − α = 0, so the
        band along the outline is all that is ever read, and the rest of the
        subject is not touched.
        """
        h, w = alpha.shape
        margin = int(np.ceil(4 * sigma)) + 1  # ≥ OpenCV's kernel radius for float data, round(8σ + 1) // 2
        r0, c0 = max(0, win[0].start - margin), max(0, win[1].start - margin)
        region = (slice(r0, min(h, win[0].stop + margin)), slice(c0, min(w, win[1].stop + margin)))
        rh, rw = region[0].stop - r0, region[1].stop - c0
        a_r, b_r = alpha[region], background[region]
        s = sigma * rh / rh  # as _spill computes it, so the kernel is the same to the last bit
        # the pixels the wrap may reach: α > 0 with an α < 1 pixel within the kernel's radius
        t = _EDGE_TILE
        reachable = np.zeros((-(-rh // t) * t, -(-rw // t) * t), np.uint8)
        cv2.dilate((a_r < 1.0).view(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8), dst=reachable[:rh, :rw])
        reachable[:rh, :rw] &= (a_r > 0.0).view(np.uint8)
        tiles = np.argwhere(reachable.reshape(reachable.shape[0] // t, t, -1, t).any(axis=(1, 3)))
        dy, dx, ww = win[0].start - r0, win[1].start - c0, win[1].stop - win[1].start
        indices: list[np.ndarray] = [np.zeros(0, np.intp)]
        lights: list[np.ndarray] = [np.zeros((0, 3), np.float32)]
        for ty, tx in tiles * t:
            gy0, gx0 = max(0, ty - margin), max(0, tx - margin)
            grown = (slice(gy0, min(rh, ty + t + margin)), slice(gx0, min(rw, tx + t + margin)))
            core = (slice(ty - gy0, min(rh, ty + t) - gy0), slice(tx - gx0, min(rw, tx + t) - gx0))
            a_g = a_r[grown]
            outside = 1.0 - a_g
            reach = cv2.GaussianBlur(outside, (0, 0), s)
            a_c = a_g[core]
            edge = (a_c > 0.0) & ((a_c < 1.0) | (reach[core] > 0.1))  # under 10 % reach the spill is under a tenth of the light
            er, ec = np.nonzero(edge)
            if er.size == 0:
                continue
            spilt = srgb_to_linear(b_r[grown])
            spilt *= outside[..., None]
            light = cv2.GaussianBlur(spilt, (0, 0), s, dst=spilt)[core]
            lights.append(light[er, ec])
            indices.append((er + (ty - dy)) * ww + (ec + (tx - dx)))
        return np.concatenate(indices), np.concatenate(lights), sigma

    def composite(self, foreground: Image, alpha: Alpha, background: Image, shadow: Alpha | None = None) -> Image:
        """The H×W×3 composite with the finishing steps (see the class docstring).

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (sRGB, straight).
        alpha : Alpha
            H×W alpha.
        background : Image
            H×W×3 background.
        shadow : Alpha, optional
            H×W shadow opacity, applied to the background first (in linear light).

        Returns
        -------
        Image
            H×W×3 float32 sRGB in [0, 1].

        Raises
        ------
        InputError
            Sizes differ, or inputs are not images / alpha.
        """
        return self.composite_reported(foreground, alpha, background, shadow)[0]

    def composite_reported(self, foreground: Image, alpha: Alpha, background: Image, shadow: Alpha | None = None) -> tuple[Image, dict[str, dict[str, float]]]:
        """:meth:`composite` and what each finishing step did.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (sRGB, straight).
        alpha : Alpha
            H×W alpha.
        background : Image
            H×W×3 background.
        shadow : Alpha, optional
            H×W shadow opacity, applied to the background first (in linear light).

        Returns
        -------
        (composite, report)
            ``report["sharpen"]``: ``subject_blur`` and ``background_blur`` (σ, px; NaN when unknown),
            ``sigma`` (σ of the blur applied, negative for a deblur, 0 for none), ``mismatch_before``
            and ``mismatch_after`` (|difference| of the blurs, px);
            ``report["grain"]``: ``subject_sigma``, ``background_sigma``, ``added_sigma`` (noise σ, [0, 1] units);
            ``report["light_wrap"]``: ``strength`` and ``sigma_px`` (0 when off).
            A step that is switched off is left out.

        Raises
        ------
        InputError
            Sizes differ, or inputs are not images / alpha.
        """
        fg, a, bg, s = checked_layers(foreground, alpha, background, shadow)
        report: dict[str, dict[str, float]] = {}
        out = bg.copy()
        if s is not None:
            darken_in_place(out, s)
        win = bounding_window(a > 0.0)
        if win is None:
            return out, report
        f_w, a_w = fg[win], a[win]  # views: the corrections return new arrays when they change something
        bg_noise = noise_sigma(bg, None, _NOISE_BLOCKS) if self.grain else 0.0

        def grained(f: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
            return self._grain(f, a_w, bg_noise) if self.grain else (f, {})

        laid, g_report = grained(f_w)
        if self.sharpness:
            # the same two numbers metrics.blur_mismatch compares, measured on the subject as it will be laid
            inner = cv2.erode((a_w >= 0.95).view(np.uint8), np.ones((17, 17), np.uint8)).view(bool)
            s_fg, s_bg = blur_sigma(laid, inner), blur_sigma(bg, a <= 0.05)
            before = abs(s_fg - s_bg)
            deblur = True
            if self.grain and np.isfinite(g_report["subject_sigma"]):  # a subject grainier than the scene: sharpening would amplify its grain
                deblur = g_report["subject_sigma"] <= 1.1 * bg_noise  # the photo's own noise, measured by the grain step
            candidate, applied = self.sharpness_step(f_w, s_fg, s_bg, deblur=deblur)
            after = before
            if applied != 0.0:
                laid_c, g_c = grained(candidate)
                after_c = abs(blur_sigma(laid_c, inner) - s_bg)
                if np.isfinite(after_c) and after_c < before:  # kept only when it narrows the measured gap
                    laid, g_report, after = laid_c, g_c, after_c
                else:
                    applied = 0.0
            report["sharpen"] = {"subject_blur": s_fg, "background_blur": s_bg, "sigma": applied, "mismatch_before": before, "mismatch_after": after}
        if self.grain:
            report["grain"] = g_report
        sigma = self._blend_and_wrap(out, laid, a, bg, win)
        if self.light_wrap > 0.0:
            report["light_wrap"] = {"strength": self.light_wrap, "sigma_px": sigma}
        return out, report
