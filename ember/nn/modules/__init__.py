"""Layer classes; each family in its own module, re-exported here."""
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten  # noqa: F401
from .module import Module, register_module_forward_hook  # noqa: F401
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d,  # noqa: F401
                      AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, LPPool2d, MaxPool1d, MaxPool2d,
                      MaxUnpool2d)
