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

from typing import Any

import cv2
import numpy as np

from ..errors import InputError
from ..image import checked_image
from ._inputs import binary, image_and_alpha
from .segmentation import _boundary

__all__ = [
    "noise_level",
    "noise_mismatch",
    "boundary_sharpness",
    "illumination_consistency",
    "lab_color_distance",
]

_SUBJECT, _BACKGROUND = 0.95, 0.05
_MAD_TO_SIGMA = 0.6745  # median(|N(0, 1)|)
_MAX_BLOCKS = 1 << 20


def _regions(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    subject, background = a >= _SUBJECT, a <= _BACKGROUND
    if not subject.any():
        raise InputError("alpha", f"some subject pixels (alpha ≥ {_SUBJECT})", "none")
    if not background.any():
        raise InputError("alpha", f"some background pixels (alpha ≤ {_BACKGROUND})", "none")
    return subject, background


def _haar_diagonal(img: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """Finest diagonal Haar coefficients (a − b − c + d)/2 of the 2×2 blocks: N×C.

    Only blocks wholly inside ``region`` count. On large images every k-th row
    of blocks is used, so that at most about 2**20 blocks are read: the median's
    standard error stays below 0.1 %.
    """
    h, w = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
    stride = max(1, -(-(h // 2) * (w // 2) // _MAX_BLOCKS))
    pairs = img[:h, :w].reshape(h // 2, 2, w, img.shape[2])[::stride]
    top, bottom = pairs[:, 0], pairs[:, 1]
    hh = (top[:, 0::2] - top[:, 1::2] - bottom[:, 0::2] + bottom[:, 1::2]) * np.float32(0.5)
    if region is None:
        return hh.reshape(-1, img.shape[2])
    r = region[:h, :w].reshape(h // 2, 2, w)[::stride]
    inside = r[:, 0, 0::2] & r[:, 0, 1::2] & r[:, 1, 0::2] & r[:, 1, 1::2]
    return hh[inside]


def _median(x: np.ndarray) -> float:
    n = x.size
    if n % 2:
        return float(np.partition(x, n // 2)[n // 2])
    lo, hi = np.partition(x, [n // 2 - 1, n // 2])[n // 2 - 1 : n // 2 + 1]
    return (float(lo) + float(hi)) / 2.0


def _sigma(image: np.ndarray, region: np.ndarray | None) -> float:
    hh = _haar_diagonal(image, region)
    if hh.shape[0] == 0:
        raise InputError("alpha", "a region with at least one whole 2×2 block", "a region thinner than 2 pixels")
    coeffs = np.abs(hh.T)
    return float(np.mean([_median(ch) for ch in coeffs]) / _MAD_TO_SIGMA)


def noise_level(image: Any, region: Any = None) -> float:
    """Standard deviation of the image noise, in [0, 1] image units (Donoho's wavelet estimator).

    The estimator of :func:`skimage.restoration.estimate_sigma`: the median
    absolute finest diagonal wavelet coefficient divided by 0.6745, averaged
    over the channels. It uses the Haar wavelet on 2×2 blocks, so that it can be
    restricted to a ``region`` (H×W mask: blocks wholly inside it count), and
    reads at most about 2**20 blocks (every k-th row of blocks on large images).
    """
    img = checked_image(image)
    reg = None if region is None else binary(region, "region", img.shape[:2])
    return _sigma(img, reg)


def noise_mismatch(image: Any, alpha: Any) -> float:
    """|σ_subject − σ_background|: the difference of the two regions' noise levels (see :func:`noise_level`).

    A composite whose subject is smoother or grainier than its background reads
    as pasted in; 0 means matching grain.
    """
    img, a = image_and_alpha(image, alpha)
    return _noise_mismatch(img, *_regions(a))


def _noise_mismatch(img: np.ndarray, subject: np.ndarray, background: np.ndarray) -> float:
    return abs(_sigma(img, subject) - _sigma(img, background))


def _luma(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    px = img[rows, cols]
    return px @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def boundary_sharpness(image: Any, alpha: Any) -> float:
    """Mean gradient magnitude of the luma along the subject's boundary (per pixel, in [0, 1] units).

    The boundary is the inner contour of alpha > 0.5 (the frame edge excluded);
    gradients are central differences. A halo-free, well-focused cut-out on a
    contrasting background scores high; an edge that was blurred or feathered
    more than the rest of the photo scores low. 0.0 when the subject has no
    boundary (it fills the frame or is empty).
    """
    img, a = image_and_alpha(image, alpha)
    rows, cols = np.nonzero(_boundary(a > 0.5))
    if rows.size == 0:
        return 0.0
    return _sharpness(img, rows, cols)


def _sharpness(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    if rows.size == 0:
        return 0.0
    h, w = img.shape[:2]
    gx = _luma(img, rows, np.minimum(cols + 1, w - 1)) - _luma(img, rows, np.maximum(cols - 1, 0))
    gy = _luma(img, np.minimum(rows + 1, h - 1), cols) - _luma(img, np.maximum(rows - 1, 0), cols)
    return float(np.mean(np.hypot(gx, gy)) / 2.0)


def _lab(img: np.ndarray) -> np.ndarray:
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
    """
    if not isinstance(bins, int) or bins < 2:
        raise InputError("bins", "an int ≥ 2", repr(bins))
    img, a = image_and_alpha(image, alpha)
    subject, background = _regions(a)
    return _illumination(_lab(img), subject, background, bins)


def _illumination(lab: np.ndarray, subject: np.ndarray, background: np.ndarray, bins: int = 32) -> float:
    # calcHist's upper range is exclusive: widen it a hair so that L* = 100 (pure white) falls in the last bin.
    hist = [cv2.calcHist([lab], [0], m.view(np.uint8), [bins], [0.0, 100.0 + 1e-3]).ravel() for m in (subject, background)]
    p, q = (h / h.sum() for h in hist)
    return float(np.minimum(p, q).sum())


def lab_color_distance(image: Any, alpha: Any) -> float:
    """Distance between the colour statistics of subject and background in CIE L*a*b*.

    The 2-Wasserstein distance between per-channel normal distributions,
    sqrt(Σ_c (μ_s − μ_b)² + (σ_s − σ_b)²) over L*, a*, b*: 0 for identical
    statistics; a difference of about 2.3 is one just-noticeable difference.
    """
    img, a = image_and_alpha(image, alpha)
    subject, background = _regions(a)
    return _lab_distance(_lab(img), subject, background)


def _lab_distance(lab: np.ndarray, subject: np.ndarray, background: np.ndarray) -> float:
    (mu_s, sd_s), (mu_b, sd_b) = (cv2.meanStdDev(lab, mask=m.view(np.uint8)) for m in (subject, background))
    return float(np.sqrt(np.sum((mu_s - mu_b) ** 2 + (sd_s - sd_b) ** 2)))
