// RUN: scanc %s --emit=llvm | filecheck %s
// The llvm stage: A**k as one entry point over the call frame, optimized at O2;
// the step product is vectorized (runtime-checked unit stride). Buffers start
// on a cache line.

// CHECK-LABEL: define {{.*}}i32 @power(ptr noalias {{.*}}%frame)
// CHECK: call {{.*}}ptr @aligned_alloc(i64 64, i64
// CHECK: fmul <{{[0-9]+}} x double>
// CHECK: call void @free
func.func @power(%A: tensor<?xf64>, %k: tensor<i32>) -> tensor<?xf64> {
  %k64 = st.cast %k : tensor<i32> to tensor<i64>
  %one = arith.constant dense<1.0> : tensor<f64>
  %n = st.dim %A {axis = 0 : i64} : tensor<?xf64> -> tensor<i64>
  %ones = st.alloc %one [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
  %init = st.expand_dims %ones {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%k64 : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%A : tensor<?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%prior: tensor<?xf64>, %a: tensor<?xf64>):
    %p = st.elementwise "mul"(%prior, %a) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  %m1 = arith.constant dense<-1> : tensor<i64>
  %last = st.subtensor %r ["i"](%m1) : (tensor<?x?xf64>, tensor<i64>) -> tensor<?xf64>
  func.return %last : tensor<?xf64>
}

// A vector-matrix product: the module calls the hand-vectorized kernel under
// this machine's name (its code is the kernel library's, compiled once per
// machine); below the crossover, inline loops vectorized by LLVM (contractible
// multiply-adds, fused by the backend).
// CHECK-LABEL: define {{.*}}i32 @vector_matrix(
// CHECK-DAG: call void @scanc_vecmat_f64_[[MACHINE:[0-9a-f]+]](ptr
// CHECK-DAG: fmul contract <{{[0-9]+}} x double>
// CHECK: declare void @scanc_vecmat_f64_[[MACHINE]](ptr noalias, i64, ptr noalias, i64, ptr noalias, i64, i64, i64)
func.func @vector_matrix(%x: tensor<?xf64>, %W: tensor<?x?xf64>) -> tensor<?xf64> {
  %p = st.dot %x, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %p : tensor<?xf64>
}
