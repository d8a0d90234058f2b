"""Fidelity of a composite to its photo: did the finishing stages keep the person as shot?

The realism metrics ask whether the subject fits its new scene; these ask
whether it is still the same person: as sharp as in the photo, the same
colours, and no band painted along its outline. They compare the composite
with the photo (or with the subject pasted plainly) in the same coordinates,
so they apply to composites whose subject was not moved (``place=None``).

Regions (``alpha`` is the subject's H×W alpha in [0, 1]):

- the *interior*: alpha > 0.98, eroded by 5 px (an 11×11 square), away from
  the cut edge and its soft pixels;
- the *edge band*: the pixels 1–8 px inside the outline of alpha > 0.5 (inside
  it eroded by 1 px, but not by 8 px; 3×3 and 17×17 squares).

These are the definitions of ``../shared/tools/real_photo_glance.py``, the
measurement of issue 13 (goals: sharpness ratio ≥ 0.90, colour shift ≤ 2.0,
halo ≤ 3/255).
"""

from __future__ import annotations

from typing import Any, cast

import cv2
import numpy as np

from ..errors import InputError
from ..image import checked_image
from ._inputs import alpha as checked_alpha_arg

__all__ = ["interior", "edge_band", "sharpness_ratio", "color_shift", "edge_halo", "pasted"]

_SOLID = 0.98
_INTERIOR_ERODE = np.ones((11, 11), np.uint8)  # 5 px
_BAND_INNER, _BAND_OUTER = np.ones((3, 3), np.uint8), np.ones((17, 17), np.uint8)  # 1 px, 8 px


def interior(alpha: np.ndarray) -> np.ndarray:
    """H×W bool: alpha > 0.98 eroded by 5 px (an 11×11 square).

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float32 alpha in [0, 1].

    Returns
    -------
    numpy.ndarray
        H×W bool.
    """
    return cv2.erode((alpha > _SOLID).astype(np.uint8), _INTERIOR_ERODE).view(bool)


def edge_band(alpha: np.ndarray) -> np.ndarray:
    """H×W bool: the band 1–8 px inside the outline of alpha > 0.5.

    Parameters
    ----------
    alpha : numpy.ndarray
        H×W float32 alpha in [0, 1].

    Returns
    -------
    numpy.ndarray
        H×W bool.
    """
    m = (alpha > 0.5).astype(np.uint8)
    return cast("np.ndarray", cv2.erode(m, _BAND_INNER).view(bool) & ~cv2.erode(m, _BAND_OUTER).view(bool))


def _three(image: Any, photo: Any, alpha: Any, photo_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    img = checked_image(image, name="image")
    ph = checked_image(photo, name=photo_name)
    if ph.shape != img.shape:
        raise InputError(photo_name, f"shape {img.shape} (the composite's)", f"shape {ph.shape}")
    return img, ph, checked_alpha_arg(alpha, "alpha", img.shape[:2])


def _region(mask: np.ndarray, what: str) -> np.ndarray:
    if not mask.any():
        raise InputError("alpha", f"a subject with {what}", "none")
    return mask


def laplacian_variance(img: np.ndarray, region: np.ndarray) -> float:
    """Variance of the 3×3 Laplacian of the BT.601 grey levels of an H×W×3 float32 image inside ``region`` (H×W bool)."""
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_32F)[region].var())


def sharpness_ratio(image: Any, photo: Any, alpha: Any) -> float:
    """How much of the photo's sharpness the subject keeps in the composite (1 = all; above 1: sharper or grainier).

    The variance of the Laplacian (OpenCV's 3×3 aperture) of the grey levels
    (ITU-R BT.601 luma, ``cv2.COLOR_RGB2GRAY``) inside the subject's interior
    (alpha > 0.98 eroded by 5 px), in the composite divided by the same in the
    photo. The variance of the Laplacian is the classic focus measure
    (Pech-Pacheco et al., ICPR 2000).

    Parameters
    ----------
    image : H×W×3 composite (see :func:`studiocomp.as_image`)
    photo : H×W×3 the original photo, same coordinates
    alpha : H×W the subject's alpha in [0, 1]

    Returns
    -------
    float ≥ 0 (dimensionless). Raises :class:`~studiocomp.InputError` when the interior is empty.
    """
    img, ph, a = _three(image, photo, alpha, "photo")
    region = _region(interior(a), "a solid interior (alpha > 0.98, 5 px from the edge)")
    return laplacian_variance(img, region) / max(laplacian_variance(ph, region), 1e-12)


def color_shift(image: Any, photo: Any, alpha: Any) -> float:
    """The median colour difference CIEDE2000 between composite and photo inside the subject's interior.

    Each pixel of the interior (alpha > 0.98 eroded by 5 px) is converted to
    CIE L*a*b* (D65, :func:`skimage.color.rgb2lab`) in both images and
    compared with :func:`skimage.color.deltaE_ciede2000` (Sharma, Wu & Dalal
    2005); the median over the pixels is returned. About 1 is a just
    noticeable difference; 0 means unchanged colours.

    Parameters
    ----------
    image, photo, alpha : as :func:`sharpness_ratio`

    Returns
    -------
    float ≥ 0, ΔE00 units.
    """
    from skimage.color import deltaE_ciede2000, rgb2lab

    img, ph, a = _three(image, photo, alpha, "photo")
    region = _region(interior(a), "a solid interior (alpha > 0.98, 5 px from the edge)")
    return float(np.median(deltaE_ciede2000(rgb2lab(ph[region][None]), rgb2lab(img[region][None]))))  # type: ignore[no-untyped-call]  # scikit-image has no annotations here


def pasted(foreground: Any, alpha: Any, background: Any) -> np.ndarray:
    """The subject pasted plainly: F·α + B·(1 − α) on the sRGB values (H×W×3 float32), the reference of :func:`edge_halo`.

    Parameters
    ----------
    foreground : array_like
        H×W×3 subject colours (see :func:`studiocomp.as_image`).
    alpha : array_like
        H×W alpha in [0, 1].
    background : array_like
        H×W×3 background, same size.

    Returns
    -------
    numpy.ndarray
        H×W×3 float32 in [0, 1].

    Raises
    ------
    InputError
        Shapes differ, or values are not images / alpha.
    """
    fg = checked_image(foreground, name="foreground")
    bg = checked_image(background, name="background")
    if bg.shape != fg.shape:
        raise InputError("background", f"shape {fg.shape} (the foreground's)", f"shape {bg.shape}")
    a = checked_alpha_arg(alpha, "alpha", fg.shape[:2])[..., None]
    return cast("np.ndarray", (fg * a + bg * (1.0 - a)).astype(np.float32))


def edge_halo(image: Any, reference: Any, alpha: Any) -> float:
    """What the finishing painted along the outline: the mean |composite − reference| in the edge band, in [0, 1] units.

    ``reference`` is the (relit) subject pasted plainly on the same background
    (:func:`pasted`). The mean runs over the band 1–8 px inside the outline of
    alpha > 0.5 and the three channels. Multiply by 255 for 8-bit levels (issue
    13's goal: ≤ 3/255). Light wrap, edge blurs and halos raise it.

    Parameters
    ----------
    image : H×W×3 composite
    reference : H×W×3 the plain paste
    alpha : H×W alpha of the subject in the composite

    Returns
    -------
    float in [0, 1].
    """
    img, ref, a = _three(image, reference, alpha, "reference")
    band = _region(edge_band(a), "an outline (alpha > 0.5 at least 2 px wide)")
    return float(np.abs(img[band] - ref[band]).mean())
