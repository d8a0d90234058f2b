"""Shadows on the floor: a contact shadow where the subject meets it, and a cast shadow from a light.

Both return the shadow's **opacity** (H×W float32 in [0, 1]); the compositor
applies it to the background in linear light, B' = B·(1 − S), which darkens and
never brightens or recolours. The floor is taken to be the plane the subject
stands on, its contact line the lowest row of the subject (alpha ≥ 0.5); people
apart from each other (separate solid components, each at least 0.3 × the tallest's
height) each stand on their own feet and throw their own shadows. A
subject cut by the bottom of the frame (a head-and-shoulders portrait) shows no
floor: then there is no floor shadow and the layer is all zeros.

Light direction, as seen from the camera: ``azimuth`` in degrees, 0 = light
from the camera's side (the shadow falls behind the subject), 90 = from the
right of the picture (shadow to the left), 180 = from behind the subject
(shadow towards the camera), 270 = from the left; ``elevation`` in degrees
above the horizon (a low sun throws long shadows). With ``azimuth=None`` the
direction is estimated from the background (:func:`studiocomp.estimate.estimate_light`): from the
shadows already on its floor, or else from its brightness gradient (the bright
side is where the light comes from) — heuristics, documented as such.

Work is done on a copy of about ``work_side`` pixels and the (smooth) result is
upsampled, so the cost barely depends on the image size.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

import cv2
import numpy as np

from ..._ops import bounding_window, cut_by_bottom, lowest_rows, resize, row_extent, shrink_area, upsample_into, working_size
from ...errors import InputError
from ...estimate.light import DEFAULT_AZIMUTH, DEFAULT_ELEVATION, LightEstimate, estimate_light, find_light
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image, QualityWarning

# LightEstimate, find_light, estimate_light and the defaults live in studiocomp.estimate.light; re-exported here as before
__all__ = ["ContactShadow", "CastShadow", "LightEstimate", "find_light", "estimate_light", "DEFAULT_AZIMUTH", "DEFAULT_ELEVATION"]


def _check(name: str, value: float, lo: float, hi: float) -> float:
    if not (isinstance(value, (int, float)) and lo <= value <= hi):
        raise InputError(name, f"a number in [{lo}, {hi}]", repr(value))
    return float(value)


def _small_alpha(alpha: np.ndarray, work_side: int) -> tuple[np.ndarray, float]:
    h, w = alpha.shape
    sh, sw = working_size(h, w, work_side)
    return shrink_area(alpha, (sh, sw)), sh / h


def _contact_line(a: np.ndarray) -> tuple[int, int, int] | None:
    """(top row, contact row, height) of the subject (alpha ≥ 0.5) in the working copy; None when there is none."""
    extent = row_extent(a >= 0.5)
    if extent is None:
        return None
    top, bottom = extent
    return top, bottom, bottom - top + 1


#: a separate component of the solid alpha stands on the floor on its own (a second person) when it is at least
#: this fraction of the tallest one's height; smaller ones (a detached hand, a held object) go with the nearest subject
_STANDING = 0.3


def _subject_owners(a: np.ndarray) -> tuple[np.ndarray | None, list[int]]:
    """Which standing subject each pixel of the working copy belongs to: (owner labels, the subjects' labels).

    Connected components of the solid alpha (≥ 0.5, 8-connected) at least :data:`_STANDING` × the tallest
    one's height are subjects; every other pixel (soft edges, smaller pieces) goes to the nearest subject.
    One subject (the usual case): ``(None, [])``.
    """
    solid = (a >= 0.5).view(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    if n <= 2:
        return None, []
    tall = stats[1:, cv2.CC_STAT_HEIGHT]
    keep = [k + 1 for k in range(n - 1) if tall[k] >= _STANDING * tall.max()]
    if len(keep) == 1:
        return None, []
    # each pixel's nearest subject: a distance transform from the subjects' pixels, with their labels
    seeds = np.isin(labels, keep)
    _, nearest = cv2.distanceTransformWithLabels((~seeds).view(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    owner = np.zeros(int(nearest.max()) + 1, np.int32)
    owner[nearest[seeds]] = labels[seeds]
    return owner[nearest], keep


def _standing_subjects(a: np.ndarray) -> list[np.ndarray]:
    """The working-copy alpha split into the subjects that stand on the floor each on their own feet.

    See :func:`_subject_owners`. One subject (the usual case): ``[a]`` itself, so its shadow is unchanged.
    """
    who, keep = _subject_owners(a)
    if who is None:
        return [a]
    return [np.where(who == k, a, np.float32(0)) for k in keep]


def _upsample(s: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """The small shadow at full size; computed only in its (grown) bounding box, zeros elsewhere."""
    out = np.zeros(hw, np.float32)
    win = bounding_window(s > 0.0, pad=1)
    if win is None:
        return out
    scale = (hw[0] / s.shape[0], hw[1] / s.shape[1])
    full = (slice(int(win[0].start * scale[0]), min(hw[0], int(np.ceil(win[0].stop * scale[0])))), slice(int(win[1].start * scale[1]), min(hw[1], int(np.ceil(win[1].stop * scale[1])))))
    upsample_into(out[full], np.clip(s, 0.0, 1.0), hw, full)
    return out


def _combined(layers: Iterable[np.ndarray]) -> np.ndarray:
    """Opacities of several occluders together: ``1 − Π(1 − S_i)``."""
    it = iter(layers)
    out = next(it)
    for s in it:
        out = 1.0 - (1.0 - out) * (1.0 - s)
    return out


#: the contact shadow is drawn at a scale where the subject is at most this many pixels tall (its feet window only)
_CONTACT_HEIGHT = 800
#: a foot's columns whose lowest row is more than this fraction of the subject's height above the foot's lowest row
#: are off the floor (the sides of a rounded shape); a sole seen at 45° rises about 0.04 of the height across the image
_FOOT_RISE = 0.05
#: the occlusion is cut off (and rescaled to reach 0 smoothly) at this many ``reach`` from the footprint
_CONTACT_EXTENT = 4.0


def _occlusion(r: np.ndarray, reach: float) -> np.ndarray:
    """Ambient occlusion of the floor at distance ``r`` from a foot, relative to its value at the foot: 1 → 0.

    The floor's view factor to an infinitely long upright strip of height ``reach`` at distance ``r``
    (Hottel's crossed strings: ``F = ½·(1 − r/√(r² + reach²))``; Modest, *Radiative Heat Transfer*, 3rd ed. 2013,
    §4.5), normalised to 1 at ``r = 0`` and taken down to 0 at ``_CONTACT_EXTENT·reach``.
    """
    f = 1.0 - r / np.sqrt(r * r + reach * reach)
    far = 1.0 - _CONTACT_EXTENT / math.sqrt(_CONTACT_EXTENT**2 + 1.0)
    out: np.ndarray = np.clip((f - far) / (1.0 - far), 0.0, 1.0).astype(np.float32)
    return out


class ContactShadow:
    """Ambient occlusion where each foot meets the floor: a dark line at every sole, fading within a few centimetres.

    A floor point beside a foot sees less of the room's light the closer it is: its view factor to an upright
    strip of height ``reach`` at distance r is ``½·(1 − r/√(r² + reach²))`` (Hottel's crossed strings; Modest,
    *Radiative Heat Transfer*, 3rd ed. 2013, §4.5), the occlusion behind the contact shadows of rendering
    (Zhukov, Iones & Kronin, "An ambient light illumination model", Rendering Techniques '98). Normalised,
    ``opacity·(1 − r/√(r² + reach²))`` is the shadow: ``opacity`` right at the sole, 0.29 of it at ``reach``,
    0.11 at 2·``reach`` (cut to 0 at 4·``reach``). Distances are measured on the floor: rows count
    ``1/depth`` times columns (the floor's foreshortening, as in :class:`CastShadow`), so the pad is a thin dark
    line below a sole and reaches further to its sides.

    Each foot stands on its own floor line: the separate parts of the solid silhouette (alpha ≥ 0.5) in its
    lowest ``band`` (a fraction of the subject's height) whose own lowest row lies in that band's lower three
    quarters are the feet; in a walking stance or a 3/4 view the far foot is higher in the image and gets its
    pad at its own sole. A foot's footprint is, in each of its columns whose lowest row is within 0.05 of the height
    of the foot's lowest row (a sole seen at 45° rises about 0.04 across the image), its lowest ``reach`` × height rows; the
    pad is darkest there, under the shoe (hidden by the subject, which is laid over it) and right at its
    outline, where it shows. ``softness`` blurs it a little (a penumbra). The pad is drawn around the feet only,
    at a scale where the subject is at most 800 pixels tall, so its line is sharp on a large photo too.

    Parameters
    ----------
    opacity : float
        Opacity at the sole, in [0, 1] (the darkest).
    band : float
        Fraction of the subject's height, above its lowest row, searched for feet, in [0, 1].
    softness : float
        Blur as a fraction of the subject's height, in [0, 1].
    reach : float
        The occluder's height (a shoe's) as a fraction of the subject's height, in (0, 1]: how far the
        occlusion reaches (0.03 of 1.7 m: 5 cm).
    depth : float
        The floor's foreshortening in [0.05, 1]: a distance towards the camera shows as ``depth`` × as many rows.
    work_side : int
        Long side (pixels) of the copy on which subjects standing apart are told apart.

    Raises
    ------
    InputError
        An option out of its range.
    """

    def __init__(self, opacity: float = 0.55, band: float = 0.1, softness: float = 0.002, reach: float = 0.03, depth: float = 0.35, work_side: int = 512) -> None:
        self.opacity = _check("opacity", opacity, 0.0, 1.0)
        self.band = _check("band", band, 0.0, 1.0)
        self.softness = _check("softness", softness, 0.0, 1.0)
        self.reach = _check("reach", reach, 1e-4, 1.0)
        self.depth = _check("depth", depth, 0.05, 1.0)
        self.work_side = int(work_side)

    def __repr__(self) -> str:
        return f"ContactShadow(opacity={self.opacity}, band={self.band}, softness={self.softness}, reach={self.reach})"

    def _pad(self, win: np.ndarray, height: float) -> np.ndarray:
        """The occlusion pad (window shape) of the feet in ``win``, one subject's alpha around its feet; ``height`` in pixels."""
        f = min(1.0, _CONTACT_HEIGHT / max(height, 1.0))
        hw = win.shape
        small = shrink_area(win, (max(1, round(hw[0] * f)), max(1, round(hw[1] * f)))) if f < 1.0 else win
        hh = height * f
        solid = small >= 0.5
        extent = row_extent(solid)
        if extent is None:
            return np.zeros(hw, np.float32)
        bottom = extent[1]
        top = int(math.floor(bottom - self.band * hh))
        solid[: max(0, top)] = False
        n, labels, stats, _ = cv2.connectedComponentsWithStats(solid.view(np.uint8), connectivity=8)
        rows = np.arange(solid.shape[0])[:, None]
        foot_rows = max(1.0, self.reach * hh)
        footprint = np.zeros_like(solid)
        for k in range(1, n):
            lowest = stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] - 1
            if lowest < top + 0.25 * (bottom - top):  # a part only entering the band from above: not a foot
                continue
            part = labels == k
            low = lowest_rows(part)
            low[low < lowest - _FOOT_RISE * hh] = solid.shape[0]  # a rounded part's sides, up and away from the floor: no contact
            footprint |= part & (rows >= low[None, :] - foot_rows)
        if not footprint.any():
            return np.zeros(hw, np.float32)
        from scipy.ndimage import distance_transform_edt  # lazy: scipy is heavy

        r = distance_transform_edt(~footprint, sampling=(1.0 / self.depth, 1.0))
        pad: np.ndarray = np.float32(self.opacity) * _occlusion(np.asarray(r, np.float32), self.reach * hh)
        sigma = self.softness * hh
        if sigma >= 0.3:
            pad = cv2.GaussianBlur(pad, (0, 0), sigma)
        return np.clip(resize(pad, hw), 0.0, 1.0) if f < 1.0 else pad

    def _draw(self, a: np.ndarray, out: np.ndarray, small: tuple[np.ndarray, float] | None = None) -> None:
        """Combine (``1 − (1 − S)(1 − pad)``) each standing subject's pads into ``out`` (full size), around the feet only.

        ``small``: ``a``'s working copy and its scale (:func:`_small_alpha` at this ``work_side``) when the caller has it.
        """
        if self.opacity == 0.0:
            return
        small_a, scale = small if small is not None else _small_alpha(a, self.work_side)
        who, keep = _subject_owners(small_a)
        h, w = a.shape
        for k in keep or [0]:
            part = small_a if who is None else np.where(who == k, small_a, np.float32(0))
            line = _contact_line(part)
            if line is None:
                continue
            _, yc, height = line
            full = height / scale  # the subject's height in full-size pixels
            spread = _CONTACT_EXTENT * self.reach * full + 3 * self.softness * full + 2
            ys = max(0, int(math.floor((yc - self.band * height - 1) / scale - spread * self.depth)))
            ye = min(h, int(math.ceil((yc + 2) / scale + spread * self.depth)))
            cols = np.flatnonzero((part[max(0, int(yc - self.band * height) - 1) : yc + 1] > 0).any(axis=0))
            xs = max(0, int(math.floor(cols[0] / scale - spread)))
            xe = min(w, int(math.ceil((cols[-1] + 1) / scale + spread)))
            win = a[ys:ye, xs:xe]
            if who is not None:  # only this subject's pixels: its owner map sampled at the window's pixels
                sy = np.minimum(((np.arange(ys, ye) + 0.5) * scale).astype(int), who.shape[0] - 1)
                sx = np.minimum(((np.arange(xs, xe) + 0.5) * scale).astype(int), who.shape[1] - 1)
                win = np.where(who[sy][:, sx] == k, win, np.float32(0))
            pad = self._pad(win, full)
            out[ys:ye, xs:xe] = 1.0 - (1.0 - out[ys:ye, xs:xe]) * (1.0 - pad)

    def cast(self, alpha: Alpha, background: Image) -> Alpha:
        """The contact shadow at the subject's feet, as an opacity.

        Parameters
        ----------
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 background (same size).

        Returns
        -------
        Alpha
            H×W float32 shadow opacity in [0, 1] (all zeros when the subject is cut by the frame's bottom: no floor).

        Raises
        ------
        InputError
            Inputs that are not images / alpha.
        """
        a = checked_alpha(alpha)
        checked_image(background, name="background")
        out = np.zeros(a.shape, np.float32)
        if cut_by_bottom(a):  # no feet in the frame: no floor, no shadow (the rule placement uses)
            return out
        self._draw(a, out)
        return out


class CastShadow:
    """The subject's silhouette thrown onto the floor by a light, plus a contact shadow.

    Each point of the subject at height t above the contact line lands on the
    floor t·cot(elevation) away, opposite the light (foreshortened by
    ``depth`` when it falls towards or away from the camera). The shadow is
    sharp and dark at the contact point and softer and lighter with distance:
    blurred from ``softness`` to 8× that (× the subject's height) and faded by
    ``fade`` at its far end.

    Parameters
    ----------
    azimuth : float, optional
        Degrees (see the module docstring); None: estimated from the background.
    elevation : float, optional
        Degrees in [5, 89]; None: estimated, or the default 45°.
    opacity : float
        Darkest opacity, at the contact point, in [0, 1].
    softness : float
        Blur at the contact point as a fraction of the subject's height (8× that at the far end).
    fade : float
        How much lighter the far end is, in [0, 1].
    depth : float
        The floor's foreshortening in [0.05, 1].
    thickness : float
        The subject's depth along the floor as a fraction of its height, in [0, 1] (0.1: a person's
        chest is about 0.1–0.15 of their height). The silhouette is its mid-plane; the shadow of the
        body is that plane's shadow swept over ``±thickness·height/2`` along the floor's depth axis
        (``thickness·height·depth`` rows in the image). Without it a light from the side throws the
        flat silhouette's edge-on shadow: a streak a few pixels tall where a body throws one as wide
        as its depth.
    contact : bool
        Add a :class:`ContactShadow`.
    work_side : int
        Long side (pixels) of the copy the shadow is drawn on.

    Raises
    ------
    InputError
        An option out of its range.
    """

    def __init__(
        self,
        azimuth: float | None = None,
        elevation: float | None = None,
        opacity: float = 0.45,
        softness: float = 0.004,
        fade: float = 0.7,
        depth: float = 0.35,
        contact: bool = True,
        work_side: int = 512,
        thickness: float = 0.1,
    ) -> None:
        self.azimuth = None if azimuth is None else _check("azimuth", azimuth, -360.0, 360.0) % 360.0
        self.elevation = None if elevation is None else _check("elevation", elevation, 5.0, 89.0)
        self.opacity = _check("opacity", opacity, 0.0, 1.0)
        self.softness = _check("softness", softness, 0.0, 1.0)
        self.fade = _check("fade", fade, 0.0, 1.0)
        self.depth = _check("depth", depth, 0.05, 1.0)
        self.thickness = _check("thickness", thickness, 0.0, 1.0)
        self.contact = ContactShadow(work_side=work_side) if contact else None
        self.work_side = int(work_side)

    def __repr__(self) -> str:
        return f"CastShadow(azimuth={self.azimuth}, elevation={self.elevation}, opacity={self.opacity})"

    def with_light(self, azimuth: float | None, elevation: float | None, softness: float | None = None) -> CastShadow:
        """A copy with this light where this caster has none of its own (a prepared background's sidecar).

        Parameters
        ----------
        azimuth, elevation : float or None
            Degrees; each used only where this caster has none.
        softness : float, optional
            Replaces this caster's softness.

        Returns
        -------
        CastShadow
            A new caster (this one is unchanged).

        Raises
        ------
        InputError
            A value out of its range.
        """
        out = copy.copy(self)
        if self.azimuth is None and azimuth is not None:
            out.azimuth = _check("azimuth", azimuth, -360.0, 360.0) % 360.0
        if self.elevation is None and elevation is not None:
            out.elevation = _check("elevation", elevation, 5.0, 89.0)
        if softness is not None:
            out.softness = _check("softness", softness, 0.0, 1.0)
        return out

    def cast_assessed(self, alpha: Alpha, background: Image) -> tuple[Alpha, list[QualityWarning]]:
        """:meth:`cast`, and a ``light-default`` note when the light had to be guessed.

        The note (``uncertain=False``) says the light was neither given nor found in the
        scene's cast shadows (:func:`find_light`), so the shadow falls by the brightness
        gradient or the default light; or that the elevation (the shadow's length) is the default.
        The photo pipeline drops the note for a subject that casts no shadow (no feet in the frame: a
        bust), whose light is used for nothing. The note's words depend on the background alone, not on which part of it a photo's
        fit shows (the finder's reason, which did, is left out), so one background gives one note.

        Parameters
        ----------
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 background (same size).

        Returns
        -------
        (Alpha, list of QualityWarning)
            The shadow opacity and the notes (``light-default``, not uncertain).
        """
        notes: list[QualityWarning] = []
        light = None
        if self.azimuth is None or self.elevation is None:
            bg = checked_image(background, name="background")
            est = find_light(bg, depth=self.depth, casters="auto")  # the people in it as casters, when the person prior is here
            est_az, est_el = estimate_light(bg, depth=self.depth, found=est)  # what light() would read, without reading it twice
            light = (self.azimuth if self.azimuth is not None else est_az, self.elevation if self.elevation is not None else est_el)
            if self.azimuth is None and not est.found:
                notes.append(QualityWarning("light-default", "no reliable cast shadow in the background: the shadow's direction is a guess (give --light AZ,EL)", float(est.shadows), uncertain=False))
            elif self.elevation is None and not est.elevation_found:
                notes.append(QualityWarning("light-default", f"the shadow's length uses the default elevation {DEFAULT_ELEVATION:g}° (not measured in the scene)", DEFAULT_ELEVATION, uncertain=False))
        return self._cast(alpha, background, light), notes

    def light(self, background: np.ndarray) -> tuple[float, float]:
        """The (azimuth, elevation) used for this background: the given ones, or estimated.

        Parameters
        ----------
        background : numpy.ndarray
            H×W×3 float32 sRGB background.

        Returns
        -------
        (float, float)
            Azimuth and elevation in degrees.
        """
        est_az, est_el = estimate_light(background, depth=self.depth, casters="auto") if self.azimuth is None or self.elevation is None else (0.0, 45.0)
        return (self.azimuth if self.azimuth is not None else est_az, self.elevation if self.elevation is not None else est_el)

    def cast(self, alpha: Alpha, background: Image) -> Alpha:
        """The cast shadow (and the contact shadow) of the subject on the floor, as an opacity.

        Parameters
        ----------
        alpha : Alpha
            H×W alpha of the subject in the background's frame.
        background : Image
            H×W×3 background (same size).

        Returns
        -------
        Alpha
            H×W float32 shadow opacity in [0, 1] (all zeros when the subject is cut by the frame's bottom: no floor).

        Raises
        ------
        InputError
            Sizes differ, or inputs are not images / alpha.
        """
        return self._cast(alpha, background, None)

    def _cast(self, alpha: Alpha, background: Image, light: tuple[float, float] | None) -> Alpha:
        a = checked_alpha(alpha)
        bg = checked_image(background, name="background")
        if bg.shape[:2] != a.shape:
            raise InputError("background", f"shape {a.shape + (3,)} (same as alpha)", f"shape {bg.shape}")
        if cut_by_bottom(a):  # no feet in the frame: no floor, no shadow (the rule placement uses)
            return np.zeros(a.shape, np.float32)
        azimuth, elevation = light if light is not None else self.light(bg)
        small, scale = _small_alpha(a, self.work_side)
        layers = [self._cast_small(part, azimuth, elevation) for part in _standing_subjects(small)]  # each person's shadow from their own feet
        out = _upsample(_combined(layers).astype(np.float32), a.shape)
        if self.contact is not None:  # each foot's pad, drawn around the feet at (up to) full size
            self.contact._draw(a, out, (small, scale) if self.contact.work_side == self.work_side else None)
        return out

    def _cast_small(self, a: np.ndarray, azimuth: float, elevation: float) -> np.ndarray:
        h, w = a.shape
        line = _contact_line(a)
        out = np.zeros((h, w), np.float32)
        if line is None or self.opacity == 0.0:
            return out
        _, yc, height = line
        az = math.radians(azimuth)
        length = 1.0 / math.tan(math.radians(elevation))
        dx = -math.sin(az)
        dy = -math.cos(az) * self.depth
        if abs(dy) < 0.25 * self.depth:  # a light from the side still gives the shadow some depth on the floor
            dy = math.copysign(0.25 * self.depth, dy) if dy else -0.25 * self.depth
        cdx, cdy = length * dx, length * dy
        # (x, y) at height t = yc − y  →  (x + t·cdx, yc + t·cdy): an affine map
        m = np.array([[1.0, -cdx, cdx * yc], [0.0, -cdy, (1.0 + cdy) * yc]], np.float32)
        solid = a * (np.arange(h, dtype=np.float32)[:, None] <= yc)
        heights = np.clip(yc - np.arange(h, dtype=np.float32), 0, None)[:, None] * solid
        warp = cv2.warpAffine(solid, m, (w, h), flags=cv2.INTER_LINEAR)
        t_warp = cv2.warpAffine(heights, m, (w, h), flags=cv2.INTER_LINEAR)
        sweep = int(round(self.thickness * height * self.depth))
        if sweep > 1:  # the body's depth: the mid-plane's shadow swept along the floor's depth axis
            kernel = np.ones((sweep, 1), np.uint8)
            warp = cv2.dilate(warp, kernel)
            t_warp = cv2.dilate(t_warp, kernel)
        # how far (as a fraction of the subject's height) each shadow pixel is from the contact point
        big = max(1.0, 8 * self.softness * height)
        dist = cv2.GaussianBlur(t_warp, (0, 0), big) / np.maximum(cv2.GaussianBlur(warp, (0, 0), big), 1e-4) / max(height, 1)
        dist = np.clip(dist, 0.0, 1.0)
        levels = [max(0.5, self.softness * height * 2**k) for k in range(4)]  # sharp near the feet, 8× softer far away
        blurred = [cv2.GaussianBlur(warp, (0, 0), s) for s in levels]
        pos = dist * (len(levels) - 1)
        result = np.zeros((h, w), np.float32)
        for k, layer in enumerate(blurred):
            weight = np.clip(1.0 - np.abs(pos - k), 0.0, 1.0)
            result += weight * layer
        result *= self.opacity * (1.0 - self.fade * dist)
        return np.clip(result, 0.0, 1.0)
