"""Scenes with cast shadows under a known light, for testing the light estimator.

A standing silhouette (its alpha and colours) is laid onto a floor image with its
feet at a point, and its shadow is thrown onto the floor by the floor model of
:mod:`studiocomp.backends.shadow.floor` *without* that module's code: a point
``t`` pixels above the contact row lands at ``(x − t·L·sin az, y_c − t·L·cos az·depth)``
with ``L = cot(elevation)`` (the shadow's length relative to its caster's height), and, as
CastShadow does, ``|cos az|·depth`` at least ``0.25·depth`` (a side light). As CastShadow's
``thickness``, the silhouette is the body's mid-plane and its shadow is swept over the body's depth
(``thickness·height`` along the floor, ``thickness·height·depth`` rows in the image).
The shadow darkens the floor in linear light (B·(1 − S)); its penumbra widens
with distance from the feet, like a real area light's.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from studiocomp.color import linear_to_srgb, srgb_to_linear


def render_scene(
    floor: np.ndarray,
    person: np.ndarray,
    alpha: np.ndarray,
    *,
    feet: tuple[float, float],
    height: float,
    azimuth: float,
    elevation: float,
    opacity: float = 0.5,
    softness: float = 0.004,
    depth: float = 0.35,
    thickness: float = 0.1,
) -> np.ndarray:
    """``floor`` (H×W×3 float32 sRGB) with ``person`` (h×w×3, its ``alpha`` h×w) standing at ``feet`` (x, y), ``height`` px tall, and its shadow."""
    h, w = floor.shape[:2]
    rows = np.flatnonzero((alpha >= 0.5).any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1])
    low = alpha[bottom - max(1, (bottom - top) // 30) : bottom + 1] >= 0.5
    cols = np.flatnonzero(low.any(axis=0))
    feet_x = (cols[0] + cols[-1]) / 2.0
    s = height / (bottom - top + 1)
    # scale and move the person: (feet_x, bottom) → feet
    m = np.float32([[s, 0, feet[0] - feet_x * s], [0, s, feet[1] - bottom * s]])
    a = cv2.warpAffine(alpha.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    rgb = cv2.warpAffine(person.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    yc = float(feet[1])
    L = 1.0 / math.tan(math.radians(elevation))
    dy = -math.cos(math.radians(azimuth)) * depth
    if abs(dy) < 0.25 * depth:  # as CastShadow: a body lit from the side still throws some depth
        dy = math.copysign(0.25 * depth, dy) if dy else -0.25 * depth
    cdx, cdy = -L * math.sin(math.radians(azimuth)), L * dy
    # floor point of (x, y): (x + (yc − y)·cdx, yc + (yc − y)·cdy)
    proj = np.float32([[1.0, -cdx, cdx * yc], [0.0, -cdy, (1.0 + cdy) * yc]])
    solid = a * (np.arange(h)[:, None] <= yc)
    shadow = cv2.warpAffine(solid, proj, (w, h), flags=cv2.INTER_LINEAR)
    k = int(round(thickness * height * depth))
    if k > 1:  # the body's depth: the mid-plane's shadow swept over ±thickness·height/2 along the floor's depth
        shadow = cv2.dilate(shadow, np.ones((k, 1), np.uint8))
    # penumbra: blur growing with distance from the feet (three levels mixed by distance)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.hypot(xx - feet[0], (yy - yc) / depth) / max(height * L, 1.0)
    out = np.zeros_like(shadow)
    levels = [max(0.5, softness * height * k) for k in (1, 3, 6)]
    pos = np.clip(dist, 0, 1) * (len(levels) - 1)
    for k, sig in enumerate(levels):
        out += np.clip(1 - np.abs(pos - k), 0, 1) * cv2.GaussianBlur(shadow, (0, 0), sig)
    lin = srgb_to_linear(floor) * (1.0 - opacity * np.clip(out, 0, 1))[..., None]
    lin = lin * (1 - a[..., None]) + srgb_to_linear(np.clip(rgb, 0, 1)) * a[..., None]
    return np.ascontiguousarray(linear_to_srgb(lin))


def shadow_tip_length(alpha_height: float, elevation: float) -> float:
    """The shadow's length relative to its caster's height on the floor: cot(elevation)."""
    return alpha_height / math.tan(math.radians(elevation))
