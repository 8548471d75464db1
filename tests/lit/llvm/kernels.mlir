// RUN: scanc %s --emit=llvm | filecheck %s
// Each kernel op becomes a call: x . W of the vector-matrix kernel under this
// machine's name (declared here; the code is the kernel library's,
// scanc.codegen.kernels.library, compiled once per machine), a large matrix
// product of BLAS gemm (row-major, no transposes: CBLAS 101, 111, 111; alpha 1,
// beta 0), resolved by the JIT to the BLAS NumPy bundles. No kernel code is
// in the module.

// CHECK-LABEL: define {{.*}}i32 @products(
// CHECK:       call void @scanc_vecmat_f64_[[MACHINE:[0-9a-f]+]](ptr %{{.*}}, i64 1, ptr
// CHECK:       call void @scanc_cblas_dgemm(i32 101, i32 111, i32 111, i64 %{{.*}}, i64 %{{.*}}, i64 %{{.*}}, double 1.000000e+00, ptr
// CHECK-NOT:   define {{.*}}@scanc_vecmat
// CHECK:       declare void @scanc_vecmat_f64_[[MACHINE]](
// CHECK:       declare void @scanc_cblas_dgemm(
func.func @products(%x: tensor<?xf64>, %W: tensor<?x?xf64>, %A: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %xw = st.dot %x, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  %aw = st.dot %A, %W : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %xw, %aw : tensor<?xf64>, tensor<?x?xf64>
}

// A LAPACK op becomes a call of LAPACKE (row-major: 101) whose status is the
// op's result (86, 76: 'V' for the vectors, 'L' for the lower triangle); the
// leading dimension is the row stride, at least the row length and 1 (here n).
// CHECK-LABEL: define {{.*}}i32 @factor(
// CHECK:       {{.*}}call i64 @scanc_lapacke_dsyevd(i32 101, i8 86, i8 76, i64 %[[N:.*]], ptr {{.*}}, i64 %[[N]], ptr {{.*}})
// CHECK:       declare i64 @scanc_lapacke_dsyevd(i32, i8, i8, i64, ptr, i64, ptr)
func.func @factor(%a: tensor<?x?xf64>) -> tensor<?xf64> {
  %w, %v = st.eigh %a {lower} : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
  func.return %w : tensor<?xf64>
}
