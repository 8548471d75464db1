"""PyTensor's names in scanc: the guide's table is current, every name it says
is provided is scanc's own, and every other one raises NotImplementedError
naming it."""

import importlib
import re
from pathlib import Path

import pytest

from scanc import compat
from scanc.pytensor_names import NAMES

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guide.md"


def test_the_guide_table_is_current():
    text = GUIDE.read_text()
    found = re.search(
        r"<!-- names table: begin -->\n(.*)<!-- names table: end -->", text, re.S
    )
    assert found, "docs/guide.md lost its names table markers"
    assert found.group(1) == compat.table(), (
        "regenerate the table: .venv/bin/python tools/names_table.py"
    )


MISSING = [(m, n, NAMES[m][n]) for m in NAMES for n in compat.provided(m)[1]]


@pytest.mark.parametrize("pytensor_module,name,kind", MISSING)
def test_a_missing_name_raises_not_implemented_naming_it(pytensor_module, name, kind):
    module = importlib.import_module(compat.scanc_module(pytensor_module))
    message = re.escape(f"{pytensor_module}.{name} is not provided by scanc")
    if kind == "value":
        with pytest.raises(NotImplementedError, match=message):
            getattr(module, name)
        assert not hasattr(module, name)
        return
    stand_in = getattr(module, name)
    assert stand_in is getattr(module, name)
    with pytest.raises(NotImplementedError, match=message):
        stand_in(1, keyword=2)
    if kind == "class":
        assert not isinstance(object(), stand_in)


def test_provided_names_are_scanc_own():
    for pytensor_module in NAMES:
        module = importlib.import_module(compat.scanc_module(pytensor_module))
        for name in compat.provided(pytensor_module)[0]:
            value = getattr(module, name)
            assert "is not provided by scanc" not in (
                getattr(value, "__doc__", "") or ""
            )


def test_names_pytensor_lacks_are_attribute_errors():
    import scanc.tensor as pt

    with pytest.raises(AttributeError, match="no attribute 'frobnicate'"):
        pt.frobnicate  # noqa: B018
    assert not hasattr(pt, "frobnicate")
