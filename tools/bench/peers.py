"""The peers scanc is measured against; each is optional except NumPy."""

from __future__ import annotations

import importlib.util


def available(peer: str) -> bool:
    module = {
        "numpy": "numpy",
        "scanc": "scanc",
        "numba": "numba",
        "jax": "jax",
        "pytensor": "pytensor",
        "pytensor-numba": "pytensor",
    }[peer]
    if importlib.util.find_spec(module) is None:
        return False
    if peer == "pytensor-numba":
        return importlib.util.find_spec("numba") is not None
    return True


PEERS = ("scanc", "numpy", "numba", "jax", "pytensor", "pytensor-numba")


def jax_modules():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    return jax, jnp, lax


def pytensor_mode(peer: str):
    return "NUMBA" if peer == "pytensor-numba" else None
