// RUN: scanc %s --split-input-file -p trim-memory | filecheck %s
// trim-memory keeps only the trace rows that constant negative indices read.

// CHECK-LABEL: func.func @last_row
// CHECK: scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1x?xf64> keep 1)
func.func @last_row(%a0: tensor<1x?xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%p: tensor<?xf64>):
    scan.yield %p : tensor<?xf64>
  }
  %m1 = arith.constant dense<-1> : tensor<i64>
  %last = st.subtensor %r ["i"](%m1) : (tensor<?x?xf64>, tensor<i64>) -> tensor<?xf64>
  func.return %last : tensor<?xf64>
}

// -----

// Two readers: the deeper one decides.
// CHECK-LABEL: func.func @two_readers
// CHECK: outs(%a0 taps [-1] : tensor<1xf64> keep 3)
func.func @two_readers(%a0: tensor<1xf64>, %k: tensor<i64>) -> (tensor<f64>, tensor<f64>) {
  %r = scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%p: tensor<f64>):
    scan.yield %p : tensor<f64>
  }
  %m1 = arith.constant dense<-1> : tensor<i64>
  %m3 = arith.constant dense<-3> : tensor<i64>
  %a = st.subtensor %r ["i"](%m1) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  %b = st.subtensor %r ["i"](%m3) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  func.return %a, %b : tensor<f64>, tensor<f64>
}

// -----

// Negative case: the whole trace is returned, nothing may be trimmed.
// CHECK-LABEL: func.func @whole_trace
// CHECK: outs(%a0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>)
// CHECK-NOT: keep
func.func @whole_trace(%a0: tensor<1xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%p: tensor<f64>):
    scan.yield %p : tensor<f64>
  }
  func.return %r : tensor<?xf64>
}

// -----

// Negative case: a symbolic or non-negative index can read any row.
// CHECK-LABEL: func.func @unknown_row
// CHECK-NOT: keep
func.func @unknown_row(%a0: tensor<1xf64>, %k: tensor<i64>, %i: tensor<i64>) -> (tensor<f64>, tensor<f64>) {
  %r = scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
  ^bb0(%p: tensor<f64>):
    scan.yield %p : tensor<f64>
  }
  %c0 = arith.constant dense<0> : tensor<i64>
  %a = st.subtensor %r ["i"](%i) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  %b = st.subtensor %r ["i"](%c0) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  func.return %a, %b : tensor<f64>, tensor<f64>
}

// -----

// A loop nested in a loop body is trimmed too.
// CHECK-LABEL: func.func @nested
// CHECK: outs(%x0 taps [-1] : tensor<1xf64>) invariants(%k : tensor<i64>) -> (tensor<?xf64>)
// CHECK: outs(%q0 taps [-1] : tensor<1xf64> keep 1)
func.func @nested(%x0: tensor<1xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop steps(%k : tensor<i64>) outs(%x0 taps [-1] : tensor<1xf64>) invariants(%k : tensor<i64>) -> (tensor<?xf64>) {
  ^bb0(%p: tensor<f64>, %n: tensor<i64>):
    %q0 = st.expand_dims %p {axes = array<i64: 0>} : tensor<f64> to tensor<1xf64>
    %inner = scan.loop steps(%n : tensor<i64>) outs(%q0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>) {
    ^bb1(%q: tensor<f64>):
      %d = st.elementwise "add"(%q, %q) : (tensor<f64>, tensor<f64>) -> tensor<f64>
      scan.yield %d : tensor<f64>
    }
    %m1 = arith.constant dense<-1> : tensor<i64>
    %last = st.subtensor %inner ["i"](%m1) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
    scan.yield %last : tensor<f64>
  }
  func.return %r : tensor<?xf64>
}

// -----

// scan.final (a shared variable's new value) reads one row.
// CHECK-LABEL: func.func @final_state
// CHECK: outs(%k0 taps [-1] : tensor<1xi64> keep 1)
func.func @final_state(%k0: tensor<1xi64>, %n: tensor<i64>) -> tensor<i64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%k0 taps [-1] : tensor<1xi64>) -> (tensor<?xi64>) {
  ^bb0(%k: tensor<i64>):
    %one = arith.constant dense<1> : tensor<i64>
    %next = st.elementwise "add"(%k, %one) : (tensor<i64>, tensor<i64>) -> tensor<i64>
    scan.yield %next : tensor<i64>
  }
  %final = scan.final %r, %k0 : (tensor<?xi64>, tensor<1xi64>) -> tensor<i64>
  func.return %final : tensor<i64>
}

// -----

// A trace nobody reads keeps one row.
// CHECK-LABEL: func.func @unread
// CHECK: outs(%a0 taps [-1] : tensor<1xf64>, %b0 taps [-1] : tensor<1xf64> keep 1)
func.func @unread(%a0: tensor<1xf64>, %b0: tensor<1xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %a, %b = scan.loop steps(%k : tensor<i64>) outs(%a0 taps [-1] : tensor<1xf64>, %b0 taps [-1] : tensor<1xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%x: tensor<f64>, %y: tensor<f64>):
    %s = st.elementwise "add"(%x, %y) : (tensor<f64>, tensor<f64>) -> tensor<f64>
    scan.yield %s, %y : tensor<f64>, tensor<f64>
  }
  func.return %a : tensor<?xf64>
}
