"""MODNet portrait matting (Ke et al., AAAI 2022), official ONNX export."""

from __future__ import annotations

import os
from typing import Any, cast

import numpy as np

from ...errors import InputError
from ...image import checked_image
from ...types import Image, Mask, Matte
from .._neural import check_margin, check_positive_int, finish_matte, mirror_edges, model_preprocessing, model_size, onnx_session, shrink

__all__ = ["MODNetMatter"]

_MAX_FACTOR = 4  # the largest resolution allowed, in multiples of the model's own input side


class MODNetMatter:
    """Trimap-free portrait matting with MODNet (Apache-2.0 weights, ~26 MB, fetched on first use).

    The photo is resized so that its long side is ``resolution`` pixels (sides
    rounded to multiples of 32, as the network needs), normalised to [−1, 1] as
    MODNet was trained, and the predicted alpha is brought back to full size by a
    colour guided-filter upsampler that follows the photo's edges.

    A mask from a segmenter, when given, gates the alpha: whatever lies farther
    than ``mask_margin`` × the long side from the mask is background (on
    ``pfcn_portrait_test`` this removes stray background blobs: mean IoU 0.968 →
    0.970 with the ``selfie`` mask). ``mask_margin=None`` ignores masks.

    ``fill_missed=True`` restores the regions of the mask that MODNet dropped
    (mean alpha below 0.5 over a connected region of the mask): MODNet was
    trained on single portraits and drops whole people of a group (IoU 0.07 on
    humanseg 210), which the segmenter found. A person who touches a kept one
    shares that person's region and is often half dropped (humanseg 272): the
    mask's parts MODNet dropped where the photo shows no edge between them and
    what it kept are restored too
    (:func:`~studiocomp.backends._neural.seamless_parts`). The ``portrait`` preset sets it.

    ``mirror=True`` runs MODNet on the mirrored photo too (one more network call, in the same batch)
    and averages the two alphas near the first pass's outline only
    (:func:`~studiocomp.backends._neural.mirror_edges`): the edges are placed better, and a person
    one pass drops is not half dropped by the mean. The ``portrait`` preset sets it
    (``pfcn_portrait_test`` mean IoU 0.9699 → 0.9706).

    Parameters
    ----------
    resolution : int, optional
        Long side of the network input, 32 to 2048 pixels (default: the spec's, 512, the model's reference;
        at most 4 × that: memory and time grow with its square, whatever the photo's size).
    device : "auto" | "cpu" | "cuda"
        Where ONNX Runtime runs; "cuda" without a CUDA provider is an error.
    threads : int, optional
        Intra-op threads (default: all cores, or ``STUDIOCOMP_THREADS``).
    weights : path, optional
        A local copy of the weight file (sha256-checked) instead of the hub.
    fill_missed : bool
        Restore the mask's regions, and the parts of a person kept in part, that MODNet dropped (see above).
    mask_margin : float, optional
        Gate alpha to within this fraction of the long side around a segmenter's mask; None ignores masks.
    mirror : bool
        Refine the outline with a pass on the mirrored photo (see above).

    Raises
    ------
    InputError
        A bad ``resolution`` (not an int in 32 to 4 × the model's 512) or ``mask_margin``.
    WeightsUnavailableError
        The weights cannot be had.
    """

    model = "modnet"

    def __init__(
        self,
        resolution: int | None = None,
        mask_margin: float | None = 0.03,
        fill_missed: bool = False,
        mirror: bool = False,
        *,
        device: str = "auto",
        threads: int | None = None,
        weights: str | os.PathLike[str] | None = None,
    ) -> None:
        self.pre = model_preprocessing(self.model)
        self.resolution = check_positive_int("resolution", self.pre.long_side if resolution is None else resolution, self.pre.multiple_of)
        if self.resolution > _MAX_FACTOR * self.pre.long_side:  # far outside what the model was trained at, before any allocation
            raise InputError("resolution", f"an int in {self.pre.multiple_of}–{_MAX_FACTOR * self.pre.long_side} (the model was trained at {self.pre.long_side})", repr(resolution))
        self.mask_margin = check_margin(mask_margin)
        self.fill_missed = bool(fill_missed)
        self.mirror = bool(mirror)
        self._session: Any = onnx_session(self.model, weights, device, threads)
        self._input = self._session.get_inputs()[0].name

    def __repr__(self) -> str:
        return f"MODNetMatter(resolution={self.resolution}, mask_margin={self.mask_margin}, fill_missed={self.fill_missed}, mirror={self.mirror})"

    def predict_alpha(self, image: Image) -> np.ndarray:
        """The network's alpha at the network's resolution (H'×W' float32); with ``mirror``, its outline refined by the mirrored pass.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        numpy.ndarray
            H'×W' float32 in [0, 1] at the network's resolution.
        """
        h, w = image.shape[:2]
        hw = model_size(h, w, self.resolution, self.pre.multiple_of)
        x = self.pre.normalize(shrink(image, hw))
        x = self.pre.to_layout(x)
        if not self.mirror:
            out = self._session.run(None, {self._input: x})[0]
            return np.asarray(out[0, 0], np.float32)
        out = self._session.run(None, {self._input: np.ascontiguousarray(np.concatenate([x, x[..., ::-1]]))})[0]
        return mirror_edges(np.asarray(out[0, 0], np.float32), np.asarray(out[1, 0, :, ::-1], np.float32))

    def matte(self, image: Image, mask: Mask | None = None) -> Matte:
        """The photo's matte: MODNet's alpha upsampled to full size, gated by ``mask``, with cleaned foreground colours.

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
        return cast("Matte", finish_matte(img, self.predict_alpha(img), mask, self.mask_margin, self.fill_missed))
