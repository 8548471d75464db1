// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s
// lower-to-loops writes the st linear algebra ops out as loops (the matrices of
// a scan step are small): elimination with partial pivoting for solve and det,
// the Cholesky recurrence, substitution for triangular solves.

// solve: a copy of a and of b; per column k, the pivot row is the largest
// |a[i,k]| from row k down (strictly larger wins, so the first on ties), rows k
// and p are swapped in both copies, a zero pivot stops the call, rows below are
// reduced; then back substitution from the last row.
// CHECK-LABEL: func.func @solve
// CHECK:      cf.assert %{{.*}}, "ValueError: solve: a must be square"
// CHECK:      cf.assert %{{.*}}, "ValueError: solve: b must have as many rows as a"
// CHECK:      scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SIGN:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (f64, f64) {
// CHECK:        %[[P:.*]], %{{.*}} = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ROW:.*]] = %[[K]], %[[BEST:.*]] = %{{.*}}) -> (index, f64) {
// CHECK:          %[[LARGER:.*]] = arith.cmpf ogt, %{{.*}}, %[[BEST]] : f64
// CHECK-NEXT:     arith.select %[[LARGER]], %[[I]], %[[ROW]] : index
// CHECK:        %[[PIVOT:.*]] = memref.load %{{.*}}[%[[K]], %[[K]]] : memref<?x?xf64>
// CHECK-NEXT:   %[[NONZERO:.*]] = arith.cmpf une, %[[PIVOT]], %{{.*}} : f64
// CHECK:        cf.assert %[[NONZERO]], "LinAlgError: Singular matrix"
// CHECK:        arith.divf %{{.*}}, %[[PIVOT]] : f64
// CHECK:      scf.for
// CHECK:        arith.subi
// CHECK:        arith.divf
func.func @solve(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %x = st.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  func.return %x : tensor<?xf64>
}

// -----

// logabsdet: the same elimination without a right-hand side, summing log|pivot|.
// CHECK-LABEL: func.func @logabsdet
// CHECK-NOT:  LinAlgError
// CHECK:      %[[LOG:.*]] = math.log %{{.*}} : f64
// CHECK-NEXT: arith.addf %{{.*}}, %[[LOG]] : f64
func.func @logabsdet(%a: tensor<?x?xf64>) -> tensor<f64> {
  %d = st.det "logabsdet" %a : tensor<?x?xf64> -> tensor<f64>
  func.return %d : tensor<f64>
}

// -----

// cholesky {lower}: column j's pivot is a[j,j] minus the squares left of it,
// which must be positive; the rows below divide by its square root.
// CHECK-LABEL: func.func @cholesky
// CHECK:      %[[S:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f64) {
// CHECK:        arith.mulf
// CHECK-NEXT:   arith.subf
// CHECK:      %[[POSITIVE:.*]] = arith.cmpf ogt, %[[S]], %{{.*}} : f64
// CHECK:      cf.assert %[[POSITIVE]], "LinAlgError: Matrix is not positive definite"
// CHECK-NEXT: %[[ROOT:.*]] = math.sqrt %[[S]] : f64
// CHECK:      arith.divf %{{.*}}, %[[ROOT]] : f64
func.func @cholesky(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %l = st.cholesky %a {lower} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %l : tensor<?x?xf64>
}

// -----

// With nan_on_error there is no check: a pivot that is not positive makes the
// whole result NaN after the loop.
// CHECK-LABEL: func.func @cholesky_nan
// CHECK-NOT:  cf.assert %{{.*}}, "LinAlgError
// CHECK:      %[[OK:.*]] = scf.for {{.*}} -> (i1) {
// CHECK:      %[[FAILED:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK-NEXT: scf.if %[[FAILED]] {
// CHECK:        arith.constant 0x7ff8000000000000 : f64
func.func @cholesky_nan(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %l = st.cholesky %a {lower, nan_on_error} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %l : tensor<?x?xf64>
}

// -----

// triangular_solve {lower}: forward substitution, each row divided by a
// diagonal entry that must not be zero; with {trans} a is read transposed.
// CHECK-LABEL: func.func @forward
// CHECK:        %[[D:.*]] = memref.load %a[%[[I:.*]], %[[I]]]
// CHECK:        cf.assert %{{.*}}, "LinAlgError: singular matrix: resolution failed at a zero on the diagonal"
// CHECK:        scf.for %{{.*}} = %{{.*}} to %[[I]] step
// CHECK:        arith.divf %{{.*}}, %[[D]] : f64
func.func @forward(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %x = st.triangular_solve %a, %b {lower} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %x : tensor<?x?xf64>
}
