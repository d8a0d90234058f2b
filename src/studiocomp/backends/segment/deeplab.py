"""DeepLabV3 person segmentation (Chen et al. 2017) with torchvision's published checkpoints.

The networks are written here (torch only, no torchvision), module for module as
torchvision builds ``deeplabv3_mobilenet_v3_large`` and ``deeplabv3_resnet50``,
so their state dicts have the same keys and shapes and torchvision's COCO
checkpoints load as they are (the auxiliary FCN head, used only in training, is
kept so that strict loading works). Those checkpoints are not available where
this library is developed: the backend is tested with randomly initialised
networks of the real architecture (and torchvision's own state-dict layout), and
its segmentation quality was **not measured here**.
"""

from __future__ import annotations

import os
import threading
from typing import Any, cast

import numpy as np

from ...errors import InputError
from ...image import checked_image
from ...types import Image, Mask

__all__ = ["DeepLabSegmenter", "build_deeplabv3", "VARIANTS", "PERSON_CLASS"]

VARIANTS = {"mobilenet_v3_large": "deeplabv3-mobilenet-v3-large", "resnet50": "deeplabv3-resnet50"}
PERSON_CLASS = 15  # Pascal VOC category order, used by torchvision's COCO-trained DeepLabV3


def _torch() -> Any:
    from ...runtime.torch import require_torch

    return require_torch("the deeplab backend")


def build_deeplabv3(variant: str = "mobilenet_v3_large", num_classes: int = 21) -> Any:
    """An untrained DeepLabV3 of torchvision's layout (``backbone``, ``classifier``, ``aux_classifier``).

    The network is :class:`~studiocomp.backends.segment._deeplab_model.DeepLabV3`.

    Parameters
    ----------
    variant : str
        "mobilenet_v3_large" (11.0 M parameters) or "resnet50" (42.0 M).
    num_classes : int
        Output classes (21: torchvision's COCO checkpoints, Pascal VOC categories).

    Returns
    -------
    torch.nn.Module
        Randomly initialised; its forward maps N×3×H×W float32 to N×``num_classes``×H×W logits.

    Raises
    ------
    BackendUnavailableError
        torch is not installed (the ``studiocomp[torch]`` extra).
    InputError
        Unknown ``variant``.
    """
    _torch()
    if variant not in VARIANTS:
        raise InputError("variant", f"one of {sorted(VARIANTS)}", repr(variant))
    from ._deeplab_model import build

    return build(variant, num_classes)


class DeepLabSegmenter:
    """Person segmentation with DeepLabV3 (torch): ``variant`` ``"mobilenet_v3_large"`` or ``"resnet50"``.

    The photo is resized so that its short side is ``resolution`` (default: the
    spec's, 520, as torchvision evaluates these models), normalised with ImageNet
    statistics (the spec's :class:`~studiocomp.hub.Preprocessing`),
    and the person class (15) wins where its softmax probability is above
    ``threshold``.

    Weights: ``weights=PATH`` (a torchvision checkpoint, or any state dict of this
    layout; sha256-checked when the spec pins one) or ``state_dict=...``. The hub
    location of these files is unconfirmed (see ``studiocomp models``). There
    is no silent fallback to random weights: ``pretrained=False`` asks for an
    untrained network explicitly (for tests).

    **Quality not measured here**: no DeepLabV3 weights are available on the
    machines this library is developed on.

    Parameters
    ----------
    variant : str
        ``"mobilenet_v3_large"`` or ``"resnet50"``.
    resolution : int, optional
        Short side of the network input (default: the spec's, 520).
    threshold : float
        Person probability above which a pixel is subject.
    weights : str or os.PathLike, optional
        A local copy of the weight file (sha256-checked) instead of the hub.
    state_dict : dict, optional
        Weights already loaded (same layout).
    pretrained : bool
        False: an untrained network, explicitly (for tests); no silent fallback to random weights.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"`` (an unavailable one is an error, never a silent CPU run).
    threads : int, optional
        Intra-op threads (default: all cores, or ``STUDIOCOMP_THREADS``).

    Raises
    ------
    InputError
        An unknown ``variant``.
    BackendUnavailableError
        torch is not installed (``pip install studiocomp[torch]``).
    WeightsUnavailableError
        The weights cannot be had.
    """

    def __init__(
        self,
        variant: str = "mobilenet_v3_large",
        resolution: int | None = None,
        threshold: float = 0.5,
        *,
        weights: str | os.PathLike[str] | None = None,
        state_dict: dict[str, Any] | None = None,
        pretrained: bool = True,
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        from ...runtime.torch import load_checkpoint, resolve_device

        if variant not in VARIANTS:
            raise InputError("variant", f"one of {sorted(VARIANTS)}", repr(variant))
        from ...hub import get_spec

        self.pre = get_spec(VARIANTS[variant]).preprocessing
        self.variant, self.threshold = variant, float(threshold)
        side = self.pre.short_side if resolution is None else resolution
        if side is None:  # a spec without a short side: only a custom spec could do that
            raise InputError("resolution", "the short side of the network input in pixels", "None")
        self.resolution = int(side)
        _torch()  # torch missing: BackendUnavailableError naming the [torch] extra
        self.device = resolve_device(device, threads)
        net = build_deeplabv3(variant)
        if state_dict is None and pretrained:
            state_dict = load_checkpoint(VARIANTS[variant], weights)
        if state_dict is not None:
            net.load_state_dict(state_dict, strict=True)
        self._net = net.eval().to(self.device)
        self._lock = threading.Lock()

    def probability(self, image: Image) -> np.ndarray:
        """Person probability at full size (H×W float32 in [0, 1]).

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        numpy.ndarray
            H×W float32 in [0, 1].
        """
        import cv2

        torch = _torch()
        img = checked_image(image)
        h, w = img.shape[:2]
        s = self.resolution / min(h, w)
        small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        x = torch.from_numpy(self.pre.to_layout(self.pre.normalize(small))).to(self.device)
        with self._lock, torch.inference_mode():
            logits = self._net(x)
            prob = torch.softmax(logits.float(), dim=1)[0, PERSON_CLASS].cpu().numpy()
        return cast("np.ndarray", np.clip(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0))

    def segment(self, image: Image) -> Mask:
        """The person's H×W bool mask: :meth:`probability` > ``threshold``.

        Parameters
        ----------
        image : array_like
            H×W×3 photo (see :func:`studiocomp.as_image`; a float32 array in [0, 1] is read without a copy).

        Returns
        -------
        Mask
            H×W bool, True for the subject.
        """
        return self.probability(image) > self.threshold
