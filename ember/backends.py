"""``ember.backends``: feature flags that PyTorch code reads (``backends.mps.is_available()``)."""
from __future__ import annotations

import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(benchmark=False, deterministic=False, enabled=True,
                              is_available=lambda: False)
mkldnn = types.SimpleNamespace(is_available=lambda: False)
