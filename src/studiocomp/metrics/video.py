"""Temporal metrics for image sequences (video frames in order).

Sequences are lists (or T×H×W arrays) of masks or alphas of one shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ._inputs import alpha, binary

__all__ = ["temporal_iou", "dtssd", "flicker"]


def _frames(seq: Any, name: str, reader: Any, shape: tuple[int, int] | None = None) -> list[np.ndarray]:
    if isinstance(seq, np.ndarray) and seq.ndim == 3:
        seq = list(seq)
    if not isinstance(seq, Sequence) or isinstance(seq, (str, bytes)):
        raise InputError(name, "a list of H×W frames or a T×H×W array", type(seq).__name__)
    if len(seq) < 2:
        raise InputError(name, "at least 2 frames", f"{len(seq)}")
    first = reader(seq[0], f"{name}[0]", shape)
    return [first] + [reader(f, f"{name}[{i}]", first.shape) for i, f in enumerate(seq[1:], 1)]


def temporal_iou(masks: Any) -> float:
    """Mean IoU of each frame's mask with the previous frame's: 1.0 for a perfectly still mask.

    Needs no ground truth. It mixes true motion with flicker, so compare it
    between methods on the same clip, or against the ground truth's own value.

    Parameters
    ----------
    masks : sequence of array_like or numpy.ndarray
        The clip's H×W masks in order (bool, or alpha cut at 0.5), all the same size, or a T×H×W array.

    Returns
    -------
    float
        Mean IoU of consecutive frames in [0, 1].

    Raises
    ------
    InputError
        Fewer than 2 frames, frames of different sizes, or bad values.
    """
    frames = _frames(masks, "masks", binary)
    scores = []
    for prev, cur in zip(frames[:-1], frames[1:], strict=False):
        union = np.count_nonzero(prev | cur)
        scores.append(1.0 if union == 0 else np.count_nonzero(prev & cur) / union)
    return float(np.mean(scores))


def dtssd(pred: Any, gt: Any) -> float:
    """Temporal coherence error dtSSD (Erofeev et al. 2015), unscaled: lower is steadier.

    For each pair of consecutive frames, sqrt(mean((Δpred − Δgt)²)) with
    Δ the frame-to-frame change of alpha; the result is the mean over pairs.
    Robust Video Matting's tables report it multiplied by 100.

    Parameters
    ----------
    pred, gt : sequence of array_like
        The predicted and true H×W alphas of the clip's frames, in order (as many of each).

    Returns
    -------
    float
        ≥ 0, unscaled (the video matting tables report it × 100).

    Raises
    ------
    InputError
        Fewer than 2 frames, different frame counts or sizes, or bad values.
    """
    p = _frames(pred, "pred", alpha)
    g = _frames(gt, "gt", alpha, p[0].shape)
    if len(p) != len(g):
        raise InputError("gt", f"{len(p)} frames (as many as pred)", f"{len(g)}")
    errs = []
    for t in range(1, len(p)):
        d = (p[t] - p[t - 1]) - (g[t] - g[t - 1])
        errs.append(np.sqrt(np.mean(d.astype(np.float64) ** 2)))
    return float(np.mean(errs))


def flicker(pred: Any, gt: Any = None) -> float:
    """Mean absolute change of alpha between consecutive frames where nothing should change: lower is steadier.

    ``F = mean over t of mean over still pixels of |pred_t − pred_{t−1}|``, "still" being
    the pixels whose ground truth is the same in both frames (all pixels without ``gt``,
    which then also counts true motion). It is the warping error of Lai et al.,
    "Learning Blind Video Temporal Consistency" (ECCV 2018), with zero flow, restricted to
    the pixels whose truth holds still, so that motion is not counted as flicker.
    Alpha in [0, 1]; the result is in alpha units (×100 for percent).

    Parameters
    ----------
    pred : sequence of array_like
        The clip's H×W alphas in order.
    gt : sequence of array_like, optional
        The true alphas: only pixels where the truth does not change count (all pixels without it).

    Returns
    -------
    float
        Mean |Δalpha| per pixel and frame, in [0, 1].

    Raises
    ------
    InputError
        Fewer than 2 frames, different frame counts or sizes, or bad values.
    """
    p = _frames(pred, "pred", alpha)
    g = _frames(gt, "gt", alpha, p[0].shape) if gt is not None else None
    if g is not None and len(g) != len(p):
        raise InputError("gt", f"{len(p)} frames (as many as pred)", f"{len(g)}")
    vals = []
    for t in range(1, len(p)):
        d = np.abs(p[t].astype(np.float64) - p[t - 1])
        if g is None:
            vals.append(float(d.mean()))
            continue
        still = np.abs(g[t] - g[t - 1]) < 1e-6
        vals.append(float(d[still].mean()) if still.any() else 0.0)
    return float(np.mean(vals))
