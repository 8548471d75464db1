// RUN: scanc %s --split-input-file -p 'specialize-shapes{shapes="2x?,*,3"}' | filecheck %s
// RUN: scanc %s --split-input-file -p 'specialize-shapes{shapes="2x?,*,3"},lower-to-loops' | filecheck %s --check-prefix=LOOPS
// RUN: not scanc %s --split-input-file -p 'specialize-shapes{shapes="2x?,*"}' 2>&1 | filecheck %s --check-prefix=COUNT
// specialize-shapes: sizes known for one call become constants. Each argument
// with a known size is cast once to the refined type and every use reads the
// cast; lower-to-loops checks the sizes at run time and uses constants.

// Before:
//   func.func @rows(%X: tensor<?x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>)
//     %r = st.dot %X, %v ...
// CHECK-LABEL: func.func @rows(%X: tensor<?x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>)
// CHECK-NEXT:  %X_1 = st.cast %X : tensor<?x?xf64> to tensor<2x?xf64>
// CHECK-NEXT:  %v_1 = st.cast %v : tensor<?xf64> to tensor<3xf64>
// CHECK-NEXT:  %r = st.dot %X_1, %v_1
// CHECK-NEXT:  %s = st.elementwise "add"(%r, %r)
// CHECK-NEXT:  func.return %s

// The run-time checks; the product's loop over the two rows has a constant bound.
// LOOPS-LABEL: func.func @rows(%X: memref<?x?xf64>, %n: i64, %v: memref<?xf64>)
// LOOPS:       %[[R:.*]] = memref.dim %X, %{{.*}} : memref<?x?xf64>
// LOOPS:       %[[TWO:.*]] = arith.constant 2 : index
// LOOPS-NEXT:  %[[OK:.*]] = arith.cmpi eq, %[[R]], %[[TWO]] : index
// LOOPS-NEXT:  cf.assert %[[OK]], "ValueError: input X must have size 2 on axis 0"
// LOOPS:       cf.assert %{{.*}}, "ValueError: input v must have size 3 on axis 0"
// LOOPS-NOT:   "ValueError: input X must have size
// LOOPS:       memref.alloc(%[[TWO]]) : memref<?xf64>
// LOOPS:       scf.for %{{.*}} = %{{.*}} to %[[TWO]] step
func.func @rows(%X: tensor<?x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>) -> tensor<?xf64> {
  %r = st.dot %X, %v : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %s = st.elementwise "add"(%r, %r) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// Nothing to do: arguments nobody reads, sizes already static, unknown sizes.
// CHECK-LABEL: func.func @unchanged(%X: tensor<2x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>)
// CHECK-NOT:   st.cast
// CHECK:       func.return %X
// COUNT: specialize-shapes: 2 shapes for 3 arguments
func.func @unchanged(%X: tensor<2x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>) -> tensor<2x?xf64> {
  func.return %X : tensor<2x?xf64>
}

// -----

// An argument the function returns as it is stays the returned value (the
// result types are the generic function's); its other uses read the cast.
// CHECK-LABEL: func.func @returns_its_argument(%X: tensor<?x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>)
// CHECK-NEXT:  %X_1 = st.cast %X : tensor<?x?xf64> to tensor<2x?xf64>
// CHECK-NEXT:  %s = st.elementwise "add"(%X_1, %X_1)
// CHECK-NEXT:  func.return %X, %s : tensor<?x?xf64>, tensor<?x?xf64>
func.func @returns_its_argument(%X: tensor<?x?xf64>, %n: tensor<i64>, %v: tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %s = st.elementwise "add"(%X, %X) : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %X, %s : tensor<?x?xf64>, tensor<?x?xf64>
}
