import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

try:
    import torch  # noqa: F401 - the oracle, only for tests
    HAVE_TORCH = True
except ImportError:  # pragma: no cover
    HAVE_TORCH = False

requires_torch = pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch (the test oracle) is not "
                                    "installed: pip install -e .[test]")


def data_root():
    """Where the shared datasets live: $EMBER_DATA, else ../shared/data beside the repo."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("EMBER_DATA", os.path.join(here, "..", "shared", "data"))
