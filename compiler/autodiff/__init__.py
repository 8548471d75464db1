"""Gradient construction (the `grad` stage): `construct-gradients` and its rules."""
