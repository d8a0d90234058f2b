"""The colour of the light a scene was shot in: shades of grey and a grey-pixel white patch.

Used by the ``illuminant`` relighter
(:class:`~studiocomp.backends.relight.illuminant.IlluminantRelighter`), which
applies the ratio of two such estimates to the subject as a von Kries gain.
Both return the illuminant as a linear-light RGB triple (its scale is arbitrary:
only ratios of estimates mean something).
"""

from __future__ import annotations

import numpy as np

from ..color import srgb_to_linear

__all__ = ["shades_of_grey", "neutral_white_patch"]


def shades_of_grey(image: np.ndarray, region: np.ndarray | None = None, p: float = 4.0, winsor: float | None = None) -> np.ndarray | None:
    """The illuminant of ``image`` (sRGB, H×W×3) as a linear RGB triple, by shades of grey (Finlayson & Trezzi 2004).

    With ``winsor`` = q, each channel's values above its q-quantile are
    replaced by that quantile before the Minkowski mean (winsorising). A
    camera clips what is brighter than its white level: that censors the top
    of each channel's distribution, and a brighter light censors more. The
    quantiles below the censored fraction do not depend on it (the property
    Powell's censored quantile regression rests on: J. L. Powell, "Censored
    regression quantiles", J. Econometrics 32, 1986), and they scale exactly
    with a per-channel (von Kries) gain, so the estimate follows a change of
    light as long as under 1 − q of a channel's pixels are clipped.
    Colour-constancy practice leaves clipped pixels out for the same reason
    (Funt & Shi, "The rehabilitation of MaxRGB", CIC 18, 2010; Gijsenij,
    Gevers & van de Weijer, IEEE TIP 20(9), 2011); dropping them outright
    makes the estimate jump as a brighter light clips more pixels, replacing
    them with the quantile does not.

    Parameters
    ----------
    image : H×W×3 float32 sRGB in [0, 1]
    region : H×W bool, optional
        Pixels that count (all when None).
    p : float
        Minkowski norm: 1 is grey world, large values approach white patch; ``inf`` is white patch
        (with ``winsor``, the per-channel ``winsor``-quantile: a robust MaxRGB).
    winsor : float in (0, 1], optional
        Quantile at which each channel is capped (None or 1: no cap, the plain estimate).

    Returns
    -------
    (3,) float64 linear RGB, or None when fewer than 64 usable pixels remain.
    """
    usable = np.ones(image.shape[:2], bool) if region is None else region
    n = int(usable.sum())
    if n < 64:
        return None
    lin = srgb_to_linear(image[usable]).astype(np.float64)
    if winsor is not None and winsor < 1.0:
        k = min(n - 1, max(0, int(np.floor(winsor * (n - 1)))))  # the "lower" quantile: an observed value
        cap = np.partition(lin, k, axis=0)[k]
        if np.isinf(p):  # the p → ∞ limit of the capped mean: the cap itself (a robust white patch)
            return np.asarray(cap, np.float64)
        np.minimum(lin, cap, out=lin)
    if np.isinf(p):
        return np.asarray(lin.max(axis=0), np.float64)
    e: np.ndarray = np.mean(lin**p, axis=0) ** (1.0 / p)
    return e


#: a pixel is near-neutral when no channel departs from its mean by more than this fraction
_NEUTRAL_TOL = 0.3
#: fewer near-neutral pixels than this fraction: the estimate uses them all
_NEUTRAL_MIN = 0.05


def neutral_white_patch(image: np.ndarray, q: float = 0.95) -> np.ndarray | None:
    """The light a photo was shot in: each channel's ``q``-quantile over its near-neutral pixels (linear RGB, (3,)).

    Coloured surfaces (a cyan or orange studio backdrop, a red jacket) tell the colour of the
    surface, not of the light; greyish ones (white shirts, grey paper, skin highlights) reflect
    the light as it is. Pixels whose channels stay within 30 % of their mean are kept (the
    "grey pixels" idea of Yang, Gao & Li, "Efficient illuminant estimation for color constancy
    using grey pixels", CVPR 2015, with a plain chroma test), and the robust white patch of
    :func:`shades_of_grey` (``p = inf``) is taken over them; with under 5 % of such pixels, over all.

    Parameters
    ----------
    image : H×W×3 float32 sRGB in [0, 1]
    q : float in (0, 1]
        The quantile (the white patch's robustness to clipped and specular pixels).

    Returns
    -------
    (3,) float64 linear RGB, or None for fewer than 64 pixels.
    """
    lin = srgb_to_linear(image.reshape(-1, 3)).astype(np.float64)
    if len(lin) < 64:
        return None
    mean = lin.mean(axis=1, keepdims=True) + 1e-4
    neutral = np.abs(lin / mean - 1.0).max(axis=1) < _NEUTRAL_TOL
    chosen = lin[neutral] if neutral.sum() >= max(64, _NEUTRAL_MIN * len(lin)) else lin
    return np.asarray(np.quantile(chosen, q, axis=0), np.float64)
