"""Metrics on the library's arrays: segmentation, matting, realism, fidelity to the photo and video.

Plain functions, vectorised (distance transforms and connected-component
labelling, no pixel loops), validated like the rest of the public API::

    from studiocomp import metrics
    metrics.iou(pred_alpha, gt_mask)
    metrics.boundary_f1(pred_alpha, gt_mask, tolerance=2)
    metrics.sad(pred_alpha, gt_alpha, trimap=trimap)   # in thousands, as the matting tables report it

:data:`METRICS` (``metrics/table.py``) is the one table of what :func:`score`
reports: each metric's function, group, unit, direction and eval column.
See ``docs/evaluation.md`` for the definitions and scaling conventions, and
:func:`studiocomp.evaluate.evaluate` for running them over a data set.
"""

from __future__ import annotations

from .fidelity import color_shift, edge_halo, pasted, sharpness_ratio
from .matting import connectivity_error, gradient_error, mse, sad
from .realism import blur_level, blur_mismatch, boundary_sharpness, illumination_consistency, lab_color_distance, noise_level, noise_mismatch
from .report import FIDELITY_KEYS, MATTING_KEYS, REALISM_KEYS, SEGMENTATION_KEYS, score
from .segmentation import HAUSDORFF_GRADES, boundary, boundary_f1, dice, hausdorff, hausdorff95, hausdorff_grade, iou, precision, recall
from .table import GROUPS, METRICS, MetricInfo
from .video import dtssd, flicker, temporal_iou

__all__ = [
    # segmentation
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
    # matting
    "sad",
    "mse",
    "gradient_error",
    "connectivity_error",
    # realism
    "noise_level",
    "noise_mismatch",
    "blur_level",
    "blur_mismatch",
    "boundary_sharpness",
    "illumination_consistency",
    "lab_color_distance",
    # fidelity to the photo
    "sharpness_ratio",
    "color_shift",
    "edge_halo",
    "pasted",
    # video
    "temporal_iou",
    "dtssd",
    "flicker",
    # all at once
    "score",
    "SEGMENTATION_KEYS",
    "MATTING_KEYS",
    "REALISM_KEYS",
    "FIDELITY_KEYS",
    # the table: name → function, group, unit, direction, eval column
    "METRICS",
    "MetricInfo",
    "GROUPS",
]
