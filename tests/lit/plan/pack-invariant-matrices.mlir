// RUN: scanc %s --split-input-file -p pack-invariant-matrices | filecheck %s
// pack-invariant-matrices: x . W with W unchanged in the loop around it reads
// W packed in column panels (st.pack_panels before the loop, an invariant of
// it), the thresholds of the target on the op.

// CHECK-LABEL: func.func @recurrent_product
// CHECK:      %[[P:.*]] = st.pack_panels %W {min_bytes = 1048576 : i64, min_steps = 16 : i64} : tensor<?x?xf64> -> tensor<?x?x64xf64>
// CHECK-NEXT: scan.loop steps(%k : tensor<i64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>, %[[P]] : tensor<?x?x64xf64>)
// CHECK-NEXT: ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>, %[[PP:.*]]: tensor<?x?x64xf64>):
// CHECK-NEXT:   %p = st.panel_dot %h, %[[PP]], %w : (tensor<?xf64>, tensor<?x?x64xf64>, tensor<?x?xf64>) -> tensor<?xf64>
// CHECK-NEXT:   scan.yield %p
func.func @recurrent_product(%W: tensor<?x?xf64>, %h0: tensor<1x?xf64>, %k: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%k : tensor<i64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
    %p = st.dot %h, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// A matrix unchanged in both loops is packed before the outer one (float32
// panels are twice as wide) and passed down through both.
// CHECK-LABEL: func.func @nested
// CHECK:      %[[P:.*]] = st.pack_panels %W {{.*}} : tensor<?x?xf32> -> tensor<?x?x128xf32>
// CHECK-NEXT: scan.loop steps(%m : tensor<i64>) {{.*}} invariants(%W : tensor<?x?xf32>, %k : tensor<i64>, %[[P]] : tensor<?x?x128xf32>)
// CHECK-NEXT: ^bb0(%h: tensor<?xf32>, %w: tensor<?x?xf32>, %n: tensor<i64>, %[[OUTER:.*]]: tensor<?x?x128xf32>):
// CHECK:        scan.loop steps(%n : tensor<i64>) {{.*}} invariants(%w : tensor<?x?xf32>, %[[OUTER]] : tensor<?x?x128xf32>)
// CHECK-NEXT:   ^bb{{.*}}(%g: tensor<?xf32>, %v: tensor<?x?xf32>, %[[INNER:.*]]: tensor<?x?x128xf32>):
// CHECK-NEXT:     st.panel_dot %g, %[[INNER]], %v
func.func @nested(%W: tensor<?x?xf32>, %h0: tensor<?xf32>, %k: tensor<i64>, %m: tensor<i64>) -> tensor<?x?xf32> {
  %init = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf32> to tensor<1x?xf32>
  %r = scan.loop steps(%m : tensor<i64>) outs(%init taps [-1] : tensor<1x?xf32>) invariants(%W : tensor<?x?xf32>, %k : tensor<i64>) -> (tensor<?x?xf32>) {
  ^bb0(%h: tensor<?xf32>, %w: tensor<?x?xf32>, %n: tensor<i64>):
    %start = st.expand_dims %h {axes = array<i64: 0>} : tensor<?xf32> to tensor<1x?xf32>
    %inner = scan.loop steps(%n : tensor<i64>) outs(%start taps [-1] : tensor<1x?xf32>) invariants(%w : tensor<?x?xf32>) -> (tensor<?x?xf32>) {
    ^bb1(%g: tensor<?xf32>, %v: tensor<?x?xf32>):
      %p = st.dot %g, %v : (tensor<?xf32>, tensor<?x?xf32>) -> tensor<?xf32>
      scan.yield %p : tensor<?xf32>
    }
    %last = scan.final %inner, %start : (tensor<?x?xf32>, tensor<1x?xf32>) -> tensor<?xf32>
    scan.yield %last : tensor<?xf32>
  }
  func.return %r : tensor<?x?xf32>
}

// -----

// A matrix the loop changes (here a row of a sequence) stays a plain st.dot.
// CHECK-LABEL: func.func @changing_matrix
// CHECK-NOT:  st.pack_panels
// CHECK:      st.dot %h, %m
func.func @changing_matrix(%Ms: tensor<?x?x?xf64>, %h0: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %r = scan.loop seqs(%Ms taps [0] : tensor<?x?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%m: tensor<?x?xf64>, %h: tensor<?xf64>):
    %p = st.dot %h, %m : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %p : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
