"""The `st` dialect: value-semantics tensor ops of the `graph` stage.

`st` is what the frontend (`scanc.tensor`) builds. Its values are builtin
`tensor` types; scalars are rank-0 tensors (`tensor<f64>`), dynamic dims are `?`.
Broadcasting follows PyTensor: a dim broadcasts only when its static size is 1;
two dynamic dims must be equal at run time.

Constants use the upstream `arith.constant` with a dense attribute; everything the
upstream dialects cannot say with PyTensor's semantics lives here, one module per
kind of op (elementwise, reduce, indexing, layout, linalg, factorizations,
random, control):

    %p = st.elementwise "mul"(%prior, %A) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %n = st.dim %A {axis = 0 : i64} : tensor<?xf64> -> tensor<i64>
    %o = st.alloc %one [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
    %s = st.reduce "sum"(%x) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
    %l = st.subtensor %r ["i"](%i) : (tensor<?x?xf64>, tensor<i64>) -> tensor<?xf64>
"""

from scanc.dialects.st.core import (
    ELEMENTWISE_ARITY,
    FLOAT_UNARY,
    GRADIENT_MARKS,
    SPECIAL_UNARY,
    REDUCTIONS,
    is_index_scalar,
    parse_index_entry,
    tensor_type,
)
from scanc.dialects.st.control import CheckOp, IfElseOp, IfOp, YieldOp
from scanc.dialects.st.elementwise import (
    AllocOp,
    ArangeOp,
    CastOp,
    DimOp,
    ElementwiseOp,
    ExpandDimsOp,
    PlaceholderOp,
)
from scanc.dialects.st.indexing import (
    CompressOp,
    MaskedPutOp,
    PutOp,
    SetSubtensorOp,
    SubtensorOp,
    TakeOp,
)
from scanc.dialects.st.factorizations import EighOp, PinvOp, QrOp, SvdOp
from scanc.dialects.st.linalg import (
    DETERMINANTS,
    CholeskyOp,
    DetOp,
    SolveOp,
    TriangularSolveOp,
)
from scanc.dialects.st.layout import (
    ConcatenateOp,
    DiagonalOp,
    DotOp,
    ReshapeOp,
    TransposeOp,
)
from scanc.dialects.st.kernels import InputProductsOp, PackPanelsOp, PanelDotOp
from scanc.dialects.st.random import RANDOM_DISTRIBUTIONS, RandomOp
from scanc.dialects.st.reduce import ArgReduceOp, ArgsortOp, ReduceOp
from xdsl.ir import Dialect

ST = Dialect(
    "st",
    [
        PlaceholderOp,
        ElementwiseOp,
        CastOp,
        ExpandDimsOp,
        DimOp,
        AllocOp,
        ArangeOp,
        ReduceOp,
        SubtensorOp,
        DotOp,
        TransposeOp,
        SetSubtensorOp,
        RandomOp,
        ArgReduceOp,
        ReshapeOp,
        ConcatenateOp,
        DiagonalOp,
        TakeOp,
        PutOp,
        CompressOp,
        MaskedPutOp,
        IfElseOp,
        IfOp,
        CheckOp,
        YieldOp,
        SolveOp,
        CholeskyOp,
        TriangularSolveOp,
        DetOp,
        ArgsortOp,
        EighOp,
        SvdOp,
        QrOp,
        PinvOp,
        PackPanelsOp,
        PanelDotOp,
        InputProductsOp,
    ],
    [],
)

__all__ = [
    "ELEMENTWISE_ARITY",
    "FLOAT_UNARY",
    "GRADIENT_MARKS",
    "SPECIAL_UNARY",
    "RANDOM_DISTRIBUTIONS",
    "REDUCTIONS",
    "ST",
    "AllocOp",
    "ArangeOp",
    "ArgReduceOp",
    "ArgsortOp",
    "CastOp",
    "CheckOp",
    "CholeskyOp",
    "CompressOp",
    "ConcatenateOp",
    "DETERMINANTS",
    "DetOp",
    "DiagonalOp",
    "DimOp",
    "DotOp",
    "EighOp",
    "ElementwiseOp",
    "ExpandDimsOp",
    "IfElseOp",
    "IfOp",
    "InputProductsOp",
    "MaskedPutOp",
    "PackPanelsOp",
    "PanelDotOp",
    "PinvOp",
    "PlaceholderOp",
    "PutOp",
    "QrOp",
    "RandomOp",
    "ReduceOp",
    "ReshapeOp",
    "SetSubtensorOp",
    "SolveOp",
    "SubtensorOp",
    "SvdOp",
    "TakeOp",
    "TransposeOp",
    "TriangularSolveOp",
    "YieldOp",
    "is_index_scalar",
    "parse_index_entry",
    "tensor_type",
]
