"""scan.loop: built from the frontend, printed, parsed back, verified."""

import pytest
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.dialects.scan import LoopOp, YieldOp, outside_value
from scanc.frontend.signature import build_module


def rnn_module():
    u, x0, y0, W = st.matrix("u"), st.matrix("x0"), st.vector("y0"), st.matrix("W")

    def step(u_tm4, u_t, x_tm3, x_tm1, y_tm1, W):
        return [st.tanh(x_tm1 + u_t + u_tm4 + y_tm1 * W[0]), x_tm3 * 2]

    (x, y), _ = scanc.scan(
        step,
        sequences=dict(input=u, taps=[-4, 0]),
        outputs_info=[dict(initial=x0, taps=[-3, -1]), y0],
        non_sequences=[W],
        strict=True,
    )
    return build_module([u, x0, y0, W], [x, y], "rnn")[0]


def test_frontend_builds_one_loop_with_taps():
    module = rnn_module()
    module.verify()
    loops = [op for op in module.walk() if isinstance(op, LoopOp)]
    assert len(loops) == 1
    loop = loops[0]
    assert loop.sequence_taps() == [(-4, 0)]
    assert loop.output_taps() == [(-3, -1), (-1,)]
    names = [a.name_hint for a in loop.body.block.args]
    assert names == ["u_tm4", "u_t", "x_tm3", "x_tm1", "y_tm1", "W"]


def test_body_arguments_by_role():
    loop = next(op for op in rnn_module().walk() if isinstance(op, LoopOp))
    names = lambda args: [a.name_hint for a in args]  # noqa: E731
    assert [names(g) for g in loop.sequence_arguments()] == [["u_tm4", "u_t"]]
    assert [names(g) for g in loop.output_arguments()] == [
        ["x_tm3", "x_tm1"],
        ["y_tm1"],
    ]
    (w,) = loop.invariant_arguments()
    assert w.name_hint == "W" and loop.invariant_operand(w) is loop.invariants[0]
    assert loop.invariant_operand(loop.sequence_arguments()[0][0]) is None
    assert outside_value(w) is loop.invariants[0]


def test_printed_loop_parses_back_identically():
    text = str(rnn_module())
    parsed = Parser(pipeline.context(), text).parse_module()
    parsed.verify()
    assert str(parsed) == text


def test_verifier_rejects_wrong_yield_count():
    module = rnn_module()
    loop = next(op for op in module.walk() if isinstance(op, LoopOp))
    old = loop.yield_op()
    loop.body.block.insert_op_before(YieldOp([old.values[0]]), old)
    old.detach()
    with pytest.raises(VerifyException, match="body yields 1 values for 2 outputs"):
        loop.verify()
