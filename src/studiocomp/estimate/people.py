"""People standing in a background, found with a person segmenter: casters of known shape for :func:`~studiocomp.estimate.read_light`.

People are the commonest casters in the backgrounds a studio photographs, and a
person segmenter finds them where the floor model of
:mod:`~studiocomp.estimate.casters` cannot (a busy interior, where its object mask
covers most of the frame). Their shadows on the floor then give the light, as the
sundial's gnomon gives the sun: the shadow of a caster of known shape (Kee,
O'Brien, Farid, "Exposing photo manipulation from shading and shadows", ACM TOG
2014, for the caster–shadow constraint).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WeightsUnavailableError

__all__ = ["person_casters", "person_prior"]

#: the segmenter :func:`person_prior` loads: MediaPipe's selfie model (0.45 MB; three tiles of a 1920×1080 frame in ~0.09 s on 2 busy cores)
PRIOR_MODEL = "selfie"


def person_prior() -> Any | None:
    """The person segmenter used to find casters, when its weights are already on this machine; else None.

    Never downloads: the hub cache (or a file given with
    :func:`studiocomp.hub.use_weights`) is looked up only, so reading a background's
    light costs no network access and, without the weights, behaves as before.

    Returns
    -------
    Segmenter or None
        The ``selfie`` segmenter (:class:`~studiocomp.backends.segment.selfie.SelfieSegmenter`), or None.
    """
    from ..hub import fetch
    from ..registry import create

    try:
        path = fetch(PRIOR_MODEL, local_only=True)
        return create("segmenter", PRIOR_MODEL, weights=path)
    except (WeightsUnavailableError, ImportError):
        return None


#: most tiles :func:`person_casters` runs the prior on (a 16:9 frame takes 3, a 7:1 panorama 13)
_MAX_TILES = 13
#: shortest frame side, in pixels, on which :func:`person_casters` looks for people (the selfie model reads 256×256)
_MIN_SIDE = 32


def person_casters(background: np.ndarray, segmenter: Any) -> np.ndarray:
    """The people in ``background`` by ``segmenter``, run on square tiles of the frame.

    Person segmenters squeeze their input to a square (the selfie model to 256×256):
    on a wide frame a standing person becomes a sliver and is lost (on the interior
    scenes of tests/integration/test_shadow_light.py, bgmatting_0002, IoU with the
    true person 0.00 on the whole frame, 0.79–0.89 on tiles). So the frame is cut into
    squares of its short side, overlapping by at least half, and the masks are joined.
    A panorama would need a tile for every half short side (a 24×33000 frame: 2749
    model runs, 36 s); at most ``_MAX_TILES`` (13) are run, each then wider than tall
    (a person in it is squeezed, but on a frame that wide people are a few pixels
    tall anyway). A frame whose short side is under ``_MIN_SIDE`` (32) pixels has no
    person the prior can see: no model runs, and no casters.

    Parameters
    ----------
    background : np.ndarray
        H×W×3 float32 sRGB in [0, 1].
    segmenter : Segmenter
        Anything with ``segment(image) -> H×W bool`` (:class:`studiocomp.types.Segmenter`).

    Returns
    -------
    np.ndarray
        H×W bool, True on people.
    """
    h, w = background.shape[:2]
    s = min(h, w)
    long = max(h, w)
    out = np.zeros((h, w), bool)
    if s < _MIN_SIDE:
        return out
    n = 1 if long == s else int(np.ceil((long - s) / (s / 2.0))) + 1
    t = s  # the tile's length along the long side
    if n > _MAX_TILES:  # wider tiles, still overlapping by half: (long - t) / (n - 1) <= t / 2
        n = _MAX_TILES
        t = min(long, int(np.ceil(2.0 * long / (n + 1))))
    for k in range(n):
        o = int(round(k * (long - t) / max(n - 1, 1)))
        if w >= h:
            out[:, o : o + t] |= np.asarray(segmenter.segment(background[:, o : o + t]), bool)
        else:
            out[o : o + t] |= np.asarray(segmenter.segment(background[o : o + t]), bool)
    return out
