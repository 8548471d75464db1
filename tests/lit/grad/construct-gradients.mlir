// RUN: scanc %s --split-input-file -p construct-gradients | filecheck %s
// construct-gradients expands ad.grad into reverse mode, one rule per op.

// The gradient of sum(tanh(x . W)) with respect to W: the adjoint of the sum is
// spread over the vector, goes through tanh (1 - y*y) and becomes outer(x, g).
// Nothing differentiates with respect to x (not asked for): no x . W^T product.
// CHECK-LABEL: func.func @through_tanh
// CHECK-NOT:  ad.grad
// CHECK:      %[[Y:.*]] = st.elementwise "tanh"
// CHECK:      %[[YY:.*]] = st.elementwise "mul"(%[[Y]], %[[Y]])
// CHECK:      %[[D:.*]] = st.elementwise "sub"(%{{.*}}, %[[YY]])
// CHECK:      %[[G:.*]] = st.elementwise "mul"(%{{.*}}, %[[D]])
// CHECK-NOT:  st.dot %W
// CHECK:      %[[XC:.*]] = st.expand_dims %x {axes = array<i64: 1>}
// CHECK:      %[[GR:.*]] = st.expand_dims %[[G]] {axes = array<i64: 0>}
// CHECK:      %[[OUTER:.*]] = st.elementwise "mul"(%[[XC]], %[[GR]])
// CHECK:      func.return %[[OUTER]]
func.func @through_tanh(%x: tensor<?xf64>, %W: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %0 = st.dot %x, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  %1 = st.elementwise "tanh"(%0) : (tensor<?xf64>) -> tensor<?xf64>
  %2 = st.reduce "sum"(%1) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %3 = ad.grad %2 wrt(%W) : tensor<f64>, (tensor<?x?xf64>) -> (tensor<?x?xf64>)
  func.return %3 : tensor<?x?xf64>
}

// -----

// A product that only depends on b gets no adjoint work: the gradient of
// sum(a * a + b * b) with respect to a is 2a, and b * b is never differentiated.
// CHECK-LABEL: func.func @only_the_dependencies
// CHECK: %c = st.reduce "sum"(%s)
// CHECK-NOT: %b
// CHECK-NOT: ad.grad
// CHECK: func.return
func.func @only_the_dependencies(%a: tensor<?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %aa = st.elementwise "mul"(%a, %a) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %bb = st.elementwise "mul"(%b, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %s = st.elementwise "add"(%aa, %bb) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %c = st.reduce "sum"(%s) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %g = ad.grad %c wrt(%a) : tensor<f64>, (tensor<?xf64>) -> (tensor<?xf64>)
  func.return %g : tensor<?xf64>
}

// -----

// consider_constant: the gradient does not flow through %e.
// The gradient is e itself (d(x*e)/dx with e constant): returned directly.
// CHECK-LABEL: func.func @constant_stops_the_flow
// CHECK: %e = st.elementwise "exp"(%x)
// CHECK-NOT: ad.grad
// CHECK-NOT: st.elementwise "exp"
// CHECK: func.return
func.func @constant_stops_the_flow(%x: tensor<f64>) -> tensor<f64> {
  %e = st.elementwise "exp"(%x) : (tensor<f64>) -> tensor<f64>
  %p = st.elementwise "mul"(%x, %e) : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %g = ad.grad %p wrt(%x) constants(%e) : tensor<f64>, (tensor<f64>), (tensor<f64>) -> (tensor<f64>)
  func.return %g : tensor<f64>
}

// -----

// known_grads: the adjoint of %y is given (%gy); the cost adds nothing here.
// d/dx of sum(exp(x) * gy) is gy * exp(x).
// CHECK-LABEL: func.func @known_gradient
// CHECK:      %y = st.elementwise "exp"(%x)
// CHECK-NOT:  ad.grad
// CHECK:      %[[G:.*]] = st.elementwise "mul"(%gy, %y)
// CHECK:      func.return %[[G]]
func.func @known_gradient(%x: tensor<?xf64>, %gy: tensor<?xf64>, %c: tensor<f64>) -> tensor<?xf64> {
  %y = st.elementwise "exp"(%x) : (tensor<?xf64>) -> tensor<?xf64>
  %g = ad.grad %c wrt(%x) known(%y) grads(%gy) : tensor<f64>, (tensor<?xf64>) known(tensor<?xf64>) (tensor<?xf64>) -> (tensor<?xf64>)
  func.return %g : tensor<?xf64>
}

// -----

// grad_clip: the value is x's; the adjoint reaching x is clipped to the bounds
// (maximum then minimum), and the bounds get no adjoint.
// CHECK-LABEL: func.func @clipped
// CHECK-NOT:  ad.grad
// CHECK:      %[[UP:.*]] = st.elementwise "maximum"(%{{.*}}, %lo)
// CHECK:      %[[CLIPPED:.*]] = st.elementwise "minimum"(%[[UP]], %hi)
// CHECK:      func.return %[[CLIPPED]]
func.func @clipped(%x: tensor<?xf64>, %lo: tensor<1xf64>, %hi: tensor<1xf64>) -> tensor<?xf64> {
  %y = st.elementwise "grad_clip"(%x, %lo, %hi) : (tensor<?xf64>, tensor<1xf64>, tensor<1xf64>) -> tensor<?xf64>
  %c = st.reduce "sum"(%y) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %g = ad.grad %c wrt(%x) : tensor<f64>, (tensor<?xf64>) -> (tensor<?xf64>)
  func.return %g : tensor<?xf64>
}
