"""The peers scanc is measured against; each is optional except NumPy."""

from __future__ import annotations

import importlib.util


def available(peer: str) -> bool:
    module = {
        "numpy": "numpy",
        "scanc": "scanc",
        "scanc-nopasses": "scanc",
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


PEERS = (
    "scanc",
    "scanc-nopasses",
    "numpy",
    "numba",
    "jax",
    "pytensor",
    "pytensor-numba",
)


def jax_modules():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    return jax, jnp, lax


def pytensor_mode(peer: str):
    return "NUMBA" if peer == "pytensor-numba" else None


def builder(workload, peer: str):
    """`workload`'s builder for `peer`, None when it has none; `scanc-nopasses`
    runs scanc's with `scanc.config.mode = "FAST_COMPILE"` (the graph passes
    off)."""
    if peer != "scanc-nopasses":
        return workload.builders.get(peer)
    build = workload.builders.get("scanc")
    if build is None:
        return None

    def without_passes(data, _peer):
        from scanc import config

        saved, config.mode = config.mode, "FAST_COMPILE"
        try:
            return build(data, "scanc")
        finally:
            config.mode = saved

    return without_passes
