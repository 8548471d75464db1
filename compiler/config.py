"""Global settings, spelled as PyTensor spells them (`scanc.config.floatX`)."""

from __future__ import annotations

import os

#: dtype of float constants and of `scalar`, `vector`, ... without a prefix.
floatX: str = os.environ.get("SCANC_FLOATX", "float64")

#: The mode of `function` calls that do not name one: "FAST_RUN" (the graph
#: passes on) or "FAST_COMPILE" (off), as PyTensor's `config.mode`.
mode: str = os.environ.get("SCANC_MODE", "FAST_RUN")

#: When False, compiled functions keep their scratch buffers between calls.
scan__allow_gc: bool = True

#: When compiled functions make variants for the small sizes they are called with:
#: "auto" once calls with those sizes have run as long as compiling took, "eager" at
#: the first such call, "off" never (see docs/guide.md, "Specialization").
specialize: str = os.environ.get("SCANC_SPECIALIZE", "auto")

#: Array sizes up to this become constants in a specialized variant.
specialize_max_size: int = 16
