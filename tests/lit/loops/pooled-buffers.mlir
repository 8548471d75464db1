// RUN: scanc %s -p lower-to-loops,cse | filecheck %s
// RUN: scanc %s -p lower-to-loops,cse | scanc | filecheck %s
// A function with a {keep_buffers} loop (scan's allow_gc=False) keeps its
// scratch buffers from one call to the next: each buffer it frees itself
// becomes a buffer.pooled_alloc of its allocation site, its frees go, and so
// do the frees of pooled buffers on the error paths; the output is still a
// fresh memref.alloc the caller owns. (The scratch buffer of the step's tanh
// is allocated before the loop, once.)

// CHECK-LABEL: func.func @kept
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK-NEXT: %[[SCRATCH:.*]] = buffer.pooled_alloc(%{{.*}}) site 0 : i64 : memref<?xf64>
// CHECK-NEXT: scf.for
// CHECK-NOT:  memref.dealloc
// CHECK-NOT:  buffer.free_on_error {{.*}}%[[SCRATCH]]{{[,: ]}}
// CHECK:      func.return %[[OUT]]
func.func @kept(%x0: tensor<1x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%x: tensor<?xf64>):
    %t = st.elementwise "tanh"(%x) : (tensor<?xf64>) -> tensor<?xf64>
    %s = st.reduce "sum"(%t) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
    %e = st.expand_dims %s {axes = array<i64: 0>} : tensor<f64> to tensor<1xf64>
    %y = st.elementwise "mul"(%t, %e) : (tensor<?xf64>, tensor<1xf64>) -> tensor<?xf64>
    scan.yield %y : tensor<?xf64>
  } {keep_buffers}
  func.return %r : tensor<?x?xf64>
}
