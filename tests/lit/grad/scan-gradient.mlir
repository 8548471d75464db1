// RUN: scanc %s -p construct-gradients | filecheck %s
// The gradient of a scan is a reverse scan: it reads the forward trace and the
// cost's adjoint backwards, and carries the adjoint of the state and the running
// sum of the invariant's adjoint.

// sum(h) for h[t] = tanh(h[t-1] . W), with respect to W.
// CHECK-LABEL: func.func @recurrence_wrt_weights
// Read backwards: the cost's adjoint of each trace row, the trace itself (the
// step's stored outputs) and the previous states (the initial row, then the trace).
// CHECK:      %[[PREV:.*]] = st.concatenate(%{{.*}}, %h) {axis = 0 : i64}
// CHECK:      %[[PREV_REV:.*]] = st.subtensor %{{.*}} ["s__x"]
// CHECK:      %[[G_REV:.*]] = st.subtensor %{{.*}} ["s__x"]
// CHECK:      %[[H_REV:.*]] = st.subtensor %{{.*}} ["s__x"]
// CHECK:      %{{.*}}, %[[DW:.*]] = scan.loop steps(%{{.*}} : tensor<i64>) seqs(%[[G_REV]] taps [0] : tensor<?x?xf64>, %[[H_REV]] taps [0] : tensor<?x?xf64>, %[[PREV_REV]] taps [0] : tensor<?x?xf64>)
// CHECK-SAME:   outs(%{{.*}} taps [-1] : tensor<1x?xf64>, %[[DW0:.*]] taps [-1] : tensor<1x?x?xf64>) invariants(%W : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%[[G:.*]]: tensor<?xf64>, %[[T:.*]]: tensor<?xf64>, %[[PREV_ROW:.*]]: tensor<?xf64>, %[[A:.*]]: tensor<?xf64>, %[[SUM:.*]]: tensor<?x?xf64>, %[[Wi:.*]]: tensor<?x?xf64>):
// The step is not recomputed: tanh's derivative reads the stored output.
// CHECK-NOT:    st.dot %[[PREV_ROW]]
// CHECK-NOT:    "tanh"
// CHECK:        %[[TOTAL:.*]] = st.elementwise "add"(%[[G]], %[[A]])
// CHECK:        %[[TT:.*]] = st.elementwise "mul"(%[[T]], %[[T]])
// Back through the product: the state's adjoint is W . d, and the weights'
// adjoint outer(h[t-1], d) joins the running sum.
// CHECK:        %[[D:.*]] = st.elementwise "mul"(%{{.*}}, %{{.*}})
// CHECK-NEXT:   %[[DH:.*]] = st.dot %[[Wi]], %[[D]]
// CHECK-NEXT:   %[[COL:.*]] = st.expand_dims %[[PREV_ROW]] {axes = array<i64: 1>}
// CHECK-NEXT:   %[[ROW:.*]] = st.expand_dims %[[D]] {axes = array<i64: 0>}
// CHECK-NEXT:   %[[OUTER:.*]] = st.elementwise "mul"(%[[COL]], %[[ROW]])
// CHECK-NEXT:   %[[NEWSUM:.*]] = st.elementwise "add"(%[[SUM]], %[[OUTER]])
// CHECK-NEXT:   scan.yield %[[DH]], %[[NEWSUM]]
// The gradient is the sum after the last reverse step.
// CHECK:      %g = scan.final %[[DW]], %[[DW0]]
// CHECK-NEXT: func.return %g
func.func @recurrence_wrt_weights(%x0: tensor<?x?xf64>, %W: tensor<?x?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %h = scan.loop steps(%k : tensor<i64>) outs(%x0 taps [-1] : tensor<?x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%prev : tensor<?xf64>, %w : tensor<?x?xf64>):
    %p = st.dot %prev, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %t = st.elementwise "tanh"(%p) : (tensor<?xf64>) -> tensor<?xf64>
    scan.yield %t : tensor<?xf64>
  }
  %s = st.reduce "sum"(%h) {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
  %g = ad.grad %s wrt(%W) : tensor<f64>, (tensor<?x?xf64>) -> (tensor<?x?xf64>)
  func.return %g : tensor<?x?xf64>
}
