"""Estimates read off images: noise and blur levels, the colour of the light, and its direction.

These are the production estimators that both the metrics and the backends
use (a measurement and a correction must agree on what they measure):

- :func:`noise_sigma` — the noise σ of an image or a region (Donoho's wavelet
  estimator); used by :func:`studiocomp.metrics.noise_level`, the ``matched``
  compositor's grain matching and the ``illuminant`` relighter.
- :func:`detail_share` — the share of 2×2 blocks with detail; with a noise σ
  of 0, it tells a clean photograph from a generated background: :func:`looks_generated`
  (the relighter and the pipeline, which asks it of a background at its own scale).
- :func:`blur_sigma` — the blur σ of the strongest edges; used by
  :func:`studiocomp.metrics.blur_level` and the ``matched`` compositor's
  sharpness matching.
- :func:`shades_of_grey`, :func:`neutral_white_patch`, :func:`achromatic_pixels` — the
  illuminant (linear RGB) of a scene or a photo, the last from its grey and white pixels
  only; used by the ``illuminant`` relighter.
- :func:`find_light`, :func:`estimate_light`, :func:`read_light` — the light's
  direction from the cast shadows on a background's floor; used by the ``cast``
  shadow caster and prepared backgrounds; :func:`person_prior`, :func:`person_casters` — the
  people standing in a background, known casters for it.

They take checked arrays (H×W×3 float32 sRGB in [0, 1], H×W bool regions; see
:mod:`studiocomp.types`) and neither validate nor copy them: the metric
functions are the validated forms.
"""

from __future__ import annotations

from .blur import blur_sigma
from .casters import CasterShadow, floor_step, read_light
from .illuminant import achromatic_pixels, neutral_white_patch, shades_of_grey
from .light import DEFAULT_AZIMUTH, DEFAULT_ELEVATION, LightEstimate, estimate_light, find_light
from .noise import detail_share, looks_generated, noise_sigma
from .people import person_casters, person_prior

__all__ = [
    # noise and blur
    "noise_sigma",
    "detail_share",
    "looks_generated",
    "blur_sigma",
    # the colour of the light
    "shades_of_grey",
    "neutral_white_patch",
    "achromatic_pixels",
    # the direction of the light
    "find_light",
    "estimate_light",
    "LightEstimate",
    "DEFAULT_AZIMUTH",
    "DEFAULT_ELEVATION",
    "read_light",
    "CasterShadow",
    "floor_step",
    "person_prior",
    "person_casters",
]
