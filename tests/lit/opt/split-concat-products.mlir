// RUN: scanc %s --split-input-file -p split-concat-products | filecheck %s
// split-concat-products: a product of a concatenated vector is the sum of the
// pieces' products with the matching rows of the matrix.

// CHECK-LABEL: func.func @lstm_input
// CHECK-NOT:  st.concatenate
// CHECK:      %[[XLEN:.*]] = st.dim %x {axis = 0 : i64}
// CHECK:      %[[XROWS:.*]] = st.subtensor %W ["sxx_"]
// CHECK-NEXT: %[[XW:.*]] = st.dot %x, %[[XROWS]]
// CHECK:      %[[HROWS:.*]] = st.subtensor %W ["sxx_"]
// CHECK-NEXT: %[[HW:.*]] = st.dot %h, %[[HROWS]]
// CHECK-NEXT: %[[SUM:.*]] = st.elementwise "add"(%[[XW]], %[[HW]])
// CHECK-NEXT: func.return %[[SUM]]
func.func @lstm_input(%x: tensor<?xf64>, %h: tensor<?xf64>, %W: tensor<?x?xf64>) -> tensor<?xf64> {
  %xh = st.concatenate(%x, %h) {axis = 0 : i64} : tensor<?xf64>, tensor<?xf64> -> tensor<?xf64>
  %y = st.dot %xh, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %y : tensor<?xf64>
}

// -----

// Negative case: a concatenation of matrices (a matrix product) stays.
// CHECK-LABEL: func.func @matrix_rows
// CHECK: st.concatenate
// CHECK: st.dot %ab, %W
func.func @matrix_rows(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %W: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %ab = st.concatenate(%a, %b) {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %y = st.dot %ab, %W : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %y : tensor<?x?xf64>
}
