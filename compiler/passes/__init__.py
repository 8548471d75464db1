"""Passes over the graph/opt stages, one per file, plus the upstream ones we use."""

from scanc.autodiff.construct import ConstructGradientsPass
from scanc.passes.hoist_invariants import HoistInvariantsPass
from scanc.passes.input_products_in_loop import InputProductsInLoopPass
from scanc.passes.merge_matmuls import MergeMatmulsPass
from scanc.passes.one_hot_products import OneHotProductsPass
from scanc.passes.pack_invariant_matrices import PackInvariantMatricesPass
from scanc.passes.sink_into_branches import SinkIntoBranchesPass
from scanc.passes.sink_outer_sums import SinkOuterSumsPass
from scanc.passes.specialize_shapes import SpecializeShapesPass
from scanc.passes.split_concat_products import SplitConcatProductsPass
from scanc.passes.trim_memory import TrimMemoryPass
from xdsl.passes import ModulePass
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.transforms.common_subexpression_elimination import (
    CommonSubexpressionElimination,
)
from xdsl.transforms.dead_code_elimination import DeadCodeElimination

#: every pass `scanc -p` accepts, by name
PASSES: dict[str, type[ModulePass]] = {
    p.name: p
    for p in (
        CanonicalizePass,
        CommonSubexpressionElimination,
        DeadCodeElimination,
        TrimMemoryPass,
        HoistInvariantsPass,
        ConstructGradientsPass,
        MergeMatmulsPass,
        SplitConcatProductsPass,
        SinkOuterSumsPass,
        OneHotProductsPass,
        SpecializeShapesPass,
        SinkIntoBranchesPass,
        PackInvariantMatricesPass,
        InputProductsInLoopPass,
    )
}
