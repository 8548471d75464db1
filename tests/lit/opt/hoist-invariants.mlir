// RUN: scanc %s --split-input-file -p hoist-invariants | filecheck %s
// hoist-invariants moves invariant work before the loop and batches row-wise work
// over all rows of a sequence.

// A product with a sequence row becomes one matrix product before the loop, read
// back as a new sequence; the recurrent product stays.
// CHECK-LABEL: func.func @rowwise_product
// CHECK:      %[[YU:.*]] = st.dot %Y, %U : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK-NEXT: %{{.*}} = scan.loop seqs(%Y taps [0] : tensor<?x?xf64>, %[[YU]] taps [0] : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%y: tensor<?xf64>, %[[ROW:.*]]: tensor<?xf64>, %x: tensor<?xf64>, %w: tensor<?x?xf64>, %u: tensor<?x?xf64>):
// CHECK-NEXT:   %[[XW:.*]] = st.dot %x, %w
// CHECK-NEXT:   st.elementwise "add"(%[[XW]], %[[ROW]])
func.func @rowwise_product(%Y: tensor<?x?xf64>, %x0: tensor<1x?xf64>, %W: tensor<?x?xf64>, %U: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = scan.loop seqs(%Y taps [0] : tensor<?x?xf64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>, %U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%y: tensor<?xf64>, %x: tensor<?xf64>, %w: tensor<?x?xf64>, %u: tensor<?x?xf64>):
    %xw = st.dot %x, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %yu = st.dot %y, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%xw, %yu) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %s : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Work on invariants alone moves out as a new invariant.
// CHECK-LABEL: func.func @invariant_transpose
// CHECK:      %[[T:.*]] = st.transpose %W
// CHECK-NEXT: scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>, %[[T]] : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%x: tensor<?xf64>, %w: tensor<?x?xf64>, %[[WT:.*]]: tensor<?x?xf64>):
// CHECK-NEXT:   st.dot %x, %[[WT]]
func.func @invariant_transpose(%x0: tensor<1x?xf64>, %W: tensor<?x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%x: tensor<?xf64>, %w: tensor<?x?xf64>):
    %wt = st.transpose %w {perm = array<i64: 1, 0>} : tensor<?x?xf64> to tensor<?x?xf64>
    %d = st.dot %x, %wt : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    scan.yield %d : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Negative case: everything reads the recurrent state; nothing may move.
// CHECK-LABEL: func.func @state_dependent
// CHECK-NOT:  st.dot %W
// CHECK:      scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%x: tensor<?xf64>, %w: tensor<?x?xf64>):
// CHECK-NEXT:   st.dot %x, %w
// CHECK-NEXT:   st.elementwise "tanh"
func.func @state_dependent(%x0: tensor<1x?xf64>, %W: tensor<?x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %r = scan.loop steps(%n : tensor<i64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%x: tensor<?xf64>, %w: tensor<?x?xf64>):
    %d = st.dot %x, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %t = st.elementwise "tanh"(%d) : (tensor<?xf64>) -> tensor<?xf64>
    scan.yield %t : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// With until, row-wise work stays in the loop (the exit would skip later rows).
// CHECK-LABEL: func.func @until_keeps_rows
// CHECK:      scan.loop seqs(%Y taps [0] : tensor<?x?xf64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>)
// CHECK-NEXT: ^bb0(%y: tensor<?xf64>, %x: tensor<?xf64>, %u: tensor<?x?xf64>):
// CHECK-NEXT:   st.dot %y, %u
func.func @until_keeps_rows(%Y: tensor<?x?xf64>, %x0: tensor<1x?xf64>, %U: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = scan.loop seqs(%Y taps [0] : tensor<?x?xf64>) outs(%x0 taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%y: tensor<?xf64>, %x: tensor<?xf64>, %u: tensor<?x?xf64>):
    %d = st.dot %y, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.reduce "sum"(%d) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
    %zero = arith.constant dense<0.0> : tensor<f64>
    %stop = st.elementwise "gt"(%s, %zero) : (tensor<f64>, tensor<f64>) -> tensor<i1>
    scan.yield %d until %stop : tensor<i1> : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Sequence taps other than 0 read a shifted slice of the batched rows; a loop
// nested in the body is hoisted first and its invariant work leaves both loops.
// CHECK-LABEL: func.func @shifted_tap
// CHECK:      %[[C2:.*]] = arith.constant dense<2> : tensor<i64>
// CHECK-NEXT: %[[FROM2:.*]] = st.subtensor %Y ["sx__"](%[[C2]])
// CHECK-NEXT: %[[SQ:.*]] = st.elementwise "mul"(%[[FROM2]], %[[FROM2]])
// CHECK-NEXT: scan.loop seqs(%Y taps [-2, 0] : tensor<?x?xf64>, %[[SQ]] taps [0] : tensor<?x?xf64>)
func.func @shifted_tap(%Y: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = scan.loop seqs(%Y taps [-2, 0] : tensor<?x?xf64>) outs(map) -> (tensor<?x?xf64>) {
  ^bb0(%y_tm2: tensor<?xf64>, %y: tensor<?xf64>):
    %sq = st.elementwise "mul"(%y, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%sq, %y_tm2) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %s : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// Work that only one branch of an ifelse needs runs only when that branch is
// taken, so it stays in the body even when it reads invariants alone (x[k * k]
// before the loop would be checked even if no step takes the branch); the
// condition, which every step needs, is still batched over the rows.
// CHECK-LABEL: func.func @branch_work_stays
// CHECK:      %[[C:.*]] = st.elementwise "gt"(%xs, %{{.*}}) : (tensor<?xf64>, tensor<1xf64>) -> tensor<?xi1>
// CHECK-NEXT: scan.loop seqs(%xs taps [0] : tensor<?xf64>, %[[C]] taps [0] : tensor<?xi1>) outs(map) invariants(%xs : tensor<?xf64>, %k : tensor<i64>)
// CHECK-NEXT: ^bb0(%x: tensor<f64>, %c: tensor<i1>, %v: tensor<?xf64>, %j: tensor<i64>):
// CHECK-NEXT:   arith.constant
// CHECK-NEXT:   %jj = st.elementwise "mul"(%j, %j)
// CHECK-NEXT:   %row = st.subtensor %v ["i"](%jj)
// CHECK-NEXT:   st.ifelse %c, %x, %row
func.func @branch_work_stays(%xs: tensor<?xf64>, %k: tensor<i64>) -> tensor<?xf64> {
  %r = scan.loop seqs(%xs taps [0] : tensor<?xf64>) outs(map) invariants(%xs : tensor<?xf64>, %k : tensor<i64>) -> (tensor<?xf64>) {
  ^bb0(%x: tensor<f64>, %v: tensor<?xf64>, %j: tensor<i64>):
    %zero = arith.constant dense<0.0> : tensor<f64>
    %c = st.elementwise "gt"(%x, %zero) : (tensor<f64>, tensor<f64>) -> tensor<i1>
    %jj = st.elementwise "mul"(%j, %j) : (tensor<i64>, tensor<i64>) -> tensor<i64>
    %row = st.subtensor %v ["i"](%jj) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
    %r = st.ifelse %c, %x, %row : (tensor<i1>, tensor<f64>, tensor<f64>) -> tensor<f64>
    scan.yield %r : tensor<f64>
  }
  func.return %r : tensor<?xf64>
}
