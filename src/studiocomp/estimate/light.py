"""The light of a scene, read off the cast shadows already on its floor.

:func:`find_light` says where the light comes from and whether it found out;
:func:`estimate_light` always answers (falling back to the brightness gradient).
Both are used by the ``cast`` shadow caster
(:class:`~studiocomp.backends.shadow.floor.CastShadow`) and by prepared
backgrounds (:func:`studiocomp.prepared.prepare`).

Light direction, as seen from the camera: ``azimuth`` in degrees, 0 = light
from the camera's side (the shadow falls behind the subject), 90 = from the
right of the picture (shadow to the left), 180 = from behind the subject
(shadow towards the camera), 270 = from the left; ``elevation`` in degrees
above the horizon.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .._ops import shrink_area, working_size
from ..errors import InputError
from ..image import checked_image
from .casters import CasterShadow, read_light, standing_casters
from .people import person_casters, person_prior

__all__ = ["LightEstimate", "find_light", "estimate_light", "DEFAULT_AZIMUTH", "DEFAULT_ELEVATION"]


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
        height, :mod:`~studiocomp.estimate.casters`); else it is the default.
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


def find_light(background: np.ndarray, work_side: int = 256, depth: float = 0.35, casters: Any = None) -> LightEstimate:
    """The light's direction read off the cast shadows already on a background's floor, saying whether any were found.

    Parameters
    ----------
    background : Image
        H×W×3 float32 sRGB in [0, 1] (any size; it is read at ``work_side`` px).
    work_side : int
        Long side of the copy it works on, in pixels.
    depth : float
        The floor's foreshortening, as :class:`~studiocomp.backends.shadow.floor.CastShadow`'s: an image direction (dx, dy)
        of a shadow is the floor direction (−sin az, −cos az·depth).
    casters : None, "auto", Segmenter or numpy.ndarray
        Known casters for when the floor model finds none (:func:`~studiocomp.estimate.casters.read_light`, step 5):
        an H×W mask or probability (> 0.5 on them); a segmenter
        (:class:`studiocomp.types.Segmenter`), run on square tiles of the background
        (:func:`~studiocomp.estimate.people.person_casters`); or ``"auto"``, the person prior
        (:func:`~studiocomp.estimate.people.person_prior`) when its weights are already on this
        machine, else nothing. None (the default): the floor model alone.

    Returns
    -------
    LightEstimate
        First, casters standing on the floor with their shadows
        (:func:`~studiocomp.estimate.casters.read_light`): azimuth *and* elevation
        (``elevation_found=True``) from those agreeing within 20° with the best; the floor model's
        casters first, then the known ``casters``. Failing that,
        dark elongated blobs with no caster found (:func:`_shadow_blobs`; not consulted when known
        casters stand on the floor (:func:`~studiocomp.estimate.casters.standing_casters`) and none throws a
        shadow that passes the test) give the direction
        only, when there are at least two and they agree (resultant length ≥ 0.6). Else ``found=False`` with the
        documented defaults (:data:`DEFAULT_AZIMUTH` 0°, :data:`DEFAULT_ELEVATION` 45°) and the reason.

    Raises
    ------
    InputError
        ``casters`` is a string other than ``"auto"``, or a mask not of the background's size.

    Notes
    -----
    The last 16 answers are kept by the background's content (a sha1 of a grid sample of its pixels,
    ~1024 px on the long side), ``work_side``,
    ``depth`` and whether a person prior was used (``casters`` None or ``"auto"``; a given mask or
    segmenter is read afresh): a pipeline casts every photo's shadow on the same background, and the
    person prior's fit costs ~0.5 s a standing person.

    Heuristic (dark, elongated blobs below the frame's middle that point away from their
    darkest end), in the spirit of shadow-based illumination estimation from a single
    image (Lalonde, Efros, Narasimhan, "Estimating natural illumination from a single
    outdoor image", ICCV 2009), without its learned shadow detector.
    """
    img = checked_image(background, name="background")
    if casters is not None and not isinstance(casters, str):
        return _find_light(img, work_side, depth, casters)
    if casters == "auto":
        casters = person_prior()  # resolved before the cache is asked: weights put on the machine later count
    key = (_content_key(img), work_side, depth, casters is not None)
    with _LOCK:
        hit = _READ.get(key)
        if hit is not None:
            _READ.move_to_end(key)
            return hit
    est = _find_light(img, work_side, depth, casters)
    with _LOCK:
        _READ[key] = est
        while len(_READ) > _READ_SIZE:
            _READ.popitem(last=False)
    return est


def _content_key(img: np.ndarray) -> tuple[Any, ...]:
    """A key of the background's content in a few ms at 24 MP (a sha1 of all its 288 MB took 0.3–0.5 s a call).

    A sha1 of a grid sample of about 1024 × 1024 pixels, with the shape. The light is read
    from working copies of 256–512 px, coarser than this grid, so two backgrounds with the
    same sample read the same light up to a detail the estimator cannot see.
    """
    h, w = img.shape[:2]
    step = max(1, int(math.ceil(max(h, w) / 1024)))
    return (hashlib.sha1(np.ascontiguousarray(img[::step, ::step]).data).digest(), img.shape)


#: find_light's last answers by background content (sha1 of its pixels), light read and person prior used:
#: a pipeline or a folder run casts every photo's shadow on the same background
_READ: OrderedDict[tuple[Any, ...], LightEstimate] = OrderedDict()
_READ_SIZE = 16
_LOCK = threading.Lock()


def _find_light(img: np.ndarray, work_side: int, depth: float, casters: Any) -> LightEstimate:
    """:func:`find_light` on a checked image, without its cache."""
    people = _caster_mask(img, casters)
    found = read_light(img, depth=depth, casters=people)
    if found:
        best = found[0]
        agree = [c for c in found if abs((c.azimuth - best.azimuth + 180.0) % 360.0 - 180.0) <= 20.0]
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
            tuple(found),
        )
    standing = standing_casters(people) if people is not None else []
    if standing:
        reason = f"no cast shadow on the floor: {len(standing)} standing shape(s) the person model takes for people throw none that can be told from the floor"
        return LightEstimate(DEFAULT_AZIMUTH, DEFAULT_ELEVATION, False, False, 0, reason)
    h, w = img.shape[:2]
    sh, sw = working_size(h, w, work_side)
    small = shrink_area(img, (sh, sw))
    luma = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    blobs = _shadow_blobs(luma, depth)
    if not blobs:
        return LightEstimate(DEFAULT_AZIMUTH, DEFAULT_ELEVATION, False, False, 0, "no cast shadow on the floor (dark edges such as stairs and wall bases are not counted)")
    if len(blobs) < 2:
        reason = "one dark elongated blob on the floor and no caster for it: not trusted as a shadow (it is as often a rug, a reflection or a floor pattern)"
        return LightEstimate(DEFAULT_AZIMUTH, DEFAULT_ELEVATION, False, False, len(blobs), reason)
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


def _caster_mask(img: np.ndarray, casters: Any) -> np.ndarray | None:
    """``find_light``'s ``casters`` as an H×W float32 mask (or None)."""
    if casters is None:
        return None
    if isinstance(casters, str):
        if casters != "auto":
            raise InputError("casters", "None, 'auto', a segmenter or an H×W mask", repr(casters))
        casters = person_prior()
        if casters is None:
            return None
    if hasattr(casters, "segment"):
        return person_casters(img, casters).astype(np.float32)
    mask = np.asarray(casters, np.float32)
    if mask.shape != img.shape[:2]:
        raise InputError("casters", f"an H×W mask of the background's size {img.shape[:2]}", f"shape {mask.shape}")
    return mask


def estimate_light(background: np.ndarray, work_side: int = 256, depth: float = 0.35, found: LightEstimate | None = None, casters: Any = None) -> tuple[float, float]:
    """(azimuth, elevation) in degrees, read off a background.

    From the cast shadows already on its floor when :func:`find_light` finds
    reliable ones. Without any, from the brightness gradient: a plane is fitted
    to the luma of a small copy and its left–right slope gives the azimuth
    (±90° for a slope of 0.1 or more across the frame, 0° — light from the
    camera — for a flat one). The elevation is the default, 45°. Both are
    heuristics; :func:`find_light` says which one was used.

    Parameters
    ----------
    background : numpy.ndarray
        H×W×3 float32 sRGB in [0, 1].
    work_side : int
        Long side of the copy it works on, in pixels.
    depth : float
        The floor's foreshortening (as :func:`find_light`'s).
    found : LightEstimate, optional
        :func:`find_light`'s result for this background when the caller already has it (it is not read again).
    casters : None, "auto", Segmenter or numpy.ndarray
        Known casters, as :func:`find_light`'s (unused when ``found`` is given).

    Returns
    -------
    (float, float)
        Azimuth in [0, 360) and elevation, degrees.

    Raises
    ------
    InputError
        A bad ``casters`` (see :func:`find_light`).
    """
    if found is None:
        found = find_light(background, work_side, depth, casters)
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
