"""Global settings, spelled as PyTensor spells them (`scanc.config.floatX`)."""

from __future__ import annotations

import os

#: dtype of float constants and of `scalar`, `vector`, ... without a prefix.
floatX: str = os.environ.get("SCANC_FLOATX", "float64")

#: When False, compiled functions keep their scratch buffers between calls.
scan__allow_gc: bool = True
