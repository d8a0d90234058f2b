"""The light read off the cast shadows already in a background: each shadow found *with its caster*.

A cast shadow on a floor is its caster's silhouette thrown along the floor: with
the floor model of :class:`~studiocomp.backends.shadow.floor.CastShadow`, a point
of the caster ``t`` pixels above its contact row ``y_c`` lands at
``(x + t·cdx, y_c + t·cdy)``, where ``(cdx, cdy) = floor_step(azimuth, elevation, depth)``
(:func:`floor_step`). So one upright caster and the dark region at its feet give
both angles: the direction of the throw gives the azimuth, and its length relative
to the caster's height gives the elevation (``L = cot(elevation)``).

Algorithm (:func:`read_light`), on a copy of about ``work_side`` px:

1. **Floor reference.** Log-luminance (linear light) and log-chromaticity are
   compared with a large-scale floor estimate: a normalized (masked) Gaussian
   mean over the pixels that look like floor, iterated three times so shadows and
   objects do not pull it down. A shadow darkens the floor by a roughly constant
   ratio and keeps its chromaticity and texture; an object does not.
2. **Casters.** Pixels whose chromaticity differs from the floor's, or that are much
   brighter, or darker than any plausible shadow (ratio < 0.2), are *object*
   pixels. Its connected components that stand upright (taller than wide, at least
   5 % of the frame's height, not touching the frame's bottom) are caster
   candidates; each is filled row by row (its silhouette) and its lowest rows give
   the contact point.
3. **Fit.** For every light on a grid (azimuth every 3°, ``L`` from 0.3 to 3.2 in
   geometric steps), the caster's silhouette is thrown onto the floor and the
   darkness evidence under it is summed, weighted by the thrown area. The evidence
   is the floor's darkening at a shadow's scale (a normalized mean over floor pixels
   only, so the caster's own dark pixels do not bleed into the floor beside it),
   centred on plain floor and divided by the spread of the floor's own texture
   (1.4826·MAD), less a margin of half a spread: plain floor counts slightly
   negative, a shadow positive, and hidden pixels 0. So a textured floor (brick,
   gravel) is judged on its own scale. The light with the highest
   score wins (hypotheses within 2 % of it are averaged, which centres the plateau a
   side light makes, see :func:`floor_step`).
4. **Acceptance**, a permutation test: the same silhouette is thrown the same way
   from other contact points on a grid over the floor (up to 63, where at least
   60 % of the throw is visible; with fewer than 8 wholly in the frame, a long throw's,
   those leaving it count too, the outside as hidden), which measures how dark such a shape
   reads on this floor by chance. The fitted shadow's mean evidence must stand
   ``min_significance`` standard deviations (default 3.5) above those, and at least
   half of it must be visible. A dark edge (stairs, a wall's base, a rug's border)
   has no upright caster at one end; a caster with no shadow is fitted to the
   floor's texture, which the test rejects (see tests/integration/test_shadow_light.py
   for the rendered scenes with and without shadows).
5. **Known casters** (``casters=``, e.g. the people a person segmenter found,
   :mod:`~studiocomp.estimate.people`), only where steps 1–4 find nothing: each
   upright component of the mask is a caster, and the darkness is read against a
   *local* reference, since on a busy interior the large-scale floor estimate of step 1
   is pulled about by tiles, reflections and walls: the floor is a floating-range flood
   fill from the bottom row, the reference the grey closing of log-luminance over it
   (a disk of radius 10 px on the working copy), on the floor's own spread less a
   margin of four spreads. The fit and the permutation test are steps 3 and 4. The
   length of a shadow that passes is then read again at its azimuth (:func:`_relength`):
   with a margin of three spreads (the penumbra widens away from the feet, so the tip
   reads fainter), and with a hidden point of the throw inside the frame taking the
   evidence last seen on its ray from the feet (a shadow that reaches furniture or
   stairs goes on over them; one that ended on the floor stays ended). When the best
   throw fails the test (a dark seam or some feature of the photo, fitted a long
   throw too large to test, or one mostly hidden), the score's other local modes are
   tried, best first (:func:`_modes`); one counts only if it passes the test and reads
   dark on average (mean evidence ≥ 2 spreads beyond the margin: a shadow, not texture).
   Measured on the 25 rendered scenes of tests/integration/test_shadow_light.py with
   the selfie model on square tiles: the interiors go from 0/10 to 8/10 (azimuth within 15°),
   and none of the 25 scenes without a shadow reads as lit by this step
   (docs/architecture.md, "Light from the background").

Heuristic, in the spirit of shadow-based illumination estimation (Lalonde, Efros,
Narasimhan, "Estimating natural illumination from a single outdoor image", ICCV
2009; Kee, O'Brien, Farid, "Exposing photo manipulation from shading and shadows",
ACM TOG 2014, for the caster–shadow correspondence), without learned detectors.
Step 5's local reference is the black top-hat of mathematical morphology (the grey
closing less the image: Serra, "Image Analysis and Mathematical Morphology",
Academic Press 1982; Meyer's top-hat transform), on the floor pixels only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from .._ops import row_extent, shrink_area, wide_blur, working_size
from ..color import srgb_to_linear

__all__ = ["floor_step", "CasterShadow", "read_light", "standing_casters"]

_EPS = 0.005  # added to linear luminance before the log (a black floor stays finite)
_MARGIN = 0.5  # plain floor's evidence, in texture spreads below 0 (so a longer throw over plain floor scores less)
_SECOND = 2.0  # step 5: a failed fit's other modes count with at least this mean evidence (spreads beyond its margin of 4)
_TIP_SHIFT = 1.0  # step 5's length is read again with its margin of 4 spreads lowered by this (_relength)


def floor_step(azimuth: float, elevation: float, depth: float) -> tuple[float, float]:
    """The image displacement (cdx, cdy) of a caster's point per pixel of its height, for a light.

    ``cdx = −cot(el)·sin(az)``, ``cdy = −cot(el)·cos(az)·depth``; like
    :class:`~studiocomp.backends.shadow.floor.CastShadow`, ``|cdy|`` is at least
    ``0.25·depth·cot(el)`` (a body lit from the side still throws a shadow with
    some depth on the floor), so lights within ~14.5° of 90° or 270° throw the same
    shadow and cannot be told apart.

    Parameters
    ----------
    azimuth, elevation : float
        The light, degrees.
    depth : float
        The floor's foreshortening.

    Returns
    -------
    (float, float)
        (cdx, cdy), image pixels per pixel of height.
    """
    length = 1.0 / math.tan(math.radians(elevation))
    return _step(math.radians(azimuth), length, depth)


def _step(az: float, length: float, depth: float) -> tuple[float, float]:
    dx, dy = -math.sin(az), -math.cos(az) * depth
    if abs(dy) < 0.25 * depth:
        dy = math.copysign(0.25 * depth, dy) if dy else -0.25 * depth
    return length * dx, length * dy


@dataclass(frozen=True)
class CasterShadow:
    """One caster and the shadow fitted to it (coordinates in the input image's pixels).

    ``contact`` (x, y) is where the caster meets the floor, ``top`` its highest row,
    ``tip`` (x, y) where its top's shadow falls; ``azimuth``/``elevation`` in degrees,
    ``length`` = cot(elevation) (shadow length / caster height), ``evidence`` the mean
    darkness evidence under the thrown silhouette (in units of the floor's texture spread,
    above a margin: > 0 is darker than plain floor), ``visible`` the fraction of it not
    hidden by objects or the frame, ``significance`` how many standard deviations that
    evidence stands above the same throw from other contact points on the floor.

    Attributes
    ----------
    contact, tip : (float, float)
        (x, y) pixels.
    top : float
        Row, pixels.
    azimuth, elevation : float
        Degrees.
    length : float
        cot(elevation).
    evidence : float
        Mean evidence, texture-spread units.
    visible : float
        Fraction in [0, 1].
    significance : float
        z-score against the permutation null (:func:`read_light`, step 4).
    """

    contact: tuple[float, float]
    top: float
    tip: tuple[float, float]
    azimuth: float
    elevation: float
    length: float
    evidence: float
    visible: float
    significance: float


def _maps(img: np.ndarray, work_side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(darkness log-ratio d, chroma distance dc, object mask, scale small/full) on the working copy."""
    h, w = img.shape[:2]
    sh, sw = working_size(h, w, work_side)
    lin = srgb_to_linear(shrink_area(img, (sh, sw))).astype(np.float32)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    logl = np.log(lum + _EPS)
    chrom = np.log(lin + _EPS) - logl[..., None]
    lm = cv2.GaussianBlur(logl, (0, 0), 1.5)
    cm = cv2.GaussianBlur(chrom, (0, 0), 1.5)
    side = max(sh, sw)
    # a robust first floor estimate: the median over a window of 1/8 of the frame (on a half-size copy)
    lo, hi = float(lm.min()), float(lm.max()) + 1e-6
    q = np.round((lm - lo) / (hi - lo) * 255).astype(np.uint8)
    half = cv2.resize(q, (sw // 2, sh // 2), interpolation=cv2.INTER_AREA)
    k = max(3, (side // 10) | 1)
    med = cv2.resize(cv2.medianBlur(half, k), (sw, sh), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255 * (hi - lo) + lo
    sig = side / 16.0
    ls = cv2.GaussianBlur(logl, (0, 0), 4.0)  # the scale of a shadow's width: most floor texture averages out
    d = ls - med
    valid = (np.abs(d) < 0.35).astype(np.float32)
    for _ in range(3):
        den = wide_blur(valid, sig) + 1e-6
        floor_l = wide_blur(ls * valid, sig) / den
        floor_c = wide_blur(cm * valid[..., None], sig) / den[..., None]
        d = ls - floor_l
        dc = np.linalg.norm(cm - floor_c, axis=2)
        valid = ((np.abs(d) < 0.3) & (dc < 0.12)).astype(np.float32)
    d_fine = lm - floor_l
    obj = (dc > 0.12) | (d_fine < -1.6)
    obj = cv2.morphologyEx(obj.view(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    obj = cv2.morphologyEx(obj, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(bool)
    # the shadow-scale mean of the floor alone (normalized convolution): a dark caster does not bleed into the floor at its side
    free = (~obj).astype(np.float32)
    ls_floor = cv2.GaussianBlur(logl * free, (0, 0), 4.0) / np.maximum(cv2.GaussianBlur(free, (0, 0), 4.0), 1e-3)
    d = np.where(obj, d, ls_floor - floor_l)
    return d, dc, obj, sh / h


def _casters(obj: np.ndarray) -> list[np.ndarray]:
    """Upright object components, each filled row by row (a silhouette), largest first."""
    h = obj.shape[0]

    def standing(x: int, y: int, bw: int, bh: int, area: int) -> bool:  # upright, whole (not cut by the frame's top or bottom), below the upper third
        return not (bh < 0.05 * h or y <= 1 or y + bh >= h - 2 or y + bh < 0.4 * h or bh < 1.3 * bw or area < 0.25 * bw * bh)

    return _silhouettes(obj, standing, 6)


def _silhouettes(mask: np.ndarray, keep: Callable[[int, int, int, int, int], bool], most: int) -> list[np.ndarray]:
    """The 8-connected components of ``mask`` whose box passes ``keep(x, y, w, h, area)``, each filled row by row, largest first, at most ``most``."""
    h, w = mask.shape
    n, lab, st, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=8)
    out: list[np.ndarray] = []
    for k in np.argsort(-st[1:, cv2.CC_STAT_AREA]) + 1:
        x, y, bw, bh, area = (int(v) for v in st[k])
        if not keep(x, y, bw, bh, area):
            continue
        comp = lab[y : y + bh, x : x + bw] == k
        full = np.zeros((h, w), bool)
        for r in range(bh):
            cols = np.flatnonzero(comp[r])
            if cols.size:
                full[y + r, x + cols[0] : x + cols[-1] + 1] = True
        out.append(full)
        if len(out) == most:
            break
    return out


_AZ = np.radians(np.arange(0.0, 360.0, 3.0))
_L = np.geomspace(0.3, 3.2, 48)


def _fit(
    sil: np.ndarray, evidence: np.ndarray, hidden: np.ndarray, depth: float, relength: float | None = None, second: tuple[float, float] | None = None
) -> tuple[float, float, float, float, tuple[float, float], float] | None:
    """(azimuth°, L, mean evidence, visible fraction, contact (x, y), significance) for one caster silhouette.

    With ``second`` (least significance, least mean evidence), a fit that fails the test
    (step 4) gives way to the score's other local modes (:func:`_modes`), best first: the
    first that is half visible, reads at least the given mean evidence and passes the
    test is taken. With ``relength`` (spreads), the length is read again at the fitted
    azimuth by :func:`_relength` (the evidence, visible fraction and significance stay
    those of the fit).
    """
    h, w = sil.shape
    ys, xs = np.nonzero(sil)
    top, yc = int(ys.min()), int(ys.max())
    height = yc - top + 1
    foot = ys >= yc - max(1, height // 30)
    xc = float(xs[foot].mean())
    if height < 8:
        return None
    step = max(1, int(math.sqrt(ys.size / 1500.0)))
    keep = (ys % step == 0) & (xs % step == 0)
    t = (yc - ys[keep]).astype(np.float32)
    x0 = xs[keep].astype(np.float32)
    ev = np.where(hidden, np.float32(0.0), evidence)
    pad = np.zeros((h + 2, w + 2), np.float32)
    pad[1:-1, 1:-1] = ev
    shown = np.zeros((h + 2, w + 2), np.float32)
    shown[1:-1, 1:-1] = ~hidden
    steps = np.array([_step(a, 1.0, depth) for a in _AZ], np.float32)  # per unit length
    scores = np.empty((_AZ.size, _L.size), np.float32)
    for j, length in enumerate(_L):
        cdx = steps[:, 0:1] * length
        cdy = steps[:, 1:2] * length
        px = np.clip(np.rint(x0[None] + t[None] * cdx).astype(np.int32) + 1, 0, w + 1)
        py = np.clip(np.rint(yc + t[None] * cdy).astype(np.int32) + 1, 0, h + 1)
        seen = shown[py, px].mean(axis=1)
        scores[:, j] = np.where(seen >= 0.4, pad[py, px].sum(axis=1) * np.abs(cdy[:, 0]), -np.inf)
    bi, bj = np.unravel_index(int(np.argmax(scores)), scores.shape)
    best = float(scores[bi, bj])
    if not best > 0:
        return None
    near = scores >= best - 0.02 * abs(best)
    ai, lj = np.nonzero(near)
    az = math.degrees(math.atan2(np.sin(_AZ[ai]).mean(), np.cos(_AZ[ai]).mean())) % 360.0
    length = float(np.exp(np.log(_L[lj]).mean()))

    def look(azimuth: float, throw: float) -> tuple[float, float, float, float]:
        """How a throw looks: (mean evidence over its visible part, visible fraction, its step's dx, dy)."""
        cdx, cdy = _step(math.radians(azimuth), throw, depth)
        px = np.clip(np.rint(x0 + t * cdx).astype(np.int32) + 1, 0, w + 1)
        py = np.clip(np.rint(yc + t * cdy).astype(np.int32) + 1, 0, h + 1)
        vis = shown[py, px]
        return float(pad[py, px].sum() / max(vis.sum(), 1.0)), float(vis.mean()), cdx, cdy

    mean_ev, visible, cdx, cdy = look(az, length)
    significance = _significance(mean_ev, x0, t, yc, cdx, cdy, pad, shown)
    if second is not None and not (mean_ev > 0.0 and visible >= 0.5 and significance >= second[0]):
        for a, j in _modes(scores):
            az_m, length_m = math.degrees(float(_AZ[a])), float(_L[j])
            ev_m, vis_m, cdx, cdy = look(az_m, length_m)
            if ev_m < second[1] or vis_m < 0.5:
                continue
            z = _significance(ev_m, x0, t, yc, cdx, cdy, pad, shown)
            if z >= second[0]:
                az, length, mean_ev, visible, significance = az_m, length_m, ev_m, vis_m, z
                break
    if relength is not None:
        length = _relength(az, x0, t, yc, pad, shown, depth, relength) or length
    return az, length, mean_ev, visible, (xc, float(yc)), significance


def _modes(scores: np.ndarray, most: int = 6) -> list[tuple[int, int]]:
    """The ``most`` best local maxima (azimuth index, length index) of a fit's score, best first.

    A maximum of its 7×7 neighbourhood (±9° of azimuth, wrapping; ±3 steps of length),
    with a positive score.
    """
    finite = np.where(np.isfinite(scores), scores, np.float32(-1e30)).astype(np.float32)
    wrap = np.concatenate([finite[-3:], finite, finite[:3]], axis=0)
    top = cv2.dilate(wrap, np.ones((7, 7), np.uint8), borderType=cv2.BORDER_REPLICATE)[3:-3]
    ai, lj = np.nonzero((finite >= top) & (finite > 0))
    order = np.argsort(-finite[ai, lj], kind="stable")[:most]
    return [(int(ai[k]), int(lj[k])) for k in order]


def _relength(az: float, x0: np.ndarray, t: np.ndarray, yc: float, pad: np.ndarray, shown: np.ndarray, depth: float, shift: float) -> float | None:
    """The shadow's length read again at a fitted azimuth, out to its faint tip and under what hides it (step 5).

    The same area-weighted sum as the fit's, over the length grid alone, with two changes.
    The evidence is raised by ``shift`` spreads (a margin of 3 spreads, not 4: the penumbra
    widens away from the feet and the tip reads fainter than the shadow by the feet). A point
    of the throw hidden inside the frame (not floor: furniture, stairs, a wall's base) takes
    the evidence last seen on its ray (the thrown column of the silhouette, from the feet out):
    a shadow that reaches an object's foot goes on over it, and one that ended on the floor
    before it stays ended. Hidden points with nothing seen before them on their ray, and points
    off the frame, count 0. None when no length leaves 40 % of the throw seen (as the fit's).
    """
    h, w = shown.shape[0] - 2, shown.shape[1] - 2
    order = np.lexsort((t, x0))  # rays: each column of the silhouette, from the feet up
    xo, to = x0[order], t[order]
    n = np.arange(xo.size)
    ray_start = np.maximum.accumulate(np.where(np.r_[True, xo[1:] != xo[:-1]], n, 0))
    raised = np.where(shown > 0, pad + np.float32(shift), np.float32(0.0))
    sx, sy = _step(math.radians(az), 1.0, depth)
    scores = np.full(_L.size, -np.inf)
    for j, length in enumerate(_L):
        qx = np.clip(np.rint(xo + to * sx * length).astype(np.int32) + 1, 0, w + 1)
        qy = np.clip(np.rint(yc + to * sy * length).astype(np.int32) + 1, 0, h + 1)
        seen = shown[qy, qx] > 0
        if seen.mean() < 0.4:
            continue
        ev = raised[qy, qx]
        last = np.maximum.accumulate(np.where(seen, n, -1))
        carried = ~seen & (last >= ray_start) & (qx > 0) & (qx <= w) & (qy > 0) & (qy <= h)
        scores[j] = (float(ev.sum()) + float(ev[np.maximum(last, 0)][carried].sum())) * abs(sy * length)
    best = float(scores.max())
    if not math.isfinite(best):
        return None
    near = np.flatnonzero(scores >= best - 0.02 * abs(best))
    return float(np.exp(np.log(_L[near]).mean()))


def _significance(mean_ev: float, x0: np.ndarray, t: np.ndarray, yc: float, cdx: float, cdy: float, pad: np.ndarray, shown: np.ndarray, off_frame: bool = False) -> float:
    """z-score of a throw's mean evidence against the same throw from other contact points (NaN with fewer than 8).

    The contact moves over a 9×7 grid of offsets (±½ the width, ±0.3 the height),
    skipping offsets where the moved throw would overlap the original, leaves the frame,
    or is less than 60 % visible. When fewer than 8 placements lie wholly in the frame
    (a long throw), the test is run again with the placements that leave it, their
    points outside the frame counted as hidden (``off_frame``; still ≥ 60 % visible).
    """
    h, w = pad.shape[0] - 2, pad.shape[1] - 2
    reach_x = float(x0.max() - x0.min()) + abs(cdx) * float(t.max())
    reach_y = abs(cdy) * float(t.max()) + 5.0
    null = []
    for sx in np.linspace(-0.5 * w, 0.5 * w, 9):
        for sy in np.linspace(-0.3 * h, 0.3 * h, 7):
            if abs(sx) < reach_x and abs(sy) < reach_y:
                continue
            qx = np.rint(x0 + sx + t * cdx).astype(np.int32) + 1
            qy = np.rint(yc + sy + t * cdy).astype(np.int32) + 1
            inside = not (qx.min() < 1 or qy.min() < 1 or qx.max() > w or qy.max() > h)
            if not inside:
                if not off_frame:
                    continue
                qx, qy = np.clip(qx, 0, w + 1), np.clip(qy, 0, h + 1)  # the padding's border: hidden
            v = shown[qy, qx]
            if v.mean() >= 0.6:
                null.append(float(pad[qy, qx].sum() / v.sum()))
    if len(null) < 8:
        if not off_frame:  # a long throw: too few placements wholly in the frame; the frame's outside counts as hidden
            return _significance(mean_ev, x0, t, yc, cdx, cdy, pad, shown, off_frame=True)
        return float("nan")
    ref = np.asarray(null)
    return (mean_ev - float(ref.mean())) / max(float(ref.std()), 1e-3)


def standing_casters(casters: np.ndarray, work_side: int = 512) -> list[np.ndarray]:
    """The casters of a mask that :func:`read_light`'s step 5 fits: upright, their feet in the frame.

    Parameters
    ----------
    casters : np.ndarray
        H×W mask or probability of known casters (> 0.5 on them), e.g. people.
    work_side : int
        Long side of the working copy, px.

    Returns
    -------
    list of np.ndarray
        Up to four silhouettes (bool, on the working copy of ``work_side`` px), each filled row by row,
        largest first: the connected components at least 5 % of the frame's height, 1.3 times taller than
        wide, not touching the frame's bottom.
    """
    h, w = casters.shape[:2]
    sh, sw = working_size(h, w, work_side)
    return _prior_casters(cv2.resize(np.asarray(casters, np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0.5)


def _prior_casters(people: np.ndarray) -> list[np.ndarray]:
    """Upright components of a caster mask on the working copy (people), each filled row by row, largest first."""
    h = people.shape[0]

    def standing(x: int, y: int, bw: int, bh: int, area: int) -> bool:  # standing, its feet in the frame
        return not (bh < 0.05 * h or y + bh >= h - 2 or bh < 1.3 * bw)

    return _silhouettes(people, standing, 4)


def _local_evidence(img: np.ndarray, people: np.ndarray, work_side: int) -> tuple[np.ndarray, np.ndarray]:
    """(evidence, floor) on the working copy for known casters: a local darkness reference over a flood-filled floor.

    The floor is a floating-range flood fill from the bottom row (neighbours within
    0.25 in log-luminance and 0.03 in log-chromaticity; people excluded): it follows a
    floor's reflections and stops at walls and furniture. The darkness is the grey
    closing of log-luminance over the floor (a disk of radius 10 px; non-floor pixels
    neutral) less the pixel: what a shadow narrower than the disk removes. It is put on
    the floor's own scale (median and 1.4826·MAD over the floor eroded 2 px), less a
    margin of four spreads, and clipped to [−4, 8].
    """
    sh, sw = people.shape
    lin = srgb_to_linear(shrink_area(img, (sh, sw))).astype(np.float32)
    weights = np.array([0.2126, 0.7152, 0.0722], np.float32)
    lm = cv2.GaussianBlur(np.log(lin @ weights + _EPS), (0, 0), 1.0)
    near = cv2.dilate(people.view(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)  # the mask's edge and missed feet
    soft = cv2.GaussianBlur(lin, (0, 0), 1.0)
    ll = np.log(soft @ weights + _EPS)
    ch = np.log(soft + _EPS) - ll[..., None]
    feat = np.ascontiguousarray(np.stack([ll / 0.25, ch[..., 0] / 0.03, ch[..., 2] / 0.03], axis=2).astype(np.float32))
    fill = np.zeros((sh + 2, sw + 2), np.uint8)
    fill[1:-1, 1:-1][near] = 1
    for x in range(0, sw, 4):
        if fill[sh, x + 1] == 0:
            cv2.floodFill(feat, fill, (x, sh - 1), 0, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), 4 | cv2.FLOODFILL_MASK_ONLY | (2 << 8))
    floor = cv2.morphologyEx((fill[1:-1, 1:-1] == 2).view(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool) & ~near
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (21, 21))
    dil = cv2.dilate(np.where(floor, lm, float(lm.min()) - 1.0).astype(np.float32), disk)
    closed = cv2.erode(np.where(floor, dil, float(lm.max()) + 1.0).astype(np.float32), disk)
    dark = closed - lm
    inner = cv2.erode(floor.view(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    vals = dark[inner] if inner.any() else dark.ravel()
    med = float(np.median(vals))
    spread = max(1.4826 * float(np.median(np.abs(vals - med))), 0.02)
    return np.clip((dark - med) / spread - 4.0, -4.0, 8.0).astype(np.float32), inner


def _fits(
    sils: list[np.ndarray], evidence: np.ndarray, hidden: np.ndarray, depth: float, scale: float, min_significance: float, relength: float | None = None, second: float | None = None
) -> list[CasterShadow]:
    """The casters whose fitted shadow passes the test (step 4), as :class:`CasterShadow` in the input's pixels, best first.

    With ``second`` (a least mean evidence), a failed fit gives way to its score's other modes (:func:`_fit`).
    """
    out: list[CasterShadow] = []
    second_pair = None if second is None else (min_significance, second)
    for sil in sils:
        fit = _fit(sil, evidence, hidden | sil, depth, relength, second_pair)
        if fit is None:
            continue
        az, length, mean_ev, visible, (xc, yc), significance = fit
        if not (mean_ev > 0.0 and visible >= 0.5 and significance >= min_significance):  # half of it seen (0.6 dropped a shadow on stairs at z 12)
            continue
        top = float((row_extent(sil) or (0, 0))[0])  # a caster's silhouette is never empty
        cdx, cdy = _step(math.radians(az), length, depth)
        hh = yc - top
        out.append(
            CasterShadow(
                contact=(xc / scale, yc / scale),
                top=top / scale,
                tip=((xc + hh * cdx) / scale, (yc + hh * cdy) / scale),
                azimuth=az,
                elevation=math.degrees(math.atan(1.0 / length)),
                length=length,
                evidence=mean_ev,
                visible=visible,
                significance=significance,
            )
        )
    out.sort(key=lambda c: -c.evidence * c.visible)
    return out


def read_light(background: np.ndarray, *, work_side: int = 512, depth: float = 0.35, min_significance: float = 3.5, casters: np.ndarray | None = None) -> list[CasterShadow]:
    """Casters standing on the floor of ``background`` and the light their shadows say, best first.

    Parameters
    ----------
    background : np.ndarray
        H×W×3 float32 sRGB in [0, 1] (checked by the caller).
    work_side : int
        Long side of the working copy, px.
    depth : float
        The floor's foreshortening (:class:`~studiocomp.backends.shadow.floor.CastShadow`'s ``depth``).
    min_significance : float
        The least z-score of a fitted shadow against the permutation null (step 4) for it to count.
    casters : np.ndarray, optional
        H×W (the background's size) mask or probability of known casters, > 0.5 on them: the people
        a person segmenter found (:func:`~studiocomp.estimate.people.person_casters`). Used only
        when steps 1–4 find nothing (step 5).

    Returns
    -------
    list of CasterShadow
        Empty when no caster has a shadow that fits (see the module docstring, steps 4 and 5).
    """
    d, _dc, obj, scale = _maps(background, work_side)
    # darkening (log ratio, clipped so no single pixel dominates) on the floor's own texture scale
    darkness = np.clip(-d, -0.5, 0.8)
    plain = darkness[~obj] if (~obj).any() else darkness.ravel()
    spread = max(1.4826 * float(np.median(np.abs(plain - np.median(plain)))), 0.05)
    evidence = ((darkness - float(plain.mean())) / spread - _MARGIN).astype(np.float32)
    out = _fits(_casters(obj), evidence, obj, depth, scale, min_significance)
    if out or casters is None:
        return out
    # step 5: the known casters, with the local darkness reference
    people = cv2.resize(np.asarray(casters, np.float32), (obj.shape[1], obj.shape[0]), interpolation=cv2.INTER_AREA) > 0.5
    sils = _prior_casters(people)
    if not sils:
        return []
    local, floor = _local_evidence(background, people, work_side)
    return _fits(sils, local, ~floor, depth, scale, min_significance, relength=_TIP_SHIFT, second=_SECOND)
