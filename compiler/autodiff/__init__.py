"""Gradient construction (the `grad` stage): `construct-gradients` and its rules."""

# the adjoint rule of scan.loop registers itself into autodiff.rules.MULTI_RULES
from scanc.autodiff import scan_rule  # noqa: E402, F401

# so do the rules of the matrix factorizations
from scanc.autodiff import factorization_rules  # noqa: E402, F401
