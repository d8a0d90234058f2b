"""Shadows on the floor: a contact shadow where the subject meets it, and a cast shadow from a light.

Both return the shadow's **opacity** (H×W float32 in [0, 1]); the compositor
applies it to the background in linear light, B' = B·(1 − S), which darkens and
never brightens or recolours. The floor is taken to be the plane the subject
stands on, its contact line the lowest row of the subject (alpha ≥ 0.5). A
subject cut by the bottom of the frame (a head-and-shoulders portrait) shows no
floor: then there is no floor shadow and the layer is all zeros.

Light direction, as seen from the camera: ``azimuth`` in degrees, 0 = light
from the camera's side (the shadow falls behind the subject), 90 = from the
right of the picture (shadow to the left), 180 = from behind the subject
(shadow towards the camera), 270 = from the left; ``elevation`` in degrees
above the horizon (a low sun throws long shadows). With ``azimuth=None`` the
direction is estimated from the background (:func:`estimate_light`): from the
shadows already on its floor, or else from its brightness gradient (the bright
side is where the light comes from) — heuristics, documented as such.

Work is done on a copy of about ``work_side`` pixels and the (smooth) result is
upsampled, so the cost barely depends on the image size.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..._ops import bounding_window, shrink_area, upsample_into, working_size
from ...errors import InputError
from ...image import checked_alpha, checked_image
from ...types import Alpha, Image, QualityWarning
from .light import CasterShadow, read_light

__all__ = ["ContactShadow", "CastShadow", "LightEstimate", "find_light", "estimate_light", "DEFAULT_AZIMUTH", "DEFAULT_ELEVATION"]


def _check(name: str, value: float, lo: float, hi: float) -> float:
    if not (isinstance(value, (int, float)) and lo <= value <= hi):
        raise InputError(name, f"a number in [{lo}, {hi}]", repr(value))
    return float(value)


#: what the light defaults to when the scene shows no reliable cast shadow: from the camera's side, 45° up
DEFAULT_AZIMUTH, DEFAULT_ELEVATION = 0.0, 45.0


@dataclass(frozen=True)
class LightEstimate:
    """What :func:`find_light` read off a background.

    Attributes
    ----------
    azimuth, elevation : float
        Degrees (see the module docstring). The defaults (:data:`DEFAULT_AZIMUTH`,
        :data:`DEFAULT_ELEVATION`) when nothing reliable was found.
    found : bool
        True when the azimuth comes from cast shadows in the scene.
    elevation_found : bool
        True when the elevation was measured too (a shadow's length against its caster's
        height, :mod:`~studiocomp.backends.shadow.light`); else it is the default.
    shadows : int
        How many cast shadows agreed on the direction.
    reason : str
        One sentence on what was found or why nothing was.
    casters : tuple of CasterShadow
        Each caster found with its shadow (contact point, top, shadow tip, its own light), best first.
    """

    azimuth: float
    elevation: float
    found: bool
    elevation_found: bool
    shadows: int
    reason: str
    casters: tuple[CasterShadow, ...] = ()


def _shadow_blobs(luma: np.ndarray, depth: float) -> list[tuple[float, float, int]]:
    """Cast-shadow candidates on the floor of a small luma image: (image angle in degrees, area weight, area).

    Shadows are the parts of the lower half clearly darker (< 70 %) than their
    surroundings (a 1/8-frame blur), elongated (principal axes ≥ 2:1) and of at
    least 0.2 % of the frame. Dark edges that are not cast shadows are dropped:
    near-horizontal bands wider than a quarter of the frame (a wall's base, a
    skirting board, the edge of a rug), and families of three or more parallel
    near-horizontal candidates (stair treads, floor-board gaps). A cast shadow is
    darkest at its contact point and fades with distance, so each points from
    its darker half to its lighter half.
    """
    h, w = luma.shape
    surround = cv2.GaussianBlur(luma, (0, 0), max(h, w) / 8.0)
    dark = (luma < 0.7 * surround) & (np.arange(h)[:, None] >= h // 2)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark.view(np.uint8), connectivity=8)
    found: list[tuple[float, float, int, float, float]] = []
    for k in range(1, n):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < 0.002 * h * w:
            continue
        ys, xs = np.nonzero(labels == k)
        pts = np.stack([xs - xs.mean(), ys - ys.mean()], axis=1).astype(np.float64)
        evals, evecs = np.linalg.eigh(pts.T @ pts / area)
        if evals[1] < 4.0 * max(evals[0], 1e-9):  # axes ratio sqrt(λ1/λ2) ≥ 2
            continue
        axis = evecs[:, 1]
        tilt = abs(math.degrees(math.atan2(axis[1], axis[0]))) % 180.0
        if min(tilt, 180.0 - tilt) < 12.0 and stats[k, cv2.CC_STAT_WIDTH] > 0.25 * w:
            continue  # a wall base or another long horizontal edge
        along = pts @ axis
        shade = surround[ys, xs] - luma[ys, xs]  # how much darker than around it
        if shade[along < 0].mean() < shade[along >= 0].mean():
            axis = -axis  # point from the darker end (contact) to the lighter end
        found.append((math.degrees(math.atan2(axis[1], axis[0])), float(area), area, float(xs.mean()), float(stats[k, cv2.CC_STAT_WIDTH])))
    # stair treads and floor boards: three or more parallel, near-horizontal dark lines stacked in the same columns
    keep = []
    for angle, weight, area, cx, width in found:
        flat = min(abs(angle) % 180.0, 180.0 - abs(angle) % 180.0) < 30.0
        # stacked one above the other (overlapping columns), as treads are; shadows of casters stand side by side
        stacked = sum(1 for a2, _, _, x2, _ in found if min(abs(a2 - angle) % 180.0, 180.0 - abs(a2 - angle) % 180.0) < 8.0 and abs(x2 - cx) < 0.5 * width)
        if not (flat and stacked >= 3):
            keep.append((angle, weight, area))
    return keep


def find_light(background: np.ndarray, work_side: int = 256, depth: float = 0.35) -> LightEstimate:
    """The light's direction read off the cast shadows already on a background's floor, saying whether any were found.

    Parameters
    ----------
    background : Image
        H×W×3 float32 sRGB in [0, 1] (any size; it is read at ``work_side`` px).
    work_side : int
        Long side of the copy it works on, in pixels.
    depth : float
        The floor's foreshortening, as :class:`CastShadow`'s: an image direction (dx, dy)
        of a shadow is the floor direction (−sin az, −cos az·depth).

    Returns
    -------
    LightEstimate
        First, casters standing on the floor with their shadows
        (:func:`~studiocomp.backends.shadow.light.read_light`): azimuth *and* elevation
        (``elevation_found=True``) from those agreeing within 20° with the best. Failing that,
        dark elongated blobs with no caster found (:func:`_shadow_blobs`) give the direction
        only, when they agree (resultant length ≥ 0.6). Else ``found=False`` with the
        documented defaults (:data:`DEFAULT_AZIMUTH` 0°, :data:`DEFAULT_ELEVATION` 45°) and the reason.

    Notes
    -----
    Heuristic (dark, elongated blobs below the frame's middle that point away from their
    darkest end), in the spirit of shadow-based illumination estimation from a single
    image (Lalonde, Efros, Narasimhan, "Estimating natural illumination from a single
    outdoor image", ICCV 2009), without its learned shadow detector.
    """
    img = checked_image(background, name="background")
    casters = read_light(img, depth=depth)
    if casters:
        best = casters[0]
        agree = [c for c in casters if abs((c.azimuth - best.azimuth + 180.0) % 360.0 - 180.0) <= 20.0]
        vx = sum(math.cos(math.radians(c.azimuth)) for c in agree)
        vy = sum(math.sin(math.radians(c.azimuth)) for c in agree)
        azimuth = math.degrees(math.atan2(vy, vx)) % 360.0
        length = math.exp(sum(math.log(c.length) for c in agree) / len(agree))
        elevation = min(89.0, max(5.0, math.degrees(math.atan(1.0 / length))))
        return LightEstimate(
            azimuth,
            elevation,
            True,
            True,
            len(agree),
            f"{len(agree)} caster(s) with a cast shadow on the floor (shadow {length:.2f}x the caster's height)",
            tuple(casters),
        )
    h, w = img.shape[:2]
    sh, sw = working_size(h, w, work_side)
    small = shrink_area(img, (sh, sw))
    luma = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    blobs = _shadow_blobs(luma, depth)
    if not blobs:
        return LightEstimate(DEFAULT_AZIMUTH, DEFAULT_ELEVATION, False, False, 0, "no cast shadow on the floor (dark edges such as stairs and wall bases are not counted)")
    vx = sum(wt * math.cos(math.radians(a)) for a, wt, _ in blobs)
    vy = sum(wt * math.sin(math.radians(a)) for a, wt, _ in blobs)
    agreement = math.hypot(vx, vy) / sum(wt for _, wt, _ in blobs)
    if agreement < 0.6:
        return LightEstimate(DEFAULT_AZIMUTH, DEFAULT_ELEVATION, False, False, len(blobs), f"{len(blobs)} shadow candidates disagree on the direction (agreement {agreement:.2f})")
    # the cast model throws the shadow along (−sin az, −cos az · depth) in the image
    azimuth = math.degrees(math.atan2(-vx, -vy / depth)) % 360.0
    return LightEstimate(
        azimuth,
        DEFAULT_ELEVATION,
        True,
        False,
        len(blobs),
        f"{len(blobs)} shadow(s) on the floor with no caster found: direction only, elevation not measured (default {DEFAULT_ELEVATION:g}°)",
    )


def estimate_light(background: np.ndarray, work_side: int = 256, depth: float = 0.35) -> tuple[float, float]:
    """(azimuth, elevation) in degrees, read off a background.

    From the cast shadows already on its floor when :func:`find_light` finds
    reliable ones. Without any, from the brightness gradient: a plane is fitted
    to the luma of a small copy and its left–right slope gives the azimuth
    (±90° for a slope of 0.1 or more across the frame, 0° — light from the
    camera — for a flat one). The elevation is the default, 45°. Both are
    heuristics; :func:`find_light` says which one was used.
    """
    found = find_light(background, work_side, depth)
    if found.found:
        return found.azimuth, found.elevation
    h, w = background.shape[:2]
    sh, sw = working_size(h, w, work_side)
    luma = shrink_area(background, (sh, sw)) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    yy, xx = np.mgrid[0:sh, 0:sw]
    design = np.stack([np.ones(sh * sw), xx.ravel() / sw, yy.ravel() / sh], axis=1)
    coef, *_ = np.linalg.lstsq(design, luma.ravel().astype(np.float64), rcond=None)
    slope = float(coef[1])  # brightness change from the left edge to the right edge
    azimuth = math.degrees(math.atan2(slope, 0.1)) if abs(slope) > 0.01 else 0.0
    return azimuth % 360.0, DEFAULT_ELEVATION


def _small_alpha(alpha: np.ndarray, work_side: int) -> tuple[np.ndarray, float]:
    h, w = alpha.shape
    sh, sw = working_size(h, w, work_side)
    return shrink_area(alpha, (sh, sw)), sh / h


def _contact_line(a: np.ndarray) -> tuple[int, int, int] | None:
    """(top row, contact row, height) of the subject (alpha ≥ 0.5); None when there is none or it is cut by the frame's bottom."""
    rows = np.flatnonzero((a >= 0.5).any(axis=1))
    if rows.size == 0 or rows[-1] >= a.shape[0] - 2:
        return None
    return int(rows[0]), int(rows[-1]), int(rows[-1] - rows[0] + 1)


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


class ContactShadow:
    """A soft dark pad where the subject touches the floor (ambient occlusion).

    The bottom ``band`` of the silhouette (a fraction of the subject's height) is
    squashed onto the contact line and blurred by ``softness`` × the subject's
    height; ``opacity`` is the darkest it gets.
    """

    def __init__(self, opacity: float = 0.55, band: float = 0.06, softness: float = 0.015, work_side: int = 512) -> None:
        self.opacity = _check("opacity", opacity, 0.0, 1.0)
        self.band = _check("band", band, 0.0, 1.0)
        self.softness = _check("softness", softness, 0.0, 1.0)
        self.work_side = int(work_side)

    def __repr__(self) -> str:
        return f"ContactShadow(opacity={self.opacity}, band={self.band}, softness={self.softness})"

    def _small(self, a: np.ndarray) -> np.ndarray:
        line = _contact_line(a)
        out = np.zeros_like(a)
        if line is None or self.opacity == 0.0:
            return out
        _, yc, height = line
        band = max(1, round(self.band * height))
        foot = np.zeros_like(a)
        foot[yc - band + 1 : yc + 1] = a[yc - band + 1 : yc + 1]
        # squash the feet 4× towards the contact line, a little below it
        m = np.array([[1.0, 0.0, 0.0], [0.0, 0.25, 0.75 * yc + 0.01 * height]], np.float32)
        pad = cv2.warpAffine(foot, m, (a.shape[1], a.shape[0]), flags=cv2.INTER_LINEAR)
        sigma = max(0.5, self.softness * height)
        pad = cv2.GaussianBlur(pad, (0, 0), sigma)
        peak = float(pad.max())
        return pad * (self.opacity / peak) if peak > 0 else out

    def cast(self, alpha: Alpha, background: Image) -> Alpha:
        a = checked_alpha(alpha)
        checked_image(background, name="background")
        small, _ = _small_alpha(a, self.work_side)
        return _upsample(self._small(small), a.shape)


class CastShadow:
    """The subject's silhouette thrown onto the floor by a light, plus a contact shadow.

    Each point of the subject at height t above the contact line lands on the
    floor t·cot(elevation) away, opposite the light (foreshortened by
    ``depth`` when it falls towards or away from the camera). The shadow is
    sharp and dark at the contact point and softer and lighter with distance:
    blurred from ``softness`` to 8× that (× the subject's height) and faded by
    ``fade`` at its far end.
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
    ) -> None:
        self.azimuth = None if azimuth is None else _check("azimuth", azimuth, -360.0, 360.0) % 360.0
        self.elevation = None if elevation is None else _check("elevation", elevation, 5.0, 89.0)
        self.opacity = _check("opacity", opacity, 0.0, 1.0)
        self.softness = _check("softness", softness, 0.0, 1.0)
        self.fade = _check("fade", fade, 0.0, 1.0)
        self.depth = _check("depth", depth, 0.05, 1.0)
        self.contact = ContactShadow(work_side=work_side) if contact else None
        self.work_side = int(work_side)

    def __repr__(self) -> str:
        return f"CastShadow(azimuth={self.azimuth}, elevation={self.elevation}, opacity={self.opacity})"

    def with_light(self, azimuth: float | None, elevation: float | None, softness: float | None = None) -> CastShadow:
        """A copy with this light where this caster has none of its own (a prepared background's sidecar)."""
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
        """
        notes: list[QualityWarning] = []
        if self.azimuth is None or self.elevation is None:
            est = find_light(checked_image(background, name="background"), depth=self.depth)
            if self.azimuth is None and not est.found:
                notes.append(QualityWarning("light-default", f"no reliable cast shadow in the background ({est.reason}): the shadow's direction is a guess", float(est.shadows), uncertain=False))
            elif self.elevation is None and not est.elevation_found:
                notes.append(QualityWarning("light-default", f"the shadow's length uses the default elevation {DEFAULT_ELEVATION:g}° (not measured in the scene)", DEFAULT_ELEVATION, uncertain=False))
        return self.cast(alpha, background), notes

    def light(self, background: np.ndarray) -> tuple[float, float]:
        """The (azimuth, elevation) used for this background: the given ones, or estimated."""
        est_az, est_el = estimate_light(background, depth=self.depth) if self.azimuth is None or self.elevation is None else (0.0, 45.0)
        return (self.azimuth if self.azimuth is not None else est_az, self.elevation if self.elevation is not None else est_el)

    def cast(self, alpha: Alpha, background: Image) -> Alpha:
        a = checked_alpha(alpha)
        bg = checked_image(background, name="background")
        if bg.shape[:2] != a.shape:
            raise InputError("background", f"shape {a.shape + (3,)} (same as alpha)", f"shape {bg.shape}")
        azimuth, elevation = self.light(bg)
        small, _ = _small_alpha(a, self.work_side)
        shadow = self._cast_small(small, azimuth, elevation)
        if self.contact is not None:
            c = self.contact._small(small)
            shadow = 1.0 - (1.0 - shadow) * (1.0 - c)  # two occluders: opacities combine
        return _upsample(shadow.astype(np.float32), a.shape)

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
