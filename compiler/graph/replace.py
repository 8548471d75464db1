"""`scanc.graph.replace`: PyTensor's `pytensor.graph.replace` functions that
rebuild a graph with some variables replaced."""

from scanc.frontend.replace import clone_replace


def graph_replace(outputs, replace=None, *, strict=True):
    """PyTensor's `graph_replace`: `outputs` computed with the variables of
    `replace` replaced. scanc's graphs are values, so this is `clone_replace`
    (the original graph stays as it was); `strict` changes nothing."""
    return clone_replace(outputs, replace)


__all__ = ["clone_replace", "graph_replace"]
