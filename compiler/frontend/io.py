"""`scanc.In` and `scanc.Out` (PyTensor's `pytensor.compile.io`): an input with
a keyword name or a default value, an output to return without a copy."""

from __future__ import annotations

from scanc.graph import TensorVariable


class In:
    """An input of `function`: `name` is the keyword it is passed by (the
    variable's name otherwise), `value` its default when a call omits it.
    `mutable` and `borrow` are accepted and change nothing (compiled functions
    never write to their inputs); `update` and `implicit` are not supported:
    give the value to a shared variable and its new value in `updates=`."""

    def __init__(
        self,
        variable,
        name=None,
        value=None,
        update=None,
        mutable=False,
        strict=False,
        allow_downcast=None,
        autoname=True,
        implicit=False,
        borrow=False,
        shared=False,
    ):
        if not isinstance(variable, TensorVariable):
            raise TypeError(f"In: expected a symbolic variable, got {variable!r}")
        if update is not None or implicit or shared:
            raise NotImplementedError(
                "In(update=..., implicit=True, shared=True) is not supported; use a "
                "shared variable and function(..., updates=...)"
            )
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.has_value = value is not None

    def __repr__(self) -> str:
        return f"In({self.variable!r})"


class Out:
    """An output of `function`; `borrow` is accepted (outputs are new arrays
    the caller owns either way)."""

    def __init__(self, variable, borrow=False):
        self.variable = variable
        self.borrow = borrow


def unwrap_inputs(inputs) -> tuple[list, list[str | None], dict[int, object]]:
    """The variables of `inputs` (In or variables), their keyword names, and the
    default values by position."""
    if not isinstance(inputs, (list, tuple)):
        return inputs, [], {}
    variables, names, defaults = [], [], {}
    for n, item in enumerate(inputs):
        if isinstance(item, In):
            variables.append(item.variable)
            names.append(item.name)
            if item.has_value:
                defaults[n] = item.value
        else:
            variables.append(item)
            names.append(getattr(item, "name", None))
    return variables, names, defaults


def unwrap_outputs(outputs):
    if isinstance(outputs, Out):
        return outputs.variable
    if isinstance(outputs, (list, tuple)):
        return [o.variable if isinstance(o, Out) else o for o in outputs]
    return outputs
