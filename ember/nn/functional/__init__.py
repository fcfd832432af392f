"""``ember.nn.functional`` (``F``): the functions behind the layers.

Each family lives in its own private module; this file only re-exports.
"""
from ._linear import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._pool import *  # noqa: F401,F403
from ._vision import *  # noqa: F401,F403
from ._interpolate import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._activation import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._loss_margin import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._embedding import *  # noqa: F401,F403
from ._multihead import *  # noqa: F401,F403
