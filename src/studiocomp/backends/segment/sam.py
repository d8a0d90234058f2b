"""Segment Anything (ViT-B) and MobileSAM as a segmenter: prompts, an automatic mode, and one instance per person.

The networks (:mod:`._sam_model`) are state-dict compatible with the official
checkpoints (``sam_vit_b_01ec64.pth``, ``mobile_sam.pt``). Those checkpoints are
not available where this library is developed: the backend is tested with
small randomly initialised networks of the same architectures, and its
segmentation quality was **not measured here**.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ...errors import InputError
from ...image import checked_image
from ...types import Image, Mask, Segmenter

__all__ = ["SAMSegmenter", "Embedding", "boxes_from_mask"]

_MODELS = {"vit_b": "sam-vit-b", "mobile_sam": "mobile-sam"}


@dataclass(frozen=True)
class Embedding:
    """An encoded photo: reuse it for many prompts (the encoder is the expensive part).

    Attributes
    ----------
    features : torch.Tensor
        1×C×E×E image embedding.
    scale : float
        Model pixels per photo pixel.
    resized : (int, int)
        (h, w) of the photo inside the model's square input.
    size : (int, int)
        (H, W) of the photo.
    """

    features: Any  # torch tensor 1×C×E×E
    scale: float  # model pixels per photo pixel
    resized: tuple[int, int]  # (h, w) of the photo inside the model's square input
    size: tuple[int, int]  # (h, w) of the photo


def boxes_from_mask(mask: np.ndarray, min_area: float = 0.01, margin: float = 0.05) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) around each connected region of ``mask`` holding at least ``min_area`` of the frame.

    Each box grows by ``margin`` of its size on every side (clipped to the
    frame), so that SAM sees the whole person. Sorted left to right.

    Parameters
    ----------
    mask : numpy.ndarray
        H×W bool.
    min_area : float
        Smallest region kept, as a fraction of the frame.
    margin : float
        Growth of each box on every side, as a fraction of its size.

    Returns
    -------
    list of (int, int, int, int)
        (x0, y0, x1, y1) in pixels.
    """
    h, w = mask.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(mask).view(np.uint8), connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < min_area * h * w:
            continue
        mx, my = round(bw * margin), round(bh * margin)
        boxes.append((max(0, x - mx), max(0, y - my), min(w - 1, x + bw - 1 + mx), min(h - 1, y + bh - 1 + my)))
    return sorted(boxes)


class SAMSegmenter:
    """Promptable segmentation with Segment Anything (``model="vit_b"``) or MobileSAM (``"mobile_sam"``).

    Modes of :meth:`segment` (the :class:`~studiocomp.Segmenter` protocol):

    - ``"auto"``: a grid of ``points_per_side``² point prompts (default 4×4; each
      prompt costs ~0.13 s of decoding on 2 CPU cores); the masks SAM is
      confident about (predicted IoU ≥ ``min_iou``) are candidates, the largest
      is taken as the background, and the subject is everything else.
    - ``"boxes"`` (two-stage): a ``detector`` segmenter (default ``selfie``)
      finds the people; a box around each prompts SAM, so several people become
      separate instances (:meth:`instances`); :meth:`segment` returns their union.

    Direct prompts: :meth:`segment_points` and :meth:`segment_box`, on a photo or
    on an :class:`Embedding` from :meth:`embed` (encode once, prompt many times).

    Weights: fetched from the hub by default (see ``studiocomp models``), or
    ``weights=PATH`` / ``state_dict=...``. ``pretrained=False`` asks for an
    untrained network explicitly (tests); there is no silent fallback.
    ``config`` selects another network size (see ``_sam_model.CONFIGS``).

    Parameters
    ----------
    model : str
        ``"mobile_sam"`` or ``"vit_b"``.
    mode : str
        ``"auto"`` or ``"boxes"`` (see above).
    detector : str or Segmenter, optional
        The segmenter that finds people in ``"boxes"`` mode (a registered name or an object).
    points_per_side : int
        Grid of point prompts per side in ``"auto"`` mode.
    min_iou : float
        Predicted IoU a mask needs to count in ``"auto"`` mode.
    weights : str or os.PathLike, optional
        A local copy of the weight file (sha256-checked) instead of the hub.
    state_dict : dict, optional
        Weights already loaded (same layout).
    pretrained : bool
        False: an untrained network, explicitly (for tests); no silent fallback to random weights.
    config : str or SamConfig, optional
        Another network size (``_sam_model.CONFIGS``); default: ``model``'s.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"`` (an unavailable one is an error, never a silent CPU run).
    threads : int, optional
        Intra-op threads (default: all cores, or ``STUDIOCOMP_THREADS``).

    Raises
    ------
    InputError
        An unknown ``model`` or ``mode``, or a bad ``points_per_side``.
    BackendUnavailableError
        torch is not installed (``pip install studiocomp[torch]``).
    WeightsUnavailableError
        The weights cannot be had.
    """

    def __init__(
        self,
        model: str = "mobile_sam",
        mode: str = "auto",
        *,
        detector: str | Segmenter | None = "selfie",
        points_per_side: int = 4,
        min_iou: float = 0.8,
        weights: str | os.PathLike[str] | None = None,
        state_dict: dict[str, Any] | None = None,
        pretrained: bool = True,
        config: Any = None,
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        from ...hub import get_spec
        from ...runtime.torch import load_checkpoint, require_torch, resolve_device

        if model not in _MODELS:
            raise InputError("model", f"one of {sorted(_MODELS)}", repr(model))
        if mode not in ("auto", "boxes"):
            raise InputError("mode", "'auto' or 'boxes'", repr(mode))
        if not isinstance(points_per_side, int) or points_per_side < 1:
            raise InputError("points_per_side", "a positive int", repr(points_per_side))
        self.model, self.mode, self.points_per_side, self.min_iou = model, mode, points_per_side, float(min_iou)
        self._detector_spec = detector
        self._detector: Segmenter | None = None
        require_torch("the sam backend")
        self.device = resolve_device(device, threads)
        from ._sam_model import build_sam

        net = build_sam(config if config is not None else model)
        if state_dict is None and pretrained:
            state_dict = load_checkpoint(_MODELS[model], weights)
        if state_dict is not None:
            net.load_state_dict(state_dict, strict=True)
        self._net = net.eval().to(self.device)
        self.img_size = net.cfg.img_size  # the network's own input side (1024 for the published models, as the spec says)
        self.pre = get_spec(_MODELS[model]).preprocessing
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ encoding

    def embed(self, image: Image) -> Embedding:
        """Encode a photo once, for any number of prompts.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Embedding
        """
        import torch

        img = checked_image(image)
        h, w = img.shape[:2]
        s = self.img_size / max(h, w)
        rh, rw = max(1, round(h * s)), max(1, round(w * s))
        small = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        x = np.zeros((self.img_size, self.img_size, 3), np.float32)
        x[:rh, :rw] = self.pre.normalize(small)  # padded bottom-right with zeros
        t = torch.from_numpy(self.pre.to_layout(x)).to(self.device)
        with self._lock, torch.inference_mode():
            feats = self._net.image_encoder(t)
        return Embedding(features=feats, scale=s, resized=(rh, rw), size=(h, w))

    def _embedding(self, image_or_embedding: Any) -> Embedding:
        return image_or_embedding if isinstance(image_or_embedding, Embedding) else self.embed(image_or_embedding)

    # ------------------------------------------------------------------ decoding

    def _decode(self, emb: Embedding, points: np.ndarray | None, labels: np.ndarray | None, boxes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Low-resolution mask logits (N×4×L×L) and predicted IoU (N×4) for N prompts."""
        import torch

        net = self._net
        pts = None
        if points is not None:
            assert labels is not None
            pts = (torch.as_tensor(points * emb.scale, dtype=torch.float32, device=self.device), torch.as_tensor(labels, dtype=torch.int64, device=self.device))
        bx = None if boxes is None else torch.as_tensor(boxes * emb.scale, dtype=torch.float32, device=self.device)
        with self._lock, torch.inference_mode():
            sparse, dense = net.prompt_encoder(pts, bx)
            pe = net.prompt_encoder.pe_layer.grid(net.cfg.embed_size).unsqueeze(0)
            masks, iou = net.mask_decoder(emb.features, pe, sparse, dense)
        return masks.float().cpu().numpy(), iou.float().cpu().numpy()

    def _to_photo(self, emb: Embedding, low: np.ndarray) -> np.ndarray:
        """A low-resolution logit map → H×W bool mask of the photo (upsample, crop the padding, threshold at 0)."""
        up = cv2.resize(low, (self.img_size, self.img_size), interpolation=cv2.INTER_LINEAR)[: emb.resized[0], : emb.resized[1]]
        h, w = emb.size
        return cv2.resize(up, (w, h), interpolation=cv2.INTER_LINEAR) > 0.0

    @staticmethod
    def _pick(masks: np.ndarray, iou: np.ndarray, multimask: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per prompt, the mask SAM rates best among its three (multimask) or its single-output mask."""
        if not multimask:
            return masks[:, 0], iou[:, 0]
        best = 1 + np.argmax(iou[:, 1:], axis=1)
        idx = np.arange(len(best))
        return masks[idx, best], iou[idx, best]

    def segment_points(self, image: Any, points: Any, labels: Any = None) -> Mask:
        """The mask for point prompts: ``points`` N×2 (x, y) in photo pixels, ``labels`` 1 (subject) / 0 (background).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy). Or an :class:`Embedding` from :meth:`embed`.
        points : array_like
            N×2 (x, y) in photo pixels (one point may be given as (x, y)).
        labels : array_like, optional
            N labels, 1 (subject) or 0 (background); all 1 by default.

        Returns
        -------
        Mask
            H×W bool, True for the subject.

        Raises
        ------
        InputError
            Labels that do not match the points or are not 0/1.
        """
        emb = self._embedding(image)
        pts = _as_points(points)
        lab = np.ones(len(pts), np.int64) if labels is None else np.asarray(labels, np.int64).reshape(-1)
        if lab.shape != (len(pts),) or not np.isin(lab, (0, 1)).all():
            raise InputError("labels", f"{len(pts)} labels, each 0 or 1", repr(labels))
        masks, iou = self._decode(emb, pts[None], lab[None], None)
        low, _ = self._pick(masks, iou, multimask=len(pts) == 1)  # one point is ambiguous: SAM's advice
        return self._to_photo(emb, low[0])

    def segment_box(self, image: Any, box: Any) -> Mask:
        """The mask for a box prompt (x0, y0, x1, y1) in photo pixels.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy). Or an :class:`Embedding` from :meth:`embed`.
        box : (float, float, float, float)
            (x0, y0, x1, y1) in photo pixels.

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        return self.segment_boxes(image, [box])[0]

    def segment_boxes(self, image: Any, boxes: Any) -> list[Mask]:
        """One mask per box (x0, y0, x1, y1), decoded in one batch.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy). Or an :class:`Embedding` from :meth:`embed`.
        boxes : sequence of (float, float, float, float)
            (x0, y0, x1, y1) in photo pixels.

        Returns
        -------
        list of Mask
            One H×W bool mask per box.

        Raises
        ------
        InputError
            A box with x1 < x0 or y1 < y0.
        """
        emb = self._embedding(image)
        b = np.asarray(boxes, np.float32).reshape(-1, 4)
        if b.shape[0] == 0:
            return []
        if not np.isfinite(b).all() or (b[:, 2] < b[:, 0]).any() or (b[:, 3] < b[:, 1]).any():
            raise InputError("boxes", "(x0, y0, x1, y1) with x0 ≤ x1 and y0 ≤ y1", repr(boxes))
        masks, iou = self._decode(emb, None, None, b)
        low, _ = self._pick(masks, iou, multimask=False)
        return [self._to_photo(emb, m) for m in low]

    # ------------------------------------------------------------------ automatic and two-stage modes

    def _detect(self, image: np.ndarray) -> np.ndarray:
        if self._detector is None:
            spec = self._detector_spec
            if spec is None:
                raise InputError("detector", "a segmenter (name or object) for mode='boxes'", "None")
            if isinstance(spec, str):
                from ...registry import create

                spec = create("segmenter", spec)
            self._detector = spec
        return np.asarray(self._detector.segment(image), bool)

    def instances(self, image: Image, boxes: Any = None) -> list[Mask]:
        """One mask per person: SAM prompted with a box around each region the detector finds (or the ``boxes`` given).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).
        boxes : sequence of (float, float, float, float), optional
            Boxes (x0, y0, x1, y1) to prompt with instead of the detector's.

        Returns
        -------
        list of Mask
            One H×W bool mask per person, left to right.
        """
        img = checked_image(image)
        if boxes is None:
            boxes = boxes_from_mask(self._detect(img))
        return self.segment_boxes(img, boxes) if len(boxes) else []

    def segment(self, image: Image) -> Mask:
        """The subject's H×W bool mask, by ``mode`` (see the class docstring).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        img = checked_image(image)
        h, w = img.shape[:2]
        if self.mode == "boxes":
            out = np.zeros((h, w), bool)
            for m in self.instances(img):
                out |= m
            return out
        emb = self.embed(img)
        n = self.points_per_side
        xs = (np.arange(n) + 0.5) * w / n
        ys = (np.arange(n) + 0.5) * h / n
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 1, 2).astype(np.float32)
        masks, iou = self._decode(emb, grid, np.ones((len(grid), 1), np.int64), None)
        low, score = self._pick(masks, iou, multimask=True)
        keep = score >= self.min_iou
        if not keep.any():
            keep[:] = True
        # areas measured on the low-resolution maps, inside the photo's part of the square input
        side = low.shape[-1]
        rh, rw = (max(1, round(v * side / self.img_size)) for v in emb.resized)
        areas = (low[:, :rh, :rw] > 0).sum(axis=(1, 2))
        areas[~keep] = -1
        background = self._to_photo(emb, low[int(np.argmax(areas))])
        return ~background


def _as_points(points: Any) -> np.ndarray:
    pts = np.asarray(points, np.float32)
    if pts.ndim == 1 and pts.size == 2:
        pts = pts[None]
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] == 0 or not np.isfinite(pts).all():
        raise InputError("points", "N×2 finite (x, y) pixel coordinates, N ≥ 1", repr(points))
    return pts
