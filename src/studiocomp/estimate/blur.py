"""The blur level of an image: the σ of its strongest edges, from their crests at two smoothing scales.

Used by the realism metrics (:func:`studiocomp.metrics.blur_level`,
:func:`~studiocomp.metrics.blur_mismatch`) and the ``matched`` compositor's
sharpness matching.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["blur_sigma", "gradient_magnitude"]

_BLUR_SCALES = (1.0, 2.0)  # the two smoothing scales of the blur estimator (pixels)
_BLUR_BAND, _BLUR_MAX_PIXELS = 64, 1 << 21
_BLUR_MIN_CREST = 0.02  # weakest edge crest counted (luma per pixel after 1 px smoothing): a 0.1 step blurred by 2 px


def gradient_magnitude(g: np.ndarray) -> np.ndarray:
    """Magnitude of the central-difference gradient (3-tap Sobel without smoothing) of a grey image.

    Parameters
    ----------
    g : numpy.ndarray
        H×W float32.

    Returns
    -------
    numpy.ndarray
        H×W float32, per pixel in ``g``'s units.
    """
    return cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1))


def blur_sigma(image: np.ndarray, region: np.ndarray | None = None, top: float = 0.9) -> float:
    """Blur σ (pixels) of an image (RGB or grey) from its strongest edges; NaN when it has too few edges.

    The image is smoothed at two scales s1 < s2 (1 and 2 px). At the crest of a
    step edge blurred by σ the gradient magnitude falls as 1/sqrt(σ² + s²) (the
    Gaussian scale-space of a step; the re-blur gradient ratio of S. Zhuo &
    T. Sim, "Defocus map estimation from a single image", Pattern Recognition
    44(9), 2011, at two scales), so the ratio R of the two crests gives σ² = (s2² − R²·s1²)/(R² − 1).
    Crests are the local maxima of the gradient (3×3); the strongest
    ``1 − top`` of them inside ``region`` are used, and only those at least a
    fifth as strong as the strongest edges (the 99.5th percentile) and above
    0.02 per pixel, so that the many weak crests of smooth shading and noise do
    not stand in for edges; R is their median ratio. With fewer than 50 the blur
    is unknown (NaN). Smoothing first keeps noise out of the estimate; strong
    noise still biases it low for blurs above about 2 px. On a large image bands
    of 64 rows are read, evenly spaced, about 2 MP in all, each smoothed with
    mirrored borders (no false edges). Inputs are not validated or copied:
    :func:`studiocomp.metrics.blur_level` is the checked public form.

    Parameters
    ----------
    image : numpy.ndarray
        H×W×3 float32 sRGB in [0, 1], or H×W grey.
    region : numpy.ndarray, optional
        H×W bool: where edge crests count (everywhere when None).
    top : float
        Quantile of the crest strengths below which crests are ignored (0.9: the strongest 10 %).

    Returns
    -------
    float
        σ in pixels (0.5–1 for a sharp photo); ``inf`` when the crests do not fall off with
        smoothing; NaN with fewer than 50 clear edge crests.
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
        m1 = gradient_magnitude(cv2.GaussianBlur(band, (0, 0), s1))
        m2 = gradient_magnitude(cv2.GaussianBlur(band, (0, 0), s2))
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
