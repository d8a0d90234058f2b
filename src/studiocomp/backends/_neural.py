"""Helpers shared by the neural backends: weights + session, model input sizes, and the common ends of the ONNX backends."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast

import cv2
import numpy as np

from ..errors import InputError


def onnx_session(model: str, weights: str | os.PathLike[str] | None, device: str, threads: int | None) -> Any:
    """Fetch (or check) the weights of ``model`` and return its shared ONNX Runtime session."""
    from ..hub import fetch
    from ..runtime.onnx import get_session, providers_for

    providers_for(device)  # a bad or unavailable device fails before any download
    return get_session(fetch(model, weights=weights), device=device, threads=threads)


def model_preprocessing(model: str) -> Any:
    """The :class:`~studiocomp.hub.Preprocessing` of ``model``'s :class:`~studiocomp.hub.ModelSpec`: sizes, mean/std, layout."""
    from ..hub import get_spec

    return get_spec(model).preprocessing


def model_size(h: int, w: int, long_side: int, multiple: int = 1) -> tuple[int, int]:
    """(H', W') with the long side scaled to ``long_side`` and each side rounded to a multiple (at least one)."""
    s = long_side / max(h, w)
    return (max(multiple, round(h * s / multiple) * multiple), max(multiple, round(w * s / multiple) * multiple))


def shrink(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """``image`` resized to (H', W'): area averaging when shrinking, bilinear when growing."""
    h, w = image.shape[:2]
    interp = cv2.INTER_AREA if hw[0] * hw[1] < h * w else cv2.INTER_LINEAR
    return cv2.resize(image, (hw[1], hw[0]), interpolation=interp)


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InputError(name, f"an int ≥ {minimum}", repr(value))
    return value


def check_margin(value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not (0 < value <= 1):
        raise InputError("mask_margin", "a fraction of the long side in (0, 1], or None", repr(value))
    return float(value)


class OnnxSegmenter:
    """Base of the ONNX segmenters: loads the shared session; subclasses predict a small probability map.

    :meth:`probability` brings that map back to the photo's size (bilinear) and
    :meth:`segment` cuts it at ``threshold``; :meth:`segment_batch` runs several
    photos through the network in one call (the same masks).

    ``precision="int8"`` asks for the model's int8 variant
    (:mod:`studiocomp.runtime.quantize`); it is refused, with the measured
    accuracy, unless the evaluation showed that its accuracy holds — today it
    holds for no model. ``model_path`` is the ONNX file the session runs.
    """

    model: str

    def __init__(
        self, threshold: float = 0.5, *, device: str = "auto", threads: int | None = None, weights: str | os.PathLike[str] | None = None, precision: str = "fp32"
    ) -> None:
        from ..hub import fetch, get_spec
        from ..runtime.onnx import get_session
        from ..runtime.quantize import INT8_EVALUATION, int8_allowed, int8_model

        if precision not in ("fp32", "int8"):
            raise InputError("precision", "'fp32' or 'int8'", repr(precision))
        if precision == "int8" and not int8_allowed(self.model):
            ev = INT8_EVALUATION.get(self.model)
            why = f"its int8 variant loses accuracy (pfcn_portrait_test mean IoU {ev['iou_fp32']} → {ev['iou_int8']})" if ev else "no int8 variant of it was evaluated"
            raise InputError("precision", f"'fp32' for {self.model}: {why}; see docs/performance.md", "'int8'")
        self.threshold = float(threshold)
        self.pre = model_preprocessing(self.model)
        self._session: Any = onnx_session(self.model, weights, device, threads)
        self._input = self._session.get_inputs()[0].name
        self.model_path = fetch(self.model, weights=weights)
        if precision == "int8":  # made once from the pinned fp32 file, calibrated on synthetic studio shots
            from ..synthetic import studio_shot

            calibration = ({self._input: self._network_input(studio_shot((480, 360), seed=k)[0])} for k in range(16))
            self.model_path = int8_model(self.model_path, calibration, source_sha256=get_spec(self.model).sha256)
            self._session = get_session(self.model_path, device=device, threads=threads)
        self.precision = precision
        self._load = (device, threads)
        self._batched: Any = None  # the batch-free session, made on the first segment_batch

    def __repr__(self) -> str:
        device, threads = self._load
        return f"{type(self).__name__}(threshold={self.threshold}, device={device!r}, threads={threads}, precision={self.precision!r})"

    @property
    def size(self) -> int:
        """The side of the square network input, in pixels (from the model's spec)."""
        return int(self.pre.size)

    def _network_input(self, image: np.ndarray) -> np.ndarray:
        """The network's input for one photo: a batch of one (1×… float32)."""
        raise NotImplementedError

    def _network_output(self, out: np.ndarray) -> np.ndarray:
        """One photo's slice (1×…) of the first output → the h×w probability at the model's resolution."""
        raise NotImplementedError

    def _predict(self, image: np.ndarray) -> np.ndarray:
        return self._network_output(self._session.run(None, {self._input: self._network_input(image)})[0])

    def segment_batch(self, images: Sequence[Any]) -> list[np.ndarray]:
        """Masks of several photos from one network call (batched inference); equal to :meth:`segment` of each.

        Parameters
        ----------
        images : sequence of images
            Photos (H×W×3 float32 RGB in [0, 1], or anything :func:`~studiocomp.as_image` takes), of any sizes.

        Returns
        -------
        list of ndarray
            One H×W bool mask per photo, in order.

        Raises
        ------
        BackendUnavailableError
            The ``onnx`` package, which frees the model's batch dimension, is missing.
        InputError
            A photo the image checks refuse.
        """
        from ..image import checked_image
        from ..runtime.onnx import get_session

        photos = [checked_image(im, name=f"images[{i}]") for i, im in enumerate(images)]
        if not photos:
            return []
        if self._batched is None:
            device, threads = self._load
            self._batched = get_session(self.model_path, device=device, threads=threads, batched=True)
        out = self._batched.run(None, {self._input: np.concatenate([self._network_input(im) for im in photos])})[0]
        return [self._full_size(self._network_output(out[i : i + 1]), im.shape[:2]) > self.threshold for i, im in enumerate(photos)]

    @staticmethod
    def _full_size(small: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
        return np.clip(cv2.resize(small.astype(np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def predict_probability(self, image: Any) -> np.ndarray:
        """The subject probability at the model's resolution (h×w float32 in [0, 1], e.g. 256×256 for selfie)."""
        from ..image import checked_image

        return np.clip(np.asarray(self._predict(checked_image(image)), np.float32), 0.0, 1.0)

    def probability(self, image: Any) -> np.ndarray:
        """The subject probability at full size (H×W float32 in [0, 1])."""
        from ..image import checked_image

        img = checked_image(image)
        return self._full_size(self._predict(img), img.shape[:2])

    def segment(self, image: Any) -> np.ndarray:
        return self.probability(image) > self.threshold


def missed_regions(mask: np.ndarray, alpha: np.ndarray, coverage: float = 0.5, min_relative: float = 0.3, work_side: int = 512) -> np.ndarray:
    """The parts of ``mask`` that ``alpha`` dropped: its person-sized connected regions whose mean alpha is below ``coverage``.

    Parameters
    ----------
    mask : H×W bool
        A segmenter's mask.
    alpha : H×W float32
        A matter's alpha.
    coverage : float
        A region whose mean alpha is below this was dropped by the matter.
    min_relative : float
        Regions smaller than this fraction of the matter's own subject (alpha > 0.5) are ignored:
        a dropped *person* is about as large as the people kept, while the segmenter's stray blobs
        are small (on pfcn_portrait_test, 0.3 keeps the mean IoU where the plain gate has it;
        0.002 of the frame cost 0.0013).

    Returns
    -------
    H×W bool: the dropped regions (all False when none). Found at about ``work_side`` pixels.
    """
    from .._ops import resize, working_size

    h, w = mask.shape
    hw = working_size(h, w, work_side)
    small = resize(mask.view(np.uint8), hw, cv2.INTER_NEAREST)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    if n <= 1:
        return np.zeros((h, w), bool)
    a_small = resize(alpha, hw, cv2.INTER_AREA)
    sums = np.bincount(labels.ravel(), weights=a_small.ravel(), minlength=n)
    areas = stats[:, cv2.CC_STAT_AREA]
    kept = max(1.0, float(np.count_nonzero(a_small > 0.5)))
    dropped = (sums / np.maximum(areas, 1) < coverage) & (areas >= min_relative * kept)
    dropped[0] = False
    if not dropped.any():
        return np.zeros((h, w), bool)
    return cast("np.ndarray", (resize(dropped[labels].view(np.uint8), (h, w), cv2.INTER_NEAREST) > 0) & mask)


#: a ``gated-out`` warning when the mask gate cuts away at least this share of the matter's own subject (alpha > 0.5)
#: (``portrait`` preset: at most 0.034 on humanseg_removebg290's results at IoU >= 0.95; 6 of its unflagged results under
#: 0.90 at 0.06-0.33; on pfcn_portrait_test it fires on 6, none under 0.90: a neighbour or a car seat half cut; docs/evaluation.md)
GATED_OUT_LIMIT = 0.05

#: a ``region-restored`` warning when the whole regions :func:`missed_regions` restored are at least this share of the
#: final subject (humanseg_removebg290, ``portrait`` preset: 33 photos had such a fill, 0.20-1.00 of the subject; 29 of
#: them scored below IoU 0.90, none 0.95 or more; pfcn_portrait_test: none; docs/evaluation.md)
REGION_RESTORED_LIMIT = 0.05

#: a ``soft-outline`` warning when the pixels at 0.25 < alpha < 0.75 are at least this share of the subject (alpha > 0.5)
#: (``portrait`` preset with the mirrored pass: on humanseg_removebg290 the results not flagged otherwise and at IoU
#: >= 0.95 have less, 6 of the 12 unflagged ones under 0.90 more; pfcn_portrait_test: none; docs/evaluation.md)
SOFT_OUTLINE_LIMIT = 0.07

#: the mirrored pass refines alpha within this many pixels, at the network's resolution, of the first pass's 0.5 outline
#: (MODNet at 512 px: about 0.6 % of the long side); farther out the first pass's decision stands (docs/evaluation.md)
MIRROR_BAND = 3


def mirror_edges(first: np.ndarray, mirrored: np.ndarray, band: int = MIRROR_BAND) -> np.ndarray:
    """A network's alpha with its outline averaged with a pass on the mirrored photo; its regions as the first pass has them.

    Horizontal-flip test-time augmentation (as in segmentation benchmarks and ``ttach``) averages a
    network's output on the photo and on its mirror: a CNN is not mirror-equivariant, and where it
    places an edge differs a little between the two, so the mean places it better. But a matter that
    keeps a person in one pass and drops them in the other (MODNet on a group) puts that person at
    about 0.5 in the mean, and the 0.5 cut loses them. So the mean is taken only within ``band``
    pixels of the first pass's 0.5 outline, where the two passes differ in where the edge lies;
    everywhere else the first pass stands, and whole regions are kept or dropped as it decided.

    Measured with MODNet in the ``portrait`` preset (docs/evaluation.md): ``pfcn_portrait_test``
    mean IoU 0.9699 → 0.9706 (34 photos up by more than 0.002, 7 down, none by more than 0.008);
    the plain mean gives 0.9708 there but takes the 33 humanseg groups' minimum from 0.808 to 0.648.

    Parameters
    ----------
    first : numpy.ndarray
        h×w float32 in [0, 1], the network's alpha on the photo.
    mirrored : numpy.ndarray
        h×w float32 in [0, 1], its alpha on the mirrored photo, already flipped back.
    band : int
        Half-width of the band round the first pass's outline, in pixels of these maps (≥ 1).

    Returns
    -------
    numpy.ndarray
        h×w float32: the mean of the two within the band, ``first`` elsewhere.

    Raises
    ------
    InputError
        The two maps differ in shape, or ``band`` is not an int ≥ 1.
    """
    check_positive_int("band", band)
    if first.shape != mirrored.shape:
        raise InputError("mirrored", f"an alpha of shape {first.shape}", str(mirrored.shape))
    fg = (first > 0.5).view(np.uint8)
    outline = cv2.morphologyEx(fg, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    near = cv2.dilate(outline, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))) > 0
    return np.where(near, 0.5 * (first + mirrored), first).astype(np.float32)


#: a dropped part smaller than this fraction of the kept subject is not looked at (a limb or a person is larger)
PART_MIN_RELATIVE = 0.1
#: a part is restored when the photo's colour gradient along its seam with the kept subject is at most this
#: multiple of the mean gradient over the part and the kept subject: the matter stopped where the photo shows
#: no edge (on the parts of pfcn_portrait_test and the 33 humanseg groups: dropped body parts 1.04-1.44;
#: a crowd, a table, a chair, a wall 1.78-2.13; docs/evaluation.md)
SEAM_EDGE_LIMIT = 1.6
#: the seam: the pixels within this fraction of the long side of both the part and the kept subject
SEAM_WIDTH = 0.005
#: ... and the seam is at least this share of the part's outline (a dropped piece of a body shares much of its
#: outline with the kept body; the parts restored had 0.53-0.86)
SEAM_SHARE = 0.25


def seamless_parts(
    image: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    min_relative: float = PART_MIN_RELATIVE,
    edge_limit: float = SEAM_EDGE_LIMIT,
    share: float = SEAM_SHARE,
    work_side: int = 768,
) -> np.ndarray:
    """The parts of ``mask`` a matter dropped from a person it kept in part: where to set alpha to 1.

    :func:`missed_regions` finds whole mask regions the matter dropped; a person who touches a kept one
    (people side by side on a sofa) shares that region, whose mean alpha is then high, and is not found
    there. Such a person's dropped body is a connected part of ``mask & (alpha < 0.5)``, but so is
    whatever the segmenter took in that the matter rightly left out: a crowd behind a selfie, a painted
    portrait, a table, a chair. Those mostly meet the subject at its outline, where the photo has an edge;
    a matter that drops part of a person stops inside the clothing, where the photo has none. So a part is
    restored when the photo's mean colour gradient (Sobel, CIELAB) over the seam, the pixels within
    :data:`SEAM_WIDTH` of both the part and the kept subject (alpha > 0.5), is at most ``edge_limit`` times
    its mean over the part and the kept subject together, and the seam is at least ``share`` of the
    part's outline. Each restored part is grown by 1 % of the long side within ``mask``, so the seam of
    fractional alpha between it and the kept subject closes.

    Measured at ``work_side`` 768 (docs/evaluation.md): of the 13 such parts on pfcn_portrait_test and the
    33 humanseg groups (``portrait`` preset), the torso and legs of the man MODNet half drops on humanseg
    272 (1.40, 1.04) and the head of the girl on 280 (1.44) are restored; a crowd behind a selfie (1.86;
    2.46 with a seam share of 0.15), a table of toys (1.90), a chair (1.78), a wall (2.13) and a blurred
    passer-by (2.94, share 0.12) are not, nor a painted portrait (no seam). Three parts that belong to the
    subject of a pfcn_portrait_test photo (hair, an arm, the foot of a jacket: 1.96, 2.20, 1.99) meet it
    at an edge and stay dropped, as before. U²-Net-p, as a third vote (mean probability over the part
    above 0.5), is wrong on all three restored parts (0.04, 0.01, 0.00) and takes the crowd and the chair.
    The limits were chosen on these 13 parts. The two kinds stayed apart at every work size (384-1024)
    and seam width (0.2-0.8 % of the long side) tried; the ratios grow as the seam narrows.

    Out of sample, on the other photos of humanseg_removebg290, the rule fires on 14 more: 9 restore people
    MODNet holed (IoU up by 0.02-0.37), 5 add a low-contrast object under or beside a person that the
    selfie mask took in: a gym bench between dark shorts (0.931 → 0.753), a chair under dark jeans, a rock
    at night, two pushchairs (down by 0.03-0.18). The seam test cannot tell dark furniture from dark
    clothing; over all 290 photos the mean IoU rises by 0.0046.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 float32 RGB in [0, 1].
    mask : numpy.ndarray
        H×W bool, the segmenter's mask.
    alpha : numpy.ndarray
        H×W float32 in [0, 1], the matter's alpha (after any whole-region fill).
    min_relative : float
        Parts smaller than this fraction of the kept subject are left out.
    edge_limit : float
        The largest ratio of the seam's gradient to the subject's for which a part is restored.
    share : float
        The smallest share of a part's outline that must run along the kept subject.
    work_side : int
        Everything is found at about this long side (pixels), then brought back to H×W.

    Returns
    -------
    numpy.ndarray
        H×W bool: the pixels to set to 1 (all False when no part is restored).
    """
    from .._ops import disk, resize, working_size

    h, w = mask.shape
    hw = working_size(h, w, work_side)
    small_mask = resize(mask.view(np.uint8), hw, cv2.INTER_NEAREST) > 0
    small_alpha = resize(alpha, hw, cv2.INTER_AREA)
    kept = small_alpha > 0.5
    n, labels, stats, _ = cv2.connectedComponentsWithStats((small_mask & ~kept).view(np.uint8), connectivity=8)
    least = min_relative * max(1.0, float(np.count_nonzero(kept)))
    big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= least]
    if not big:
        return np.zeros((h, w), bool)
    lab = cv2.cvtColor(resize(np.ascontiguousarray(image), hw, cv2.INTER_AREA), cv2.COLOR_RGB2Lab)
    grad = np.sqrt(sum(cv2.Sobel(lab[..., c], cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(lab[..., c], cv2.CV_32F, 0, 1) ** 2 for c in range(3)))

    def disc(fraction: float) -> np.ndarray:  # a disk of this fraction of the working long side
        return disk(round(fraction * max(hw)))

    near_kept = cv2.dilate(kept.view(np.uint8), disc(SEAM_WIDTH)) > 0
    touches_kept = cv2.dilate(kept.view(np.uint8), np.ones((3, 3), np.uint8)) > 0
    out = np.zeros(hw, bool)
    for i in big:
        part = labels == i
        seam = (cv2.dilate(part.view(np.uint8), disc(SEAM_WIDTH)) > 0) & near_kept
        outline = cv2.morphologyEx(part.view(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        if not seam.any() or np.count_nonzero(outline & touches_kept) < share * np.count_nonzero(outline):
            continue
        if grad[seam].mean() <= edge_limit * grad[part | kept].mean():
            out |= cv2.dilate(part.view(np.uint8), disc(0.01)) > 0
    return cast("np.ndarray", (resize(out.view(np.uint8), (h, w), cv2.INTER_NEAREST) > 0) & mask)


def finish_matte(
    image: np.ndarray,
    low_alpha: np.ndarray,
    mask: Any,
    margin: float | None,
    fill_missed: bool = False,
    foreground: np.ndarray | None = None,
) -> Any:
    """A model's low-resolution alpha → full-size :class:`~studiocomp.Matte`.

    Guided upsampling, the optional mask gate (``margin`` × the long side
    around a segmenter's mask), the optional restoring of the mask's regions
    the network dropped (``fill_missed``: see :func:`missed_regions`; a person
    of a group the segmenter found, and the parts of a person it kept in part:
    see :func:`seamless_parts`) and the foreground: the model's own
    (``foreground``, H×W×3 float32, taken only where 0 < α < 1, the photo
    elsewhere) when it predicts one at full size, else blur-fusion estimation.
    """
    from .._ops import estimate_foreground, feather_into, guided_upsample, mask_gate
    from ..image import checked_mask
    from ..types import Matte, QualityWarning

    alpha, band = guided_upsample(np.clip(low_alpha, 0.0, 1.0), image)
    notes: list[QualityWarning] = []
    if mask is not None:
        m = np.ascontiguousarray(checked_mask(mask, shape=image.shape[:2]))
        if margin is not None:
            seen = alpha > 0.5
            alpha *= mask_gate(m, margin)
            gated = float(np.count_nonzero(seen & (alpha <= 0.5))) / max(1, int(np.count_nonzero(seen)))
            if gated >= GATED_OUT_LIMIT:
                # the matter saw a subject where the segmenter saw none (an arm or a person the segmenter missed, or scenery
                # the matter took in: either way the models disagree, and the gate sided with the segmenter)
                notes.append(
                    QualityWarning(
                        "gated-out",
                        f"{gated:.0%} of what the matter took for the subject lies away from the segmenter's mask and was cut"
                        " away (a part of the person the segmenter missed, or scenery the matter took in): look at it",
                        gated,
                    )
                )
        if fill_missed:
            missed = missed_regions(m, alpha)
            dropped = int(np.count_nonzero(missed & (alpha < 0.5)))
            filled = alpha  # the alpha with the missed regions at 1, for seamless_parts and the shares
            if dropped:
                filled = alpha.copy()
                filled[missed] = 1.0
            restored = seamless_parts(image, m, filled)
            if restored.any():
                # right on 9 of the 14 photos it fired on outside the sets it was chosen on, wrong on 5 (a dark bench,
                # chair, rock or pushchair against dark clothes): a person should look
                share = float(np.count_nonzero(restored & (filled < 0.5))) / max(1, int(np.count_nonzero((filled > 0.5) | restored)))
                notes.append(
                    QualityWarning(
                        "part-restored",
                        f"the matter dropped {share:.0%} of the subject where the photo shows no edge, and it was restored as the"
                        " person's (a dark chair, bench or bag against dark clothes can be taken in the same way): look at it",
                        share,
                    )
                )
                missed |= restored
            share = dropped / max(1, int(np.count_nonzero((filled > 0.5) | missed)))
            if share >= REGION_RESTORED_LIMIT:
                # the matter saw no person in a whole region of the segmenter's mask: either it missed one (a group's
                # people, 210) or the segmenter took in the scene (a shop window, 240); the region's outline is the
                # segmenter's (the top of a head cut on 200), only softened along the photo's edges: never a plain success
                # (docs/evaluation.md)
                notes.append(
                    QualityWarning(
                        "region-restored",
                        f"the matter saw no subject in {share:.0%} of the cut-out, which the segmenter's coarser mask restored (a person the matter"
                        " missed, or scenery the segmenter took for one; the outline there is the segmenter's): look at it",
                        share,
                    )
                )
            if missed.any():  # restored from the mask: its outline cut from a coarse map, hard and stepped; soft along the photo's edges
                feather_into(alpha, missed, image)
                rows, cols = np.nonzero((alpha > 0.0) & (alpha < 1.0))
                band = (rows, cols)
        subject = int(np.count_nonzero(alpha > 0.5))
        soft_share = float(np.count_nonzero((alpha > 0.25) & (alpha < 0.75))) / max(1, subject)
        if subject and soft_share >= SOFT_OUTLINE_LIMIT:
            # a half-transparent band this wide for the subject's size (a small or blurred subject, hair on a busy ground):
            # where the outline lies decides much of the cut-out, and the two models placed it differently
            notes.append(
                QualityWarning(
                    "soft-outline",
                    f"{soft_share:.0%} of the subject is a half-transparent band round it (alpha 0.25-0.75; a small or blurred"
                    " subject): where its outline lies is uncertain: look at it",
                    soft_share,
                )
            )
    if foreground is not None and foreground.shape == image.shape:
        rows, cols = band
        a = alpha[rows, cols]
        soft = (a > 0.0) & (a < 1.0)
        fg = image.copy()
        fg[rows[soft], cols[soft]] = np.clip(foreground[rows[soft], cols[soft]], 0.0, 1.0)
        return Matte(alpha=alpha, foreground=fg, warnings=tuple(notes))
    return Matte(alpha=alpha, foreground=estimate_foreground(image, alpha, band=band), warnings=tuple(notes))
