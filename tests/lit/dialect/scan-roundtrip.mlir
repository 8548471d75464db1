// RUN: scanc %s --split-input-file | filecheck %s
// RUN: scanc %s --split-input-file | scanc --split-input-file | filecheck %s
// The custom assembly of scan.loop round-trips: sequences with several taps,
// outputs with several taps, a map-like output, invariants, keep and until.

// CHECK-LABEL: func.func @rnn
func.func @rnn(%u: tensor<?x2xf64>, %x0: tensor<?x2xf64>, %y0: tensor<1x2xf64>, %W: tensor<2x2xf64>, %n: tensor<i64>) -> tensor<?x2xf64> {
  // CHECK: %r, %r_1, %r_2 = scan.loop steps(%n : tensor<i64>) seqs(%u taps [-4, 0] : tensor<?x2xf64>) outs(%x0 taps [-3, -1] : tensor<?x2xf64>, %y0 taps [-1] : tensor<1x2xf64> keep 1, map) invariants(%W : tensor<2x2xf64>) -> (tensor<?x2xf64>, tensor<?x2xf64>, tensor<?xf64>) {
  // CHECK-NEXT: ^bb0(%u_tm4: tensor<2xf64>, %u_t: tensor<2xf64>, %x_tm3: tensor<2xf64>, %x_tm1: tensor<2xf64>, %y_tm1: tensor<2xf64>, %w: tensor<2x2xf64>):
  // CHECK: scan.yield %{{.*}}, %{{.*}}, %{{.*}} until %{{.*}} : tensor<i1> : tensor<2xf64>, tensor<2xf64>, tensor<f64>
  %r:3 = scan.loop steps(%n : tensor<i64>) seqs(%u taps [-4, 0] : tensor<?x2xf64>) outs(%x0 taps [-3, -1] : tensor<?x2xf64>, %y0 taps [-1] : tensor<1x2xf64> keep 1, map) invariants(%W : tensor<2x2xf64>) -> (tensor<?x2xf64>, tensor<?x2xf64>, tensor<?xf64>) {
  ^bb0(%u_tm4: tensor<2xf64>, %u_t: tensor<2xf64>, %x_tm3: tensor<2xf64>, %x_tm1: tensor<2xf64>, %y_tm1: tensor<2xf64>, %w: tensor<2x2xf64>):
    %a = st.elementwise "add"(%u_tm4, %x_tm1) : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
    %s = st.reduce "sum"(%x_tm3) {axes = array<i64: 0>} : tensor<2xf64> -> tensor<f64>
    %zero = arith.constant dense<0.0> : tensor<f64>
    %stop = st.elementwise "gt"(%s, %zero) : (tensor<f64>, tensor<f64>) -> tensor<i1>
    scan.yield %a, %u_t, %s until %stop : tensor<i1> : tensor<2xf64>, tensor<2xf64>, tensor<f64>
  }
  func.return %r#0 : tensor<?x2xf64>
}

// -----

// CHECK-LABEL: func.func @keep_buffers
// CHECK: } {keep_buffers}
func.func @keep_buffers(%x0: tensor<1xf64>, %n: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>):
    scan.yield %x : tensor<f64>
  } {keep_buffers}
  func.return %r : tensor<?xf64>
}
