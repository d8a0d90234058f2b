"""Realism of a composite: does the subject look as if it were shot on that background?

Every function takes the composite ``image`` (H×W×3 sRGB, see
:func:`studiocomp.as_image`) and the subject's ``alpha`` in it. The subject is
where alpha ≥ 0.95, the background where alpha ≤ 0.05; the soft edge between
them belongs to neither, so that mixed pixels do not blur the statistics. A
function raises :class:`~studiocomp.InputError` when either region is empty.

None of these needs a ground truth. They are meant for comparing composites of
the same subject (before and after relighting, one background against another),
not for ranking different photos against each other.
"""

from __future__ import annotations

from typing import Any, cast

import cv2
import numpy as np

from ..errors import InputError
from ..estimate.blur import blur_sigma
from ..estimate.noise import noise_sigma
from ..image import checked_image
from ._inputs import binary, image_and_alpha
from .segmentation import inner_boundary

__all__ = [
    "noise_level",
    "noise_mismatch",
    "blur_level",
    "blur_mismatch",
    "boundary_sharpness",
    "illumination_consistency",
    "lab_color_distance",
]

_SUBJECT, _BACKGROUND = 0.95, 0.05


def subject_and_background(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(subject, background): H×W bool masks of a checked H×W float32 alpha (alpha ≥ 0.95, alpha ≤ 0.05); InputError when one is empty."""
    subject, background = a >= _SUBJECT, a <= _BACKGROUND
    if not subject.any():
        raise InputError("alpha", f"some subject pixels (alpha ≥ {_SUBJECT})", "none")
    if not background.any():
        raise InputError("alpha", f"some background pixels (alpha ≤ {_BACKGROUND})", "none")
    return subject, background


def noise_level(image: Any, region: Any = None) -> float:
    """Standard deviation of the image noise, in [0, 1] image units (Donoho's wavelet estimator).

    The estimator of :func:`skimage.restoration.estimate_sigma`: the median
    absolute finest diagonal wavelet coefficient divided by 0.6745, averaged
    over the channels. It uses the Haar wavelet on 2×2 blocks, so that it can be
    restricted to a ``region`` (H×W mask: blocks wholly inside it count), and
    reads at most about 2**20 blocks (every k-th row of blocks on large images).
    The validated form of :func:`studiocomp.estimate.noise_sigma`.

    Parameters
    ----------
    image : array_like
        H×W×3 image (see :func:`studiocomp.as_image`).
    region : array_like, optional
        H×W mask (bool, or alpha cut at 0.5) of the pixels that count; all when None.

    Returns
    -------
    float
        σ ≥ 0 in [0, 1] image units.

    Raises
    ------
    InputError
        Bad ``image`` or ``region``, or a region with no whole 2×2 block.
    """
    img = checked_image(image)
    reg = None if region is None else binary(region, "region", img.shape[:2])
    return noise_sigma(img, reg)


def noise_mismatch(image: Any, alpha: Any) -> float:
    """|σ_subject − σ_background|: the difference of the two regions' noise levels (see :func:`noise_level`).

    A composite whose subject is smoother or grainier than its background reads
    as pasted in; 0 means matching grain.

    Parameters
    ----------
    image : array_like
        The composite, H×W×3 (see :func:`studiocomp.as_image`; uint8, uint16 or float in [0, 1]).
    alpha : array_like
        The subject's H×W alpha in the composite (subject: alpha ≥ 0.95, background: alpha ≤ 0.05).

    Returns
    -------
    float
        |σ_subject − σ_background| ≥ 0, [0, 1] image units.

    Raises
    ------
    InputError
        Wrong shapes or values, or no subject or no background pixels.
    """
    img, a = image_and_alpha(image, alpha)
    return noise_mismatch_of(img, *subject_and_background(a))


def noise_mismatch_of(img: np.ndarray, subject: np.ndarray, background: np.ndarray) -> float:
    """:func:`noise_mismatch` on checked arrays: H×W×3 float32 image, H×W bool regions."""
    return abs(noise_sigma(img, subject) - noise_sigma(img, background))


def blur_level(image: Any, region: Any = None) -> float:
    """How soft the image is: the blur σ in pixels of its strongest edges (0.5–1 for a sharp photo).

    Edge crests are compared after smoothing at two scales (1 and 2 px), which
    makes the estimate independent of edge contrast and robust to moderate
    noise; see :func:`studiocomp.estimate.blur_sigma` (of which this is the
    validated form) for the formula. ``region`` (H×W mask) restricts which
    edges count. NaN when fewer than 50 clear edge crests are found (a flat or
    smoothly shaded image).

    Parameters
    ----------
    image : array_like
        H×W×3 image (see :func:`studiocomp.as_image`).
    region : array_like, optional
        H×W mask (bool, or alpha cut at 0.5) of the pixels that count; all when None.

    Returns
    -------
    float
        σ in pixels; NaN with too few edges, ``inf`` when the crests do not fall off with smoothing.

    Raises
    ------
    InputError
        Bad ``image`` or ``region``.
    """
    img = checked_image(image)
    reg = None if region is None else binary(region, "region", img.shape[:2])
    return blur_sigma(img, reg)


def blur_mismatch(image: Any, alpha: Any) -> float:
    """|σ_subject − σ_background| of :func:`blur_level` (pixels): a subject softer or sharper than its scene reads as pasted in.

    The subject's edges are counted 8 px or more inside it (its outline is the
    matte's edge, not the photo's).

    Parameters
    ----------
    image : array_like
        The composite, H×W×3 (see :func:`studiocomp.as_image`; uint8, uint16 or float in [0, 1]).
    alpha : array_like
        The subject's H×W alpha in the composite (subject: alpha ≥ 0.95, background: alpha ≤ 0.05).

    Returns
    -------
    float
        |σ_subject − σ_background| in pixels; NaN when either side has too few edges.

    Raises
    ------
    InputError
        Wrong shapes or values, or no subject or no background pixels.
    """
    img, a = image_and_alpha(image, alpha)
    subject, background = subject_and_background(a)
    inner = cv2.erode(subject.view(np.uint8), np.ones((17, 17), np.uint8)).view(bool)
    return abs(blur_sigma(img, inner) - blur_sigma(img, background))


def _luma(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    px = img[rows, cols]
    return cast("np.ndarray", px @ np.array([0.2126, 0.7152, 0.0722], np.float32))


def boundary_sharpness(image: Any, alpha: Any) -> float:
    """Mean gradient magnitude of the luma along the subject's boundary (per pixel, in [0, 1] units).

    The boundary is the inner contour of alpha > 0.5 (the frame edge excluded);
    gradients are central differences. A halo-free, well-focused cut-out on a
    contrasting background scores high; an edge that was blurred or feathered
    more than the rest of the photo scores low. 0.0 when the subject has no
    boundary (it fills the frame or is empty).

    Parameters
    ----------
    image : array_like
        The composite, H×W×3 (see :func:`studiocomp.as_image`; uint8, uint16 or float in [0, 1]).
    alpha : array_like
        The subject's H×W alpha in the composite (subject: alpha ≥ 0.95, background: alpha ≤ 0.05).

    Returns
    -------
    float
        Mean luma gradient per pixel ≥ 0, [0, 1] units.

    Raises
    ------
    InputError
        Wrong shapes or values.
    """
    img, a = image_and_alpha(image, alpha)
    rows, cols = np.nonzero(inner_boundary(a > 0.5))
    if rows.size == 0:
        return 0.0
    return boundary_sharpness_at(img, rows, cols)


def boundary_sharpness_at(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    """:func:`boundary_sharpness` at given boundary pixels (row and column index arrays) of a checked H×W×3 float32 image."""
    if rows.size == 0:
        return 0.0
    h, w = img.shape[:2]
    gx = _luma(img, rows, np.minimum(cols + 1, w - 1)) - _luma(img, rows, np.maximum(cols - 1, 0))
    gy = _luma(img, np.minimum(rows + 1, h - 1), cols) - _luma(img, np.maximum(rows - 1, 0), cols)
    return float(np.mean(np.hypot(gx, gy)) / 2.0)


def to_lab(img: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB float image; L* in [0, 100]."""
    return cv2.cvtColor(img, cv2.COLOR_RGB2Lab)


def illumination_consistency(image: Any, alpha: Any, bins: int = 32) -> float:
    """Overlap of the subject's and the background's lightness histograms, in [0, 1] (1 = identical).

    A documented variant of the illumination histogram consistency of
    arXiv:2405.09716: the L* channel (0–100) of each region is binned into
    ``bins`` bins, each histogram is normalised to sum 1, and the score is their
    histogram intersection Σ min(p, q). It compares tonal distributions, so a dark
    suit on a white wall scores low however well lit: compare scores of the same
    subject, not across subjects.

    Parameters
    ----------
    image : array_like
        The composite, H×W×3 (see :func:`studiocomp.as_image`; uint8, uint16 or float in [0, 1]).
    alpha : array_like
        The subject's H×W alpha in the composite (subject: alpha ≥ 0.95, background: alpha ≤ 0.05).
    bins : int
        Histogram bins over L* 0–100 (≥ 2).

    Returns
    -------
    float
        Histogram intersection in [0, 1].

    Raises
    ------
    InputError
        Wrong shapes or values, or no subject or no background pixels.
        Or ``bins`` is not an int ≥ 2.
    """
    if not isinstance(bins, int) or bins < 2:
        raise InputError("bins", "an int ≥ 2", repr(bins))
    img, a = image_and_alpha(image, alpha)
    subject, background = subject_and_background(a)
    return illumination_overlap(to_lab(img), subject, background, bins)


def illumination_overlap(lab: np.ndarray, subject: np.ndarray, background: np.ndarray, bins: int = 32) -> float:
    """:func:`illumination_consistency` on an H×W×3 float32 L*a*b* image (:func:`to_lab`) and H×W bool regions."""
    # calcHist's upper range is exclusive: widen it a hair so that L* = 100 (pure white) falls in the last bin.
    hist = [cv2.calcHist([lab], [0], m.view(np.uint8), [bins], [0.0, 100.0 + 1e-3]).ravel() for m in (subject, background)]
    p, q = (h / h.sum() for h in hist)
    return float(np.minimum(p, q).sum())


def lab_color_distance(image: Any, alpha: Any) -> float:
    """Distance between the colour statistics of subject and background in CIE L*a*b*.

    The 2-Wasserstein distance between per-channel normal distributions,
    sqrt(Σ_c (μ_s − μ_b)² + (σ_s − σ_b)²) over L*, a*, b*: 0 for identical
    statistics; a difference of about 2.3 is one just-noticeable difference.

    Parameters
    ----------
    image : array_like
        The composite, H×W×3 (see :func:`studiocomp.as_image`; uint8, uint16 or float in [0, 1]).
    alpha : array_like
        The subject's H×W alpha in the composite (subject: alpha ≥ 0.95, background: alpha ≤ 0.05).

    Returns
    -------
    float
        ≥ 0, CIE L*a*b* units (about 2.3 is one just-noticeable difference).

    Raises
    ------
    InputError
        Wrong shapes or values, or no subject or no background pixels.
    """
    img, a = image_and_alpha(image, alpha)
    subject, background = subject_and_background(a)
    return lab_distance_of(to_lab(img), subject, background)


def lab_distance_of(lab: np.ndarray, subject: np.ndarray, background: np.ndarray) -> float:
    """:func:`lab_color_distance` on an H×W×3 float32 L*a*b* image (:func:`to_lab`) and H×W bool regions."""
    (mu_s, sd_s), (mu_b, sd_b) = (cv2.meanStdDev(lab, mask=m.view(np.uint8)) for m in (subject, background))
    return float(np.sqrt(np.sum((mu_s - mu_b) ** 2 + (sd_s - sd_b) ** 2)))
