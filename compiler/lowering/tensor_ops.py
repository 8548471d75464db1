"""The table of `st` op lowerings (one module per kind of op) used by
`lower-to-loops`."""

from __future__ import annotations

from scanc.dialects import st
from scanc.lowering.decompositions import (
    lower_cholesky,
    lower_det,
    lower_solve,
    lower_triangular_solve,
)
from scanc.lowering.control import lower_check
from scanc.lowering.factorizations import lower_eigh, lower_pinv, lower_qr, lower_svd
from scanc.lowering.elementwise import (
    lower_alloc,
    lower_arange,
    lower_cast,
    lower_constant,
    lower_dim,
    lower_elementwise,
    lower_expand_dims,
)
from scanc.lowering.indexing import (
    lower_compress,
    lower_masked_put,
    lower_put,
    lower_set_subtensor,
    lower_subtensor,
    lower_take,
)
from scanc.lowering.input_products import lower_input_products
from scanc.lowering.linalg import lower_dot, lower_panel_dot
from scanc.lowering.panels import lower_pack_panels
from scanc.lowering.reductions import lower_arg_reduce, lower_reduce
from scanc.lowering.sorting import lower_argsort
from scanc.lowering.shape import (
    lower_concatenate,
    lower_diagonal,
    lower_reshape,
    lower_transpose,
)
from xdsl.dialects import arith

LOWERINGS = {
    arith.ConstantOp: lower_constant,
    st.ElementwiseOp: lower_elementwise,
    st.CastOp: lower_cast,
    st.ExpandDimsOp: lower_expand_dims,
    st.DimOp: lower_dim,
    st.AllocOp: lower_alloc,
    st.ArangeOp: lower_arange,
    st.ReduceOp: lower_reduce,
    st.SubtensorOp: lower_subtensor,
    st.SetSubtensorOp: lower_set_subtensor,
    st.TransposeOp: lower_transpose,
    st.DotOp: lower_dot,
    st.ArgReduceOp: lower_arg_reduce,
    st.ReshapeOp: lower_reshape,
    st.ConcatenateOp: lower_concatenate,
    st.DiagonalOp: lower_diagonal,
    st.TakeOp: lower_take,
    st.PutOp: lower_put,
    st.CompressOp: lower_compress,
    st.MaskedPutOp: lower_masked_put,
    st.SolveOp: lower_solve,
    st.DetOp: lower_det,
    st.CholeskyOp: lower_cholesky,
    st.TriangularSolveOp: lower_triangular_solve,
    st.ArgsortOp: lower_argsort,
    st.PinvOp: lower_pinv,
    st.CheckOp: lower_check,
    st.PackPanelsOp: lower_pack_panels,
    st.PanelDotOp: lower_panel_dot,
}

#: lowerings of ops with several results (each gives one value per result)
MULTI_LOWERINGS = {
    st.EighOp: lower_eigh,
    st.SvdOp: lower_svd,
    st.QrOp: lower_qr,
    st.InputProductsOp: lower_input_products,
}
