"""VGG-11/13/16/19 (with and without batch norm) and AlexNet, torchvision's layouts."""
from __future__ import annotations

from ... import nn
from ..._tensor import Tensor
from ._api import load_weights, make_weights

__all__ = ["VGG11_Weights", "VGG11_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights",
           "AlexNet_Weights", "VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
           "vgg19_bn", "AlexNet", "alexnet"]

_CFGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512,
          512, 512, "M"],
}


def make_layers(cfg, batch_norm: bool = False) -> nn.Sequential:
    layers, cin = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(cin, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        cin = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG for (N, 3, H, W) images → (N, num_classes) logits."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


def _vgg(cfg, batch_norm, weights, progress, enum=None, **kwargs):
    if weights is not None:
        kwargs["init_weights"] = False
    return load_weights(VGG(make_layers(_CFGS[cfg], batch_norm), **kwargs), weights, progress,
                        enum)



VGG11_Weights = make_weights('VGG11', {'IMAGENET1K_V1': 'https://download.pytorch.org/models/vgg11-8a719046.pth'}, 'IMAGENET1K_V1')
VGG11_BN_Weights = make_weights('VGG11_BN', {'IMAGENET1K_V1': 'https://download.pytorch.org/models/vgg11_bn-6002323d.pth'}, 'IMAGENET1K_V1')
VGG16_Weights = make_weights('VGG16', {'IMAGENET1K_V1': 'https://download.pytorch.org/models/vgg16-397923af.pth'}, 'IMAGENET1K_V1')
VGG16_BN_Weights = make_weights('VGG16_BN', {'IMAGENET1K_V1': 'https://download.pytorch.org/models/vgg16_bn-6c64b313.pth'}, 'IMAGENET1K_V1')
AlexNet_Weights = make_weights('AlexNet', {'IMAGENET1K_V1': 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth'}, 'IMAGENET1K_V1')

def vgg11(*, weights=None, progress=True, **kwargs) -> VGG:
    weights = VGG11_Weights.verify(weights) if isinstance(weights, str) and not __import__('os').path.exists(weights) else weights
    return _vgg("A", False, weights, progress, **kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    weights = VGG11_BN_Weights.verify(weights) if isinstance(weights, str) and not __import__('os').path.exists(weights) else weights
    return _vgg("A", True, weights, progress, **kwargs)


def vgg13(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("B", False, weights, progress, **kwargs)


def vgg13_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("B", True, weights, progress, **kwargs)


def vgg16(*, weights=None, progress=True, **kwargs) -> VGG:
    weights = VGG16_Weights.verify(weights) if isinstance(weights, str) and not __import__('os').path.exists(weights) else weights
    return _vgg("D", False, weights, progress, **kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    weights = VGG16_BN_Weights.verify(weights) if isinstance(weights, str) and not __import__('os').path.exists(weights) else weights
    return _vgg("D", True, weights, progress, **kwargs)


def vgg19(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("E", False, weights, progress, **kwargs)


def vgg19_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("E", True, weights, progress, **kwargs)


class AlexNet(nn.Module):
    """AlexNet for (N, 3, H, W) images → (N, num_classes) logits."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)
        return self.classifier(x)


def alexnet(*, weights=None, progress=True, **kwargs) -> AlexNet:
    weights = AlexNet_Weights.verify(weights) if isinstance(weights, str) and not __import__('os').path.exists(weights) else weights
    return load_weights(AlexNet(**kwargs), weights, progress, AlexNet_Weights)
