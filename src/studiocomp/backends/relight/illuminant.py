"""Illuminant transfer: the subject takes the new scene's *light*, never its colours.

A pixel's value is (roughly) surface reflectance × illuminant. Pulling the
subject's colour statistics towards the background's (as the Lab relighters of
:mod:`.match` do) treats the background's reflectances — a white wall, green
grass — as if they were light, and makes skin lighter on a light backdrop. This
relighter estimates the *illuminant* of the photo (from its non-subject area)
and of the new background (around where the subject stands) and applies the
ratio of the two to the subject as a von Kries gain, per channel, in linear light.

The illuminant estimate is the shades-of-grey estimate of Finlayson & Trezzi,
"Shades of Gray and Colour Constancy", Proc. IS&T/SID Color Imaging Conference
(CIC 12), 2004: e_c = (mean over pixels of v_c^p)^(1/p) on linear values v,
which is grey world for p = 1 and white patch (max-RGB) as p → ∞; p = 4 is
used (their best results lie at p ≈ 4–6; 4 followed known gains best on our real
backgrounds). Clipped pixels are kept: leaving them out makes the estimate jump
when a brighter light clips more of the scene.

A generated background (no sensor noise at all: a plain colour, a gradient, a
preset) was not photographed under any light, so it says nothing about one: the
subject keeps the photo's light (gain 1), which is what a studio backdrop
colour means. The direction of the light is not estimated here (a single gain
cannot move highlights); the shadow caster reads it from the scene.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ..._ops import bounding_window, shrink_area, working_size
from ...color import linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image
from .match import reference_region

__all__ = ["IlluminantRelighter", "shades_of_grey"]

_FLAT = 2e-4  # background noise σ below this: a generated, grainless background (as the matched compositor)
_NOISE_BLOCKS = 1 << 16
_CURVE = 4096  # samples of each channel's transfer curve encode(g·decode(v))


def shades_of_grey(image: np.ndarray, region: np.ndarray | None = None, p: float = 4.0) -> np.ndarray | None:
    """The illuminant of ``image`` (sRGB, H×W×3) as a linear RGB triple, by shades of grey (Finlayson & Trezzi 2004).

    Parameters
    ----------
    image : H×W×3 float32 sRGB in [0, 1]
    region : H×W bool, optional
        Pixels that count (all when None).
    p : float
        Minkowski norm: 1 is grey world, large values approach white patch.

    Returns
    -------
    (3,) float64 linear RGB, or None when fewer than 64 usable pixels remain.
    """
    usable = np.ones(image.shape[:2], bool) if region is None else region
    if int(usable.sum()) < 64:
        return None
    lin = srgb_to_linear(image[usable]).astype(np.float64)
    return np.mean(lin**p, axis=0) ** (1.0 / p)


def _luminance(rgb: np.ndarray) -> float:
    return float(rgb @ np.array([0.2126, 0.7152, 0.0722]))


class IlluminantRelighter:
    """Von Kries transfer of the illuminant difference between the photo and the new background.

    gain_c = (e_bg,c / e_photo,c) ** ``strength`` per linear RGB channel, with e
    from :func:`shades_of_grey`; the subject's linear values are multiplied by
    it. The gain is split into an intensity (luminance ratio, bounded to
    ± ``max_stops`` stops) and a white balance (each channel's gain relative to
    the luminance, bounded to [1/``max_tint``, ``max_tint``]), so that an
    odd scene cannot push skin far.

    Parameters
    ----------
    strength : float in [0, 1]
        Fraction of the estimated change applied (in log terms). 1 follows the light fully.
    p : float ≥ 1
        Shades-of-grey norm.
    max_stops : float ≥ 0
        Largest intensity change, in stops (factors of 2).
    max_tint : float ≥ 1
        Largest white-balance gain of one channel relative to the luminance.
    grow : float
        The background is read around where the subject stands: its bounding box
        grown by this fraction (see :func:`~studiocomp.backends.relight.match.reference_region`).

    Notes
    -----
    :meth:`relight` takes the original ``photo`` and its ``photo_alpha``
    (keywords): the photo's illuminant is read from its non-subject area
    (alpha ≤ 0.05). Without them (or with too little backdrop visible) only
    the new background's white balance is applied, relative to neutral light,
    and the intensity is kept. The :class:`~studiocomp.Pipeline` passes them.

    Examples
    --------
    >>> import numpy as np, studiocomp
    >>> image, alpha = studiocomp.synthetic.studio_shot((120, 90), seed=0)
    >>> r = studiocomp.create("relighter", "illuminant")
    >>> out = r.relight(image, alpha, np.full_like(image, 0.5), photo=image, photo_alpha=alpha)
    >>> bool(np.array_equal(out, image))  # a plain grey backdrop carries no light: unchanged
    True
    """

    uses_photo = True

    def __init__(self, strength: float = 1.0, p: float = 4.0, max_stops: float = 4.0, max_tint: float = 3.0, grow: float = 0.5, work_side: int = 512) -> None:
        if not (isinstance(strength, (int, float)) and 0.0 <= strength <= 1.0):
            raise InputError("strength", "a number in [0, 1]", repr(strength))
        if not (isinstance(p, (int, float)) and p >= 1.0):
            raise InputError("p", "a number ≥ 1", repr(p))
        if not (isinstance(max_stops, (int, float)) and max_stops >= 0.0):
            raise InputError("max_stops", "a number ≥ 0 (stops)", repr(max_stops))
        if not (isinstance(max_tint, (int, float)) and max_tint >= 1.0):
            raise InputError("max_tint", "a number ≥ 1", repr(max_tint))
        if not (isinstance(grow, (int, float)) and grow >= 0.0):
            raise InputError("grow", "a number ≥ 0", repr(grow))
        self.strength, self.p, self.max_stops, self.max_tint = float(strength), float(p), float(max_stops), float(max_tint)
        self.grow, self.work_side = float(grow), int(work_side)

    def __repr__(self) -> str:
        return f"IlluminantRelighter(strength={self.strength}, p={self.p}, max_stops={self.max_stops}, max_tint={self.max_tint})"

    def estimate_gain(self, alpha: np.ndarray, background: np.ndarray, photo: np.ndarray | None = None, photo_alpha: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, float]]:
        """The (3,) linear gain for the subject, and a report of how it was found (see :meth:`relight_reported`)."""
        from ...metrics.realism import _sigma

        report = {"gain_r": 1.0, "gain_g": 1.0, "gain_b": 1.0, "generated_background": 0.0, "photo_reference": 0.0}
        one = np.ones(3)
        if _sigma(background, None, _NOISE_BLOCKS) < _FLAT:
            report["generated_background"] = 1.0
            return one, report
        h, w = alpha.shape
        sh, sw = working_size(h, w, self.work_side)
        small_a = shrink_area(alpha, (sh, sw))
        region = reference_region(small_a, self.grow) | (small_a >= 0.5)  # the photo's subject is not in the new scene
        e_bg = shades_of_grey(shrink_area(background, (sh, sw)), region, self.p)
        if e_bg is None or _luminance(e_bg) <= 1e-6:
            return one, report
        e_ph = None
        if photo is not None and photo_alpha is not None:
            ph, pw = working_size(*photo_alpha.shape, self.work_side)
            e_ph = shades_of_grey(shrink_area(photo, (ph, pw)), shrink_area(photo_alpha, (ph, pw)) <= 0.05, self.p)
        if e_ph is None or _luminance(e_ph) <= 1e-6:
            e_ph = np.full(3, _luminance(e_bg))  # neutral light of the same intensity: white balance only
        else:
            report["photo_reference"] = 1.0
        gain = e_bg / np.maximum(e_ph, 1e-6)
        y = _luminance(gain)
        intensity = float(np.clip(np.log2(max(y, 1e-6)), -self.max_stops, self.max_stops))
        tint = np.clip(gain / max(y, 1e-6), 1.0 / self.max_tint, self.max_tint)
        gain = np.exp2(self.strength * (intensity + np.log2(tint)))
        report.update(gain_r=float(gain[0]), gain_g=float(gain[1]), gain_b=float(gain[2]))
        return gain, report

    def relight_reported(self, foreground: Image, alpha: Alpha, background: Image, *, photo: Any = None, photo_alpha: Any = None) -> tuple[Image, dict[str, float]]:
        """:meth:`relight` and what it did: ``gain_r``, ``gain_g``, ``gain_b`` (linear), ``generated_background`` and ``photo_reference`` (0 or 1)."""
        fg = checked_image(foreground, name="foreground")
        a = checked_alpha(alpha, shape=fg.shape[:2])
        bg = checked_image(background, name="background")
        if bg.shape != fg.shape:
            raise InputError("background", f"shape {fg.shape} (same as foreground)", f"shape {bg.shape}")
        ph = pa = None
        if photo is not None and photo_alpha is not None:
            ph = checked_image(photo, name="photo")
            pa = checked_alpha(photo_alpha, name="photo_alpha", shape=ph.shape[:2])
        out = fg.copy()
        gain, report = self.estimate_gain(a, bg, ph, pa)
        win = bounding_window(a > 0.0)
        if win is None or np.allclose(gain, 1.0, atol=1e-4):
            return out, report
        # encode(g·decode(v)) per channel, tabulated: one multi-threaded table lookup over the subject's window
        grid = np.linspace(0.0, 1.0, _CURVE, dtype=np.float32)
        curves = linear_to_srgb(srgb_to_linear(grid)[None, :] * gain.astype(np.float32)[:, None])  # 3×N
        planes = cv2.split(fg[win])
        rows0 = np.zeros(planes[0].shape, np.float32)  # every lookup reads row 0 of its channel's curve
        channels = []
        for c, plane in enumerate(planes):
            xs = plane * np.float32(_CURVE - 1)
            channels.append(cv2.remap(curves[c : c + 1], xs, rows0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
        relit = cv2.merge(channels)
        cv2.copyTo(relit, (a[win] > 0.0).view(np.uint8), out[win])
        return out, report

    def relight(self, foreground: Image, alpha: Alpha, background: Image, *, photo: Any = None, photo_alpha: Any = None) -> Image:
        """The subject (H×W×3 sRGB, pixels with alpha > 0) under the new background's light.

        ``photo`` and ``photo_alpha``: the original photo and its alpha (any size), whose backdrop gives the light it was shot in.
        """
        return self.relight_reported(foreground, alpha, background, photo=photo, photo_alpha=photo_alpha)[0]
