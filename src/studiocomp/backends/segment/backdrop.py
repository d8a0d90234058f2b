"""Classical keyer for subjects shot on a seamless studio backdrop.

How it works (at a working resolution of ~400 px on the long side, so its cost
does not depend on the photo's size):

1. **Backdrop colour.** The dominant colour of the smooth (low-gradient) pixels
   along the top and side edges of the frame.
2. **Backdrop model.** Alternating three times: classify pixels as backdrop,
   then model the backdrop as a smooth surface by normalized convolution of the
   backdrop pixels with a wide Gaussian. The surface follows the floor sweep,
   vignetting and uneven light, and is extrapolated under the subject.
   With a clean plate, the (aligned, gain-matched) plate is the model.
3. **Shadow-tolerant score.** A pixel is backdrop-like when its chromaticity
   matches the model and its brightness is between ``shadow_depth`` and
   ``highlight`` times the model's: shadows cast on the backdrop keep its
   chromaticity and only darken it, so they stay background.
4. **Connectivity.** Background is what is reachable from the frame's top and
   side edges through backdrop-like pixels without crossing an image edge
   (difference-of-Gaussians response) stronger than the backdrop's own measured
   noise — a soft shadow's ramp is no barrier, an outline is; this keeps a white shirt on
   a white backdrop in the subject as long as its outline is visible. The
   reachable region is then grown through backdrop-coloured pixels to the real
   boundary, and enclosed regions that match the backdrop model closely (the gap
   between arm and body) are added to the background.

The mask it returns is coarse at the boundary by design; the ``unmix`` matter
turns it into fractional alpha at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import cv2
import numpy as np

from ..._ops import fill_from, remove_small, resize, working_size
from ...color import chroma_spread, chromaticity
from ...errors import InputError
from ...image import as_image, checked_image
from ...types import Image, Mask

__all__ = ["BackdropKeyer", "BackdropAnalysis", "border_band"]

_K3 = np.ones((3, 3), np.uint8)


def border_band(height: int) -> int:
    """Rows (and columns) of the frame's top, left and right edges where the keyer looks for the backdrop: 1/60 of the working height, at least 2.

    Parameters
    ----------
    height : int
        The keyer's working height in pixels.

    Returns
    -------
    int
    """
    return max(2, int(height) // 60)

# Tuned on ../shared/data/studio_synth (see docs/evaluation in the issue notes):
_DOG_SIGMA = 1.5  # scale of the edge detector, working pixels
_BARRIER_NOISE_MULT = 2.0  # an edge must exceed this × the backdrop's own 90th-percentile response
_BARRIER_MIN, _BARRIER_MAX = 0.008, 0.06
def _score(img: np.ndarray, model: np.ndarray, shadow_depth: float, highlight: float) -> np.ndarray:
    """Foreground-likeness: > 0 where a pixel cannot be the backdrop (or its shadow)."""
    lum_i = img.mean(2) + 0.015
    lum_b = model.mean(2) + 0.015
    ratio = lum_i / lum_b
    chroma = np.linalg.norm(chromaticity(img) - chromaticity(model), axis=2)
    # chromaticity is noisy in dark pixels: widen its tolerance there
    chroma_tol = 0.02 + 0.2 * np.clip(0.25 - lum_i, 0.0, None)
    lum_dev = np.maximum((ratio - highlight) / 0.12, (shadow_depth - ratio) / 0.12)
    score = np.maximum(chroma / chroma_tol - 1.0, lum_dev)
    close = np.abs(img - model).max(2) < 0.035
    return cast("np.ndarray", np.where(close, np.minimum(score, 0.0), score).astype(np.float32))


def _gradient(img: np.ndarray) -> np.ndarray:
    """Edge strength that ignores smooth ramps (soft shadows, vignetting).

    A difference of Gaussians responds to steps and texture but hardly to a
    linear ramp, so a soft shadow's penumbra is no barrier while an outline is.
    """
    dog = img - cv2.GaussianBlur(img, (0, 0), _DOG_SIGMA)
    return cast("np.ndarray", np.sqrt((dog * dog).sum(2)))


def _seed_colour(img: np.ndarray, grad: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    smooth = seeds & (grad <= np.percentile(grad[seeds], 50))
    pts = img[smooth].astype(np.float32)
    if len(pts) < 16:
        return cast("np.ndarray", np.median(img[seeds], axis=0).astype(np.float32))
    # Deterministic start (brightness terciles), one attempt: k-means++ would draw from OpenCV's
    # per-thread random state, so a photo's result would depend on what ran before it in the thread.
    order = np.argsort(pts.sum(1), kind="stable")
    labels0 = np.empty((len(pts), 1), np.int32)
    labels0[order, 0] = np.arange(len(pts)) * 3 // len(pts)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1e-3)
    _, labels, centres = cv2.kmeans(pts, 3, labels0, crit, 1, cv2.KMEANS_USE_INITIAL_LABELS)
    counts = np.bincount(labels.ravel(), minlength=3)
    return cast("np.ndarray", centres[counts.argmax()].astype(np.float32))


def _align_plate(img: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """Warp ``plate`` onto ``img`` (hand-held shots move) with ORB + RANSAC homography."""
    g1 = cv2.cvtColor((img * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    g2 = cv2.cvtColor((plate * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    orb = cv2.ORB.create(2000)
    k1, d1 = orb.detectAndCompute(g1, None)
    k2, d2 = orb.detectAndCompute(g2, None)
    if d1 is None or d2 is None or len(k1) < 12 or len(k2) < 12:
        return plate
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(d2, d1)
    if len(matches) < 12:
        return plate
    src = np.array([k2[m.queryIdx].pt for m in matches], np.float32)
    dst = np.array([k1[m.trainIdx].pt for m in matches], np.float32)
    hom, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if hom is None or inliers.sum() < 12:
        return plate
    h, w = img.shape[:2]
    return cv2.warpPerspective(plate, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _plate_model(blur: np.ndarray, plate_full: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """The clean plate as a backdrop model: aligned, and gain-matched to the shot."""
    plate = cv2.GaussianBlur(resize(plate_full, hw, cv2.INTER_AREA), (0, 0), 0.8)
    plate = _align_plate(blur, plate)
    # exposure/white balance may drift between plate and shot: smooth per-channel gain
    close = (np.abs(blur - plate).max(2) < 0.08).astype(np.float32)
    gain, density = fill_from(blur / np.maximum(plate, 1e-3), close, max(hw) / 8.0)
    gain = np.where(density[..., None] > 1e-3, np.clip(gain, 0.5, 2.0), 1.0)
    return cast("np.ndarray", (plate * gain).astype(np.float32))


@dataclass(frozen=True)
class BackdropAnalysis:
    """What the keyer measured on one photo, at its working resolution (h×w, long side ``working_size``).

    Attributes
    ----------
    image : np.ndarray
        h×w×3 float32, the photo shrunk and lightly blurred (σ 0.8 px).
    model : np.ndarray
        h×w×3 float32, the fitted backdrop colour surface (extrapolated under the subject).
    score : np.ndarray
        h×w float32 foreground-likeness: < 0 where a pixel can be the backdrop or a shadow on it.
    gradient : np.ndarray
        h×w float32 difference-of-Gaussians edge strength.
    edge_limit : float
        Edge strength above which an edge is a barrier (from the backdrop's own noise).
    mask : np.ndarray
        h×w bool, the keyer's subject mask.
    border_backdrop : float
        Fraction of the top, left and right frame band that was found to be backdrop, in [0, 1].
    backdrop_noise : float
        The backdrop's 90th-percentile edge response; near 0.03 and above the backdrop is textured
        (painted canvas, a room), not seamless paper.
    chroma_spread : float
        How colourful the photo is (:func:`studiocomp.color.chroma_spread`); below
        :data:`~studiocomp.color.MONOCHROME_SPREAD` the photo is monochrome and the score
        rests on lightness alone.
    """

    image: np.ndarray
    model: np.ndarray
    score: np.ndarray
    gradient: np.ndarray
    edge_limit: float
    mask: np.ndarray
    border_backdrop: float
    backdrop_noise: float
    chroma_spread: float


class BackdropKeyer:
    """Segmenter for seamless-paper studio shots; no weights, no network.

    Parameters
    ----------
    working_size : int
        Long side (pixels) of the internal working image.
    shadow_depth : float
        Darkest brightness, relative to the backdrop, still taken for a shadow
        on the backdrop (0.42: shadows may take away up to 58 % of the light).
    highlight : float
        Brightest relative brightness still taken for backdrop.
    plate : path or array, optional
        A photo of the empty backdrop from the same camera position (a clean
        plate). It is aligned to each image, so hand-held shots work.

    Raises
    ------
    InputError
        ``working_size``, ``shadow_depth`` or ``highlight`` out of range, or a ``plate`` that is not an image.

    Examples
    --------
    >>> import studiocomp
    >>> keyer = studiocomp.create("segmenter", "backdrop")
    >>> image, _ = studiocomp.synthetic.studio_shot((240, 180), seed=1)
    >>> keyer.segment(image).shape
    (240, 180)
    """

    def __init__(
        self,
        working_size: int = 400,
        shadow_depth: float = 0.42,
        highlight: float = 1.12,
        plate: Any = None,
    ) -> None:
        if not (64 <= int(working_size) <= 4096):
            raise InputError("working_size", "an integer in 64–4096", repr(working_size))
        if not (0.0 < shadow_depth < 1.0):
            raise InputError("shadow_depth", "a float in (0, 1)", repr(shadow_depth))
        if not (1.0 <= highlight <= 3.0):
            raise InputError("highlight", "a float in [1, 3]", repr(highlight))
        self.working_size = int(working_size)
        self.shadow_depth = float(shadow_depth)
        self.highlight = float(highlight)
        self.plate: Image | None = None if plate is None else as_image(plate, name="plate")

    def __repr__(self) -> str:
        plate = "yes" if self.plate is not None else "no"
        return f"BackdropKeyer(working_size={self.working_size}, shadow_depth={self.shadow_depth}, plate={plate})"

    def segment(self, image: Image) -> Mask:
        """Return the subject's H×W bool mask.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        image = checked_image(image)
        h, w = image.shape[:2]
        mask_small = self.segment_small(image)
        up = resize(mask_small.astype(np.uint8) * 255, (h, w), cv2.INTER_LINEAR)
        return up >= 128

    def segment_small(self, image: Image) -> Mask:
        """The mask at the working resolution (what :meth:`segment` upsamples).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            h×w bool at the working resolution (long side ``working_size``).
        """
        return self.analyse(image).mask

    def analyse(self, image: Image) -> BackdropAnalysis:
        """Key ``image`` at the working resolution and return everything measured (see :class:`BackdropAnalysis`).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        BackdropAnalysis
        """
        h, w = image.shape[:2]
        hw = working_size(h, w, self.working_size)
        small = resize(image, hw, cv2.INTER_AREA)
        blur = cv2.GaussianBlur(small, (0, 0), 0.8)
        grad = _gradient(blur)
        hh, ww = hw
        band = border_band(hh)
        edges = np.zeros(hw, bool)
        edges[:band] = True
        edges[:, :band] = True
        edges[:, -band:] = True  # not the bottom edge: subjects are usually cut there
        if self.plate is not None:
            model = _plate_model(blur, self.plate, hw)
            colour = np.median(model[edges], axis=0)
            rounds = 1
        else:
            colour = _seed_colour(blur, grad, edges)
            model = np.broadcast_to(colour, blur.shape).astype(np.float32)
            rounds = 3
        near = edges & (np.abs(blur - colour).max(2) < 0.1)
        noise = float(np.percentile(grad[near], 90)) if near.sum() > 20 else 0.01
        grad_limit = float(np.clip(_BARRIER_NOISE_MULT * noise, _BARRIER_MIN, _BARRIER_MAX))
        sigma = max(hh, ww) / 10.0
        for i in range(rounds):
            loose = i == 0 and self.plate is None  # the flat first model ignores vignetting
            score = _score(blur, model, 0.3 if loose else self.shadow_depth, 1.4 if loose else self.highlight)
            bg = self._reachable(score, grad, grad_limit, edges)
            if self.plate is None:
                weight = cv2.erode(bg.astype(np.uint8), _K3)
                fitted, density = fill_from(blur, weight, sigma)
                model = np.where(density[..., None] > 1e-3, fitted, colour).astype(np.float32)
        score = _score(blur, model, self.shadow_depth, self.highlight)
        bg = self._reachable(score, grad, grad_limit, edges)
        bg = self._grow(bg, score < 0, steps=8)
        bg |= self._enclosed_backdrop(bg, score, grad, grad_limit, blur, model)
        fg = cv2.morphologyEx((~bg).astype(np.uint8), cv2.MORPH_OPEN, _K3)
        # a frame edge is "backdrop" only where it is reachable backdrop and not a noisy room wall
        border = float(bg[edges].mean())
        if near.sum() <= 20:
            noise = float(np.percentile(grad[edges], 90))
        mask = remove_small(fg, 0.01)
        return BackdropAnalysis(blur, model, score, grad, grad_limit, mask, border, noise, chroma_spread=chroma_spread(blur))

    @staticmethod
    def _reachable(score: np.ndarray, grad: np.ndarray, grad_limit: float, seeds: np.ndarray) -> np.ndarray:
        passable = ((score < 0) & (grad < grad_limit)).astype(np.uint8)
        _, labels = cv2.connectedComponents(passable, connectivity=4)
        ids = np.unique(labels[seeds & (passable > 0)])
        ids = ids[ids > 0]
        return np.isin(labels, ids)

    @staticmethod
    def _grow(bg: np.ndarray, allowed: np.ndarray, steps: int) -> np.ndarray:
        """Geodesic dilation: grow ``bg`` by up to ``steps`` pixels inside ``allowed``."""
        grown = bg.astype(np.uint8)
        allow = allowed.astype(np.uint8)
        for _ in range(steps):
            dilated: np.ndarray = cv2.dilate(grown, _K3)
            grown = dilated & allow
        return cast("np.ndarray", grown.astype(bool) | bg)

    @staticmethod
    def _enclosed_backdrop(bg: np.ndarray, score: np.ndarray, grad: np.ndarray, grad_limit: float, img: np.ndarray, model: np.ndarray) -> np.ndarray:
        cand = ((~bg) & (score < -0.3) & (grad < grad_limit)).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(cand, connectivity=4)
        out = np.zeros(bg.shape, bool)
        min_area = 0.002 * bg.size
        diff = np.abs(img - model).max(2)
        for i in range(1, n):
            if stats[i, cv2.CC_STAT_AREA] < min_area:
                continue
            region = labels == i
            if np.percentile(diff[region], 90) < 0.05:
                out |= cv2.dilate(region.astype(np.uint8), _K3, iterations=2).astype(bool) & (score < 0)
        return out
