// RUN: scanc %s --split-input-file -p merge-matmuls | filecheck %s
// merge-matmuls: products of one vector with several loop-invariant matrices
// become one product with the matrices concatenated before the loop, and slices.

// CHECK-LABEL: func.func @two_gates
// CHECK:      %[[W:.*]] = st.concatenate(%Wi, %Wf) {axis = 1 : i64}
// CHECK-NEXT: scan.loop steps(%n : tensor<i64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%Wi : tensor<?x?xf64>, %Wf : tensor<?x?xf64>, %[[W]] : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%h: tensor<?xf64>, %wi: tensor<?x?xf64>, %wf: tensor<?x?xf64>, %[[WARG:.*]]: tensor<?x?xf64>):
// CHECK:        %[[BOTH:.*]] = st.dot %h, %[[WARG]]
// CHECK:        %[[I:.*]] = st.subtensor %[[BOTH]] ["sxx_"]
// CHECK:        %[[F:.*]] = st.subtensor %[[BOTH]] ["sxx_"]
// CHECK-NOT:    st.dot
// CHECK:        st.elementwise "mul"(%[[I]], %[[F]])
func.func @two_gates(%h0: tensor<1x?xf64>, %Wi: tensor<?x?xf64>, %Wf: tensor<?x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%Wi : tensor<?x?xf64>, %Wf : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %wi: tensor<?x?xf64>, %wf: tensor<?x?xf64>):
    %i = st.dot %h, %wi : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %f = st.dot %h, %wf : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %g = st.elementwise "mul"(%i, %f) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %g : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Negative case: one product per vector, nothing to merge.
// CHECK-LABEL: func.func @different_vectors
// CHECK-NOT: st.concatenate
// CHECK: st.dot %h, %wi
// CHECK: st.dot %g, %wf
func.func @different_vectors(%h0: tensor<1x?xf64>, %Wi: tensor<?x?xf64>, %Wf: tensor<?x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%Wi : tensor<?x?xf64>, %Wf : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %wi: tensor<?x?xf64>, %wf: tensor<?x?xf64>):
    %i = st.dot %h, %wi : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %g = st.elementwise "tanh"(%i) : (tensor<?xf64>) -> tensor<?xf64>
    %f = st.dot %g, %wf : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %f : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
