"""``ember.nn``: modules, layers, losses, initialisation and utilities."""
from . import functional, init  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Buffer, Parameter  # noqa: F401
from . import utils  # noqa: F401
from .parallel import DataParallel, DistributedDataParallel  # noqa: F401
