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
