"""scanc.printing: pprint's formulas and debugprint's trees, as PyTensor's."""

import io

import pytest

import scanc
import scanc.tensor as pt
from scanc.printing import debugprint, pp, pprint


def test_pprint_writes_formulas_with_the_parentheses_needed():
    x, y = pt.vector("x"), pt.vector("y")
    assert pprint(x * 2 + y) == "x * 2 + y"
    assert pprint((x - y) - (x - y)) == "x - y - (x - y)"
    assert pprint(x - (y - x)) == "x - (y - x)"
    assert pprint((x + 1) * 3) == "(x + 1) * 3"
    assert pprint(-(x**2)) == "-x ** 2"
    assert pprint((-x) ** 2) == "(-x) ** 2"
    assert pprint(pt.lt(x, y) & pt.gt(x, 0)) == "(x < y) & (x > 0)"
    assert pprint(pt.exp(x).sum()) == "sum{axes=(0,)}(exp(x))"
    assert pp(x / y, x // 2) == "x / y\nx // 2"


def test_pprint_names_unnamed_inputs_by_type():
    assert (
        pprint(pt.matrix() + 1.5) == "<TensorType(float64, shape=(None, None))> + 1.5"
    )


def test_debugprint_draws_the_tree_with_ids_and_names():
    x, y = pt.vector("x"), pt.vector("y")
    s = x + y
    s.name = "s"
    text = debugprint(s * s, file="str")
    assert text == (
        "Mul [id A]\n"
        " ├─ Add [id B] 's'\n"
        " │  ├─ x [id C]\n"
        " │  └─ y [id D]\n"
        " └─ Add [id B] 's'\n"
    )


def test_debugprint_options():
    x = pt.vector("x")
    y = pt.exp(x)
    assert debugprint(y, file="str", ids="") == "Exp\n └─ x\n"
    assert debugprint(y, file="str", ids="int") == "Exp [id 0]\n └─ x [id 1]\n"
    typed = debugprint(y, file="str", print_type=True)
    assert typed.splitlines()[1] == " └─ x [id B] <TensorType(float64, shape=(None,))>"
    assert debugprint(pt.exp(y), file="str", depth=1) == "Exp [id A]\n"
    out = io.StringIO()
    assert debugprint(y, file=out) is out and out.getvalue().startswith("Exp [id A]")
    with pytest.raises(ValueError, match="ids"):
        debugprint(y, ids="letters")
    with pytest.raises(TypeError, match="expected variables"):
        debugprint(object())


def test_debugprint_shows_the_step_graph_of_a_scan_and_of_a_function(capsys):
    k, A = pt.iscalar("k"), pt.vector("A")
    result, _ = scanc.scan(
        lambda prior, A: prior * A,
        outputs_info=pt.ones_like(A),
        non_sequences=A,
        n_steps=k,
    )
    f = scanc.function([A, k], result[-1])
    debugprint(f)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Subtensor [id A]"
    assert lines[1] == " ├─ Scan [id B]"
    inner = lines[lines.index("Inner graphs:") + 2 :]
    assert inner == [
        "Scan [id B]",
        " ← Mul [id K]",
        "    ├─ prior [id L]",
        "    └─ A [id M]",
    ]


def test_top_level_names_and_chained_comparisons():
    x = pt.vector("x")
    assert scanc.pprint(pt.lt(pt.lt(x, 1), 2)) == "(x < 1) < 2"
    assert scanc.pp is pp and scanc.dprint is debugprint
