// RUN: scanc %s --split-input-file -p one-hot-products | filecheck %s
// one-hot-products: a product with a vector of zeros but one (scaled) entry
// reads one column or row of the matrix.

// A . (e_i * s): column i of A times s[i] (what grad(y[i], v) multiplies).
// CHECK-LABEL: func.func @column
// CHECK-NOT:  st.dot
// CHECK:      %[[SI:.*]] = st.subtensor %s ["i"](%i)
// CHECK-NEXT: %[[W:.*]] = st.elementwise "mul"(%one, %[[SI]])
// CHECK-NEXT: %[[COL:.*]] = st.subtensor %A ["s___", "i"](%i)
// CHECK-NEXT: %[[WV:.*]] = st.expand_dims %[[W]] {axes = array<i64: 0>}
// CHECK-NEXT: %[[R:.*]] = st.elementwise "mul"(%[[COL]], %[[WV]])
// CHECK-NEXT: func.return %[[R]]
func.func @column(%A: tensor<?x?xf64>, %s: tensor<?xf64>, %i: tensor<i64>, %n: tensor<i64>) -> tensor<?xf64> {
  %zero = arith.constant dense<0.0> : tensor<f64>
  %one = arith.constant dense<1.0> : tensor<f64>
  %z = st.alloc %zero [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %e = st.set_subtensor "inc" %z, %one ["i"](%i) : (tensor<?xf64>, tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %d = st.elementwise "mul"(%e, %s) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %r = st.dot %A, %d : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// -----

// e_i . A: row i of A. Inside a loop the zeros are an invariant argument.
// CHECK-LABEL: func.func @row_in_a_loop
// CHECK:      ^bb0(%i: tensor<i64>, %zi: tensor<?xf64>, %Ai: tensor<?x?xf64>):
// CHECK-NOT:  st.dot
// CHECK:      st.subtensor %Ai ["i"](%i)
// CHECK:      scan.yield
func.func @row_in_a_loop(%A: tensor<?x?xf64>, %I: tensor<?xi64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %zero = arith.constant dense<0.0> : tensor<f64>
  %z = st.alloc %zero [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %rows = scan.loop seqs(%I taps [0] : tensor<?xi64>) outs(map) invariants(%z : tensor<?xf64>, %A : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%i: tensor<i64>, %zi: tensor<?xf64>, %Ai: tensor<?x?xf64>):
    %two = arith.constant dense<2.0> : tensor<f64>
    %e = st.set_subtensor "set" %zi, %two ["i"](%i) : (tensor<?xf64>, tensor<f64>, tensor<i64>) -> tensor<?xf64>
    %r = st.dot %e, %Ai : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %r : tensor<?xf64>
  }
  func.return %rows : tensor<?x?xf64>
}

// -----

// Untouched: the vector is not zeros elsewhere (%x is any vector).
// CHECK-LABEL: func.func @not_one_hot
// CHECK: st.dot %A, %e
func.func @not_one_hot(%A: tensor<?x?xf64>, %x: tensor<?xf64>, %i: tensor<i64>) -> tensor<?xf64> {
  %one = arith.constant dense<1.0> : tensor<f64>
  %e = st.set_subtensor "inc" %x, %one ["i"](%i) : (tensor<?xf64>, tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %r = st.dot %A, %e : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// -----

// A scale that broadcasts (static size 1) gives its only entry, not entry i.
// CHECK-LABEL: func.func @broadcast_scale
// CHECK:      %[[ZERO:.*]] = arith.constant dense<0> : tensor<i64>
// CHECK-NEXT: %{{.*}} = st.subtensor %c ["i"](%[[ZERO]])
// CHECK-NOT:  st.dot
func.func @broadcast_scale(%A: tensor<?x?xf64>, %c: tensor<1xf64>, %i: tensor<i64>, %n: tensor<i64>) -> tensor<?xf64> {
  %zero = arith.constant dense<0.0> : tensor<f64>
  %one = arith.constant dense<1.0> : tensor<f64>
  %z = st.alloc %zero [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %e = st.set_subtensor "inc" %z, %one ["i"](%i) : (tensor<?xf64>, tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %d = st.elementwise "mul"(%e, %c) : (tensor<?xf64>, tensor<1xf64>) -> tensor<?xf64>
  %r = st.dot %A, %d : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}
