// RUN: scanc %s --emit=loops | filecheck %s --check-prefix=LOOPS
// RUN: scanc %s --emit=llvm | filecheck %s
// Elementwise functions without an upstream `math` op become `libm` dialect ops
// in the loops stage, then libm calls: erfc under scanc's name (so its libmvec
// variants stay usable) and lgamma_r with a stack slot for the sign (lgamma
// itself writes the global signgam).

// LOOPS-LABEL: func.func @special
// LOOPS:       scf.for
// LOOPS:       %[[L:.*]] = libm.lgamma %{{.*}} : f64
// LOOPS-NEXT:  libm.erfc %[[L]] : f64

// CHECK-LABEL: define {{.*}}i32 @special(
// CHECK:       %[[SIGN:.*]] = alloca i32
// CHECK:       %[[L:.*]] = call double @lgamma_r(double %{{.*}}, ptr {{.*}}%[[SIGN]])
// CHECK:       call double @scanc_erfc(double %[[L]])
func.func @special(%x: tensor<?xf64>) -> tensor<?xf64> {
  %l = st.elementwise "gammaln"(%x) : (tensor<?xf64>) -> tensor<?xf64>
  %e = st.elementwise "erfc"(%l) : (tensor<?xf64>) -> tensor<?xf64>
  func.return %e : tensor<?xf64>
}
