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
from ..image import checked_image
from ._inputs import binary, image_and_alpha
from .segmentation import _boundary

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
_MAD_TO_SIGMA = 0.6745  # median(|N(0, 1)|)
_MAX_BLOCKS = 1 << 20
_BLUR_SCALES = (1.0, 2.0)  # the two smoothing scales of the blur estimator (pixels)
_BLUR_BAND, _BLUR_MAX_PIXELS = 64, 1 << 21
_BLUR_MIN_CREST = 0.02  # weakest edge crest counted (luma per pixel after 1 px smoothing): a 0.1 step blurred by 2 px


def _regions(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    subject, background = a >= _SUBJECT, a <= _BACKGROUND
    if not subject.any():
        raise InputError("alpha", f"some subject pixels (alpha ≥ {_SUBJECT})", "none")
    if not background.any():
        raise InputError("alpha", f"some background pixels (alpha ≤ {_BACKGROUND})", "none")
    return subject, background


def _haar_diagonal(img: np.ndarray, region: np.ndarray | None = None, max_blocks: int = _MAX_BLOCKS) -> np.ndarray:
    """Finest diagonal Haar coefficients (a − b − c + d)/2 of the 2×2 blocks: N×C.

    Only blocks wholly inside ``region`` count. On large images every k-th row
    of blocks is used, so that at most about 2**20 blocks are read: the median's
    standard error stays below 0.1 %.
    """
    h, w = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
    stride = max(1, -(-(h // 2) * (w // 2) // max_blocks))
    pairs = img[:h, :w].reshape(h // 2, 2, w, img.shape[2])[::stride]
    top, bottom = pairs[:, 0], pairs[:, 1]
    hh = (top[:, 0::2] - top[:, 1::2] - bottom[:, 0::2] + bottom[:, 1::2]) * np.float32(0.5)
    if region is None:
        return cast("np.ndarray", hh.reshape(-1, img.shape[2]))
    r = region[:h, :w].reshape(h // 2, 2, w)[::stride]
    inside = r[:, 0, 0::2] & r[:, 0, 1::2] & r[:, 1, 0::2] & r[:, 1, 1::2]
    return cast("np.ndarray", hh[inside])


def _median(x: np.ndarray) -> float:
    n = x.size
    if n % 2:
        return float(np.partition(x, n // 2)[n // 2])
    lo, hi = np.partition(x, [n // 2 - 1, n // 2])[n // 2 - 1 : n // 2 + 1]
    return (float(lo) + float(hi)) / 2.0


def _sigma(image: np.ndarray, region: np.ndarray | None, max_blocks: int = _MAX_BLOCKS) -> float:
    hh = _haar_diagonal(image, region, max_blocks)
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


def _gradient(g: np.ndarray) -> np.ndarray:
    return cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1))


def _blur_sigma(image: np.ndarray, region: np.ndarray | None, top: float = 0.9) -> float:
    """Blur σ (pixels) of an image (RGB or grey) from its strongest edges; NaN when it has too few edges.

    The image is smoothed at two scales s1 < s2. At the crest of a step edge
    blurred by σ the gradient magnitude falls as 1/sqrt(σ² + s²), so the ratio
    R of the two crests gives σ² = (s2² − R²·s1²)/(R² − 1). Crests are the
    local maxima of the gradient (3×3); the strongest 10 % of them inside
    ``region`` are used, and only those at least a fifth as strong as the
    strongest edges (the 99.5th percentile) and above 0.004 per pixel, so that
    the many weak crests of smooth shading and noise do not stand in for
    edges; R is their median ratio. With fewer than 50 the blur is unknown (NaN). Smoothing first keeps
    noise out of the estimate; strong noise still biases it low for blurs
    above about 2 px. On a large image bands of 64 rows are read, evenly spaced,
    about 2 MP in all, each smoothed with mirrored borders (no false edges).
    """
    s1, s2 = _BLUR_SCALES
    h, w = image.shape[:2]
    step = max(1, -(-h * w // _BLUR_MAX_PIXELS))
    crests, ratios = [], []
    for y in range(0, h, _BLUR_BAND * step):
        band = image[y : y + _BLUR_BAND]
        band = cv2.cvtColor(band, cv2.COLOR_RGB2GRAY) if band.ndim == 3 else np.ascontiguousarray(band, np.float32)
        if band.shape[0] < 8:
            continue
        m1 = _gradient(cv2.GaussianBlur(band, (0, 0), s1))
        m2 = _gradient(cv2.GaussianBlur(band, (0, 0), s2))
        sel = (m1 >= cv2.dilate(m1, np.ones((3, 3), np.uint8))) & (m2 > 1e-6) & (m1 > 1e-6)
        sel[:4] = sel[-4:] = False  # mirrored band borders: no crest there
        sel[:, :4] = sel[:, -4:] = False
        if region is not None:
            sel &= region[y : y + _BLUR_BAND]
        crests.append(m1[sel])
        ratios.append(m1[sel] / m2[sel])
    if not crests or sum(c.size for c in crests) < 50:
        return float("nan")
    crest, ratio = np.concatenate(crests), np.concatenate(ratios)
    floor = max(_BLUR_MIN_CREST, 0.2 * float(np.quantile(crest, 0.995)), float(np.quantile(crest, top)))
    strong = crest >= floor
    if int(strong.sum()) < 50:
        return float("nan")
    r2 = float(np.median(ratio[strong])) ** 2
    if r2 <= 1.0:
        return float("inf")
    return float(np.sqrt(max((s2 * s2 - r2 * s1 * s1) / (r2 - 1.0), 0.0)))


def blur_level(image: Any, region: Any = None) -> float:
    """How soft the image is: the blur σ in pixels of its strongest edges (0.5–1 for a sharp photo).

    Edge crests are compared after smoothing at two scales (1 and 2 px), which
    makes the estimate independent of edge contrast and robust to moderate
    noise; see the module's source for the formula. ``region`` (H×W mask)
    restricts which edges count. NaN when fewer than 50 clear edge crests are
    found (a flat or smoothly shaded image).
    """
    img = checked_image(image)
    reg = None if region is None else binary(region, "region", img.shape[:2])
    return _blur_sigma(img, reg)


def blur_mismatch(image: Any, alpha: Any) -> float:
    """|σ_subject − σ_background| of :func:`blur_level` (pixels): a subject softer or sharper than its scene reads as pasted in.

    The subject's edges are counted 8 px or more inside it (its outline is the
    matte's edge, not the photo's).
    """
    img, a = image_and_alpha(image, alpha)
    subject, background = _regions(a)
    inner = cv2.erode(subject.view(np.uint8), np.ones((17, 17), np.uint8)).view(bool)
    return abs(_blur_sigma(img, inner) - _blur_sigma(img, background))


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
