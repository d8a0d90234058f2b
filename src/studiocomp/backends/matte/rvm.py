"""Robust Video Matting (Lin et al., WACV 2022), MobileNetV3 ONNX. The weights are GPL-3.0."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any, cast

import numpy as np

from ...errors import InputError
from ...image import checked_image
from ...types import Image, Mask, Matte
from .._neural import check_margin, check_positive_int, finish_matte, model_preprocessing, model_size, onnx_session, shrink

__all__ = ["RVMMatter", "auto_downsample_ratio"]

_STATE_NAMES = ("r1i", "r2i", "r3i", "r4i")
#: an alpha within half an 8-bit step of 0 or 1 is snapped to it (as :func:`studiocomp._ops.guided_upsample` does at full size)
_SNAP_LO, _SNAP_HI = np.float32(0.5 / 255), np.float32(1.0 - 0.5 / 255)


def _full_size_matte(img: np.ndarray, pha: np.ndarray, fgr: np.ndarray) -> Matte:
    """The matte of a frame the network ran on at its own size, with no mask: what ``finish_matte`` gives, cheaper.

    The alpha clipped to [0, 1] and snapped to 0 or 1 within half an 8-bit step of them; the foreground RVM's own
    ``fgr`` (clipped) where the alpha is fractional, the frame's colour elsewhere. Byte for byte what
    :func:`studiocomp.backends._neural.finish_matte` returns for the same arrays (checked in the tests), in about a
    third of its time at 854×480 (2.5 against 8 ms of CPU a frame on DAVIS breakdance, whose crowd makes a fifth of
    the frame fractional: one OpenCV merge and masked copy instead of fancy indexing over the band).

    ``img`` is H×W×3 float32 in [0, 1], ``pha`` H×W float32 and ``fgr`` H×W×3 float32 (best a view of the network's
    3×H×W planes, as :meth:`RVMMatter._run` gives it: the planes are merged without a transposed copy).
    """
    import cv2

    planes = fgr.transpose(2, 0, 1)
    alpha = np.clip(pha, 0.0, 1.0)
    alpha[alpha < _SNAP_LO] = 0.0
    alpha[alpha > _SNAP_HI] = 1.0
    hard = (~((alpha > 0.0) & (alpha < 1.0))).view(np.uint8)
    fg = cv2.merge([np.ascontiguousarray(p) for p in planes])
    np.clip(fg, 0.0, 1.0, out=fg)
    out: np.ndarray = cv2.copyTo(img, hard, fg)  # the frame's colour where the alpha is 0 or 1
    return Matte(alpha=alpha, foreground=out.astype(np.float32, copy=False))


def auto_downsample_ratio(h: int, w: int, target: int = 512) -> float:
    """RVM's ``downsample_ratio`` for an H×W input: its coarse pass sees a long side of about ``target`` px.

    This is the rule behind the RVM authors' table (1280×720 → 0.375,
    1920×1080 → 0.25 for portraits, i.e. ~480 px), never above 1.

    Parameters
    ----------
    h, w : int
        Size of the network input in pixels.
    target : int
        Long side (pixels) of RVM's coarse pass.

    Returns
    -------
    float
        In (0, 1].
    """
    return float(min(1.0, target / max(h, w)))


class RVMMatter:
    """Human matting with a recurrent network, for single photos and for video frames.

    **License: the RVM weights are GPL-3.0.** Software that distributes them may
    have to be GPL-3.0 too; MODNet (``modnet``) is the Apache-2.0 alternative.

    A frame whose long side is at most ``max_side`` runs at its own size (RVM takes
    any size); a larger one is shrunk to it. The network runs with ``downsample_ratio``
    (default: chosen from that size by :func:`auto_downsample_ratio`) and, when the
    frame was shrunk, the alpha is brought back to full size by an edge-aware guided
    upsampler.

    Sequences: with ``sequence=True`` the recurrent state is carried from one
    :meth:`matte` call to the next (frames of one clip, in order); call
    :meth:`reset` between clips.

    A segmenter's mask, when given, gates the alpha as in
    :class:`~studiocomp.backends.matte.modnet.MODNetMatter` (``mask_margin``). It is also reset when the frame size changes.
    With ``sequence=False`` (default) every call starts from a blank state, as
    unrelated photos should. :meth:`matte_sequence` runs a whole clip.

    Parameters
    ----------
    max_side : int, optional
        Largest long side of the network input (default: the spec's, 1024); a smaller photo runs at its own size.
    downsample_ratio : float, optional
        RVM's coarse-pass ratio in (0, 1]; None chooses it from the size (:func:`auto_downsample_ratio`).
    mask_margin : float, optional
        Gate alpha to within this fraction of the long side around a segmenter's mask; None ignores masks.
    sequence : bool
        Carry the recurrent state between calls (frames of one clip).
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"`` (an unavailable one is an error, never a silent CPU run).
    threads : int, optional
        Intra-op threads (default: all cores, or ``STUDIOCOMP_THREADS``).
    weights : str or os.PathLike, optional
        A local copy of the weight file (sha256-checked) instead of the hub.

    Raises
    ------
    InputError
        ``max_side`` below 64, ``downsample_ratio`` outside (0, 1] or a bad ``mask_margin``.
    WeightsUnavailableError
        The weights cannot be had.
    """

    model = "rvm-mobilenetv3"
    license = "GPL-3.0"

    def __init__(
        self,
        max_side: int | None = None,
        downsample_ratio: float | None = None,
        mask_margin: float | None = 0.03,
        *,
        sequence: bool = False,
        device: str = "auto",
        threads: int | None = None,
        weights: str | os.PathLike[str] | None = None,
    ) -> None:
        self.pre = model_preprocessing(self.model)
        self.max_side = check_positive_int("max_side", self.pre.long_side if max_side is None else max_side, 64)
        if downsample_ratio is not None and not (0 < downsample_ratio <= 1):
            raise InputError("downsample_ratio", "a number in (0, 1], or None for automatic", repr(downsample_ratio))
        self.downsample_ratio = downsample_ratio
        self.sequence = bool(sequence)
        self.mask_margin = check_margin(mask_margin)
        self._session: Any = onnx_session(self.model, weights, device, threads)
        self._state: tuple[np.ndarray, ...] | None = None
        self._state_size: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RVMMatter(max_side={self.max_side}, downsample_ratio={self.downsample_ratio}, sequence={self.sequence}, mask_margin={self.mask_margin})"

    @property
    def state(self) -> tuple[np.ndarray, ...] | None:
        """The recurrent state after the last frame (r1..r4), or None at the start of a clip."""
        return self._state

    def reset(self) -> None:
        """Forget the recurrent state: the next frame starts a new clip."""
        with self._lock:
            self._state, self._state_size = None, None

    def _run(self, img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The network's alpha (h×w) and foreground (h×w×3, a view of the network's 3×h×w planes), float32, at the network's size."""
        h, w = img.shape[:2]
        hw = model_size(h, w, min(self.max_side, max(h, w)), self.pre.multiple_of)
        ratio = self.downsample_ratio if self.downsample_ratio is not None else auto_downsample_ratio(*hw)
        src = self.pre.to_layout(self.pre.normalize(shrink(img, hw)))
        with self._lock:
            if not self.sequence or self._state_size != hw:
                self._state = None
            zero = np.zeros((1, 1, 1, 1), np.float32)
            state = self._state or (zero,) * 4
            feeds = {"src": src, "downsample_ratio": np.array([ratio], np.float32), **dict(zip(_STATE_NAMES, state, strict=True))}
            fgr, pha, *rec = self._session.run(None, feeds)
            if self.sequence:
                self._state, self._state_size = tuple(rec), hw
        return np.asarray(pha[0, 0], np.float32), np.asarray(fgr[0], np.float32).transpose(1, 2, 0)

    def predict_alpha(self, image: Image) -> np.ndarray:
        """The network's alpha at the network's resolution (h×w float32), carrying the state when ``sequence`` is set.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        numpy.ndarray
            h×w float32 in [0, 1] at the network's resolution.
        """
        return self._run(checked_image(image))[0]

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        """The photo's matte: RVM's alpha (upsampled to full size), gated by ``mask``, with cleaned foreground colours.

        When the network ran at the photo's own size, the edge's foreground colours are RVM's
        own prediction; otherwise blur-fusion estimates them from the upsampled alpha.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).
        mask : array_like, optional
            A segmenter's H×W mask (bool, or alpha cut at 0.5).

        Returns
        -------
        Matte
            ``alpha`` H×W float32 in [0, 1] and ``foreground`` H×W×3 float32 (straight colours).
        """
        img = checked_image(image)
        alpha, fgr = self._run(img)
        if mask is None and alpha.shape == img.shape[:2]:
            return _full_size_matte(img, alpha, fgr)
        return cast("Matte", finish_matte(img, alpha, mask, self.mask_margin, foreground=fgr))

    def matte_sequence(self, frames: Iterable[Any]) -> Iterator[Matte]:
        """Matte the frames of one clip in order, carrying the state; the state is reset first and after.

        Parameters
        ----------
        frames : iterable of array_like
            The clip's H×W×3 frames in order.

        Yields
        ------
        Matte
            One per frame.
        """
        previous = self.sequence
        self.reset()
        self.sequence = True
        try:
            for frame in frames:
                yield self.matte(frame)
        finally:
            self.sequence = previous
            self.reset()
