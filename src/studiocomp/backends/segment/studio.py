"""The ``studio`` segmenter: a neural person prior decides what is person, the backdrop model decides the edges.

Why a hybrid (measured in docs/evaluation.md): the backdrop keyer alone is
right on seamless paper and wrong as soon as the backdrop is painted, mottled,
black-and-white or the same colour as the clothes (mean IoU 0.73 on 22 real
studio-like photos), because it stakes the person's *shape* on the backdrop
being smooth. The small person models are right about the shape on all of
them but know nothing about this photo's backdrop: they stop short of the true
outline and cannot tell a shadow on the paper from a dark sleeve. So:

1. **Prior.** :class:`~studiocomp.backends.segment.ensemble.PersonEnsemble`
   (mean probability of selfie, U²-Net-p and MODNet) gives the shape. Where
   its members disagree strongly the result is flagged uncertain.
2. **Backdrop model.** :meth:`BackdropKeyer.analyse
   <studiocomp.backends.segment.backdrop.BackdropKeyer.analyse>` fits the
   backdrop's colour surface and scores every pixel: can it be the backdrop, or
   a shadow cast on it (same chromaticity, darker)?
3. **Edges.** The person models stop short of the true outline (their masks
   are about a pixel inside it on real photos). In a band of ``edge_band``
   working pixels outside the prior's outline, pixels that cannot be the
   backdrop or a shadow cast on it join the subject; a shadow on the paper does
   not (so it cannot become a dark rim). Taking pixels *away* from the prior's
   mask by the backdrop model was measured too, and lost more than it gained
   (clothes the colour of the backdrop): the prior's inside is kept.
4. **Pockets.** Regions inside the prior's mask that match the backdrop model
   closely and are smooth (gaps between hair strands, between arm and body) are
   backdrop, when the backdrop was found along the frame and the prior itself
   leans to background there (p < 0.6). In a monochrome photo a hole of the
   mask (a gap between arm and hair the models already see) also grows
   through the prior's unsure pixels (p < 0.7) where no edge separates them
   from it: without colour the models stop short of the gap's outline.

Without any weights (a fresh offline machine) the keyer alone is used, and its
own checks say when it is unsure: the backdrop not found along the frame, a
textured backdrop, a faint edge fading into the backdrop (``faint-edge``), detail left
in what it took for backdrop (``backdrop-detail``: a white jacket on white paper cut away),
an island kept far from the subject (``detached-part``), the subject touching the frame on
three sides.

The unknown band the ``unmix`` matter then refines, and the spill removal, come
from the same backdrop model idea (see :mod:`studiocomp.backends.matte.unmix`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast

import cv2
import numpy as np

from ..._ops import disk, resize, shrink_centred, working_size
from ...color import MONOCHROME_SPREAD
from ...errors import InputError, WeightsUnavailableError
from ...image import checked_image
from ...types import Image, Mask, QualityWarning
from .backdrop import BackdropAnalysis, BackdropKeyer, border_band
from .ensemble import DEFAULT_MEMBERS, PersonEnsemble, named_file

__all__ = ["StudioSegmenter", "faint_fringe", "keyer_warnings"]

#: a pocket of backdrop is removed only where the prior itself leans to background (p below this);
#: on the 22 real photos a looser limit (0.75, 0.9) cut holes in grey suits on grey backdrops (IoU 0.96 → 0.70)
_POCKET_PRIOR = 0.6
#: keyer score below which a pixel matches the backdrop model closely (see BackdropKeyer)
_BACKDROP_CLOSE = -0.3
#: smallest pocket of backdrop inside the mask that is removed, as a fraction of the working image
_POCKET_MIN = 0.0005
#: in a monochrome photo, the prior's pixels below this probability that continue a hole of the mask without an edge are
#: backdrop (:func:`_hole_rims`; humanseg 102 in greyscale: the gap between arm and hair at p 0.53–0.70; 0.65–0.75 measure
#: alike, at 0.6 nothing is taken)
_HOLE_PRIOR = 0.7
#: ... holes of the mask smaller than this share of the working image do not grow (humanseg 056: a 0.12 % hole in a dark
#: suit on the dark backdrop would take 0.7 % of the suit; the real gaps of 102 are 1.2 % and 2.6 %)
_HOLE_MIN = 0.005
#: a pocket of backdrop between strands (:func:`_strand_pockets`, at the photo's finer size) matches the backdrop model
#: within this × the open backdrop's 90th-percentile difference from it ...
_STRAND_NOISE = 2.0
#: ... has between these areas, in working pixels of the keyer (wider pockets the keyer's own rules see) ...
_STRAND_MIN, _STRAND_MAX = 2.0, 50.0
#: ... is at most this thick ...
_STRAND_THICK = 2.0
#: ... reaches deeper than this from the mask's outline (the matter's 3-px band at its 400-px working size reaches
#: 3.8 keyer px; at 2.5 the pockets taken between the scalp's dark roots put them in that band and they went translucent
#: on generated shots) and not beyond this ...
_STRAND_DEPTH_MIN, _STRAND_DEPTH_MAX = 3.5, 8.0
#: ... and the subject round it stands clear of the backdrop (90th-percentile largest channel difference; strands on
#: blue/green paper 0.30–0.42, dark hair on black paper 0.08–0.09)
_STRAND_CONTRAST = 0.2
#: below this fraction of the frame band being backdrop, there is no seamless backdrop to rely on
BORDER_BACKDROP_MIN = 0.5
#: below this fraction of the frame band being backdrop the photo is not a studio shot at all (a street, a
#: garden): with the prior, the result is then flagged; on the 22 real studio-like photos the least is 0.09
#: (a black-and-white portrait), on outdoor photos 0.02–0.05
NOT_A_STUDIO = 0.1
#: backdrop noise (90th percentile DoG response) above which the backdrop is textured, not paper
TEXTURED_NOISE = 0.02
#: keyer/prior disagreement on a trusted backdrop above which the result is in doubt
KEYER_DISAGREEMENT_LIMIT = 0.15
#: a backdrop is clean (the keyer may decide the shape) when this much of the frame band is backdrop, and it is not textured
_CLEAN_BORDER = 0.8
#: members' disagreement above which the prior itself is lost (drawn or unusual subjects): a clean keyer decides
_PRIOR_LOST = 0.3
#: the prior found a person when its mask covers at least this fraction of the frame
_PRIOR_MIN_AREA = 0.01
#: the prior is sure of a person above this probability
_PRIOR_SURE = 0.9
#: share of the subject in a faint fringe (:func:`faint_fringe`) above which the keyer's outline is in doubt. Keyer
#: alone: on the 22 real studio photos 037 (IoU 0.89) 0.053 and 029 (0.84) 0.054, the good ones at most 0.025
#: (036, 0.96); on the 80 of studio_synth at most 0.017. The fringe's share is about the IoU it puts at stake
FAINT_FRINGE_LIMIT = 0.04
#: the fringe is what the ``unmix`` matter reads as alpha in [FRINGE_LOW, 0.5): the machine-made masks of real
#: photos start about there on a pale edge (037's pale-blue hair: alpha ≈ 0.2)
FRINGE_LOW = 0.2
#: ... and only a fringe wider than this on average (px along the outline) is faint: a crisp, anti-aliased edge is
#: about half a pixel, which on a tiny photo (72×54 generated shots: share up to 0.063) is also 4 % of the subject.
#: 037 1.38, 029 1.42; the good ones of studio22 at most 0.92 (115)
FRINGE_WIDTH_MIN = 1.0
#: edges left in the keyer's background (see :func:`keyer_warnings`), as a share of the subject's area, above which
#: a part of the subject the backdrop's colour was probably cut away. Keyer alone: studio_synth 00246 (white jacket
#: on white paper, IoU 0.697) 0.023, 01184 (grey shirt on grey paper, 0.840) 0.021; every other photo of studio22 and
#: studio_synth at most 0.0024 (038, IoU 0.79), the good ones (IoU ≥ 0.90) at most 0.0023 (object_GT03)
BACKDROP_DETAIL_LIMIT = 0.01
#: an island of the keyer's mask farther than this × √(the main subject's area) from it, touching no frame edge and
#: smaller than :data:`DETACHED_AREA_MAX` × its area, is a detached part (a strip of window kept on humanseg 057:
#: 0.40); every other island of studio22 and studio_synth is at most 0.22 away, and touches the frame
DETACHED_DISTANCE = 0.25
#: ... and an island at least this share of the main subject's area is a subject of its own (two products on a table)
DETACHED_AREA_MAX = 0.1
#: edges count as detail in the background beyond this many working pixels from the keyer's outline (its own edge and
#: the unmix band lie within it) ...
_DETAIL_OFF_OUTLINE = 6
#: ... and beyond this many from the backdrop reached from the frame's top band (whose own texture they would be)
_DETAIL_OFF_OPEN = 3


def keyer_warnings(analysis: BackdropAnalysis, *, decides: bool = False) -> list[QualityWarning]:
    """The keyer's doubts about its own mask: backdrop not found along the frame, textured backdrop; and, when its mask
    is the result, a part of the subject cut away as backdrop or an island kept far from the subject.

    Every warning returned is ``uncertain`` (the keyer stakes the subject's
    shape on the backdrop; when the backdrop is not what it expects, the shape
    may be wrong). The checks that hold for any segmenter (the subject touching
    the frame) are made by the pipeline.

    With ``decides``, two checks of the mask's shape are added (our own, measured on studio22 and studio_synth
    without weights, docs/evaluation.md):

    - ``backdrop-detail``: edges (difference-of-Gaussians response above twice the keyer's barrier
      ``analysis.edge_limit``) in what the keyer took for background, more than 6 working pixels from its outline
      and more than 3 from the open backdrop (the backdrop-or-shadow pixels below the barrier that are connected to
      the frame's top band), over :data:`BACKDROP_DETAIL_LIMIT` of the subject's area. Paper has no such detail;
      folds, lapels and buttons do: a part of the subject the backdrop's colour (a white jacket on white paper),
      reached by the keyer from the frame's sides, was cut away. A textured wall's own lines border the open
      backdrop and are not counted.
    - ``detached-part``: an island of the mask touching no frame edge, smaller than :data:`DETACHED_AREA_MAX` of
      the main subject and farther than :data:`DETACHED_DISTANCE` × √(its area) from it: a piece of the room the
      backdrop model could not explain (a window's frame) rather than a part of the subject.

    Parameters
    ----------
    analysis : BackdropAnalysis
        What :meth:`BackdropKeyer.analyse` measured.
    decides : bool
        The keyer's mask is the result (no person prior): check its shape too.

    Returns
    -------
    list of QualityWarning
        Codes ``backdrop-not-found``, ``textured-backdrop`` and, with ``decides``, ``backdrop-detail`` (value: the
        edges' share of the subject's area) and ``detached-part`` (value: the island's distance over √(main area));
        empty when none apply.
    """
    out: list[QualityWarning] = []
    if analysis.border_backdrop < BORDER_BACKDROP_MIN:
        out.append(
            QualityWarning(
                "backdrop-not-found", f"only {analysis.border_backdrop:.0%} of the frame's top and sides is a smooth backdrop (keyer needs ≥ {BORDER_BACKDROP_MIN:.0%})", analysis.border_backdrop
            )
        )
    if analysis.backdrop_noise > TEXTURED_NOISE:
        out.append(
            QualityWarning(
                "textured-backdrop", f"the backdrop is textured (edge response {analysis.backdrop_noise:.3f} > {TEXTURED_NOISE}): painted canvas or a room, not seamless paper", analysis.backdrop_noise
            )
        )
    if decides and analysis.mask.any():
        detail = _backdrop_detail(analysis)
        if detail > BACKDROP_DETAIL_LIMIT:
            out.append(
                QualityWarning(
                    "backdrop-detail",
                    f"what the keyer took for backdrop holds detail (edges over {detail:.1%} of the subject's area, limit {BACKDROP_DETAIL_LIMIT:.0%})"
                    " away from the open backdrop: a part of the subject the backdrop's colour may have been cut away",
                    detail,
                )
            )
        distance = _detached_part(analysis.mask)
        if distance > DETACHED_DISTANCE:
            out.append(
                QualityWarning(
                    "detached-part",
                    f"the cut-out keeps an island {distance:.2f} × the subject's size away from it, touching no frame edge: probably a piece of the room the backdrop model could not explain",
                    distance,
                )
            )
    return out


def _backdrop_detail(a: BackdropAnalysis) -> float:
    """Edges in the keyer's background, away from its outline and from the open backdrop, over the subject's area."""
    mask = a.mask.astype(np.uint8)
    band = border_band(mask.shape[0])  # the keyer's top band (BackdropKeyer.analyse)
    passable = ((a.score < 0) & (a.gradient < a.edge_limit)).view(np.uint8)
    _, labels = cv2.connectedComponents(passable, connectivity=4)
    top = np.unique(labels[:band])
    opened = np.isin(labels, top[top > 0]).view(np.uint8)
    near_open = cv2.dilate(opened, disk(_DETAIL_OFF_OPEN)) > 0
    near_subject = cv2.dilate(mask, disk(_DETAIL_OFF_OUTLINE)) > 0
    detail = (a.gradient > 2 * a.edge_limit) & ~near_subject & ~near_open
    return float(np.count_nonzero(detail)) / max(1.0, float(np.count_nonzero(mask)))


def _detached_part(mask: np.ndarray) -> float:
    """Largest distance, over √(main area), of a small island of ``mask`` that touches no frame edge; 0.0 if none."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return 0.0
    areas = stats[:, cv2.CC_STAT_AREA]
    main = 1 + int(areas[1:].argmax())
    h, w = mask.shape
    x, y, bw, bh = (stats[:, c] for c in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    islands = [i for i in range(1, n) if i != main and x[i] > 0 and y[i] > 0 and x[i] + bw[i] < w and y[i] + bh[i] < h and areas[i] < DETACHED_AREA_MAX * areas[main]]
    if not islands:
        return 0.0
    distance = cv2.distanceTransform((labels != main).astype(np.uint8), cv2.DIST_L2, 3)
    scale = float(np.sqrt(areas[main]))
    return max(float(distance[labels == i].min()) / scale for i in islands)


def _hole_rims(mask: Mask, prob: np.ndarray, analysis: BackdropAnalysis) -> Mask:
    """Pixels of ``mask`` that continue a hole of backdrop without an edge where the person prior is unsure: backdrop.

    A hole is a part of the background enclosed by the mask (the gap between a raised arm and the hair) of at
    least :data:`_HOLE_MIN` of the image: the person models already see backdrop there. In a monochrome photo
    they cannot tell skin, blonde hair and light paper apart by colour and stop short of the gap's true
    outline (p 0.5–0.7 over the rest of the gap), while the keyer reads it as backdrop of the right lightness.
    Here the gap is grown through the mask's pixels where the prior is below :data:`_HOLE_PRIOR`, the keyer's
    score is below its close-match limit and no edge (difference-of-Gaussians response below the keyer's
    barrier ``analysis.edge_limit``) separates them from the hole: a smooth continuation of the backdrop
    shading into the gap, bounded by the arm's and the hair's edges. Clothing of the backdrop's lightness is
    reached from the open backdrop, not from a hole, and keeps its outline edge (our own rule, measured on the
    22 real studio photos in greyscale, docs/evaluation.md "Greyscale 102/270").

    Parameters
    ----------
    mask : Mask
        h×w bool, the subject at the keyer's working size.
    prob : numpy.ndarray
        h×w float32 person probability in [0, 1] (the prior's mean).
    analysis : BackdropAnalysis
        What :meth:`BackdropKeyer.analyse` measured at the same size.

    Returns
    -------
    Mask
        h×w bool, the pixels of ``mask`` to give to the backdrop (all False when the mask has no hole that large).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).view(np.uint8), connectivity=4)
    frame = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    holes = np.setdiff1d(np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= _HOLE_MIN * mask.size), frame)
    holes = holes[holes > 0]  # label 0: the mask itself
    if holes.size == 0:
        return np.zeros(mask.shape, bool)
    hole = np.isin(labels, holes)
    smooth = mask & (prob < _HOLE_PRIOR) & (analysis.score < _BACKDROP_CLOSE) & (analysis.gradient < analysis.edge_limit)
    _, grown = cv2.connectedComponents((smooth | hole).view(np.uint8), connectivity=4)
    ids = np.unique(grown[hole])
    return np.isin(grown, ids[ids > 0]) & mask


def _strand_pockets(mask: Mask, image: Image, analysis: BackdropAnalysis) -> Mask:
    """Small pockets of backdrop between clear strands inside ``mask``, found at ``image``'s finer size.

    The keyer works at its working size, where the gaps between dense hair strands near the scalp are 2–4 px wide,
    blurred with the strands around them: its score reads them as subject, its mask closes over them, and the
    ``unmix`` matter's band (3 of its working px) does not reach their middle, so they stay opaque blocks of backdrop
    colour. At the finer size of ``image`` they match the backdrop model within the backdrop's own noise. Here the
    mask's pixels whose largest channel difference from the (upsampled) model is below :data:`_STRAND_NOISE` × the
    90th percentile of that difference over the open backdrop (away from the mask, keyer score below its close-match
    limit) form 4-connected components. A component is a pocket when, in working pixels of the keyer, it has between
    :data:`_STRAND_MIN` and :data:`_STRAND_MAX` pixels' worth of area, is at most :data:`_STRAND_THICK` thick (the
    largest distance inside it to its own border), reaches deeper than :data:`_STRAND_DEPTH_MIN` from the mask's
    outline (shallower ones lie in the matter's band already) but not beyond :data:`_STRAND_DEPTH_MAX`, and the
    subject pixels round it stand clear of the backdrop (90th percentile of their difference at least
    :data:`_STRAND_CONTRAST`: strands the matter can unmix; dark hair on black paper is not, and there removing the
    pockets only brings the matter's band onto the scalp). Clothing of the backdrop's colour is wider than that,
    deeper inside the mask, or does not match within the noise over all of it (folds, texture). Our own rule
    (issue 12, the quickstart's picture; docs/evaluation.md "Backdrop left between dense strands").

    Parameters
    ----------
    mask : Mask
        H×W bool, the subject at ``image``'s size.
    image : Image
        H×W×3 float32 RGB in [0, 1], the photo at that size (at least the keyer's working size).
    analysis : BackdropAnalysis
        What :meth:`BackdropKeyer.analyse` measured on it (at its working size h×w).

    Returns
    -------
    Mask
        H×W bool, the pixels of ``mask`` to give to the backdrop (all False when none qualifies, or when under 100
        pixels of open backdrop are left to measure the noise on).
    """
    hw = mask.shape
    scale = hw[0] / analysis.mask.shape[0]
    diff = np.abs(image - resize(analysis.model, hw, cv2.INTER_LINEAR)).max(2)
    away = cv2.dilate(mask.view(np.uint8), np.ones((9, 9), np.uint8)) == 0
    open_backdrop = away & (resize(analysis.score, hw, cv2.INTER_NEAREST) < _BACKDROP_CLOSE)
    if np.count_nonzero(open_backdrop) < 100:
        return np.zeros(hw, bool)
    cand = mask & (diff < _STRAND_NOISE * float(np.percentile(diff[open_backdrop], 90)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand.view(np.uint8), connectivity=4)
    depth = cv2.distanceTransform(mask.view(np.uint8), cv2.DIST_L2, 3)
    thick = cv2.distanceTransform(np.pad(cand, 1).view(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    deepest = np.zeros(n, np.float32)
    thickest = np.zeros(n, np.float32)
    np.maximum.at(deepest, labels.ravel(), depth.ravel())
    np.maximum.at(thickest, labels.ravel(), thick.ravel())
    area = stats[:, cv2.CC_STAT_AREA] / (scale * scale)
    keep = (area >= _STRAND_MIN) & (area <= _STRAND_MAX) & (thickest <= _STRAND_THICK * scale)
    keep &= (deepest > _STRAND_DEPTH_MIN * scale) & (deepest <= _STRAND_DEPTH_MAX * scale)
    keep[0] = False  # label 0: not a candidate
    for i in np.flatnonzero(keep):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        win = (slice(max(0, y - 1), y + bh + 1), slice(max(0, x - 1), x + bw + 1))
        own = labels[win] == i
        ring = (cv2.dilate(own.view(np.uint8), np.ones((3, 3), np.uint8)) > 0) & mask[win] & ~cand[win]
        keep[i] = bool(ring.any()) and float(np.percentile(diff[win][ring], 90)) >= _STRAND_CONTRAST
    return cast("np.ndarray", keep[labels])


def faint_fringe(image: Image, mask: Mask) -> tuple[float, float]:
    """Share of the subject that fades into the backdrop (unmixed, its alpha falls in [:data:`FRINGE_LOW`, 0.5)), and how wide.

    The mask is refined by the ``unmix`` matter (the local subject and backdrop colours, and each pixel read as
    their mix; :class:`~studiocomp.backends.matte.unmix.UnmixMatter`) at the mask's own size. A pale edge on a
    light backdrop (pale hair tips, light skin on white paper) unmixes to a wide ramp of faint alpha: its 0.5
    contour sits pixels inside where the edge starts to show, and where the outline belongs is a matter of
    convention. The share of the subject in that fringe is about the IoU at stake; on a small photo it is large.

    Parameters
    ----------
    image : array_like
        h×w×3 photo (float32 RGB in [0, 1]) at the mask's size.
    mask : Mask
        h×w bool, the subject (the keyer's mask).

    Returns
    -------
    (float, float)
        The share: (pixels with alpha ≥ :data:`FRINGE_LOW`) / (pixels with alpha ≥ 0.5) − 1, ≥ 0; and the
        fringe's mean width in pixels: its pixels over the outline's (the alpha ≥ 0.5 pixels with a neighbour
        below it). (0.0, 0.0) for an empty subject.

    Raises
    ------
    InputError
        ``image`` not H×W×3, or ``mask`` of another size.
    """
    from ..matte.unmix import UnmixMatter  # a matter's module: loaded only when a keyer decides alone

    alpha = UnmixMatter(working_size=min(4096, max(64, *mask.shape))).matte(image, mask).alpha
    kept = alpha >= 0.5
    area = np.count_nonzero(kept)
    if area == 0:
        return 0.0, 0.0
    fringe = np.count_nonzero(alpha >= FRINGE_LOW) - area
    outline = np.count_nonzero(kept & (cv2.erode(kept.view(np.uint8), np.ones((3, 3), np.uint8)) == 0))
    return float(fringe / area), float(fringe / max(outline, 1))


class StudioSegmenter:
    """Segmenter for studio shots: neural person prior + backdrop model (see the module docs).

    Parameters
    ----------
    prior : sequence of str, a segmenter with ``probability_small`` (e.g. a PersonEnsemble), or None
        The person models (default ``("selfie", "u2netp", "modnet")``). Members whose weights
        cannot be had are left out; with none left (or ``None``) the keyer works alone and says so
        in a ``"no-prior"`` note.
    edge_band : int
        Half-width, in working pixels, of the band around the prior's outline where the backdrop model decides.
    working_size : int
        Long side (pixels) at which the keyer and the fusion work.
    shadow_depth, highlight, plate
        The keyer's options (see :class:`~studiocomp.backends.segment.backdrop.BackdropKeyer`).
    device, threads, weights
        For the prior's models; ``weights`` maps a model name to a local file.

    Raises
    ------
    InputError
        Bad options (from the keyer or the ensemble).

    Examples
    --------
    >>> import studiocomp
    >>> seg = studiocomp.create("segmenter", "studio", prior=None)   # keyer only: no weights needed
    >>> image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=1)
    >>> mask, warnings = seg.segment_assessed(image)
    >>> mask.shape, [w.code for w in warnings]
    ((240, 180), ['no-prior'])
    """

    def __init__(
        self,
        prior: Sequence[str] | Any | None = DEFAULT_MEMBERS,
        *,
        edge_band: int = 1,
        working_size: int = 512,
        shadow_depth: float = 0.42,
        highlight: float = 1.12,
        plate: Any = None,
        device: str = "auto",
        threads: int | None = None,
        weights: dict[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        if not (1 <= int(edge_band) <= 16):
            raise InputError("edge_band", "an integer in 1–16", repr(edge_band))
        self.edge_band = int(edge_band)
        self.keyer = BackdropKeyer(working_size=working_size, shadow_depth=shadow_depth, highlight=highlight, plate=plate)
        self.prior: Any = None
        self.prior_missing: list[str] = []
        if prior is None:
            pass
        elif isinstance(prior, (list, tuple)):
            try:
                self.prior = PersonEnsemble(prior, skip_unavailable=True, working_side=working_size, device=device, threads=threads, weights=weights)
                self.prior_missing = list(self.prior.missing)
            except WeightsUnavailableError:
                if any(named_file(n, weights) for n in prior):
                    raise  # the caller's own file is wrong: an error, not the keyer alone
                self.prior_missing = list(prior)
        elif hasattr(prior, "probability_small"):
            self.prior = prior
        else:
            raise InputError("prior", "a sequence of model names, a PersonEnsemble, or None", type(prior).__name__)

    @property
    def missing_models(self) -> list[str]:
        """The prior's models that could not be loaded (the keyer decides without them).

        Returns
        -------
        list of str
            Model names; ``[]`` when the whole prior loaded (or none was asked for).
        """
        return list(self.prior_missing)

    def __repr__(self) -> str:
        prior = tuple(self.prior.members) if self.prior is not None else None
        return f"StudioSegmenter(prior={prior}, edge_band={self.edge_band}, working_size={self.keyer.working_size})"

    def segment(self, image: Image) -> Mask:
        """The subject's H×W bool mask (see :meth:`segment_assessed` for the warnings).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        return self.segment_assessed(image)[0]

    def segment_assessed(self, image: Image) -> tuple[Mask, list[QualityWarning]]:
        """The subject's H×W bool mask and the segmenter's doubts about it.

        Warning codes: ``no-prior`` (a note: no weights, keyer alone), ``faint-edge`` (keyer alone, uncertain:
        more than :data:`FAINT_FRINGE_LIMIT` of the subject is a faint fringe wider than :data:`FRINGE_WIDTH_MIN`
        px, see :func:`faint_fringe`), ``backdrop-detail`` and ``detached-part`` (keyer alone, uncertain: see
        :func:`keyer_warnings`),
        ``backdrop-not-found`` and ``textured-backdrop`` (keyer alone: uncertain; with a prior: a note, except
        ``backdrop-not-found`` with under :data:`NOT_A_STUDIO` of the frame's band a backdrop: not a studio shot, uncertain),
        ``prior-disagreement`` (the person models disagree), ``prior-outlier`` (a note: one person model
        outvoted by the others and left out), ``keyer-disagreement`` (a clean backdrop was found but the keyer and
        the prior disagree; a note in a monochrome photo, :data:`~studiocomp.color.MONOCHROME_SPREAD`,
        where the keyer sees lightness only).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        (Mask, list of QualityWarning)
            The H×W bool mask and the doubts (codes ``no-prior``, ``no-person``, ``keyer-disagreement`` and the keyer's).
        """
        img = checked_image(image)
        h, w = img.shape[:2]
        # one pass over the full-size photo; the keyer and every person model work from this copy
        # (at 24 MP each of them shrinking the photo itself cost about 0.1 s); centre-aligned, or the mask made on it
        # comes back shifted by up to 1.5 px (docs/evaluation.md, "Where the studio preset's last points go")
        img = shrink_centred(img, working_size(h, w, 2 * self.keyer.working_size))
        analysis = self.keyer.analyse(img)
        if self.prior is None:
            missing = f" ({', '.join(self.prior_missing)} not available)" if self.prior_missing else ""
            notes = [QualityWarning("no-prior", f"no neural person prior{missing}: the backdrop keyer alone decides the subject's shape", uncertain=False)]
            doubts = keyer_warnings(analysis, decides=True)
            # a pale edge fading into a light backdrop: the keyer's outline (and the matter's 0.5 contour) may sit
            # pixels inside the subject's edge (037: keyer mask IoU 0.94, cut-out 0.89), and nothing else says so
            fringe, width = faint_fringe(resize(img, analysis.mask.shape, cv2.INTER_AREA), analysis.mask)
            if fringe > FAINT_FRINGE_LIMIT and width > FRINGE_WIDTH_MIN:
                doubts.append(
                    QualityWarning(
                        "faint-edge",
                        f"{fringe:.1%} of the subject is a faint fringe fading into the backdrop over {width:.1f} px (a pale edge on a light"
                        f" backdrop): its outline may lie a few pixels off (limit {FAINT_FRINGE_LIMIT:.0%})",
                        fringe,
                    )
                )
            return self._upsample(analysis.mask, (h, w)), notes + doubts
        prob, warnings = self.prior.probability_small(img)
        prob = resize(prob, analysis.mask.shape, cv2.INTER_LINEAR)
        prior_mask = prob > 0.5
        clean = analysis.border_backdrop >= _CLEAN_BORDER and analysis.backdrop_noise <= TEXTURED_NOISE
        spread = max([w.value for w in warnings if w.code == "prior-disagreement"], default=0.0)
        union = np.count_nonzero(prior_mask | analysis.mask)
        agreement = np.count_nonzero(prior_mask & analysis.mask) / union if union else 1.0
        if np.count_nonzero(prior_mask) < _PRIOR_MIN_AREA * prior_mask.size:
            # no person: a product shot (or a person the models cannot see); the keyer decides, with its own checks
            note = QualityWarning("no-person", "the person models found no person: the backdrop keyer decides the subject's shape", uncertain=False)
            return self._upsample(analysis.mask, (h, w)), [note, *keyer_warnings(analysis)]
        if clean and spread > _PRIOR_LOST:
            # the person models are lost (an object they do not know, each sees something else) on a clean
            # backdrop the keyer can trust: the keyer decides the shape, what the prior is sure of is added.
            # Where they agree, the prior's shape with the keyer's edges wins even on clean paper (measured:
            # 0.953 → 0.960 on the 22 real photos, 0.978 → 0.982 on studio_synth, segmenter alone)
            notes = [QualityWarning(x.code, x.message + "; the keyer decides on this clean backdrop", x.value, uncertain=False) for x in warnings]
            # the keyer's mask closes over backdrop between thin strands (hair, fringes) narrower than its edge
            # barrier; pixels in it that match the backdrop closely, where the prior leans to background, are backdrop
            # (the strands themselves do not match it and stay; the matter's band then unmixes their edges)
            pockets = analysis.mask & (analysis.score < _BACKDROP_CLOSE) & (prob < _POCKET_PRIOR)
            keyed = (analysis.mask & ~pockets) | (prob > _PRIOR_SURE)
            # at the working size the gaps between dense strands near the scalp are 2–4 px, mixed with the strands,
            # and score as subject; at the finer copy's size they are backdrop within its noise (issue 12)
            fine = self._upsample(keyed, img.shape[:2])
            between = _strand_pockets(fine, img, analysis)
            return self._upsample(fine & ~between if between.any() else keyed, (h, w)), notes
        fused = self._fuse(prob, analysis)
        # the keyer's doubts are notes here: the prior decides the shape. But with next to no backdrop along the
        # frame this is not a studio shot: the edges are still matted against a backdrop that is not there
        # (the unmix matter reads busy scenery as backdrop colour and leaves blotches of it), so say so
        stray = analysis.border_backdrop < NOT_A_STUDIO
        for x in keyer_warnings(analysis):
            if x.code == "backdrop-not-found" and stray:
                warnings.append(QualityWarning(x.code, x.message + "; not a studio shot: the edges may keep patches of the scene (the portrait preset suits it)", x.value))
            else:
                warnings.append(QualityWarning(x.code, x.message + "; the person prior decides the shape", x.value, uncertain=False))
        if clean and 1.0 - agreement > KEYER_DISAGREEMENT_LIMIT:
            # in a monochrome photo the keyer tells subject from backdrop by lightness alone and then disagrees with the
            # person models on most photos, good or bad (the 22 real studio photos in greyscale: 10 flagged, all within
            # 0.03 IoU of their colour run; the worst one, 106, not flagged): a note, not a doubt
            mono = self.keyer.plate is None and analysis.chroma_spread < MONOCHROME_SPREAD
            if self.keyer.plate is not None:
                said = (
                    f"the clean plate and the person models disagree on {1 - agreement:.0%} of the subject: the plate may not"
                    " line up with the photo (a moved or hand-held camera); the person models decided the shape"
                )
            else:
                said = f"a clean backdrop was found, but the keyer and the person prior disagree on {1 - agreement:.0%} of the subject"
                if mono:
                    said += "; in a monochrome photo the keyer sees lightness only, so the person models decided"
            warnings.append(QualityWarning("keyer-disagreement", said, 1 - agreement, uncertain=not mono))
        return self._upsample(fused, (h, w)), warnings

    @staticmethod
    def _upsample(mask: np.ndarray, hw: tuple[int, int]) -> Mask:
        if mask.shape == hw:
            return mask.astype(bool)
        return resize(mask.astype(np.uint8) * np.uint8(255), hw, cv2.INTER_LINEAR) >= 128

    def _fuse(self, prob: np.ndarray, a: BackdropAnalysis) -> np.ndarray:
        """Prior mask with its outline and pockets decided by the backdrop model (working size)."""
        mask = prob > 0.5
        outside = (cv2.dilate(mask.view(np.uint8), disk(self.edge_band)) > 0) & ~mask
        out = mask | (outside & (a.score > 0))  # score ≤ 0: the backdrop, or a shadow cast on it
        if a.border_backdrop >= BORDER_BACKDROP_MIN:
            cand = (out & (prob < _POCKET_PRIOR) & (a.score < _BACKDROP_CLOSE) & (a.gradient < a.edge_limit)).view(np.uint8)
            _, labels, stats, _ = cv2.connectedComponentsWithStats(cand, connectivity=4)
            big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= _POCKET_MIN * out.size)
            big = big[big > 0]
            if big.size:
                out &= ~np.isin(labels, big)
            if a.chroma_spread < MONOCHROME_SPREAD:
                # lightness alone: the prior stops short of a gap's outline; grow the gap where nothing separates it
                out &= ~_hole_rims(out, prob, a)
        return out
