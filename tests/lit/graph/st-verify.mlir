// RUN: scanc %s --split-input-file --verify-diagnostics | filecheck %s
// The st verifiers name what is wrong.

func.func @unknown_fn(%a: tensor<?xf64>) {
  %r = st.elementwise "frobnicate"(%a) : (tensor<?xf64>) -> tensor<?xf64>
  func.return
}
// CHECK: unknown elementwise function 'frobnicate'

// -----

func.func @rank_mismatch(%a: tensor<?xf64>, %b: tensor<f64>) {
  %r = st.elementwise "add"(%a, %b) : (tensor<?xf64>, tensor<f64>) -> tensor<?xf64>
  func.return
}
// CHECK: operands of st.elementwise must have the result's rank 1

// -----

func.func @bad_axes(%a: tensor<?xf64>) {
  %r = st.reduce "sum"(%a) {axes = array<i64: 1>} : tensor<?xf64> -> tensor<f64>
  func.return
}
// CHECK: bad reduction axes [1] for rank 1

// -----

func.func @float_index(%a: tensor<?xf64>, %i: tensor<f64>) {
  %r = st.subtensor %a ["i"](%i) : (tensor<?xf64>, tensor<f64>) -> tensor<f64>
  func.return
}
// CHECK: indices must be integer scalars, got tensor<f64>

// -----

func.func @dot_sizes(%a: tensor<2x3xf64>, %b: tensor<4x2xf64>) {
  %r = st.dot %a, %b : (tensor<2x3xf64>, tensor<4x2xf64>) -> tensor<2x2xf64>
  func.return
}
// CHECK: st.dot contracts sizes 3 and 4

// -----

func.func @not_a_permutation(%a: tensor<2x3xf64>) {
  %r = st.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf64> to tensor<2x2xf64>
  func.return
}
// CHECK: st.transpose needs a permutation, got [0, 0]

// -----

func.func @ifelse_vector_condition(%c: tensor<2xi1>, %a: tensor<f64>) {
  %r = st.ifelse %c, %a, %a : (tensor<2xi1>, tensor<f64>, tensor<f64>) -> tensor<f64>
  func.return
}
// CHECK: the condition of st.if/st.ifelse must be a scalar

// -----

func.func @ifelse_dtypes(%c: tensor<i1>, %a: tensor<f64>, %b: tensor<f32>) {
  %r = st.ifelse %c, %a, %b : (tensor<i1>, tensor<f64>, tensor<f32>) -> tensor<f64>
  func.return
}
// CHECK: both branches and the result of st.if/st.ifelse must have one element type and rank

// -----

func.func @if_yields_too_few(%c: tensor<i1>, %a: tensor<f64>) {
  %r, %s = st.if %c : tensor<i1> -> tensor<f64>, tensor<f64> {
    st.yield %a : tensor<f64>
  } else {
    st.yield %a : tensor<f64>
  }
  func.return
}
// CHECK: both branches of st.if yield one value per result

// -----

func.func @solve_not_square(%a: tensor<2x3xf64>, %b: tensor<2xf64>) {
  %x = st.solve %a, %b : tensor<2x3xf64>, tensor<2xf64> -> tensor<2xf64>
  func.return
}
// CHECK: st.solve needs a square matrix, got tensor<2x3xf64>

// -----

func.func @det_kind(%a: tensor<?x?xf64>) {
  %d = st.det "trace" %a : tensor<?x?xf64> -> tensor<f64>
  func.return
}
// CHECK: st.det computes one of ('det', 'logabsdet', 'sign'), not 'trace'

// -----

func.func @eigh_square(%a: tensor<2x3xf64>) {
  %w, %v = st.eigh %a : tensor<2x3xf64> -> tensor<2xf64>, tensor<2x3xf64>
  func.return
}
// CHECK: st.eigh needs a square matrix, got tensor<2x3xf64>

// -----

func.func @svd_shapes(%a: tensor<5x2xf64>) {
  %u, %s, %vt = st.svd %a : tensor<5x2xf64> -> tensor<5x5xf64>, tensor<2xf64>, tensor<2x2xf64>
  func.return
}
// CHECK: st.svd: result #0 must be tensor<5x2xf64>, not tensor<5x5xf64>

// -----

func.func @pinv_rcond(%a: tensor<?x?xf64>) {
  %p = st.pinv %a {rcond = 1.5 : f64} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return
}
// CHECK: st.pinv: rcond must be in [0, 1)

// -----

func.func @check_message(%c: tensor<i1>, %x: tensor<?xf64>) {
  %y = st.check %c, %x "why" : (tensor<i1>, tensor<?xf64>) -> tensor<?xf64>
  func.return
}
// CHECK: st.check: the message is 'ExceptionClass: text', got 'why'

// -----

func.func @panels_not_into_a_loop(%W: tensor<?x?xf64>) -> tensor<?x?x64xf64> {
  %p = st.pack_panels %W {min_bytes = 0 : i64, min_steps = 0 : i64} : tensor<?x?xf64> -> tensor<?x?x64xf64>
  func.return %p : tensor<?x?x64xf64>
}
// CHECK: st.pack_panels: its panels are scan.loop invariants

// -----

func.func @panel_dot_types(%h: tensor<?xf32>, %q: tensor<?x?x64xf64>, %w: tensor<?x?xf64>) -> tensor<?xf64> {
  %s = st.panel_dot %h, %q, %w : (tensor<?xf32>, tensor<?x?x64xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}
// CHECK: st.panel_dot: operands of one element type

// -----

func.func @input_products_read_elsewhere(%X: tensor<?x?xf64>, %W: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %y = st.input_products %X, %W {min_steps = 16 : i64} : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %y : tensor<?x?xf64>
}
// CHECK: st.input_products: each product is read once, by one scan.loop, as a sequence at tap 0
