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

#: peers that run another peer's builder under a setting
#: (`scanc-nopasses`: scanc's, with `scanc.config.mode = "FAST_COMPILE"`: the
#: graph passes off)
VARIANTS = {"scanc-nopasses": ("scanc", "mode", "FAST_COMPILE")}


def jax_modules():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    return jax, jnp, lax


def pytensor_mode(peer: str):
    return "NUMBA" if peer == "pytensor-numba" else None


def builder(workload, peer: str):
    """`workload`'s builder for `peer` (None when it has none): for a variant,
    the builder of the peer it varies, run with its setting."""
    if peer not in VARIANTS:
        return workload.builders.get(peer)
    base, name, value = VARIANTS[peer]
    build = workload.builders.get(base)
    if build is None:
        return None

    def varied(data, _peer):
        from scanc import config

        saved = getattr(config, name)
        setattr(config, name, value)
        try:
            return build(data, base)
        finally:
            setattr(config, name, saved)

    return varied
