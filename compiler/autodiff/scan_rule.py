"""The gradient of `scan.loop`: a reverse loop (see `scan_rule`)."""

from __future__ import annotations


def scan_rule(op, output_grads, inputs):
    raise NotImplementedError("gradients through scan are not supported yet")
