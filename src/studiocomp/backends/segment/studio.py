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
   leans to background there (p < 0.6).

Without any weights (a fresh offline machine) the keyer alone is used, and its
own checks say when it is unsure: the backdrop not found along the frame, a
textured backdrop, a faint edge fading into the backdrop (``faint-edge``), the
subject touching the frame on three sides.

The unknown band the ``unmix`` matter then refines, and the spill removal, come
from the same backdrop model idea (see :mod:`studiocomp.backends.matte.unmix`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ..._ops import disk, resize, shrink_area, working_size
from ...color import MONOCHROME_SPREAD
from ...errors import InputError, WeightsUnavailableError
from ...image import checked_image
from ...types import Image, Mask, QualityWarning
from .backdrop import BackdropAnalysis, BackdropKeyer
from .ensemble import DEFAULT_MEMBERS, PersonEnsemble, named_file

__all__ = ["StudioSegmenter", "faint_fringe", "keyer_warnings"]

#: a pocket of backdrop is removed only where the prior itself leans to background (p below this);
#: on the 22 real photos a looser limit (0.75, 0.9) cut holes in grey suits on grey backdrops (IoU 0.96 → 0.70)
_POCKET_PRIOR = 0.6
#: keyer score below which a pixel matches the backdrop model closely (see BackdropKeyer)
_BACKDROP_CLOSE = -0.3
#: smallest pocket of backdrop inside the mask that is removed, as a fraction of the working image
_POCKET_MIN = 0.0005
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


def keyer_warnings(analysis: BackdropAnalysis) -> list[QualityWarning]:
    """The keyer's doubts about its own mask: backdrop not found along the frame, textured backdrop, no subject.

    Every warning returned is ``uncertain`` (the keyer stakes the subject's
    shape on the backdrop; when the backdrop is not what it expects, the shape
    may be wrong). The checks that hold for any segmenter (the subject touching
    the frame) are made by the pipeline.

    Parameters
    ----------
    analysis : BackdropAnalysis
        What :meth:`BackdropKeyer.analyse` measured.

    Returns
    -------
    list of QualityWarning
        Codes ``backdrop-not-found``, ``textured-backdrop``, ``no-subject``; empty when none apply.
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
    return out


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
        px, see :func:`faint_fringe`),
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
        # (at 24 MP each of them shrinking the photo itself cost about 0.1 s)
        img = shrink_area(img, working_size(h, w, 2 * self.keyer.working_size))
        analysis = self.keyer.analyse(img)
        if self.prior is None:
            missing = f" ({', '.join(self.prior_missing)} not available)" if self.prior_missing else ""
            notes = [QualityWarning("no-prior", f"no neural person prior{missing}: the backdrop keyer alone decides the subject's shape", uncertain=False)]
            doubts = keyer_warnings(analysis)
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
            return self._upsample((analysis.mask & ~pockets) | (prob > _PRIOR_SURE), (h, w)), notes
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
        return out
