// RUN: scanc %s --split-input-file | filecheck %s
// RUN: scanc %s --split-input-file | scanc --split-input-file | filecheck %s
// The graph stage: st ops print and parse back unchanged.

// CHECK-LABEL: func.func @ops
// CHECK-NEXT: %n = st.dim %A {axis = 0 : i64} : tensor<?xf64> -> tensor<i64>
// CHECK-NEXT: %ones = st.alloc %one [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
// CHECK-NEXT: %p = st.elementwise "mul"(%ones, %A) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
// CHECK-NEXT: %c = st.cast %p : tensor<?xf64> to tensor<?xf32>
// CHECK-NEXT: %e = st.expand_dims %c {axes = array<i64: 0>} : tensor<?xf32> to tensor<1x?xf32>
// CHECK-NEXT: %s = st.reduce "sum"(%e) {axes = array<i64: 0, 1>} : tensor<1x?xf32> -> tensor<f32>
// CHECK-NEXT: %r = st.arange %i, %n, %i : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
// CHECK-NEXT: %l = st.subtensor %A ["s_xx"](%n, %i) : (tensor<?xf64>, tensor<i64>, tensor<i64>) -> tensor<?xf64>
func.func @ops(%A: tensor<?xf64>, %one: tensor<f64>, %i: tensor<i64>) -> tensor<f32> {
  %n = st.dim %A {axis = 0 : i64} : tensor<?xf64> -> tensor<i64>
  %ones = st.alloc %one [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %p = st.elementwise "mul"(%ones, %A) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %c = st.cast %p : tensor<?xf64> to tensor<?xf32>
  %e = st.expand_dims %c {axes = array<i64: 0>} : tensor<?xf32> to tensor<1x?xf32>
  %s = st.reduce "sum"(%e) {axes = array<i64: 0, 1>} : tensor<1x?xf32> -> tensor<f32>
  %r = st.arange %i, %n, %i : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %l = st.subtensor %A ["s_xx"](%n, %i) : (tensor<?xf64>, tensor<i64>, tensor<i64>) -> tensor<?xf64>
  func.return %s : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @linear_algebra_and_updates
// CHECK-NEXT: %d = st.dot %v, %W : (tensor<?xf64>, tensor<?x3xf64>) -> tensor<3xf64>
// CHECK-NEXT: %t = st.transpose %W {perm = array<i64: 1, 0>} : tensor<?x3xf64> to tensor<3x?xf64>
// CHECK-NEXT: %s = st.set_subtensor "inc" %W, %d ["i"](%i) : (tensor<?x3xf64>, tensor<3xf64>, tensor<i64>) -> tensor<?x3xf64>
func.func @linear_algebra_and_updates(%v: tensor<?xf64>, %W: tensor<?x3xf64>, %i: tensor<i64>) -> tensor<?x3xf64> {
  %d = st.dot %v, %W : (tensor<?xf64>, tensor<?x3xf64>) -> tensor<3xf64>
  %t = st.transpose %W {perm = array<i64: 1, 0>} : tensor<?x3xf64> to tensor<3x?xf64>
  %s = st.set_subtensor "inc" %W, %d ["i"](%i) : (tensor<?x3xf64>, tensor<3xf64>, tensor<i64>) -> tensor<?x3xf64>
  func.return %s : tensor<?x3xf64>
}

// -----

// CHECK-LABEL: func.func @random_draw
// CHECK-NEXT: %u, %next = st.random "binomial" %state [%n] (%trials, %p) trials 3 : i64 : tensor<2xi64>, [tensor<i64>], (tensor<1xf64>, tensor<?xf64>) -> tensor<?xi64>, tensor<2xi64>
func.func @random_draw(%state: tensor<2xi64>, %n: tensor<i64>, %trials: tensor<1xf64>, %p: tensor<?xf64>) -> tensor<?xi64> {
  %u, %next = st.random "binomial" %state [%n] (%trials, %p) trials 3 : i64 : tensor<2xi64>, [tensor<i64>], (tensor<1xf64>, tensor<?xf64>) -> tensor<?xi64>, tensor<2xi64>
  func.return %u : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @shapes_and_indices
// CHECK-NEXT: %a = st.arg_reduce "argmax"(%x) {axis = 1 : i64} : tensor<?x?xf64> -> tensor<?xi64>
// CHECK-NEXT: %r = st.reshape %x [%two, %n] : tensor<?x?xf64>, [tensor<i64>, tensor<i64>] -> tensor<2x?xf64>
// CHECK-NEXT: %c = st.concatenate(%x, %x) {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK-NEXT: %d = st.diagonal %x {offset = 1 : i64} : tensor<?x?xf64> -> tensor<?xf64>
func.func @shapes_and_indices(%x: tensor<?x?xf64>, %two: tensor<i64>, %n: tensor<i64>) -> tensor<?xi64> {
  %a = st.arg_reduce "argmax"(%x) {axis = 1 : i64} : tensor<?x?xf64> -> tensor<?xi64>
  %r = st.reshape %x [%two, %n] : tensor<?x?xf64>, [tensor<i64>, tensor<i64>] -> tensor<2x?xf64>
  %c = st.concatenate(%x, %x) {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %d = st.diagonal %x {offset = 1 : i64} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %a : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @advanced_indexing
// CHECK-NEXT: %t = st.take %x, %i {axis = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
// CHECK-NEXT: %p = st.put "inc" %x, %i, %one {axis = 0 : i64} : tensor<?x?xf64>, tensor<?xi64>, tensor<1x1xf64> -> tensor<?x?xf64>
// CHECK-NEXT: %c = st.compress %x, %m : tensor<?x?xf64>, tensor<?x?xi1> -> tensor<?xf64>
func.func @advanced_indexing(%x: tensor<?x?xf64>, %i: tensor<?xi64>, %one: tensor<1x1xf64>, %m: tensor<?x?xi1>) -> tensor<?xf64> {
  %t = st.take %x, %i {axis = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  %p = st.put "inc" %x, %i, %one {axis = 0 : i64} : tensor<?x?xf64>, tensor<?xi64>, tensor<1x1xf64> -> tensor<?x?xf64>
  %c = st.compress %x, %m : tensor<?x?xf64>, tensor<?x?xi1> -> tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @choices
// CHECK-NEXT: %r = st.ifelse %c, %a, %b : (tensor<i1>, tensor<?xf64>, tensor<3xf64>) -> tensor<?xf64>
// CHECK-NEXT: %s = st.if %c : tensor<i1> -> tensor<?xf64> {
// CHECK-NEXT:   %e = st.elementwise "exp"(%a) : (tensor<?xf64>) -> tensor<?xf64>
// CHECK-NEXT:   st.yield %e : tensor<?xf64>
// CHECK-NEXT: } else {
// CHECK-NEXT:   st.yield %b : tensor<3xf64>
// CHECK-NEXT: }
func.func @choices(%c: tensor<i1>, %a: tensor<?xf64>, %b: tensor<3xf64>) -> tensor<?xf64> {
  %r = st.ifelse %c, %a, %b : (tensor<i1>, tensor<?xf64>, tensor<3xf64>) -> tensor<?xf64>
  %s = st.if %c : tensor<i1> -> tensor<?xf64> {
    %e = st.elementwise "exp"(%a) : (tensor<?xf64>) -> tensor<?xf64>
    st.yield %e : tensor<?xf64>
  } else {
    st.yield %b : tensor<3xf64>
  }
  func.return %s : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @linear_algebra
// CHECK-NEXT: %x = st.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
// CHECK-NEXT: %l = st.cholesky %a {lower, nan_on_error} : tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK-NEXT: %y = st.triangular_solve %l, %b {lower, trans, unit_diagonal} : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
// CHECK-NEXT: %d = st.det "sign" %a : tensor<?x?xf64> -> tensor<f64>
func.func @linear_algebra(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %x = st.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  %l = st.cholesky %a {lower, nan_on_error} : tensor<?x?xf64> -> tensor<?x?xf64>
  %y = st.triangular_solve %l, %b {lower, trans, unit_diagonal} : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  %d = st.det "sign" %a : tensor<?x?xf64> -> tensor<f64>
  func.return %y : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @factorizations
// CHECK-NEXT: %w, %v = st.eigh %a {lower} : tensor<3x3xf64> -> tensor<3xf64>, tensor<3x3xf64>
// CHECK-NEXT: %u, %s, %vt = st.svd %b {full_matrices} : tensor<5x2xf32> -> tensor<5x5xf32>, tensor<2xf32>, tensor<2x2xf32>
// CHECK-NEXT: %u2, %s2, %vt2 = st.svd %b : tensor<5x2xf32> -> tensor<5x2xf32>, tensor<2xf32>, tensor<2x2xf32>
// CHECK-NEXT: %q, %r = st.qr %c : tensor<?x4xf64> -> tensor<?x?xf64>, tensor<?x4xf64>
// CHECK-NEXT: %p = st.pinv %c {rcond = 1.000000e-15 : f64} : tensor<?x4xf64> -> tensor<4x?xf64>
// CHECK-NEXT: %k = st.check %t, %p "ValueError: why" : (tensor<i1>, tensor<4x?xf64>) -> tensor<4x?xf64>
func.func @factorizations(%a: tensor<3x3xf64>, %b: tensor<5x2xf32>, %c: tensor<?x4xf64>, %t: tensor<i1>) -> tensor<4x?xf64> {
  %w, %v = st.eigh %a {lower} : tensor<3x3xf64> -> tensor<3xf64>, tensor<3x3xf64>
  %u, %s, %vt = st.svd %b {full_matrices} : tensor<5x2xf32> -> tensor<5x5xf32>, tensor<2xf32>, tensor<2x2xf32>
  %u2, %s2, %vt2 = st.svd %b : tensor<5x2xf32> -> tensor<5x2xf32>, tensor<2xf32>, tensor<2x2xf32>
  %q, %r = st.qr %c : tensor<?x4xf64> -> tensor<?x?xf64>, tensor<?x4xf64>
  %p = st.pinv %c {rcond = 1.0e-15 : f64} : tensor<?x4xf64> -> tensor<4x?xf64>
  %k = st.check %t, %p "ValueError: why" : (tensor<i1>, tensor<4x?xf64>) -> tensor<4x?xf64>
  func.return %k : tensor<4x?xf64>
}

// -----

// The target's kernel choices of the plan stage (scanc.dialects.st.kernels).
// CHECK-LABEL: func.func @kernel_choices
// CHECK:      %p = st.pack_panels %W {min_bytes = 1048576 : i64, min_steps = 16 : i64} : tensor<?x?xf64> -> tensor<?x?x64xf64>
// CHECK:      %y, %z = st.input_products %X, %W, %W {min_steps = 16 : i64} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
// CHECK:      %s = st.panel_dot %h, %q, %w {tiles} : (tensor<?xf64>, tensor<?x?x64xf64>, tensor<?x?xf64>) -> tensor<?xf64>
func.func @kernel_choices(%X: tensor<?x?xf64>, %W: tensor<?x?xf64>, %h0: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %p = st.pack_panels %W {min_bytes = 1048576 : i64, min_steps = 16 : i64} : tensor<?x?xf64> -> tensor<?x?x64xf64>
  %y, %z = st.input_products %X, %W, %W {min_steps = 16 : i64} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  %r = scan.loop seqs(%y taps [0] : tensor<?x?xf64>, %z taps [0] : tensor<?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%p : tensor<?x?x64xf64>, %W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>, %h: tensor<?xf64>, %q: tensor<?x?x64xf64>, %w: tensor<?x?xf64>):
    %s = st.panel_dot %h, %q, %w {tiles} : (tensor<?xf64>, tensor<?x?x64xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %t = st.elementwise "add"(%s, %a) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %u = st.elementwise "add"(%t, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %u : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
