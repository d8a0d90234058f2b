"""Alpha refinement from a trimap, and foreground colours for a given alpha.

* :func:`closed_form` — closed-form matting (the energy of
  ``pymatting.estimate_alpha_cf``) solved coarse to fine at half size.
* :func:`foreground` — subject colours with the old background taken out of
  soft edges (blur-fusion estimate).
* :func:`trimap` — a trimap from a hard mask: an unknown band along its outline.

Trimaps follow the alpha convention: H×W float32, 0 = sure background,
1 = sure foreground, anything between = unknown (a uint8 0/128/255 trimap read
from a file is accepted as it is).

Examples
--------
>>> import studiocomp
>>> from studiocomp import refine
>>> image, truth = studiocomp.synthetic.studio_shot((120, 90), seed=1)
>>> tri = refine.trimap(truth > 0.5, width=4)
>>> alpha = refine.closed_form(image, tri)
>>> fg = refine.foreground(image, alpha)
>>> alpha.shape, fg.shape
((120, 90), (120, 90, 3))
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import Alpha, Image

__all__ = ["closed_form", "foreground", "trimap"]


def _sure(trimap: Alpha) -> tuple[np.ndarray, np.ndarray]:
    return trimap >= 1.0 - 1e-3, trimap <= 1e-3


def closed_form(image: Any, trimap: Any, *, scale: int = 2, eps: float = 1e-7) -> Alpha:
    """Alpha for ``image`` from ``trimap`` by closed-form matting.

    Parameters
    ----------
    image : array or path-like accepted by :func:`studiocomp.as_image`
        The photo, H×W×3.
    trimap : array, path or bytes
        H×W: 1 sure foreground, 0 sure background, in between unknown (uint8 0/128/255 too); an image
        file is read in grey, as pymatting's ``load_image(path, "GRAY")`` does.
    scale : int
        The system is solved at ``1/scale`` of the photo's size and brought
        back along its edges; ``1`` solves at full size (slower, for small
        images or the finest hair). Default 2.
    eps : float
        Colour-line regulariser of the matting Laplacian (default 1e-7).

    Returns
    -------
    H×W float32 alpha in [0, 1]; the trimap's sure pixels are kept exactly.

    Raises
    ------
    InputError
        ``scale`` outside 1–8, ``eps`` outside (0, 1), a trimap with no sure foreground or no sure background, or inputs of different sizes.
    """
    from ..image import as_alpha, as_image
    from .solver import solve_alpha

    image = as_image(image)
    if isinstance(trimap, (str, os.PathLike, bytes, bytearray, memoryview)):
        trimap = as_image(trimap, name="trimap").mean(axis=2)
    tri = as_alpha(trimap, name="trimap", shape=image.shape[:2])
    if not (isinstance(scale, int) and 1 <= scale <= 8):
        raise InputError("scale", "an integer in 1–8", repr(scale))
    if not (0.0 < eps < 1.0):
        raise InputError("eps", "a float in (0, 1)", repr(eps))
    fg, bg = _sure(tri)
    if not fg.any():  # as pymatting: a closed-form solve needs both constraints, or its alpha is a constant
        raise InputError("trimap", "some sure foreground (1 / 255) pixels", "a trimap with no sure foreground")
    if not bg.any():
        raise InputError("trimap", "some sure background (0) pixels", "a trimap with no sure background")
    return solve_alpha(image, fg, bg, scale=scale, eps=float(eps))


def foreground(image: Any, alpha: Any, *, radius: int = 45) -> Image:
    """Subject colours of ``image`` under ``alpha``, without the old background in soft edges.

    Only pixels with 0 < alpha < 1 change. ``radius`` (pixels at 1024 px long
    side) is how far local subject and background colours are gathered.

    Parameters
    ----------
    image : array_like
        H×W×3 photo (see :func:`studiocomp.as_image`).
    alpha : array_like
        H×W alpha in [0, 1].
    radius : int
        Gathering radius in pixels at a 1024 px long side, 1–512.

    Returns
    -------
    Image
        H×W×3 float32 in [0, 1] (the blur-fusion estimate of Germer et al., "Fast Multi-Level Foreground Estimation", ICPR 2020).

    Raises
    ------
    InputError
        A bad ``radius``, or inputs of different sizes.
    """
    from .._ops import estimate_foreground
    from ..image import as_alpha, as_image

    image = as_image(image)
    a = as_alpha(alpha, shape=image.shape[:2])
    if not (isinstance(radius, int) and 1 <= radius <= 512):
        raise InputError("radius", "an integer in 1–512", repr(radius))
    return estimate_foreground(image, a, radius=radius)


def trimap(mask: Any, width: int = 8) -> Alpha:
    """A trimap from a hard H×W mask: unknown (0.5) within ``width`` pixels of its outline.

    Parameters
    ----------
    mask : array_like
        H×W mask (bool, or alpha cut at 0.5).
    width : int
        Half-width of the unknown band in pixels, 1–256.

    Returns
    -------
    Alpha
        H×W float32: 1 inside, 0 outside, 0.5 in the band.

    Raises
    ------
    InputError
        A bad ``mask`` or ``width``.
    """
    import cv2

    from .._ops import disk
    from ..image import as_mask

    m = as_mask(mask)
    if not (isinstance(width, int) and 1 <= width <= 256):
        raise InputError("width", "an integer in 1–256", repr(width))
    k = disk(width)
    inner = cv2.erode(m.view(np.uint8), k).astype(bool)
    outer = cv2.dilate(m.view(np.uint8), k).astype(bool)
    out = np.full(m.shape, 0.5, np.float32)
    out[inner] = 1.0
    out[~outer] = 0.0
    return out
