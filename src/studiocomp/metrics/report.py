"""All metrics of one prediction at once, sharing the work they have in common."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..image import checked_image
from ._inputs import alpha_pair, unknown_region
from .fidelity import edge_band, interior, laplacian_variance
from .matting import connectivity_error_of, gradient_error_of, mse_of, sad_of
from .realism import boundary_sharpness_at, illumination_overlap, lab_distance_of, noise_mismatch_of, subject_and_background, to_lab
from .segmentation import boundary_distances, boundary_f1_of, check_tolerance, confusion_counts, dice_of, hausdorff_of, iou_of, precision_of, recall_of
from .table import keys

__all__ = ["score", "SEGMENTATION_KEYS", "MATTING_KEYS", "REALISM_KEYS", "FIDELITY_KEYS"]

#: The keys of :func:`score` per group, in order (from :data:`studiocomp.metrics.table.METRICS`).
SEGMENTATION_KEYS, MATTING_KEYS, REALISM_KEYS, FIDELITY_KEYS = keys("segmentation"), keys("matting"), keys("realism"), keys("fidelity")


def score(pred: Any, gt: Any, *, image: Any = None, trimap: Any = None, tolerance: float = 2.0, matting: bool = True, photo: Any = None, reference: Any = None) -> dict[str, float]:
    """Every metric of ``pred`` against ``gt`` in one pass: a dict keyed by the metric functions' names.

    Gives the same numbers as calling :func:`iou`, :func:`boundary_f1`, … one by
    one (masks are the alphas cut at 0.5), but validates the inputs once and
    shares boundaries and colour conversions, which makes it several times faster.
    The keys, units and directions are the table :data:`studiocomp.metrics.METRICS`.

    ``matting=False`` leaves out SAD, MSE, gradient and connectivity errors (for
    binary ground truth they add little). ``trimap`` restricts the matting
    errors to its unknown region. ``image``, the composite the subject was placed
    in (H×W×3), adds the realism metrics, measured with ``pred`` as the
    subject's alpha; they are NaN when ``pred`` has no subject or no background
    (where the functions themselves raise). Matting errors are as the functions
    return them: ``sad`` in thousands, the others unscaled.

    With ``image``, ``photo`` (the original photo, same size) adds the fidelity
    metrics :func:`sharpness_ratio` and :func:`color_shift`, and ``reference``
    (the subject pasted plainly, :func:`pasted`) adds :func:`edge_halo`, all with
    ``pred`` as the subject's alpha; NaN where the subject has no solid interior or no outline.

    Parameters
    ----------
    pred, gt : array_like
        H×W alphas (uint8, uint16 or float in [0, 1]; bool masks too) of the same size.
    image : array_like, optional
        The H×W×3 composite the subject was placed in: adds the realism metrics.
    trimap : array_like, optional
        H×W trimap: the matting errors count its unknown region only.
    tolerance : float
        Boundary F1's matching distance in pixels.
    matting : bool
        Include SAD, MSE, gradient and connectivity errors.
    photo : array_like, optional
        The original H×W×3 photo (with ``image``): adds ``sharpness_ratio`` and ``color_shift``.
    reference : array_like, optional
        The subject pasted plainly (:func:`pasted`, with ``image``): adds ``edge_halo``.

    Returns
    -------
    dict of str to float
        Keyed by metric name (see :data:`studiocomp.metrics.METRICS` for units and direction).

    Raises
    ------
    InputError
        Inputs of the wrong shape, size or values, or a negative ``tolerance``.
    """
    check_tolerance(tolerance)
    p, g = alpha_pair(pred, gt)
    pm, gm = p > 0.5, g > 0.5
    counts = confusion_counts(pm, gm)
    d_p, d_g, edge = boundary_distances(pm, gm)
    out = {
        "iou": iou_of(*counts),
        "dice": dice_of(*counts),
        "precision": precision_of(*counts),
        "recall": recall_of(*counts),
        "boundary_f1": boundary_f1_of(d_p, d_g, tolerance),
        "hausdorff": hausdorff_of(d_p, d_g, None),
        "hausdorff95": hausdorff_of(d_p, d_g, 95.0),
    }
    if matting:
        region = unknown_region(trimap, p.shape)
        out.update(sad=sad_of(p, g, region), mse=mse_of(p, g, region), gradient_error=gradient_error_of(p, g, region), connectivity_error=connectivity_error_of(p, g, region))
    if image is not None:
        img = checked_image(image)
        if img.shape[:2] != p.shape:
            raise InputError("image", f"an image of {p.shape[1]}×{p.shape[0]} pixels (the alphas' size)", f"{img.shape[1]}×{img.shape[0]}")
        try:
            subject, background = subject_and_background(p)
            lab = to_lab(img)
            out.update(
                noise_mismatch=noise_mismatch_of(img, subject, background),
                boundary_sharpness=boundary_sharpness_at(img, edge[:, 0], edge[:, 1]),
                illumination_consistency=illumination_overlap(lab, subject, background),
                lab_color_distance=lab_distance_of(lab, subject, background),
            )
        except InputError:  # no subject or no background: realism is undefined, the rest still counts
            out.update(dict.fromkeys(REALISM_KEYS, float("nan")))
        if photo is not None or reference is not None:
            out.update(_fidelity(img, p, photo, reference))
    return out


def _fidelity(img: np.ndarray, p: np.ndarray, photo: Any, reference: Any) -> dict[str, float]:
    from skimage.color import deltaE_ciede2000, rgb2lab

    out: dict[str, float] = {}
    if photo is not None:
        ph = checked_image(photo, name="photo")
        if ph.shape != img.shape:
            raise InputError("photo", f"shape {img.shape} (the composite's)", f"shape {ph.shape}")
        inner = interior(p)
        if inner.any():
            out["sharpness_ratio"] = laplacian_variance(img, inner) / max(laplacian_variance(ph, inner), 1e-12)
            out["color_shift"] = float(np.median(deltaE_ciede2000(rgb2lab(ph[inner][None]), rgb2lab(img[inner][None]))))  # type: ignore[no-untyped-call]  # scikit-image has no annotations here
        else:
            out.update(sharpness_ratio=float("nan"), color_shift=float("nan"))
    if reference is not None:
        ref = checked_image(reference, name="reference")
        if ref.shape != img.shape:
            raise InputError("reference", f"shape {img.shape} (the composite's)", f"shape {ref.shape}")
        band = edge_band(p)
        out["edge_halo"] = float(np.abs(img[band] - ref[band]).mean()) if band.any() else float("nan")
    return out
