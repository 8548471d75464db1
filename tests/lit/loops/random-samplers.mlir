// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s
// lower-to-loops on the draws whose samplers reject candidates (gamma, poisson)
// or invert (exponential): each element's parameter is checked, then sampled
// in its own do-while loop whose Philox blocks differ in the counter's third
// word (the attempt), and the state advances by one block per element.

// gamma: Marsaglia-Tsang; the loop carries the attempt number and the candidate
// and stops once a candidate is accepted; shape < 1 is boosted by u^(1/shape)
// from the block of stream -1.
// CHECK-LABEL: func.func @gamma
// CHECK:      cf.assert %{{.*}}, "ValueError: gamma: shape must be positive and finite"
// CHECK:      %{{.*}}, %[[VALUE:.*]] = scf.while (%[[J:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) : (i64, f64) -> (i64, f64) {
// CHECK:        %[[TWICE:.*]] = arith.muli %[[J]], %{{.*}} : i64
// CHECK-NEXT:   %[[STREAM:.*]] = arith.trunci %[[TWICE]] : i64 to i32
// CHECK:        scf.condition(%{{.*}}) %{{.*}}, %{{.*}} : i64, f64
// CHECK-NEXT: } do {
// CHECK:      %[[LAST:.*]] = arith.constant -1 : i32
// CHECK:      math.exp
// CHECK:      memref.store
func.func @gamma(%state: tensor<2xi64>, %n: tensor<i64>, %shape: tensor<f64>) -> (tensor<?xf64>, tensor<2xi64>) {
  %g, %next = st.random "gamma" %state [%n] (%shape) trials 1 : i64 : tensor<2xi64>, [tensor<i64>], (tensor<f64>) -> tensor<?xf64>, tensor<2xi64>
  func.return %g, %next : tensor<?xf64>, tensor<2xi64>
}

// -----

// poisson: the product of uniforms below 10, PTRS (with lgamma) from 10 on.
// CHECK-LABEL: func.func @poisson
// CHECK:      cf.assert %{{.*}}, "ValueError: poisson: lam must be in [0, 1e10)"
// CHECK:      scf.if %{{.*}} -> (f64) {
// CHECK:        scf.while
// CHECK:      } else {
// CHECK:        scf.while
// CHECK:          libm.lgamma
// CHECK:      arith.fptosi %{{.*}} : f64 to i64
func.func @poisson(%state: tensor<2xi64>, %lam: tensor<f64>) -> (tensor<i64>, tensor<2xi64>) {
  %k, %next = st.random "poisson" %state [] (%lam) trials 1 : i64 : tensor<2xi64>, [], (tensor<f64>) -> tensor<i64>, tensor<2xi64>
  func.return %k, %next : tensor<i64>, tensor<2xi64>
}

// -----

// exponential: -log(1 - u) * scale, no loop.
// CHECK-LABEL: func.func @exponential
// CHECK:      cf.assert %{{.*}}, "ValueError: exponential: scale must be >= 0"
// CHECK-NOT:  scf.while
// CHECK:      math.log
// CHECK:      func.return
func.func @exponential(%state: tensor<2xi64>, %scale: tensor<f64>) -> (tensor<f64>, tensor<2xi64>) {
  %x, %next = st.random "exponential" %state [] (%scale) trials 1 : i64 : tensor<2xi64>, [], (tensor<f64>) -> tensor<f64>, tensor<2xi64>
  func.return %x, %next : tensor<f64>, tensor<2xi64>
}
