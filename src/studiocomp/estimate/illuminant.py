"""The colour of the light a scene was shot in: shades of grey, a grey-pixel white patch, and its grey pixels.

Used by the ``illuminant`` relighter
(:class:`~studiocomp.backends.relight.illuminant.IlluminantRelighter`), which
applies the ratio of two such estimates to the subject as a von Kries gain.
Both return the illuminant as a linear-light RGB triple (its scale is arbitrary:
only ratios of estimates mean something).
"""

from __future__ import annotations

import numpy as np

from ..color import srgb_to_linear

__all__ = ["shades_of_grey", "neutral_white_patch", "achromatic_pixels"]

#: a pixel is achromatic under a light when its linear channels, divided by the light's, stay within this many stops
#: (log2) of their geometric mean: 0.5 is ±41 %. Skin, wood and a lit screen lie beyond it; grey floors, white walls inside
ACHROMATIC_STOPS = 0.5
#: fewer achromatic pixels than this share of those read: the estimate keeps all of them (a scene of one colour of light)
ACHROMATIC_MIN_SHARE = 0.05
_ACHROMATIC_ROUNDS = 6
#: the quantile of the grey pixels that gives the light's colour: their brighter part, lit by the main light, and
#: below the clip level while under 30 % of them clip
ACHROMATIC_QUANTILE = 0.7


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


def achromatic_pixels(
    linear: np.ndarray, light: np.ndarray | None = None, rounds: int = _ACHROMATIC_ROUNDS, q: float | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Which pixels look achromatic (grey or white) under the scene's own light, and that light's colour.

    A saturated surface, lit or light-emitting (a blue video wall, orange wood, a red jacket), tells the colour of
    the surface, not of the light; a grey or white one reflects the light as it is ("grey pixels": Yang, Gao & Li,
    "Efficient illuminant estimation for color constancy using grey pixels", CVPR 2015; van de Weijer, Gevers &
    Gijsenij, "Edge-based color constancy", IEEE TIP 16(9), 2007, weight by how achromatic a pixel is). Each
    round keeps the pixels whose channels, divided by the current light, lie within :data:`ACHROMATIC_STOPS`
    stops of their geometric mean, and takes the light's colour again as each channel's
    :data:`ACHROMATIC_QUANTILE` (0.7) over them. It starts from ``light``, or twice, from each channel's median
    and from its white patch (0.95-quantile) over all pixels, and keeps the choice whose grey pixels are the
    brighter (their white patch's luminance): a white surface, not a lit colour. Every step is a per-channel
    ratio or quantile, so the choice does not depend on the colour or level of the light: a scene under a warm,
    cool or dimmer light (a von Kries gain) keeps the same pixels, but for those a change of light clips or
    unclips. Clipped pixels are kept: leaving them out made the choice jump when a dimmer light unclipped them.

    Not the white patch's 0.95 for the colour: clipped whites are achromatic too, a larger share of the grey
    pixels than of the scene, and a bright quantile of the grey pixels sat on the clip level (composite_assets
    bgmatting_0002: 14 % of them clipped) and stopped following a change of light. Not the median either: in
    portrait crops of the hall of composite_assets bgmatting_0001, its blue video wall and the floor it lights
    pulled the median into another choice (up to 0.2 stop bluer than the same hall with the wall painted grey;
    with 0.7, 0.013 stop apart in the median over 23 crops, 0.08 at most; 0.75: 0.02 at most, but
    scikit-image's coffee cup under a warm light, its red clipped, fell out of the 30 % the follow test allows).
    When fewer than :data:`ACHROMATIC_MIN_SHARE` of the pixels (or 64) would be kept, the last choice stands.

    Parameters
    ----------
    linear : numpy.ndarray
        N×3 float linear RGB values (the pixels read).
    light : numpy.ndarray, optional
        (3,) linear RGB starting light; None: the two starts above.
    rounds : int ≥ 1
        Rounds of choice and re-estimation (6: the real scenes measured settle in 2–4).
    q : float in (0, 1], optional
        The quantile; None: :data:`ACHROMATIC_QUANTILE`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        The (N,) bool achromatic pixels and the (3,) float64 per-channel ``q``-quantile of them (the light's
        colour; its scale is that of the grey surfaces, not of the light); None when too few are achromatic
        under every start.
    """
    n = len(linear)
    if n < 64:
        return None
    q = ACHROMATIC_QUANTILE if q is None else q
    # each channel's log2 as a contiguous float32 column: the spread below is three subtractions and two maxima
    logs = [np.ascontiguousarray(np.log2(np.maximum(linear[:, c], 1e-6)), dtype=np.float32) for c in range(3)]
    mean = (logs[0] + logs[1] + logs[2]) / np.float32(3.0)
    dev = [logs[c] - mean for c in range(3)]

    def settle(e: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        found: tuple[np.ndarray, np.ndarray] | None = None
        for _ in range(rounds):
            le = np.log2(np.maximum(e, 1e-6))
            shift = le - le.mean()  # the light's own deviation from grey, per channel
            spread = np.maximum(np.maximum(np.abs(dev[0] - np.float32(shift[0])), np.abs(dev[1] - np.float32(shift[1]))), np.abs(dev[2] - np.float32(shift[2])))
            chosen = spread < ACHROMATIC_STOPS
            if chosen.sum() < max(64, ACHROMATIC_MIN_SHARE * n):
                break
            if found is not None and np.array_equal(chosen, found[0]):
                break  # settled: the same pixels give the same light
            e = np.quantile(linear[chosen], q, axis=0)
            found = (chosen, e)
        return found

    if light is not None:
        return settle(np.asarray(light, np.float64))
    # two starts: each channel's median (a coloured surface takes it only once it covers half the scene; from the
    # white patch, a screen over a quarter of it did, and no pixel looked grey under it) and the white patch (each
    # channel's 0.95-quantile: where a surface of one colour fills most of the scene, as the wood and cup of
    # scikit-image's coffee, the median start took it for the light, 1.6 stops amber). Of the two choices, the one
    # whose grey pixels are the brighter (their white patch's luminance): a white surface, not a lit colour
    chosen = [c for c in (settle(np.median(linear, axis=0)), settle(np.quantile(linear, 0.95, axis=0))) if c is not None]
    if not chosen:
        return None
    bright = [float(np.quantile(linear[c[0]], 0.95, axis=0) @ np.array([0.2126, 0.7152, 0.0722])) for c in chosen]  # Rec. 709 luminance
    return chosen[int(np.argmax(bright))]
