// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s
// lower-to-loops gives the factorizations to LAPACK (kernel.lapack_* ops, the
// routines NumPy calls) on a row-major copy of the input, only when the matrix
// is not empty, and turns LAPACK's info into errors: MemoryError at -1010 and
// below, LinAlgError for any other non-zero status.

// eigh: syevd overwrites the copy with the eigenvectors, which is the result.
// CHECK-LABEL: func.func @eigh
// CHECK:      cf.assert %{{.*}}, "ValueError: eigh: a must be square"
// CHECK:      %[[V:.*]] = memref.alloc(%[[N:.*]], %{{.*}}) : memref<?x?xf64>
// CHECK:      memref.store %{{.*}}, %[[V]]
// CHECK:      %[[W:.*]] = memref.alloc(%[[N]]) : memref<?xf64>
// CHECK:      %[[ANY:.*]] = arith.cmpi sgt, %[[N]], %{{.*}} : index
// CHECK-NEXT: scf.if %[[ANY]] {
// CHECK-NEXT:   %[[INFO:.*]] = kernel.lapack_syevd %[[V]], %[[W]] {lower} : memref<?x?xf64>, memref<?xf64>
// CHECK-NEXT:   %[[LIMIT:.*]] = arith.constant -1010 : i64
// CHECK-NEXT:   %[[OK:.*]] = arith.cmpi sgt, %[[INFO]], %[[LIMIT]] : i64
// CHECK:        cf.assert %[[OK]], "MemoryError: LAPACK could not allocate its work space"
// CHECK:        %[[DONE:.*]] = arith.cmpi eq, %[[INFO]], %{{.*}} : i64
// CHECK:        cf.assert %[[DONE]], "LinAlgError: Eigenvalues did not converge"
// CHECK:      func.return %[[W]], %[[V]]
func.func @eigh(%a: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %w, %v = st.eigh %a {lower} : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
  func.return %w, %v : tensor<?xf64>, tensor<?x?xf64>
}

// -----

// svd with full matrices: u is m x m and vt n x n; an empty matrix makes no
// call and gets identities.
// CHECK-LABEL: func.func @svd
// CHECK:      %[[K:.*]] = arith.minsi %[[M:.*]], %[[N:.*]] : index
// CHECK:      %[[U:.*]] = memref.alloc(%[[M]], %[[M]]) : memref<?x?xf32>
// CHECK-NEXT: %[[S:.*]] = memref.alloc(%[[K]]) : memref<?xf32>
// CHECK-NEXT: %[[VT:.*]] = memref.alloc(%[[N]], %[[N]]) : memref<?x?xf32>
// CHECK:      scf.if
// CHECK-NEXT:   kernel.lapack_gesdd %{{.*}} -> %[[U]], %[[S]], %[[VT]] {full_matrices}
// CHECK:        cf.assert %{{.*}}, "LinAlgError: SVD did not converge"
// CHECK-NEXT: } else {
// CHECK:        arith.cmpi eq
// CHECK:        memref.store %{{.*}}, %[[U]]
// CHECK:        memref.store %{{.*}}, %[[VT]]
func.func @svd(%a: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) {
  %u, %s, %vt = st.svd %a {full_matrices} : tensor<?x?xf32> -> tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
  func.return %u, %s, %vt : tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
}

// -----

// qr: geqrf, then R from the upper triangle of its first k rows (the rest
// zeros, not read), then Q by orgqr from the reflectors copied into an m x k
// buffer; a NaN in the input gives NaNs (as NumPy) instead of an error.
// CHECK-LABEL: func.func @qr
// CHECK:      %[[K:.*]] = arith.minsi
// CHECK:      %[[TAU:.*]] = memref.alloc(%[[K]]) : memref<?xf64>
// CHECK:      kernel.lapack_geqrf %[[A:.*]], %[[TAU]]
// CHECK:      cf.assert %{{.*}}, "MemoryError: LAPACK could not allocate its work space"
// CHECK-NOT:  LinAlgError
// CHECK:      %[[FAILED:.*]] = arith.cmpi ne, %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: %[[NAN:.*]] = arith.constant 0x7ff8000000000000 : f64
// CHECK-NEXT: scf.if %[[FAILED]] {
// CHECK:          memref.store %[[NAN]], %[[A]]
// CHECK:      %[[R:.*]] = memref.alloc(%[[K]], %{{.*}}) : memref<?x?xf64>
// CHECK:      %[[KEEP:.*]] = arith.andi
// CHECK-NEXT: scf.if %[[KEEP]] -> (f64) {
// CHECK-NEXT:   memref.load %[[A]]
// CHECK:      %[[Q:.*]] = memref.alloc(%{{.*}}, %[[K]]) : memref<?x?xf64>
// CHECK:      kernel.lapack_orgqr %[[Q]], %[[TAU]]
// CHECK:      func.return %[[Q]], %[[R]]
func.func @qr(%a: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %q, %r = st.qr %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
  func.return %q, %r : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// qr whose q is not used (mode="r"): no orgqr.
// CHECK-LABEL: func.func @qr_r
// CHECK:      kernel.lapack_geqrf
// CHECK-NOT:  kernel.lapack_orgqr
func.func @qr_r(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %q, %r = st.qr %a {complete} : tensor<?x?xf32> -> tensor<?x?xf32>, tensor<?x?xf32>
  func.return %r : tensor<?x?xf32>
}

// -----

// pinv: reduced gesdd, the singular values above rcond * s[0] inverted (the
// others 0), then out[i, j] = sum_l vt[l, i] s[l] u[j, l].
// CHECK-LABEL: func.func @pinv
// CHECK:      kernel.lapack_gesdd %{{.*}} -> %[[U:.*]], %[[S:.*]], %[[VT:.*]] :
// CHECK:      %[[RCOND:.*]] = arith.constant 1.000000e-15 : f64
// CHECK-NEXT: %[[LARGEST:.*]] = memref.load %[[S]][%{{.*}}] : memref<?xf64>
// CHECK-NEXT: %[[CUTOFF:.*]] = arith.mulf %[[RCOND]], %[[LARGEST]] : f64
// CHECK:        %[[LARGE:.*]] = arith.cmpf ogt, %{{.*}}, %[[CUTOFF]] : f64
// CHECK:        arith.select %[[LARGE]]
// CHECK:      %[[OUT:.*]] = memref.alloc(%[[N:.*]], %[[M:.*]]) : memref<?x?xf64>
// CHECK:      scf.for %[[I:.*]] = %{{.*}} to %[[N]]
// CHECK-NEXT:   scf.for %[[J:.*]] = %{{.*}} to %[[M]]
// CHECK:          scf.for %[[L:.*]] = %{{.*}} iter_args
// CHECK-NEXT:       memref.load %[[VT]][%[[L]], %[[I]]]
// CHECK-NEXT:       memref.load %[[S]][%[[L]]]
// CHECK:            memref.load %[[U]][%[[J]], %[[L]]]
// CHECK:      func.return %[[OUT]]
func.func @pinv(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %p = st.pinv %a {rcond = 1.0e-15 : f64} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %p : tensor<?x?xf64>
}

// -----

// st.check: a run-time check, then its input as it is.
// CHECK-LABEL: func.func @check
// CHECK:      cf.assert %{{.*}}, "NotImplementedError: why"
// CHECK-NOT:  cf.assert
func.func @check(%c: tensor<i1>, %x: tensor<?xf64>) -> tensor<?xf64> {
  %y = st.check %c, %x "NotImplementedError: why" : (tensor<i1>, tensor<?xf64>) -> tensor<?xf64>
  func.return %y : tensor<?xf64>
}
