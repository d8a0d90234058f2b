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
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _torch() -> Any:
    from ...runtime.torch import require_torch

    return require_torch("the deeplab backend")


def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def build_deeplabv3(variant: str = "mobilenet_v3_large", num_classes: int = 21) -> Any:
    """An untrained DeepLabV3 of torchvision's layout (``backbone``, ``classifier``, ``aux_classifier``)."""
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional
    # torch is imported lazily, so its classes are Any here (hence the ignore[misc] on the subclasses)
    Module: Any = nn.Module
    Sequential: Any = nn.Sequential
    bn_eps, bn_momentum = 0.001, 0.01  # MobileNetV3's batch norm

    def conv_bn_act(cin: int, cout: int, k: int = 1, stride: int = 1, dilation: int = 1, groups: int = 1, act: Any = nn.ReLU, eps: float = 1e-5, momentum: float = 0.1) -> Any:
        layers = [
            nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 * dilation, dilation=dilation, groups=groups, bias=False),
            nn.BatchNorm2d(cout, eps=eps, momentum=momentum),
        ]
        if act is not None:
            layers.append(act(inplace=True))
        return nn.Sequential(*layers)

    class SqueezeExcitation(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        def __init__(self, channels: int, squeeze: int) -> None:
            super().__init__()
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)

        def forward(self, x: Any) -> Any:
            s = F.adaptive_avg_pool2d(x, 1)
            return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))

    class InvertedResidual(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        def __init__(self, cin: int, k: int, exp: int, cout: int, se: bool, hs: bool, stride: int, dilation: int) -> None:
            super().__init__()
            act = nn.Hardswish if hs else nn.ReLU
            self.use_res = stride == 1 and cin == cout
            layers = []
            if exp != cin:
                layers.append(conv_bn_act(cin, exp, 1, act=act, eps=bn_eps, momentum=bn_momentum))
            layers.append(conv_bn_act(exp, exp, k, 1 if dilation > 1 else stride, dilation, groups=exp, act=act, eps=bn_eps, momentum=bn_momentum))
            if se:
                layers.append(SqueezeExcitation(exp, _make_divisible(exp // 4)))
            layers.append(conv_bn_act(exp, cout, 1, act=None, eps=bn_eps, momentum=bn_momentum))
            self.block = nn.Sequential(*layers)

        def forward(self, x: Any) -> Any:
            y = self.block(x)
            return x + y if self.use_res else y

    class Bottleneck(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        expansion = 4

        def __init__(self, cin: int, planes: int, stride: int, dilation: int, downsample: Any) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, dilation, dilation=dilation, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.downsample = downsample

        def forward(self, x: Any) -> Any:
            y = F.relu(self.bn1(self.conv1(x)))
            y = F.relu(self.bn2(self.conv2(y)))
            y = self.bn3(self.conv3(y))
            return F.relu(y + (x if self.downsample is None else self.downsample(x)))

    class ResNetTrunk(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        """ResNet-50 with layers 3 and 4 dilated (output stride 8), as torchvision's segmentation builders make it."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.inplanes, self.dilation = 64, 1
            self.layer1 = self._layer(64, 3, 1, False)
            self.layer2 = self._layer(128, 4, 2, False)
            self.layer3 = self._layer(256, 6, 2, True)
            self.layer4 = self._layer(512, 3, 2, True)

        def _layer(self, planes: int, blocks: int, stride: int, dilate: bool) -> Any:
            previous = self.dilation
            if dilate:
                self.dilation *= stride
                stride = 1
            down = None
            if stride != 1 or self.inplanes != planes * 4:
                down = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
            layers = [Bottleneck(self.inplanes, planes, stride, previous, down)]
            self.inplanes = planes * 4
            layers += [Bottleneck(self.inplanes, planes, 1, self.dilation, None) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
            x = self.layer2(self.layer1(x))
            aux = self.layer3(x)
            return self.layer4(aux), aux

    class MobileNetTrunk(Sequential):  # type: ignore[misc]  # subclass of Any (lazy torch)
        """MobileNetV3-Large ``features`` with the last stage dilated (output stride 16)."""

        def __init__(self) -> None:
            # (in, kernel, expanded, out, SE, hard-swish, stride, dilation)
            cfg = [
                (16, 3, 16, 16, False, False, 1, 1),
                (16, 3, 64, 24, False, False, 2, 1),
                (24, 3, 72, 24, False, False, 1, 1),
                (24, 5, 72, 40, True, False, 2, 1),
                (40, 5, 120, 40, True, False, 1, 1),
                (40, 5, 120, 40, True, False, 1, 1),
                (40, 3, 240, 80, False, True, 2, 1),
                (80, 3, 200, 80, False, True, 1, 1),
                (80, 3, 184, 80, False, True, 1, 1),
                (80, 3, 184, 80, False, True, 1, 1),
                (80, 3, 480, 112, True, True, 1, 1),
                (112, 3, 672, 112, True, True, 1, 1),
                (112, 5, 672, 160, True, True, 2, 2),
                (160, 5, 960, 160, True, True, 1, 2),
                (160, 5, 960, 160, True, True, 1, 2),
            ]
            layers = [conv_bn_act(3, 16, 3, 2, act=nn.Hardswish, eps=bn_eps, momentum=bn_momentum)]
            layers += [InvertedResidual(*c) for c in cfg]
            layers.append(conv_bn_act(160, 960, 1, act=nn.Hardswish, eps=bn_eps, momentum=bn_momentum))
            super().__init__(*layers)

        def forward(self, x: Any) -> Any:
            aux = None
            for i, layer in enumerate(self):
                x = layer(x)
                if i == 4:
                    aux = x
            return x, aux

    class ASPP(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        def __init__(self, cin: int, rates: tuple[int, int, int] = (12, 24, 36), cout: int = 256) -> None:
            super().__init__()
            convs = [conv_bn_act(cin, cout, 1)]
            convs += [conv_bn_act(cin, cout, 3, dilation=r) for r in rates]
            convs.append(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)))
            self.convs = nn.ModuleList(convs)
            self.project = nn.Sequential(nn.Conv2d(5 * cout, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.Dropout(0.5))

        def forward(self, x: Any) -> Any:
            outs = [conv(x) for conv in self.convs[:-1]]
            pooled = self.convs[-1](x)
            outs.append(F.interpolate(pooled, size=x.shape[-2:], mode="bilinear", align_corners=False))
            return self.project(torch.cat(outs, dim=1))

    def deeplab_head(cin: int) -> Any:
        return nn.Sequential(ASPP(cin), nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.Conv2d(256, num_classes, 1))

    def fcn_head(cin: int) -> Any:
        mid = cin // 4
        return nn.Sequential(nn.Conv2d(cin, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True), nn.Dropout(0.1), nn.Conv2d(mid, num_classes, 1))

    class DeepLabV3(Module):  # type: ignore[misc]  # subclass of Any (lazy torch)
        def __init__(self) -> None:
            super().__init__()
            if variant == "mobilenet_v3_large":
                self.backbone, out_c, aux_c = MobileNetTrunk(), 960, 40
            elif variant == "resnet50":
                self.backbone, out_c, aux_c = ResNetTrunk(), 2048, 1024
            else:
                raise InputError("variant", f"one of {sorted(VARIANTS)}", repr(variant))
            self.classifier = deeplab_head(out_c)
            self.aux_classifier = fcn_head(aux_c)

        def forward(self, x: Any) -> Any:
            feats, _ = self.backbone(x)
            return F.interpolate(self.classifier(feats), size=x.shape[-2:], mode="bilinear", align_corners=False)

    return DeepLabV3()


class DeepLabSegmenter:
    """Person segmentation with DeepLabV3 (torch): ``variant`` ``"mobilenet_v3_large"`` or ``"resnet50"``.

    The photo is resized so that its short side is ``resolution`` (520, as
    torchvision evaluates these models), normalised with ImageNet statistics,
    and the person class (15) wins where its softmax probability is above
    ``threshold``.

    Weights: ``weights=PATH`` (a torchvision checkpoint, or any state dict of this
    layout; sha256-checked when the spec pins one) or ``state_dict=...``. The hub
    location of these files is unconfirmed (see ``studiocomp models``). There
    is no silent fallback to random weights: ``pretrained=False`` asks for an
    untrained network explicitly (for tests).

    **Quality not measured here**: no DeepLabV3 weights are available on the
    machines this library is developed on.
    """

    def __init__(
        self,
        variant: str = "mobilenet_v3_large",
        resolution: int = 520,
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
        self.variant, self.resolution, self.threshold = variant, int(resolution), float(threshold)
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
        """Person probability at full size (H×W float32 in [0, 1])."""
        import cv2

        torch = _torch()
        img = checked_image(image)
        h, w = img.shape[:2]
        s = self.resolution / min(h, w)
        small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        x = torch.from_numpy(np.ascontiguousarray(((small - _MEAN) / _STD).transpose(2, 0, 1)[None])).to(self.device)
        with self._lock, torch.inference_mode():
            logits = self._net(x)
            prob = torch.softmax(logits.float(), dim=1)[0, PERSON_CLASS].cpu().numpy()
        return cast("np.ndarray", np.clip(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0))

    def segment(self, image: Image) -> Mask:
        return self.probability(image) > self.threshold
