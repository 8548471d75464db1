// RUN: scanc %s --emit=llvm | filecheck %s
// Each kernel op becomes a call: x . W of the vector-matrix kernel the module
// defines (scanc.codegen.kernels; LLVM inlines it into its one caller, so no
// declaration is left), a large matrix product of BLAS gemm (row-major, no
// transposes: CBLAS 101, 111, 111; alpha 1, beta 0), resolved by the JIT to
// the BLAS NumPy bundles.

// CHECK-LABEL: define {{.*}}i32 @products(
// CHECK:       call void @scanc_cblas_dgemm(i32 101, i32 111, i32 111, i64 %{{.*}}, i64 %{{.*}}, i64 %{{.*}}, double 1.000000e+00, ptr
// CHECK-NOT:   declare {{.*}}@scanc_vecmat
// CHECK:       declare void @scanc_cblas_dgemm(
// CHECK-NOT:   declare {{.*}}@scanc_vecmat
// the inlined kernel's alias scopes keep its name
// CHECK:       !{{[0-9]+}} = distinct !{!{{[0-9]+}}, !"scanc_vecmat_f64"}
func.func @products(%x: tensor<?xf64>, %W: tensor<?x?xf64>, %A: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %xw = st.dot %x, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  %aw = st.dot %A, %W : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %xw, %aw : tensor<?xf64>, tensor<?x?xf64>
}
