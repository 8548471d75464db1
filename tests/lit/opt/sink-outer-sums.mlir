// RUN: scanc %s --split-input-file -p sink-outer-sums | filecheck %s
// sink-outer-sums: a running sum of outer products (what the gradient of a
// vector-matrix product accumulates) becomes one matrix product after the loop.

// The weights' adjoint of a recurrence: dW += outer(h, d) at every step.
// CHECK-LABEL: func.func @sum_of_outer_products
// The loop yields d as a map output instead of the matrix; h is a sequence's
// row, so its rows are read from the sequence itself.
// CHECK:      %[[DH:.*]], %[[B:.*]] = scan.loop seqs(%H taps [0] : tensor<?x?xf64>, %D taps [0] : tensor<?x?xf64>) outs(%a0 taps [-1] : tensor<1x?xf64>, map) invariants(%W : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%h: tensor<?xf64>, %d: tensor<?xf64>, %a: tensor<?xf64>, %w: tensor<?x?xf64>):
// CHECK-NEXT:   %wd = st.dot %w, %d
// CHECK-NEXT:   scan.yield %wd, %d
// CHECK-NEXT: }
// After the loop: the initial row plus H[:steps]^T . D.
// CHECK:      %[[INIT:.*]] = st.subtensor %s0 ["i"]
// CHECK-NEXT: %[[STEPS:.*]] = st.dim %[[B]] {axis = 0 : i64}
// CHECK-NEXT: %[[A:.*]] = st.subtensor %H ["s_x_"](%[[STEPS]])
// CHECK-NEXT: %[[AT:.*]] = st.transpose %[[A]] {perm = array<i64: 1, 0>}
// CHECK-NEXT: %[[PROD:.*]] = st.dot %[[AT]], %[[B]]
// CHECK-NEXT: %[[SUM:.*]] = st.elementwise "add"(%[[INIT]], %[[PROD]])
// CHECK-NEXT: func.return %[[DH]], %[[SUM]]
func.func @sum_of_outer_products(%H: tensor<?x?xf64>, %D: tensor<?x?xf64>, %a0: tensor<1x?xf64>, %s0: tensor<1x?x?xf64>, %W: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %dh, %dw = scan.loop seqs(%H taps [0] : tensor<?x?xf64>, %D taps [0] : tensor<?x?xf64>) outs(%a0 taps [-1] : tensor<1x?xf64>, %s0 taps [-1] : tensor<1x?x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %d: tensor<?xf64>, %a: tensor<?xf64>, %s: tensor<?x?xf64>, %w: tensor<?x?xf64>):
    %wd = st.dot %w, %d : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %col = st.expand_dims %h {axes = array<i64: 1>} : tensor<?xf64> to tensor<?x1xf64>
    %row = st.expand_dims %d {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
    %outer = st.elementwise "mul"(%col, %row) : (tensor<?x1xf64>, tensor<1x?xf64>) -> tensor<?x?xf64>
    %next = st.elementwise "add"(%s, %outer) : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
    scan.yield %wd, %next : tensor<?xf64>, tensor<?x?xf64>
  }
  %g = scan.final %dw, %s0 : (tensor<?x?x?xf64>, tensor<1x?x?xf64>) -> tensor<?x?xf64>
  func.return %dh, %g : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// Untouched: the whole trace of the sum is returned (every step's partial sum
// is needed), and a sum that also reads itself otherwise (s * 0.5 + outer).
// CHECK-LABEL: func.func @partial_sums_returned
// CHECK:        scan.yield %next
// CHECK-LABEL: func.func @sum_read_otherwise
// CHECK:        %half = st.elementwise "mul"(%s, %k)
// CHECK:        scan.yield %next
func.func @partial_sums_returned(%H: tensor<?x?xf64>, %s0: tensor<1x?x?xf64>) -> tensor<?x?x?xf64> {
  %dw = scan.loop seqs(%H taps [0] : tensor<?x?xf64>) outs(%s0 taps [-1] : tensor<1x?x?xf64>) -> (tensor<?x?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %s: tensor<?x?xf64>):
    %col = st.expand_dims %h {axes = array<i64: 1>} : tensor<?xf64> to tensor<?x1xf64>
    %row = st.expand_dims %h {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
    %outer = st.elementwise "mul"(%col, %row) : (tensor<?x1xf64>, tensor<1x?xf64>) -> tensor<?x?xf64>
    %next = st.elementwise "add"(%s, %outer) : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
    scan.yield %next : tensor<?x?xf64>
  }
  func.return %dw : tensor<?x?x?xf64>
}
func.func @sum_read_otherwise(%H: tensor<?x?xf64>, %s0: tensor<1x?x?xf64>, %c: tensor<1x1xf64>) -> tensor<?x?xf64> {
  %dw = scan.loop seqs(%H taps [0] : tensor<?x?xf64>) outs(%s0 taps [-1] : tensor<1x?x?xf64>) invariants(%c : tensor<1x1xf64>) -> (tensor<?x?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %s: tensor<?x?xf64>, %k: tensor<1x1xf64>):
    %col = st.expand_dims %h {axes = array<i64: 1>} : tensor<?xf64> to tensor<?x1xf64>
    %row = st.expand_dims %h {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
    %outer = st.elementwise "mul"(%col, %row) : (tensor<?x1xf64>, tensor<1x?xf64>) -> tensor<?x?xf64>
    %half = st.elementwise "mul"(%s, %k) : (tensor<?x?xf64>, tensor<1x1xf64>) -> tensor<?x?xf64>
    %next = st.elementwise "add"(%half, %outer) : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
    scan.yield %next : tensor<?x?xf64>
  }
  %g = scan.final %dw, %s0 : (tensor<?x?x?xf64>, tensor<1x?x?xf64>) -> tensor<?x?xf64>
  func.return %g : tensor<?x?xf64>
}
