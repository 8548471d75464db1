// RUN: scanc %s --split-input-file -p trim-memory,pack-invariant-matrices,input-products-in-loop,lower-to-loops | filecheck %s
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
// kernel, below the inline loops. Kernels take their operands as views, where
// they are: A . x passes the reversed vector to BLAS gemv when its increment is
// positive (checked at run time; -1 here), else copies it into a buffer for
// the call. x . W is the vector-matrix kernel op (kernel.vecmat; the emitter defines
// it, scanc.codegen.kernels); outside a loop its traversal flag is 0. A whole
// buffer, operand or output, is passed through a subview of all of it (one
// operand type per kernel op and rank).
// CHECK-LABEL: func.func @products
// CHECK:      %[[REV:.*]] = memref.subview %x
// CHECK:      %[[LIMIT:.*]] = arith.constant 4097 : index
// CHECK-NEXT: %[[LARGE:.*]] = arith.cmpi sge, %{{.*}}, %[[LIMIT]] : index
// CHECK-NEXT: scf.if %[[LARGE]] {
// CHECK-NEXT:   %{{.*}}, %{{.*}}, %{{.*}}, %[[INC:.*]] = memref.extract_strided_metadata %[[REV]]
// CHECK-NEXT:   %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT:   %[[POSITIVE:.*]] = arith.cmpi sge, %[[INC]], %[[ONE]] : index
// CHECK-NEXT:   scf.if %[[POSITIVE]] {
// CHECK:          %[[WHOLE:.*]] = memref.subview %A
// CHECK:          kernel.blas_gemv %[[WHOLE]], %[[REV]] -> %{{.*}} : memref<?x?xf64, strided<[?, ?], offset: ?>>, memref<?xf64, strided<[?], offset: ?>> -> memref<?xf64, strided<[?], offset: ?>>
// CHECK-NEXT:   } else {
// CHECK-NEXT:     %[[COPY:.*]] = memref.alloc
// CHECK:          memref.load %[[REV]]
// CHECK-NEXT:     memref.store %{{.*}}, %[[COPY]]
// CHECK:          %[[COPIED:.*]] = memref.subview %[[COPY]]
// CHECK:          kernel.blas_gemv %{{.*}}, %[[COPIED]] -> %{{.*}}
// CHECK-NEXT:     memref.dealloc %[[COPY]]
// CHECK-NEXT:   }
// CHECK-NEXT: } else {
// CHECK:      "ValueError: dot: shapes are not aligned"
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: arith.muli
// CHECK-NEXT: %[[FORWARD:.*]] = arith.constant 0 : index
// CHECK-NEXT: %{{.*}} = arith.constant 2500 : index
// CHECK:      %[[X:.*]] = memref.subview %x
// CHECK:      %[[W:.*]] = memref.subview %A
// CHECK:      kernel.vecmat %[[X]], %[[W]] -> %{{.*}} reverse %[[FORWARD]] : memref<?xf64, strided<[?], offset: ?>>, memref<?x?xf64, strided<[?, ?], offset: ?>> -> memref<?xf64, strided<[?], offset: ?>>
// CHECK-NOT:  func.func private
func.func @products(%A: tensor<?x?xf64>, %x: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %m1 = arith.constant dense<-1> : tensor<i64>
  %rev = st.subtensor %x ["s__x"](%m1) : (tensor<?xf64>, tensor<i64>) -> tensor<?xf64>
  %ax = st.dot %A, %rev : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %xa = st.dot %x, %A : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %ax, %xa : tensor<?xf64>, tensor<?xf64>
}

// -----

// Inside a loop, x . W passes the step's parity: the kernel walks W backwards
// on odd steps, so a W larger than L2 starts where the last step ended. W does
// not change in the loop: when it has at least 1 MiB (131072 float64) and the
// loop at least 16 steps, it is packed before the loop in panels of 64 columns
// (zero past its last column) and the step calls the panel kernel; otherwise
// the buffer has no panels and the step calls the plain kernel on W.
// CHECK-LABEL: func.func @recurrent_product
// CHECK:      %[[STEPS:.*]] = arith.index_cast %k : i64 to index
// CHECK:      "ValueError: scan n_steps must be non-negative"
// CHECK:      %[[ELEMENTS:.*]] = arith.muli %[[K:.*]], %[[N:.*]] : index
// CHECK-NEXT: %[[MIN_ELEMENTS:.*]] = arith.constant 131072 : index
// CHECK-NEXT: %[[LARGE:.*]] = arith.cmpi sge, %[[ELEMENTS]], %[[MIN_ELEMENTS]] : index
// CHECK-NEXT: %[[MIN_STEPS:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[LONG:.*]] = arith.cmpi sge, %[[STEPS]], %[[MIN_STEPS]] : index
// CHECK-NEXT: %[[PACKED:.*]] = arith.andi %[[LARGE]], %[[LONG]] : i1
// CHECK-NEXT: %[[WIDTH:.*]] = arith.constant 64 : index
// CHECK:      %[[COUNT:.*]] = arith.select %[[PACKED]], %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[PANELS:.*]] = memref.alloc(%[[COUNT]], %[[K]], %[[WIDTH]]) : memref<?x?x?xf64>
// CHECK:      scf.for %[[Q:.*]] = %{{.*}} to %[[COUNT]] step
// CHECK:        scf.for %[[I:.*]] = %{{.*}} to %[[K]] step
// CHECK:          scf.for %[[C:.*]] = %{{.*}} to %[[VALID:.*]] step
// CHECK:            %[[ELEMENT:.*]] = memref.load %W[%[[I]], %{{.*}}]
// CHECK-NEXT:       memref.store %[[ELEMENT]], %[[PANELS]][%[[Q]], %[[I]], %[[C]]]
// CHECK:          scf.for %[[PAD:.*]] = %[[VALID]] to %[[WIDTH]] step
// CHECK-NEXT:       memref.store %{{.*}}, %[[PANELS]][%[[Q]], %[[I]], %[[PAD]]]
// CHECK:      scf.for %[[STEP:.*]] = %{{.*}} to %[[STEPS]] step %{{.*}} {
// CHECK:        %[[PARITY:.*]] = arith.andi %[[STEP]], %{{.*}} : index
// CHECK-NEXT:   scf.if %[[PACKED]] {
// CHECK:          %[[P:.*]] = memref.subview %[[PANELS]]
// CHECK:          kernel.vecmat_panels %{{.*}}, %[[P]] -> %{{.*}} reverse %[[PARITY]]
// CHECK:        } else {
// CHECK:          %[[W:.*]] = memref.subview %W
// CHECK:          kernel.vecmat %{{.*}}, %[[W]] -> %{{.*}} reverse %[[PARITY]]
// CHECK:      memref.dealloc %[[PANELS]]
func.func @recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%k : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
    %p = st.dot %h, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// A matrix view goes to the kernels where it is when its rows are contiguous
// and at least a row apart (BLAS's lda >= max(1, n)), checked at run time, as
// for the row slices `split-concat-products` makes. Outside loops, gemm copies
// a matrix it cannot read (O(n^2) next to the O(n^3) product).
// CHECK-LABEL: func.func @sliced_matrix_product
// CHECK:      %[[TOP:.*]] = memref.subview %B
// CHECK:      %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ROW:.*]], %[[INNER:.*]] = memref.extract_strided_metadata %[[TOP]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LEAST:.*]] = arith.maxsi %{{.*}}, %[[ONE]] : index
// CHECK-NEXT: %[[UNIT:.*]] = arith.cmpi eq, %[[INNER]], %[[ONE]] : index
// CHECK-NEXT: %[[APART:.*]] = arith.cmpi sge, %[[ROW]], %[[LEAST]] : index
// CHECK-NEXT: %[[READABLE:.*]] = arith.andi %[[UNIT]], %[[APART]] : i1
// CHECK:      scf.if %[[READABLE]] {
// CHECK:        kernel.blas_gemm %{{.*}}, %[[TOP]] -> %{{.*}}
// CHECK-NEXT: } else {
// CHECK-NEXT:   %[[COPY:.*]] = memref.alloc
// CHECK:        kernel.blas_gemm
// CHECK-NEXT:   memref.dealloc %[[COPY]]
func.func @sliced_matrix_product(%A: tensor<?x?xf64>, %B: tensor<?x?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %c0 = arith.constant dense<0> : tensor<i64>
  %top = st.subtensor %B ["sxx_"](%c0, %k) : (tensor<?x?xf64>, tensor<i64>, tensor<i64>) -> tensor<?x?xf64>
  %p = st.dot %A, %top : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %p : tensor<?x?xf64>
}

// -----

// Inside a loop, x . W[1:] calls the vector-matrix kernel on the view when it
// can read it, else runs the inline loops (no copy every step).
// The view changes (is made) at every step, so nothing is packed.
// CHECK-LABEL: func.func @sliced_recurrent_product
// CHECK-NOT:  kernel.vecmat_panels
// CHECK:      scf.for
// CHECK:        %[[LOW:.*]] = memref.subview %W
// CHECK:        scf.if %{{.*}} {
// CHECK:          memref.extract_strided_metadata %[[LOW]]
// CHECK:          scf.if %{{.*}} {
// CHECK:            kernel.vecmat %{{.*}}, %[[LOW]] -> %{{.*}} reverse %{{.*}}
// CHECK-NEXT:     } else {
// CHECK-NOT:        memref.alloc
// CHECK:            arith.mulf
// CHECK-NOT:  kernel.vecmat_panels
func.func @sliced_recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%k : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
    %c1 = arith.constant dense<1> : tensor<i64>
    %low = st.subtensor %w ["sx__"](%c1) : (tensor<?x?xf64>, tensor<i64>) -> tensor<?x?xf64>
    %p = st.dot %h, %low : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// W.T made in the body is copied at every step into a buffer allocated before
// the loop: the buffer is not unchanged in the loop, so it is not packed.
// CHECK-LABEL: func.func @transposed_recurrent_product
// CHECK-NOT:  kernel.vecmat_panels
// CHECK:      scf.for
// CHECK:        kernel.vecmat 
// CHECK-NOT:  kernel.vecmat_panels
func.func @transposed_recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%k : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
    %t = st.transpose %w {perm = array<i64: 1, 0>} : tensor<?x?xf64> to tensor<?x?xf64>
    %p = st.dot %h, %t : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// A matrix invariant in two nested loops is packed once, before the outer one
// (counting the outer loop's steps); the inner loop calls the panel kernel.
// CHECK-LABEL: func.func @nested_recurrent_product
// CHECK:      %[[OUTER_STEPS:.*]] = arith.index_cast %m : i64 to index
// CHECK:      %[[LONG:.*]] = arith.cmpi sge, %[[OUTER_STEPS]], %{{.*}} : index
// CHECK:      %[[PANELS:.*]] = memref.alloc({{.*}}) : memref<?x?x?xf64>
// CHECK:      scf.for %{{.*}} = %{{.*}} to %[[OUTER_STEPS]] step
// CHECK-NOT:    memref.alloc({{.*}}) : memref<?x?x?xf64>
// CHECK:        scf.for
// CHECK:          %[[P:.*]] = memref.subview %[[PANELS]]
// CHECK:          kernel.vecmat_panels %{{.*}}, %[[P]] -> %{{.*}} reverse %{{.*}}
func.func @nested_recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<?xf64>, %k: tensor<i64>, %m: tensor<i64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %r = scan.loop steps(%m : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>, %k : tensor<i64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>, %n: tensor<i64>):
    %start = st.expand_dims %h {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
    %inner = scan.loop steps(%n : tensor<i64>) outs(%start taps [-1] : tensor<1x?xf64>) invariants(%w : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
    ^bb1(%g: tensor<?xf64>, %v: tensor<?x?xf64>):
      %p = st.dot %g, %v : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
      scan.yield %p : tensor<?xf64>
    }
    %last = scan.final %inner, %start : (tensor<?x?xf64>, tensor<1x?xf64>) -> tensor<?xf64>
    scan.yield %last : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// A check that fails first frees the buffers allocated so far (the frees are
// buffer.free_on_error), so a call that stops with an error leaks nothing.
// CHECK-LABEL: func.func @free_on_failure
// CHECK:      %[[TANH:.*]] = memref.alloc
// CHECK:      %[[OK:.*]] = arith.cmpi eq
// CHECK-NEXT: %[[TRUE:.*]] = arith.constant true
// CHECK-NEXT: %[[FAILED:.*]] = arith.xori %[[OK]], %[[TRUE]] : i1
// CHECK-NEXT: scf.if %[[FAILED]] {
// CHECK-NEXT:   buffer.free_on_error %[[TANH]] : memref<?xf64>
// CHECK-NEXT: } else {
// CHECK-NEXT: }
// CHECK-NEXT: cf.assert %[[OK]], "ValueError: dot: shapes are not aligned"
func.func @free_on_failure(%x: tensor<?xf64>, %W: tensor<?x?xf64>) -> tensor<?xf64> {
  %t = st.elementwise "tanh"(%x) : (tensor<?xf64>) -> tensor<?xf64>
  %p = st.dot %t, %W : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  func.return %p : tensor<?xf64>
}

// -----

// Input products (scanc.lowering.input_products): X . Wa and X . Wb, read only
// by the loop at tap 0, whose body has a state product h . U, go side by side
// into one buffer (each a view of its columns) and are computed by the loop:
// when U is packed, the loop runs at least 16 steps and every product has
// whole 16-column tile panels, Wa and Wb are packed in tile panels and the
// first two row groups are computed before the loop, and each step's panel kernel
// call computes the next tiles; otherwise both products run before the loop
// (gemm into their views) and the steps call the kernels as before.
// CHECK-LABEL: func.func @input_products
// CHECK:      "ValueError: dot: shapes are not aligned"
// CHECK:      "ValueError: dot: shapes are not aligned"
// CHECK:      %[[A_END:.*]] = arith.addi %[[ZERO:.*]], %[[A_COLUMNS:.*]] : index
// CHECK-NEXT: %[[COLUMNS:.*]] = arith.addi %[[A_END]], %[[B_COLUMNS:.*]] : index
// CHECK-NEXT: %[[Y:.*]] = memref.alloc(%[[ROWS:.*]], %[[COLUMNS]]) : memref<?x?xf64>
// CHECK:      memref.subview %[[Y]][%{{.*}}, %[[ZERO]]] [%[[ROWS]], %[[A_COLUMNS]]]
// CHECK:      memref.subview %[[Y]][%{{.*}}, %[[A_END]]] [%[[ROWS]], %[[B_COLUMNS]]]
// CHECK:      %[[STEPS:.*]] = arith.minsi
// CHECK:      %[[PACKED:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// CHECK:      %[[LONG:.*]] = arith.cmpi sge, %[[STEPS]], %{{.*}} : index
// CHECK:      %[[A_WHOLE:.*]] = arith.cmpi eq
// CHECK:      %[[B_WHOLE:.*]] = arith.cmpi eq
// CHECK-NEXT: %[[T1:.*]] = arith.andi %[[PACKED]], %[[LONG]] : i1
// CHECK-NEXT: %[[T2:.*]] = arith.andi %[[T1]], %[[A_WHOLE]] : i1
// CHECK-NEXT: %[[TILED:.*]] = arith.andi %[[T2]], %[[B_WHOLE]] : i1
// CHECK:      %[[TILE_PANELS:.*]] = arith.select %[[TILED]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc(%[[TILE_PANELS]], %{{.*}}, %{{.*}}) : memref<?x?x?xf64>
// CHECK:      scf.if %[[TILED]] {
// CHECK:        memref.load %Wa
// CHECK:        memref.store %{{.*}}, %[[B]]
// CHECK:        memref.load %Wb
// CHECK:        memref.store %{{.*}}, %[[B]]
// CHECK:        kernel.gemm_tiles %{{.*}}, %{{.*}} -> %{{.*}} rows %[[STEPS]] first %{{.*}} count %{{.*}}
// CHECK:      } else {
// CHECK:        kernel.blas_gemm
// CHECK:        kernel.blas_gemm
// CHECK:      scf.for %[[STEP:.*]] = %{{.*}} to %[[STEPS]] step
// CHECK:        scf.if %[[TILED]] {
// CHECK:          kernel.vecmat_panels_tiles %{{.*}}, %{{.*}} -> %{{.*}} reverse %{{.*}} tiles %{{.*}}, %{{.*}} -> %{{.*}} rows %[[STEPS]] first %{{.*}} count %{{.*}}
// CHECK:        } else {
// CHECK:          scf.if %[[PACKED]] {
// CHECK:            kernel.vecmat_panels 
// CHECK:          } else {
// CHECK:            kernel.vecmat 
// CHECK:      memref.dealloc %[[B]]
func.func @input_products(%X: tensor<?x?xf64>, %Wa: tensor<?x?xf64>, %Wb: tensor<?x?xf64>, %U: tensor<?x?xf64>, %h0: tensor<?xf64>) -> tensor<?x?xf64> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %xa = st.dot %X, %Wa : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %xb = st.dot %X, %Wb : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%xa taps [0] : tensor<?x?xf64>, %xb taps [0] : tensor<?x?xf64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>, %h: tensor<?xf64>, %u: tensor<?x?xf64>):
    %p = st.dot %h, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%a, %p) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %t = st.elementwise "mul"(%s, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %t : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Nothing is deferred when the product is also read after the loop: it runs
// before the loop, whole, and the steps call the kernels as before.
// CHECK-LABEL: func.func @input_product_read_twice
// CHECK-NOT:  kernel.gemm_tiles
// CHECK:      kernel.blas_gemm 
// CHECK:      scf.for
// CHECK-NOT:  kernel.vecmat_panels_tiles_f64
// CHECK:      kernel.vecmat_panels 
// CHECK:      func.return
func.func @input_product_read_twice(%X: tensor<?x?xf64>, %Wa: tensor<?x?xf64>, %U: tensor<?x?xf64>, %h0: tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %xa = st.dot %X, %Wa : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%xa taps [0] : tensor<?x?xf64>) outs(%init taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %h: tensor<?xf64>, %u: tensor<?x?xf64>):
    %p = st.dot %h, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%a, %p) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %s : tensor<?xf64>
  }
  func.return %r, %xa : tensor<?x?xf64>, tensor<?x?xf64>
}
