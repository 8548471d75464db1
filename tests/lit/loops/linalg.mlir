// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s
// lower-to-loops writes the st linear algebra ops out as loops (the matrices of
// a scan step are small), and calls LAPACK for large ones (from the Target's
// lapack_min_size, 96; the last cases): elimination with partial pivoting for solve and det,
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

// cholesky {lower}: from order 96 (the Target's lapack_min_size) LAPACK's
// potrf on a copy, the other triangle zeroed; below, column j's pivot is a[j,j]
// minus the squares left of it, which must be positive, and the rows below
// divide by its square root. Either branch says whether every pivot was
// positive; one check follows.
// CHECK-LABEL: func.func @cholesky
// CHECK:      %[[LARGE:.*]] = arith.cmpi sge, %[[N:.*]], %{{.*}} : index
// CHECK-NEXT: %[[OK:.*]] = scf.if %[[LARGE]] -> (i1) {
// CHECK:        %[[INFO:.*]] = kernel.lapack_potrf %{{.*}} {lower} : memref<?x?xf64>
// CHECK:        %[[DONE:.*]] = arith.cmpi eq, %[[INFO]], %{{.*}} : i64
// CHECK-NEXT:   scf.yield %[[DONE]] : i1
// CHECK-NEXT: } else {
// CHECK:        %[[ALL:.*]] = scf.for {{.*}} -> (i1) {
// CHECK:          %[[S:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f64) {
// CHECK:            arith.mulf
// CHECK-NEXT:       arith.subf
// CHECK:          %[[POSITIVE:.*]] = arith.cmpf ogt, %[[S]], %{{.*}} : f64
// CHECK-NEXT:     %[[ROOT:.*]] = math.sqrt %[[S]] : f64
// CHECK:          arith.divf %{{.*}}, %[[ROOT]] : f64
// CHECK:          arith.andi %{{.*}}, %[[POSITIVE]] : i1
// CHECK:        scf.yield %[[ALL]] : i1
// CHECK:      cf.assert %[[OK]], "LinAlgError: Matrix is not positive definite"
func.func @cholesky(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %l = st.cholesky %a {lower} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %l : tensor<?x?xf64>
}

// -----

// With nan_on_error there is no check: a pivot that is not positive makes the
// whole result NaN after the loop.
// CHECK-LABEL: func.func @cholesky_nan
// CHECK-NOT:  cf.assert %{{.*}}, "LinAlgError
// CHECK:      %[[OK:.*]] = scf.if {{.*}} -> (i1) {
// CHECK:      %[[FAILED:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK-NEXT: %[[NAN:.*]] = arith.constant 0x7ff8000000000000 : f64
// CHECK-NEXT: scf.if %[[FAILED]] {
// CHECK:          memref.store %[[NAN]]
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

// -----

// solve from order 96: LAPACK's gesv on the copies of a and b, with pivots in
// a buffer of the branch; a NaN input (LAPACKE refuses it: info < 0) gives
// NaNs as the loops would, a singular matrix (info > 0) the loops' error.
// CHECK-LABEL: func.func @solve_large
// CHECK:      %[[LARGE:.*]] = arith.cmpi sge, %{{.*}}, %{{.*}} : index
// CHECK-NEXT: scf.if %[[LARGE]] {
// CHECK-NEXT:   %[[PIVOTS:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK-NEXT:   %[[INFO:.*]] = kernel.lapack_gesv %[[LU:.*]], %[[PIVOTS]], %[[X:.*]] : memref<?x?xf64>, memref<?xi64>, memref<?x?xf64>
// CHECK:        cf.assert %{{.*}}, "MemoryError: LAPACK could not allocate its work space"
// CHECK:        %[[REFUSED:.*]] = arith.cmpi slt, %[[INFO]], %{{.*}} : i64
// CHECK:        scf.if %[[REFUSED]] {
// CHECK:        %[[SOLVED:.*]] = arith.cmpi sle, %[[INFO]], %{{.*}} : i64
// CHECK:        cf.assert %[[SOLVED]], "LinAlgError: Singular matrix"
// CHECK:        memref.dealloc %[[PIVOTS]] : memref<?xi64>
// CHECK-NEXT: } else {
// CHECK:      func.return %[[X]]
func.func @solve_large(%a: tensor<?x?xf64>, %b: tensor<?x3xf64>) -> tensor<?x3xf64> {
  %x = st.solve %a, %b : tensor<?x?xf64>, tensor<?x3xf64> -> tensor<?x3xf64>
  func.return %x : tensor<?x3xf64>
}

// -----

// A triangular solve is O(n^2) per column: LAPACK (trtrs, on a contiguous copy
// of a) from n * n * columns >= 96^3 multiply-adds.
// CHECK-LABEL: func.func @triangular_large
// CHECK:      %[[SQUARE:.*]] = arith.muli %[[N:.*]], %[[N]] : index
// CHECK-NEXT: %[[WORK:.*]] = arith.muli %[[SQUARE]], %{{.*}} : index
// CHECK-NEXT: %[[CUBE:.*]] = arith.constant 884736 : index
// CHECK-NEXT: %[[LARGE:.*]] = arith.cmpi sge, %[[WORK]], %[[CUBE]] : index
// CHECK-NEXT: scf.if %[[LARGE]] {
// CHECK:        kernel.lapack_trtrs %{{.*}}, %{{.*}} {lower, trans} :
func.func @triangular_large(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %x = st.triangular_solve %a, %b {lower, trans} : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  func.return %x : tensor<?x?xf32>
}
