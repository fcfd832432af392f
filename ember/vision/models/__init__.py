"""``ember.vision.models``: torchvision's architectures (``weights=None`` builds them; a local
PyTorch weight file can be passed as ``weights=path``)."""
from .lenet import LeNet, lenet  # noqa: F401
from ._api import Weights, WeightsEnum  # noqa: F401
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2  # noqa: F401
from .resnet import (BasicBlock, Bottleneck, ResNet, ResNet18_Weights,  # noqa: F401
                     ResNet34_Weights, ResNet50_Weights, resnet18, resnet34, resnet50,
                     resnet101, resnet152)
from .vgg import (VGG, AlexNet, AlexNet_Weights, VGG11_BN_Weights, VGG11_Weights,  # noqa
                  VGG16_BN_Weights, VGG16_Weights, alexnet, vgg11, vgg11_bn, vgg13, vgg13_bn,
                  vgg16, vgg16_bn, vgg19, vgg19_bn)

_BUILDERS = {f.__name__: f for f in (lenet, mobilenet_v2, resnet18, resnet34, resnet50,
                                     resnet101, resnet152, alexnet, vgg11, vgg11_bn, vgg13,
                                     vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn)}


def list_models() -> list:
    return sorted(_BUILDERS)


def get_model(name: str, **config):
    """Build a model by name (``get_model('resnet18', num_classes=10)``)."""
    if name not in _BUILDERS:
        raise ValueError(f"Unknown model {name!r}; available: {list_models()}")
    return _BUILDERS[name](**config)
