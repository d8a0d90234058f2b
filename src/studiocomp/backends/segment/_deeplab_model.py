"""DeepLabV3 networks (Chen et al., "Rethinking Atrous Convolution for Semantic Image Segmentation", 2017) in torch.

Written module for module as torchvision builds ``deeplabv3_mobilenet_v3_large``
and ``deeplabv3_resnet50`` (``torchvision/models/segmentation/deeplabv3.py``,
``mobilenetv3.py``, ``resnet.py``), so their state dicts have the same keys and
shapes and torchvision's COCO checkpoints load with ``strict=True``. Imported only
by :mod:`.deeplab` once torch is known to be there.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import InputError

__all__ = ["DeepLabV3", "build"]

_BN_EPS, _BN_MOMENTUM = 0.001, 0.01  # MobileNetV3's batch norm


def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def conv_bn_act(cin: int, cout: int, k: int = 1, stride: int = 1, dilation: int = 1, groups: int = 1, act: Any = nn.ReLU, eps: float = 1e-5, momentum: float = 0.1) -> Any:
    """Conv (no bias, "same" padding) → batch norm → optional activation, as torchvision's ``Conv2dNormActivation``."""
    layers = [
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 * dilation, dilation=dilation, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=eps, momentum=momentum),
    ]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """MobileNetV3's squeeze-and-excitation (Hu et al. 2018) with a hard-sigmoid gate."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: Any) -> Any:
        s = F.adaptive_avg_pool2d(x, 1)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class InvertedResidual(nn.Module):
    """MobileNetV3's inverted residual block (Howard et al. 2019): expand, depthwise, optional SE, project."""

    def __init__(self, cin: int, k: int, exp: int, cout: int, se: bool, hs: bool, stride: int, dilation: int) -> None:
        super().__init__()
        act = nn.Hardswish if hs else nn.ReLU
        self.use_res = stride == 1 and cin == cout
        layers = []
        if exp != cin:
            layers.append(conv_bn_act(cin, exp, 1, act=act, eps=_BN_EPS, momentum=_BN_MOMENTUM))
        layers.append(conv_bn_act(exp, exp, k, 1 if dilation > 1 else stride, dilation, groups=exp, act=act, eps=_BN_EPS, momentum=_BN_MOMENTUM))
        if se:
            layers.append(SqueezeExcitation(exp, _make_divisible(exp // 4)))
        layers.append(conv_bn_act(exp, cout, 1, act=None, eps=_BN_EPS, momentum=_BN_MOMENTUM))
        self.block = nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        y = self.block(x)
        return x + y if self.use_res else y


class Bottleneck(nn.Module):
    """ResNet's 1×1-3×3-1×1 bottleneck block (He et al. 2016), dilated where torchvision dilates it."""

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


class ResNetTrunk(nn.Module):
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


class MobileNetTrunk(nn.Sequential):
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
        layers = [conv_bn_act(3, 16, 3, 2, act=nn.Hardswish, eps=_BN_EPS, momentum=_BN_MOMENTUM)]
        layers += [InvertedResidual(*c) for c in cfg]
        layers.append(conv_bn_act(160, 960, 1, act=nn.Hardswish, eps=_BN_EPS, momentum=_BN_MOMENTUM))
        super().__init__(*layers)

    def forward(self, x: Any) -> Any:
        aux = None
        for i, layer in enumerate(self):
            x = layer(x)
            if i == 4:
                aux = x
        return x, aux


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: a 1×1 conv, three dilated 3×3 convs and image pooling, projected to 256 channels."""

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


def deeplab_head(cin: int, num_classes: int) -> nn.Sequential:
    """DeepLabV3's classifier: ASPP, a 3×3 conv and the 1×1 class projection."""
    return nn.Sequential(ASPP(cin), nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.Conv2d(256, num_classes, 1))


def fcn_head(cin: int, num_classes: int) -> nn.Sequential:
    """The auxiliary FCN head (training only; kept so that checkpoints load with ``strict=True``)."""
    mid = cin // 4
    return nn.Sequential(nn.Conv2d(cin, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True), nn.Dropout(0.1), nn.Conv2d(mid, num_classes, 1))


class DeepLabV3(nn.Module):
    """DeepLabV3 of torchvision's layout: ``backbone``, ``classifier``, ``aux_classifier``; forward gives N×classes×H×W logits."""

    def __init__(self, variant: str = "mobilenet_v3_large", num_classes: int = 21) -> None:
        super().__init__()
        self.backbone: nn.Module
        if variant == "mobilenet_v3_large":
            self.backbone, out_c, aux_c = MobileNetTrunk(), 960, 40
        elif variant == "resnet50":
            self.backbone, out_c, aux_c = ResNetTrunk(), 2048, 1024
        else:
            raise InputError("variant", "one of ['mobilenet_v3_large', 'resnet50']", repr(variant))
        self.classifier = deeplab_head(out_c, num_classes)
        self.aux_classifier = fcn_head(aux_c, num_classes)

    def forward(self, x: Any) -> Any:
        feats, _ = self.backbone(x)
        return F.interpolate(self.classifier(feats), size=x.shape[-2:], mode="bilinear", align_corners=False)


def build(variant: str = "mobilenet_v3_large", num_classes: int = 21) -> DeepLabV3:
    """An untrained :class:`DeepLabV3` (``variant`` "mobilenet_v3_large" or "resnet50")."""
    return DeepLabV3(variant, num_classes)
