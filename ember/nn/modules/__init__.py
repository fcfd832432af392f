"""Layer classes; each family in its own module, re-exported here."""
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten  # noqa: F401
from .module import Module, register_module_forward_hook  # noqa: F401
