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
which is grey world for p = 1 and white patch (max-RGB) as p → ∞. The default
is the white-patch end, made robust: each channel's 95th percentile (Funt & Shi,
"The rehabilitation of MaxRGB", CIC 18, 2010). Grey-world-like norms read the
*content* of a scene as light (a dark sky, green grass); the bright end of each
channel is what the light does to the brightest surfaces. A camera clips bright
pixels, and a brighter light clips more of them; a percentile below the clipped
fraction still scales exactly with a change of light (see :func:`studiocomp.estimate.shades_of_grey`).
On the real backgrounds of ``tests/integration/test_finishing_real.py``, 117 of
120 known changes of light are followed within 30 % with the default bounds
(120 without bounds; 52 with the presets' 1 stop and 15 % tint, where every
other case is bounded); the 3: the ``max_stops`` bound holds. With the colour
read from all pixels (before 2026-12-01): 113, 116 and 54; the 4 lost then were
the hall whose blue video wall is clipped in 17 % of its pixels after the cool
change, beyond the 95th percentile's reach.

The *colour* of the scene's light is read from its grey and white pixels only
(:func:`achromatic_pixels`): a lit screen, orange wood, a blue wall are surfaces
of a colour. The hall of composite_assets bgmatting_0001 has a blue video wall
(8 % of it, its blue clipped): the per-channel white patch read it as blue-magenta
light and turned 20 of 23 subjects bluer and darker (``studio`` preset), most on its tint
bound, and the same hall with the wall painted grey read the opposite bound
(red/blue gain 0.76 against 1.32). Its *level* stays the white patch of the whole
region. The photo's light is read from its near-neutral pixels (it was white-balanced
for the shot); with under 5 % of them, or with its white reference clipped (a
blown-out backdrop), the photo's light level is unknown and the subject keeps
its exposure (report ``unreliable_photo``, ``clipped_photo``; :func:`relight_warnings`).

A generated background (no grain and next to no detail: a plain colour, a
gradient, a preset; :func:`~studiocomp.estimate.noise.detail_share` under 5 %)
was not photographed under any light, so it says nothing about one: the
subject keeps the photo's light (gain 1), which is what a studio backdrop
colour means. Grain alone does not decide it: a clean 8-bit photograph reads a
noise σ of 0 (the real 1920×1080 halls of ``composite_assets`` did, and were
taken for generated when used at full size). A caller that enlarged a background to
the photo's size passes ``generated``, judged on the background as it was given
(:func:`~studiocomp.estimate.noise.looks_generated`): enlarging smooths a real
wall's detail away. The direction of the light is not
estimated here (a single gain cannot move highlights); the shadow caster reads
it from the scene.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ..._ops import bounding_window, shrink_area, working_size
from ...color import MONOCHROME_SPREAD, chroma_spread, linear_to_srgb, srgb_to_linear
from ...errors import InputError
from ...estimate.illuminant import achromatic_pixels, neutral_white_patch, shades_of_grey
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image, QualityWarning
from .match import reference_region

# shades_of_grey, neutral_white_patch and achromatic_pixels live in studiocomp.estimate.illuminant; re-exported here
__all__ = ["IlluminantRelighter", "shades_of_grey", "neutral_white_patch", "achromatic_pixels", "relight_warnings"]

#: the photo's white reference at or above this linear level (sRGB 0.977) in any channel is clipped: its light is censored
CLIPPED_REFERENCE = 0.95


def relight_warnings(report: dict[str, float]) -> list[QualityWarning]:
    """The notes a relighting report calls for (:meth:`IlluminantRelighter.relight_reported`); empty when it has none.

    ``relight-bounded``: the estimated change of light went past the relighter's bounds and was cut back to them
    (value: the intensity change asked for, in stops). ``relight-unreliable``: the photo's light could not be read
    (too few grey or white pixels in it, or its white reference is clipped), so the subject kept the photo's exposure
    (value: 1 when the photo had no usable white reference, 2 when its reference was clipped). Both are notes
    (``uncertain=False``): the cut-out is not in doubt, the subject's colour is as shot or moved only part way.

    Parameters
    ----------
    report : dict of str to float
        The relighter's report.

    Returns
    -------
    list of QualityWarning
        Zero, one or two notes.
    """
    out: list[QualityWarning] = []
    if report.get("unreliable_photo", 0.0) or report.get("clipped_photo", 0.0):
        clipped = bool(report.get("clipped_photo", 0.0))
        why = "its white reference is clipped (a blown-out backdrop)" if clipped else "it has too few grey or white pixels"
        out.append(QualityWarning("relight-unreliable", f"the photo's light could not be read ({why}): the subject keeps its exposure", 2.0 if clipped else 1.0, uncertain=False))
    if report.get("bounded", 0.0):
        stops, tint = report.get("stops_asked", 0.0), report.get("tint_asked", 1.0)
        asked = [f"{abs(stops):.2f} stops {'brighter' if stops > 0 else 'darker'}"] if abs(stops) >= 0.05 else []
        if abs(tint - 1.0) >= 0.01:
            asked.append(f"{'warmer' if tint > 1.0 else 'cooler'} (red/blue ×{tint:.2f})")
        out.append(
            QualityWarning(
                "relight-bounded",
                f"the scene's light would make the subject {' and '.join(asked) or 'change'}; the relighter's bounds (max_stops, max_tint) let it move only part way",
                stops,
                uncertain=False,
            )
        )
    return out

_CURVE = 4096  # samples of each channel's transfer curve encode(g·decode(v))
_REMAP_ROWS, _REMAP_COLS = 256, 30000  # blocks of the lookup; columns under cv2.remap's 32767 a side, a multiple of 3


def _channel_rows(h: int, w: int) -> np.ndarray:
    """H×3W float32 map of 0, 1, 2, 0, 1, 2, …: the curve row (channel) each interleaved value is looked up in."""
    return np.tile(np.arange(3, dtype=np.float32), (h, w))


def _copy_outside(out: np.ndarray, src: np.ndarray, win: tuple[slice, slice]) -> None:
    """Copy ``src`` into ``out`` outside the window ``win`` (the rows above and below it, the columns beside it)."""
    (r, c) = win
    out[: r.start] = src[: r.start]
    out[r.stop :] = src[r.stop :]
    out[r, : c.start] = src[r, : c.start]
    out[r, c.stop :] = src[r, c.stop :]


def _luminance(rgb: np.ndarray) -> float:
    return float(rgb @ np.array([0.2126, 0.7152, 0.0722]))


class IlluminantRelighter:
    """Von Kries transfer of the illuminant difference between the photo and the new background.

    gain_c = (e_bg,c / e_photo,c) ** ``strength`` per linear RGB channel, with e
    from :func:`shades_of_grey`; the subject's linear values are multiplied by
    it. The gain is split into an intensity (luminance ratio, bounded to
    ± ``max_stops`` stops) and a white balance on the two axes of light colour, in
    log2 terms: blue–amber, u = (log r − log b)/2, bounded to ± log2 ``max_tint``, and
    green–magenta, v = log g − (log r + log b)/2, bounded to ± ``max_green_magenta``.
    Real light varies along the first (the Planckian locus and daylight: tungsten,
    sun, shade; Wyszecki & Stiles, *Color Science*, 2nd ed., 1982, §3.5) and barely along
    the second, which a scene's content (a lit blue wall, a red brick floor) moves
    instead: unbounded, it gave people a magenta cast. So an odd scene cannot push skin far.

    Parameters
    ----------
    strength : float in [0, 1]
        Fraction of the estimated change applied (in log terms). 1 follows the light fully.
    p : float ≥ 1
        Shades-of-grey norm. The default, ``inf`` with ``winsor=0.95``, is a robust white patch (each
        channel's 95th percentile; Funt & Shi, "The rehabilitation of MaxRGB", CIC 18, 2010): measured on
        4 subjects × 10 real backgrounds it followed known warm/cool/dim changes of light in 113 of 120
        cases (p = 4 with the 90th-percentile cap: 112; both measured before the colour was read from grey
        pixels, which follow 117) and reads less of a scene's content as light
        (median |intensity change| 0.57 stop against 0.64; the rocket at dusk darkens a subject
        1.6 stops, not 2.8).
    max_stops : float ≥ 0
        Largest intensity change, in stops (factors of 2).
    max_tint : float ≥ 1
        Largest blue–amber white-balance change: 2^|u| (red against blue, each half of it).
    max_green_magenta : float ≥ 0
        Largest green–magenta white-balance change |v|, in stops (default 0.1, about 7 %).
    winsor : float in [0.5, 1]
        Quantile at which each channel is capped before the estimate (1: no cap):
        clipped highlights then do not bias it while they are under 1 − ``winsor``
        of the pixels. 0.95 by default.
    grow : float
        The background is read around where the subject stands: its bounding box
        grown by this fraction (see :func:`~studiocomp.backends.relight.match.reference_region`).
    work_side : int
        Long side (pixels) of the copies the illuminants are estimated on.

    Raises
    ------
    InputError
        An option out of its range.

    Notes
    -----
    :meth:`relight` takes the original ``photo`` and its ``photo_alpha``
    (keywords): the photo's illuminant is read from the whole photo, subject
    and backdrop (a studio backdrop alone reads as light of its paper's
    colour: a black one made subjects 6–25× brighter). ``photo_alpha`` is
    still required, as the sign that ``photo`` is the subject's own photo.
    Without them only the new background's white balance is applied,
    relative to neutral light, and the intensity is kept. The
    :class:`~studiocomp.Pipeline` passes them.

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

    def __init__(
        self,
        strength: float = 1.0,
        p: float = float("inf"),
        max_stops: float = 4.0,
        max_tint: float = 3.0,
        grow: float = 0.5,
        work_side: int = 512,
        winsor: float = 0.95,
        max_green_magenta: float = 0.1,
    ) -> None:
        if not (isinstance(max_green_magenta, (int, float)) and max_green_magenta >= 0.0):
            raise InputError("max_green_magenta", "a number ≥ 0 (stops)", repr(max_green_magenta))
        self.max_green_magenta = float(max_green_magenta)
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
        if not (isinstance(winsor, (int, float)) and 0.5 <= winsor <= 1.0):
            raise InputError("winsor", "a quantile in [0.5, 1]", repr(winsor))
        self.grow, self.work_side, self.winsor = float(grow), int(work_side), float(winsor)

    def __repr__(self) -> str:
        return (
            f"IlluminantRelighter(strength={self.strength}, p={self.p}, max_stops={self.max_stops}, max_tint={self.max_tint}, "
            f"max_green_magenta={self.max_green_magenta}, winsor={self.winsor})"
        )

    def estimate_gain(
        self, alpha: np.ndarray, background: np.ndarray, photo: np.ndarray | None = None, photo_alpha: np.ndarray | None = None, *, generated: bool | None = None
    ) -> tuple[np.ndarray, dict[str, float]]:
        """The (3,) linear gain for the subject, and a report of how it was found (see :meth:`relight_reported`).

        Parameters
        ----------
        alpha : numpy.ndarray
            H×W float32 alpha of the subject in the background's frame.
        background : numpy.ndarray
            H×W×3 float32 sRGB background.
        photo : numpy.ndarray, optional
            The original photo (H'×W'×3 float32).
        photo_alpha : numpy.ndarray, optional
            Its H'×W' alpha.
        generated : bool, optional
            Whether the background was rendered rather than photographed; None (default) judges ``background``
            itself (:func:`~studiocomp.estimate.noise.looks_generated`).

        Returns
        -------
        (numpy.ndarray, dict of str to float)
            The (3,) float gain per linear channel and the report.
        """
        from ...estimate.noise import looks_generated

        report = {
            "gain_r": 1.0,
            "gain_g": 1.0,
            "gain_b": 1.0,
            "generated_background": 0.0,
            "photo_reference": 0.0,
            "bounded": 0.0,
            "monochrome": 0.0,
            "achromatic_share": 1.0,
            "unreliable_photo": 0.0,
            "clipped_photo": 0.0,
            "stops_asked": 0.0,
            "tint_asked": 1.0,
        }
        one = np.ones(3)
        if looks_generated(background) if generated is None else generated:
            report["generated_background"] = 1.0
            return one, report
        h, w = alpha.shape
        sh, sw = working_size(h, w, self.work_side)
        small_a = shrink_area(alpha, (sh, sw))
        small_bg = shrink_area(background, (sh, sw))
        region = reference_region(small_a, self.grow) | (small_a >= 0.5)  # the photo's subject is not in the new scene
        grey = None
        if region.sum() >= 64:
            # only what looks grey or white under the scene's own light: a lit screen, orange wood, a blue wall are
            # surfaces of a colour, not the light (the hall's blue video wall, 8 % of it, read as a blue-magenta light)
            grey = achromatic_pixels(srgb_to_linear(small_bg[region]).astype(np.float64))
            if grey is not None:  # else a scene of one colour: taken for a light of that colour
                report["achromatic_share"] = float(grey[0].mean())
        e_bg = shades_of_grey(small_bg, region, self.p, self.winsor)
        if e_bg is None or _luminance(e_bg) <= 1e-6:
            return one, report
        if grey is not None and _luminance(grey[1]) > 1e-9:
            # the light's colour from the grey pixels; its level from the white patch of the whole region, as before
            # (the grey pixels' own white patch moved by up to 0.5 stop as a warmer, cooler or dimmer light clipped
            # more or fewer of them: composite_assets bgmatting_0002)
            e_bg = grey[1] * (_luminance(e_bg) / _luminance(grey[1]))
        e_ph = None
        mono = False
        if photo is not None and photo_alpha is not None:
            ph, pw = working_size(photo_alpha.shape[0], photo_alpha.shape[1], self.work_side)
            small_photo = shrink_area(photo, (ph, pw))
            # the whole photo, subject included, but only its near-neutral pixels (under neutral light: the photo was
            # white-balanced for the shot): a studio backdrop is paper of any colour, black included, and alone it
            # reads as that colour of light (a black one made the subject 6-25x brighter, a cyan one turned it
            # salmon-red on real backgrounds). Too few of them (a red-lit photo): its light is not read
            lin_ph = srgb_to_linear(small_photo.reshape(-1, 3)).astype(np.float64)
            neutral = achromatic_pixels(lin_ph, np.ones(3), rounds=1)
            if neutral is not None:
                e_ph = np.quantile(lin_ph[neutral[0]], self.winsor, axis=0)
            elif len(lin_ph) >= 64:
                report["unreliable_photo"] = 1.0
            # a black-and-white photo has no white balance to move: the scene's light colour would only tint it
            mono = chroma_spread(small_photo) < MONOCHROME_SPREAD
        if e_ph is None or _luminance(e_ph) <= 1e-6:
            e_ph = np.full(3, _luminance(e_bg))  # neutral light of the same intensity: white balance only
        else:
            report["photo_reference"] = 1.0
        # a clipped reference (a blown-out backdrop, lit past the sensor's range for a white background) gives only a
        # bound on the photo's light, and the subject was exposed for itself: its exposure is kept, the colour follows
        clipped = bool(report["photo_reference"]) and float(e_ph.max()) >= CLIPPED_REFERENCE
        report["clipped_photo"] = float(clipped)
        gain = e_bg / np.maximum(e_ph, 1e-6)
        y = _luminance(gain)
        raw_stops = float(np.log2(max(y, 1e-6)))
        report["stops_asked"] = raw_stops
        intensity = 0.0 if clipped else float(np.clip(raw_stops, -self.max_stops, self.max_stops))
        # white balance on the two axes of light colour (log2): blue–amber u = (r − b)/2, along which real light
        # varies (daylight, tungsten, shade), and green–magenta v = g − (r + b)/2, along which it barely does
        lg = np.log2(np.maximum(gain, 1e-9))
        u, v = 0.5 * (lg[0] - lg[2]), lg[1] - 0.5 * (lg[0] + lg[2])
        bu = float(np.clip(u, -np.log2(self.max_tint), np.log2(self.max_tint)))
        bv = float(np.clip(v, -self.max_green_magenta, self.max_green_magenta))
        if mono:
            u = v = bu = bv = 0.0
            report["monochrome"] = 1.0
        tint = np.exp2(bu * np.array([1.0, 0.0, -1.0]) + bv * np.array([-1.0, 2.0, -1.0]) / 3.0)
        tint /= _luminance(tint)
        gain = np.exp2(self.strength * (intensity + np.log2(tint)))
        report["tint_asked"] = float(np.exp2(2.0 * u))
        bounded = (intensity != raw_stops and not clipped) or bu != u or bv != v
        report.update(gain_r=float(gain[0]), gain_g=float(gain[1]), gain_b=float(gain[2]), bounded=float(bounded))
        return gain, report

    @staticmethod
    def notes(report: dict[str, float]) -> list[QualityWarning]:
        """The notes for a result that :meth:`relight_reported`'s ``report`` calls for: :func:`relight_warnings`.

        A pipeline adds them to its result's warnings (any relighter with a ``notes(report)`` method).

        Parameters
        ----------
        report : dict of str to float
            The second value :meth:`relight_reported` returned.

        Returns
        -------
        list of QualityWarning
            ``relight-bounded`` and/or ``relight-unreliable`` notes (``uncertain=False``), or none.
        """
        return relight_warnings(report)

    def relight_reported(
        self, foreground: Image, alpha: Alpha, background: Image, *, photo: Any = None, photo_alpha: Any = None, generated: bool | None = None
    ) -> tuple[Image, dict[str, float]]:
        """:meth:`relight` and what it did: the linear ``gain_r``, ``gain_g``, ``gain_b``, six flags and three figures.

        The flags (0 or 1): ``generated_background``, ``photo_reference``, ``bounded``, ``monochrome``,
        ``unreliable_photo`` and ``clipped_photo``; the figures: ``achromatic_share``, ``stops_asked``, ``tint_asked``.

        ``achromatic_share`` is the share of the scene read around the subject that looked grey or white under its
        own light (:func:`achromatic_pixels`; 1 when none or all did): the light's colour is read from those.
        ``stops_asked`` and ``tint_asked`` are the intensity change (stops) and red/blue ratio of the gain before
        the bounds. ``unreliable_photo`` is 1 when under 5 % of the photo is grey or white (a photo lit red all
        over): its light is not read, its exposure is kept and only the scene's white balance applies.
        ``clipped_photo`` is 1 when the photo's white reference is clipped (:data:`CLIPPED_REFERENCE`: a blown-out
        backdrop): it bounds the photo's light from below only, and the subject was exposed for itself, so its
        exposure is kept (the colour still follows). :func:`relight_warnings` turns these and ``bounded`` into notes.

        ``monochrome`` is 1 when the photo is black and white (:func:`studiocomp.color.chroma_spread` below
        :data:`~studiocomp.color.MONOCHROME_SPREAD`): it has no white balance to move, so only the intensity
        follows the scene and the subject stays neutral.

        ``bounded`` is 1 when the estimated change went past ``max_stops``, ``max_tint`` or
        ``max_green_magenta`` and was cut back to them: the subject then follows the
        scene's light only up to that bound.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (sRGB, straight).
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 new background.
        photo : array_like, optional
            The original photo (any size), whose light the subject was shot in.
        photo_alpha : array_like, optional
            The subject's alpha in ``photo`` (required with it).
        generated : bool, optional
            Whether the background was rendered, not photographed (the subject then keeps its photo's light); None
            (default) judges ``background`` itself. Pass it, judged at the background's own scale, when
            ``background`` was enlarged: enlarging smooths a photograph's detail away.

        Returns
        -------
        (Image, dict of str to float)
            The relit H×W×3 float32 subject and the report.

        Raises
        ------
        InputError
            Shapes differ, or inputs are not images / alpha.
        """
        fg = checked_image(foreground, name="foreground")
        a = checked_alpha(alpha, shape=fg.shape[:2])
        bg = checked_image(background, name="background")
        if bg.shape != fg.shape:
            raise InputError("background", f"shape {fg.shape} (same as foreground)", f"shape {bg.shape}")
        ph = pa = None
        if photo is not None and photo_alpha is not None:
            ph = checked_image(photo, name="photo")
            pa = checked_alpha(photo_alpha, name="photo_alpha", shape=ph.shape[:2])
        gain, report = self.estimate_gain(a, bg, ph, pa, generated=generated)
        win = bounding_window(a > 0.0)
        if win is None or np.allclose(gain, 1.0, atol=1e-4):
            return fg.copy(), report
        # encode(g·decode(v)) per channel, tabulated: one multi-threaded table lookup (cv2.remap) over the
        # subject's window, read as one H×3W plane whose row coordinate is the channel (no split, no merge).
        # The table has a 4th row and an N+1-th column repeating the last ones, so every 2×2 neighbourhood
        # lies inside it: OpenCV's fast path (7× faster than its border path; the values agree to 1 ulp).
        grid = np.linspace(0.0, 1.0, _CURVE, dtype=np.float32)
        curves = linear_to_srgb(srgb_to_linear(grid)[None, :] * gain.astype(np.float32)[:, None])
        table = np.pad(curves, ((0, 1), (0, 1)), mode="edge")
        f_w = fg[win]
        hw, ww = f_w.shape[:2]
        out = np.empty_like(fg)  # NumPy-allocated: first touch is cheap
        _copy_outside(out, fg, win)
        o_w = out[win]
        src, dst = f_w.reshape(hw, 3 * ww), o_w.reshape(hw, 3 * ww)
        step_x = min(3 * ww, _REMAP_COLS)
        rows = _channel_rows(min(hw, _REMAP_ROWS), step_x // 3)
        xs = np.empty(rows.shape, np.float32)
        for y in range(0, hw, _REMAP_ROWS):  # blocks: small maps, reused; cv2.remap takes maps under 32767 a side
            for x in range(0, 3 * ww, step_x):
                block = src[y : y + _REMAP_ROWS, x : x + step_x]
                bh, bw = block.shape
                cv2.multiply(block, float(_CURVE - 1), dst=xs[:bh, :bw])  # type: ignore[call-overload]  # OpenCV takes a scalar as src2; its stubs list arrays only
                cv2.remap(table, xs[:bh, :bw], rows[:bh, :bw], cv2.INTER_LINEAR, dst=dst[y : y + bh, x : x + bw], borderMode=cv2.BORDER_REPLICATE)
        cv2.copyTo(f_w, (a[win] <= 0.0).view(np.uint8), o_w)  # the background around the subject stays as it was
        return out, report

    def relight(self, foreground: Image, alpha: Alpha, background: Image, *, photo: Any = None, photo_alpha: Any = None) -> Image:
        """The subject (H×W×3 sRGB, pixels with alpha > 0) under the new background's light.

        ``photo`` and ``photo_alpha``: the original photo and its alpha (any size), whose backdrop gives the light it was shot in.

        Parameters
        ----------
        foreground : Image
            H×W×3 subject colours (sRGB, straight).
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 new background.
        photo : array_like, optional
            The original photo (any size), whose light the subject was shot in.
        photo_alpha : array_like, optional
            The subject's alpha in ``photo`` (required with it).

        Returns
        -------
        Image
            H×W×3 float32 sRGB in [0, 1] (pixels with alpha = 0 as given).

        Raises
        ------
        InputError
            Shapes differ, or inputs are not images / alpha.
        """
        return self.relight_reported(foreground, alpha, background, photo=photo, photo_alpha=photo_alpha)[0]
