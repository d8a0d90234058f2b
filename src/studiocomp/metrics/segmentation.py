"""Segmentation metrics on binary masks: overlap, boundary F1 and Hausdorff distances.

Every function takes two H×W masks, ``pred`` and ``gt``: bool arrays, or alpha
(uint8, uint16 or float in [0, 1]) that is cut at 0.5.

The *boundary* of a mask is its inner contour: mask pixels with a 4-neighbour
outside the mask. The frame of the image is not a boundary (a person cut by the
bottom edge of the photo has no contour there), so a mask that fills the frame
has an empty boundary. Distances are exact Euclidean distances in pixels between
boundary pixels (a k-d tree over the boundary pixels; a distance transform
when the boundaries are very long).
"""

from __future__ import annotations

from typing import Any, cast

import cv2
import numpy as np

from .._ops import bounding_window
from ..errors import InputError
from ._inputs import mask_pair

__all__ = [
    "iou",
    "dice",
    "precision",
    "recall",
    "boundary",
    "boundary_f1",
    "hausdorff",
    "hausdorff95",
    "hausdorff_grade",
    "HAUSDORFF_GRADES",
]

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def confusion_counts(p: np.ndarray, g: np.ndarray) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives)."""
    tp = int(np.count_nonzero(p & g))
    return tp, int(np.count_nonzero(p)) - tp, int(np.count_nonzero(g)) - tp


def iou_of(tp: int, fp: int, fn: int) -> float:
    """IoU from the confusion counts (true positives, false positives, false negatives); 1.0 when all are 0."""
    return 1.0 if tp + fp + fn == 0 else tp / (tp + fp + fn)


def dice_of(tp: int, fp: int, fn: int) -> float:
    """Dice from the confusion counts; 1.0 when all are 0."""
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def precision_of(tp: int, fp: int, fn: int) -> float:
    """Precision from the confusion counts; with nothing predicted, 1.0 if nothing was to be found, else 0.0."""
    if tp + fp == 0:
        return 1.0 if fn == 0 else 0.0
    return tp / (tp + fp)


def recall_of(tp: int, fp: int, fn: int) -> float:
    """Recall from the confusion counts; 1.0 when there was nothing to find."""
    return 1.0 if tp + fn == 0 else tp / (tp + fn)


def iou(pred: Any, gt: Any) -> float:
    """Intersection over union (Jaccard index); 1.0 when both masks are empty.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        |P∩G| / |P∪G| in [0, 1].

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return iou_of(*confusion_counts(*mask_pair(pred, gt)))


def dice(pred: Any, gt: Any) -> float:
    """Dice coefficient (F1 of the pixels), 2·|P∩G| / (|P|+|G|); 1.0 when both masks are empty.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        2·|P∩G| / (|P| + |G|) in [0, 1].

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return dice_of(*confusion_counts(*mask_pair(pred, gt)))


def precision(pred: Any, gt: Any) -> float:
    """Fraction of predicted pixels that are in ``gt``; with nothing predicted, 1.0 if ``gt`` is empty too, else 0.0.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        |P∩G| / |P| in [0, 1].

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return precision_of(*confusion_counts(*mask_pair(pred, gt)))


def recall(pred: Any, gt: Any) -> float:
    """Fraction of ``gt`` pixels that were predicted; 1.0 when ``gt`` is empty.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        |P∩G| / |G| in [0, 1].

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return recall_of(*confusion_counts(*mask_pair(pred, gt)))


def inner_boundary(m: np.ndarray) -> np.ndarray:
    """The inner contour of an H×W bool mask (no validation; see the module docs), H×W bool."""
    m8 = m.view(np.uint8)
    # erode's default border value is the maximum: the frame does not count as outside.
    return cast("np.ndarray", m & ~cv2.erode(m8, _CROSS).view(bool))


def boundary(mask: Any) -> np.ndarray:
    """The inner contour of a mask (see the module docs), as an H×W bool array.

    Parameters
    ----------
    mask : array_like
        H×W bool mask, or alpha cut at 0.5.

    Returns
    -------
    numpy.ndarray
        H×W bool: the mask's pixels with a 4-neighbour outside it (the frame does not count).

    Raises
    ------
    InputError
        Not an H×W mask.
    """
    m, _ = mask_pair(mask, mask)
    return inner_boundary(np.ascontiguousarray(m))


_KDTREE_MAX_POINTS = 400_000  # above this a distance transform is faster than a k-d tree


def _nearest(src: np.ndarray, dst: np.ndarray, ps: np.ndarray, pd: np.ndarray) -> np.ndarray:
    """For each pixel of the bool map ``src`` (coordinates ``ps``), the Euclidean distance to the nearest pixel of ``dst`` (``pd``)."""
    if ps.shape[0] + pd.shape[0] <= _KDTREE_MAX_POINTS:
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(pd).query(ps, k=1)
        return np.asarray(dist, np.float32)
    win = bounding_window(src | dst) or (slice(None), slice(None))  # never None: both boundaries are non-empty here
    dt = cv2.distanceTransform((~dst[win]).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return cast("np.ndarray", dt[src[win]])


def _coords(m: np.ndarray) -> np.ndarray:
    """(row, col) of the True pixels of a bool map, N×2 int32, in row-major order."""
    pts = cv2.findNonZero(m.view(np.uint8))
    if pts is None:
        return np.empty((0, 2), np.int32)
    return np.ascontiguousarray(pts.reshape(-1, 2)[:, ::-1])


def boundary_distances(p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances from each boundary pixel of ``p`` to the boundary of ``g``, the reverse, and the (row, col) of ``p``'s boundary.

    Both empty when neither mask has a boundary; ``inf`` for every pixel of one
    boundary when the other is empty.
    """
    bp, bg = inner_boundary(np.ascontiguousarray(p)), inner_boundary(np.ascontiguousarray(g))
    cp, cg = _coords(bp), _coords(bg)
    if cp.shape[0] == 0 or cg.shape[0] == 0:
        return np.full(cp.shape[0], np.inf, np.float32), np.full(cg.shape[0], np.inf, np.float32), cp
    return _nearest(bp, bg, cp, cg), _nearest(bg, bp, cg, cp), cp


def boundary_f1_of(d_p: np.ndarray, d_g: np.ndarray, tolerance: float) -> float:
    """Boundary F1 from the two directed boundary distances of :func:`boundary_distances` (1-D float32, pixels)."""
    if d_p.size == 0 and d_g.size == 0:
        return 1.0
    if d_p.size == 0 or d_g.size == 0:
        return 0.0
    prec = float(np.count_nonzero(d_p <= tolerance)) / d_p.size
    rec = float(np.count_nonzero(d_g <= tolerance)) / d_g.size
    return 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)


def hausdorff_of(d_p: np.ndarray, d_g: np.ndarray, q: float | None) -> float:
    """Hausdorff distance (``q`` None) or its ``q``-th percentile form from :func:`boundary_distances`'s two directed distances, in pixels."""
    if d_p.size == 0 and d_g.size == 0:
        return 0.0
    if d_p.size == 0 or d_g.size == 0:
        return float("inf")
    if q is None:
        return float(max(d_p.max(), d_g.max()))
    return float(max(np.percentile(d_p, q), np.percentile(d_g, q)))


def check_tolerance(tolerance: float) -> None:
    """Raise :class:`~studiocomp.InputError` unless ``tolerance`` is a finite distance ≥ 0 in pixels."""
    if not (isinstance(tolerance, (int, float)) and np.isfinite(tolerance) and tolerance >= 0):
        raise InputError("tolerance", "a finite distance ≥ 0 in pixels", repr(tolerance))


def boundary_f1(pred: Any, gt: Any, tolerance: float = 2.0) -> float:
    """Boundary F1 score: boundary pixels matched within ``tolerance`` pixels.

    Precision is the fraction of the predicted boundary within ``tolerance`` of
    the true boundary, recall the fraction of the true boundary within
    ``tolerance`` of the predicted one, and the score their harmonic mean
    (Csurka et al., BMVC 2013). 1.0 when both boundaries are empty, 0.0 when
    only one is.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.
    tolerance : float
        Largest distance (pixels) at which a boundary pixel counts as matched.

    Returns
    -------
    float
        The F1 score in [0, 1].

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
        Or ``tolerance`` is negative or not finite.
    """
    check_tolerance(tolerance)
    return boundary_f1_of(*boundary_distances(*mask_pair(pred, gt))[:2], tolerance)


def hausdorff(pred: Any, gt: Any) -> float:
    """Symmetric Hausdorff distance between the two boundaries, in pixels.

    0.0 when both boundaries are empty, ``inf`` when only one is.

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        Pixels (0.0 … ``inf``).

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return hausdorff_of(*boundary_distances(*mask_pair(pred, gt))[:2], None)


def hausdorff95(pred: Any, gt: Any) -> float:
    """95th-percentile Hausdorff distance, in pixels: the larger of the two directed 95th percentiles.

    Less sensitive than :func:`hausdorff` to a few stray pixels (the convention
    of MONAI and the medical segmentation challenges).

    Parameters
    ----------
    pred, gt : array_like
        H×W masks of the same size: bool, or alpha (uint8, uint16 or float in [0, 1]) cut at 0.5.

    Returns
    -------
    float
        Pixels (0.0 … ``inf``).

    Raises
    ------
    InputError
        The masks are not H×W of the same size, or hold NaN or values outside [0, 1].
    """
    return hausdorff_of(*boundary_distances(*mask_pair(pred, gt))[:2], 95.0)


#: Upper bounds (pixels, inclusive) of the graded reading of a Hausdorff distance.
HAUSDORFF_GRADES: tuple[tuple[float, str], ...] = ((10.0, "excellent"), (20.0, "good"), (40.0, "fair"), (float("inf"), "poor"))


def hausdorff_grade(distance: float) -> str:
    """The roadmap's reading of a Hausdorff distance: 0–10 px excellent, 10–20 good, 20–40 fair, above poor.

    Parameters
    ----------
    distance : float
        A Hausdorff distance in pixels (:func:`hausdorff`, :func:`hausdorff95`).

    Returns
    -------
    str
        "excellent", "good", "fair" or "poor" (bounds in :data:`HAUSDORFF_GRADES`).

    Raises
    ------
    InputError
        ``distance`` is NaN or negative.
    """
    if np.isnan(distance) or distance < 0:
        raise InputError("distance", "a distance ≥ 0 in pixels", repr(distance))
    for bound, grade in HAUSDORFF_GRADES:
        if distance <= bound:
            return grade
    return "poor"
