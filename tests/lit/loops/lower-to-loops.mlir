// RUN: scanc %s --split-input-file -p trim-memory,lower-to-loops | filecheck %s
// lower-to-loops on A**k: the trimmed trace is a ring of one row updated in place
// (the step only reads the previous row elementwise), the step's product is
// stored straight into its ring row, and the result row is copied out.

// CHECK-LABEL: func.func @power(%A: memref<?xf64>, %k: i32) -> memref<?xf64>
// CHECK: cf.assert %{{.*}}, "ValueError: scan n_steps must be non-negative"
// CHECK: cf.assert %{{.*}}, "ValueError: initial value of scan output 0 needs at least 1 rows for taps [-1]"
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[RING:.*]] = memref.alloc(%[[ONE]], %{{.*}}) : memref<?x?xf64>
// The initial row is copied into the ring, then the time loop runs:
// CHECK: scf.for
// CHECK: memref.store
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   arith.addi %[[T]], %{{.*}} : index
// CHECK:   arith.andi %{{.*}}, %{{.*}} : index
// CHECK:   memref.subview %[[RING]]
// CHECK:   %[[ROW:.*]] = memref.subview %[[RING]]
// CHECK:   scf.for
// CHECK:     arith.mulf
// CHECK:     memref.store %{{.*}}, %[[ROW]]
// CHECK: cf.assert %{{.*}}, "IndexError: index out of bounds for axis 0"
// CHECK: memref.dealloc %[[RING]]
// CHECK: func.return %{{.*}} : memref<?xf64>
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

// -----

// Negative case: the step reads the previous row reversed, so it may not write
// over it: the ring has a second row.
// CHECK-LABEL: func.func @reversed
// CHECK: cf.assert %{{.*}}, "ValueError: initial value of scan output 0 needs
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT: memref.alloc(%[[TWO]], %{{.*}}) : memref<?x?xf64>
func.func @reversed(%init: tensor<1x?xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop steps(%k : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%prior: tensor<?xf64>):
    %m1 = arith.constant dense<-1> : tensor<i64>
    %rev = st.subtensor %prior ["s__x"](%m1) : (tensor<?xf64>, tensor<i64>) -> tensor<?xf64>
    %p = st.elementwise "add"(%prior, %rev) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  %m1 = arith.constant dense<-1> : tensor<i64>
  %last = st.subtensor %r ["i"](%m1) : (tensor<?x?xf64>, tensor<i64>) -> tensor<?xf64>
  func.return %last : tensor<?xf64>
}

// -----

// Products with a vector: from 4097 (A . x) or 2500 (x . W) multiply-adds a
// kernel, below the inline loops. A . x calls BLAS gemv as it is (gemv_n); a reversed vector is copied
// into a buffer for it (BLAS wants a positive increment). x . W calls the
// vector-matrix kernel the emitter defines (scanc.codegen.kernels); outside a
// loop its traversal flag is 0.
// CHECK-LABEL: func.func @products
// CHECK:      %[[REV:.*]] = memref.subview %x
// CHECK:      arith.muli
// CHECK-NEXT: %[[COPY:.*]] = memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK-NEXT: %[[LIMIT:.*]] = arith.constant 4097 : index
// CHECK-NEXT: %[[LARGE:.*]] = arith.cmpi sge, %{{.*}}, %[[LIMIT]] : index
// CHECK-NEXT: scf.if %[[LARGE]] {
// CHECK:        memref.load %[[REV]]
// CHECK-NEXT:   memref.store %{{.*}}, %[[COPY]]
// CHECK:        func.call @scanc_cblas_dgemv_n(%A, %[[COPY]], %{{.*}})
// CHECK-NEXT: } else {
// CHECK:      "ValueError: dot: shapes are not aligned"
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: arith.muli
// CHECK-NEXT: %[[FORWARD:.*]] = arith.constant 0 : index
// CHECK-NEXT: %{{.*}} = arith.constant 2500 : index
// CHECK:      func.call @scanc_vecmat_f64(%x, %A, %{{.*}}, %[[FORWARD]])
// CHECK:      func.func private @scanc_cblas_dgemv_n(memref<?x?xf64>, memref<?xf64>, memref<?xf64>)
// CHECK:      func.func private @scanc_vecmat_f64(memref<?xf64>, memref<?x?xf64>, memref<?xf64>, index)
func.func @products(%A: tensor<?x?xf64>, %x: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %m1 = arith.constant dense<-1> : tensor<i64>
  %rev = st.subtensor %x ["s__x"](%m1) : (tensor<?xf64>, tensor<i64>) -> tensor<?xf64>
  %ax = st.dot %A, %rev : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %xa = st.dot %x, %A : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %ax, %xa : tensor<?xf64>, tensor<?xf64>
}

// -----

// Inside a loop, x . W passes the step's parity: the kernel walks W backwards
// on odd steps, so a W larger than L2 starts where the last step ended.
// CHECK-LABEL: func.func @recurrent_product
// CHECK:      "ValueError: scan n_steps must be non-negative"
// CHECK:      scf.for %[[STEP:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:        %[[PARITY:.*]] = arith.andi %[[STEP]], %{{.*}} : index
// CHECK:        func.call @scanc_vecmat_f64(%{{.*}}, %W, %{{.*}}, %[[PARITY]])
func.func @recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%k : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
    %p = st.dot %h, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
