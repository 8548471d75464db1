// RUN: scanc %s --split-input-file -p lower-to-loops | filecheck %s
// The plan stage's ops (scanc.dialects.st.kernels) lowered: st.pack_panels
// waits for the loop that takes it and packs before it when the sizes say so;
// st.panel_dot calls the panel kernel on packed panels (the plain kernel
// otherwise); st.input_products is one buffer before its loop, whose first
// rows the tiles kernel computes there and the rest its `tiles` product.

// CHECK-LABEL: func.func @kernel_choices
// CHECK:      "ValueError: dot: shapes are not aligned"
// CHECK:      %[[Y:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf64>
// CHECK:      %[[PACKED:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// CHECK:      %[[PANELS:.*]] = memref.alloc(%{{.*}}, %{{.*}}, %{{.*}}) : memref<?x?x?xf64>
// CHECK:      scf.if %[[TILED:[^ ]*]] {
// CHECK:        kernel.gemm_tiles
// CHECK:      } else {
// CHECK:        kernel.blas_gemm
// CHECK:      scf.for
// CHECK:        scf.if %[[TILED]] {
// CHECK:          kernel.vecmat_panels_tiles
// CHECK:        } else {
// CHECK:          scf.if %[[PACKED]] {
// CHECK:            kernel.vecmat_panels
// CHECK:          } else {
// CHECK:            kernel.vecmat
// CHECK:      memref.dealloc %[[PANELS]]
func.func @kernel_choices(%X: tensor<?x?xf64>, %W: tensor<?x?xf64>, %U: tensor<?x?xf64>, %h0: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %p = st.pack_panels %U {min_bytes = 1048576 : i64, min_steps = 16 : i64} : tensor<?x?xf64> -> tensor<?x?x64xf64>
  %y = st.input_products %X, %W {min_steps = 16 : i64} : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%y taps [0] : tensor<?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%p : tensor<?x?x64xf64>, %U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %h: tensor<?xf64>, %q: tensor<?x?x64xf64>, %u: tensor<?x?xf64>):
    %s = st.panel_dot %h, %q, %u {tiles} : (tensor<?xf64>, tensor<?x?x64xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %t = st.elementwise "add"(%s, %a) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %t : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
