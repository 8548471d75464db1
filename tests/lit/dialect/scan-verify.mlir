// RUN: scanc %s --split-input-file --verify-diagnostics | filecheck %s
// The scan.loop verifier rejects malformed loops with a clear diagnostic.

func.func @no_steps_no_sequences(%x0: tensor<1xf64>) {
  %r = scan.loop outs(%x0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>):
    scan.yield %x : tensor<f64>
  }
  func.return
}
// CHECK: scan.loop needs `steps` or at least one sequence

// -----

func.func @positive_output_tap(%x0: tensor<1xf64>, %n: tensor<i64>) {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>):
    scan.yield %x : tensor<f64>
  }
  func.return
}
// CHECK: output 0 taps must be distinct and negative, got [1]

// -----

func.func @wrong_block_arity(%x0: tensor<1xf64>, %n: tensor<i64>) {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>, %extra: tensor<f64>):
    scan.yield %x : tensor<f64>
  }
  func.return
}
// CHECK: body takes 2 arguments, expected 1 (sequence taps, output taps, invariants)

// -----

func.func @yield_type_mismatch(%x0: tensor<1xf64>, %n: tensor<i64>) {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>):
    %i = arith.constant dense<1> : tensor<i64>
    scan.yield %i : tensor<i64>
  }
  func.return
}
// CHECK: output 0: body yields tensor<i64> but the trace holds rows of tensor<f64>

// -----

func.func @initial_dtype_mismatch(%x0: tensor<1xi8>, %n: tensor<i64>) {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1xi8>) -> (tensor<?xi64>) {
  ^bb0(%x: tensor<i64>):
    scan.yield %x : tensor<i64>
  }
  func.return
}
// CHECK: initial value of output 0 must be rows of tensor<i64>, got tensor<1xi8>

// -----

func.func @missing_initial(%n: tensor<i64>) {
  %r = "scan.loop"(%n) <{seq_taps = [], out_taps = [array<i64: -1>], keep = array<i64: 0>, operandSegmentSizes = array<i32: 1, 0, 0, 0>}> ({
  ^bb0(%x: tensor<f64>):
    scan.yield %x : tensor<f64>
  }) : (tensor<i64>) -> tensor<?xf64>
  func.return
}
// CHECK: 1 outputs have taps but 0 initial values were given
