"""PTX from LLVM IR for the `cuda` target, checked with CUDA's ptxas (no GPU
needed): a grid-stride kernel, libdevice linked and inlined, the fence a
cross-block step counter needs with LLVM 22, and ptxas's refusals."""

import pytest

from scanc.codegen import ptx
from scanc.codegen.target import cuda

pytestmark = pytest.mark.skipif(
    ptx.ptxas_path() is None, reason="CUDA's ptxas is not installed"
)

ARCHS = ["sm_80", "sm_90"]

#: y[i] = a * x[i] + y[i] for i = thread, thread + threads in the grid, ...
AXPY = """
declare i32 @llvm.nvvm.read.ptx.sreg.tid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.ntid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.ctaid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.nctaid.x()
{extra_declarations}
define ptx_kernel void @axpy(double %a, ptr addrspace(1) noalias readonly %x,
                             ptr addrspace(1) noalias %y, i64 %n) {{
entry:
  %tid = call i32 @llvm.nvvm.read.ptx.sreg.tid.x()
  %ntid = call i32 @llvm.nvvm.read.ptx.sreg.ntid.x()
  %ctaid = call i32 @llvm.nvvm.read.ptx.sreg.ctaid.x()
  %nctaid = call i32 @llvm.nvvm.read.ptx.sreg.nctaid.x()
  %block = mul i32 %ctaid, %ntid
  %first32 = add i32 %block, %tid
  %first = zext i32 %first32 to i64
  %stride32 = mul i32 %ntid, %nctaid
  %stride = zext i32 %stride32 to i64
  br label %head
head:
  %i = phi i64 [ %first, %entry ], [ %next, %body ]
  %more = icmp slt i64 %i, %n
  br i1 %more, label %body, label %done
body:
  %px = getelementptr double, ptr addrspace(1) %x, i64 %i
  %py = getelementptr double, ptr addrspace(1) %y, i64 %i
  %xi = load double, ptr addrspace(1) %px
  %yi = load double, ptr addrspace(1) %py
  %ax = fmul double %a, %xi
  {transform}
  store double %r, ptr addrspace(1) %py
  %next = add i64 %i, %stride
  br label %head
done:
  ret void
}}
"""


def axpy(transform="%r = fadd double %ax, %yi", extra_declarations=""):
    return AXPY.format(transform=transform, extra_declarations=extra_declarations)


@pytest.mark.parametrize("arch", ARCHS)
def test_a_grid_stride_kernel_assembles_without_spills(arch):
    text = ptx.emit(axpy(), cuda(arch))
    assert f".target {arch}" in text and ".visible .entry axpy(" in text
    # no `contract` flag: a multiply and an add, each rounded (the CPU's bits)
    assert "mul.rn.f64" in text and "add.rn.f64" in text and "fma" not in text
    (report,) = ptx.check(text, arch)
    assert report.name == "axpy"
    assert (report.spill_stores, report.spill_loads, report.stack_bytes) == (0, 0, 0)
    assert 0 < report.registers <= 32


def test_contracted_operations_fuse():
    text = ptx.emit(
        axpy("%r = fadd contract double %ax, %yi").replace(
            "fmul double", "fmul contract double"
        ),
        cuda(),
    )
    assert "fma.rn.f64" in text


@pytest.mark.skipif(ptx.libdevice_path() is None, reason="libdevice is not installed")
@pytest.mark.parametrize("arch", ARCHS)
def test_libdevice_functions_are_linked_and_inlined(arch):
    text = ptx.emit(
        axpy(
            "%t = call double @__nv_tanh(double %ax)\n  %r = fadd double %t, %yi",
            "declare double @__nv_tanh(double)",
        ),
        cuda(arch),
        libdevice=True,
    )
    assert "__nv_tanh" not in text and "__nvvm_reflect" not in text
    assert len(ptx.check(text, arch)) == 1


STEP_COUNTER = """
define ptx_kernel void @arrive(ptr addrspace(1) %counter) {
  fence syncscope("device") release
  %old = atomicrmw add ptr addrspace(1) %counter, i32 1 monotonic
  ret void
}
"""


def test_the_fence_before_a_cross_block_arrival_is_kept():
    # LLVM 22 drops the ordering of `atomicrmw` on NVPTX: the release comes
    # from the fence before it
    text = ptx.emit(STEP_COUNTER, cuda("sm_90"))
    fence, atom = text.index("fence.acq_rel.gpu"), text.index("atom.global.add")
    assert fence < atom
    ptx.check(text, "sm_90")


def test_ptxas_refusals_raise_with_its_message():
    with pytest.raises(ptx.PtxasError, match="ptxas -arch=sm_80"):
        ptx.check(".version 7.0\n.target sm_80\n.address_size 64\nnonsense\n", "sm_80")
    text = ptx.emit(axpy(), cuda("sm_90"))
    with pytest.raises(ptx.PtxasError):
        ptx.check(text, "sm_80")  # PTX for sm_90 does not assemble for sm_80


def test_the_cuda_target():
    target = cuda("sm_90")
    assert target.is_gpu and not target.blas
    assert target.triple == "nvptx64-nvidia-cuda" and target.cpu == "sm_90"
    assert target.data_layout.startswith("e-")
