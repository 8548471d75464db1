// RUN: scanc %s --split-input-file -p sink-into-branches | filecheck %s --check-prefix=SINK
// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s --check-prefix=LOOPS
// ifelse is lazy: sink-into-branches moves the ops only one branch needs into
// that branch of an st.if (ops read elsewhere stay before it), and
// lower-to-loops (which runs it first) emits an scf.if whose branches compute
// only their own value.

// The index and the product go to `then`, the sum to `else`; the constant is
// read after the choice too, so it stays. The index check runs only in `then`.
// SINK-LABEL: func.func @lazy
// SINK:      %two = arith.constant
// SINK-NEXT: %r = st.if %c : tensor<i1> -> tensor<f64> {
// SINK-NEXT:   %row = st.subtensor %x ["i"](%i)
// SINK-NEXT:   %twice = st.elementwise "mul"(%row, %two)
// SINK-NEXT:   st.yield %twice : tensor<f64>
// SINK-NEXT: } else {
// SINK-NEXT:   %sum = st.reduce "sum"(%x)
// SINK-NEXT:   st.yield %sum : tensor<f64>
// SINK-NEXT: }
// SINK-NEXT: st.elementwise "add"(%r, %two)
// LOOPS-LABEL: func.func @lazy
// LOOPS:      %[[R:.*]] = scf.if %c -> (f64) {
// LOOPS:        cf.assert %{{.*}}, "IndexError: index out of bounds for axis 0"
// LOOPS:        %[[ROW:.*]] = memref.load %x[%{{.*}}] : memref<?xf64>
// LOOPS-NEXT:   %[[TWICE:.*]] = arith.mulf %[[ROW]], %{{.*}} : f64
// LOOPS-NEXT:   scf.yield %[[TWICE]] : f64
// LOOPS-NEXT: } else {
// LOOPS:        %[[SUM:.*]] = scf.for
// LOOPS:        scf.yield %[[SUM]] : f64
// LOOPS-NEXT: }
// LOOPS-NEXT: arith.addf %[[R]], %{{.*}} : f64
func.func @lazy(%c: tensor<i1>, %x: tensor<?xf64>, %i: tensor<i64>) -> tensor<f64> {
  %row = st.subtensor %x ["i"](%i) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  %two = arith.constant dense<2.0> : tensor<f64>
  %twice = st.elementwise "mul"(%row, %two) : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %sum = st.reduce "sum"(%x) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %r = st.ifelse %c, %twice, %sum : (tensor<i1>, tensor<f64>, tensor<f64>) -> tensor<f64>
  %s = st.elementwise "add"(%r, %two) : (tensor<f64>, tensor<f64>) -> tensor<f64>
  func.return %s : tensor<f64>
}

// -----

// exp(x) is also an output, so it is computed before the choice; only the log
// moves. A float condition is true when not zero (NaN included). Tensors leave
// each branch as a buffer and its size: `then` hands over the buffer it
// allocated, `else` copies the input.
// SINK-LABEL: func.func @shared
// SINK:      %e = st.elementwise "exp"(%x)
// SINK-NEXT: %r = st.if %c : tensor<f64> -> tensor<?xf64> {
// SINK-NEXT:   %l = st.elementwise "log"(%e)
// SINK-NEXT:   st.yield %l : tensor<?xf64>
// SINK-NEXT: } else {
// SINK-NEXT:   st.yield %x : tensor<?xf64>
// SINK-NEXT: }
// LOOPS-LABEL: func.func @shared
// LOOPS:      math.exp
// LOOPS:      %[[TRUE:.*]] = arith.cmpf une, %c, %{{.*}} : f64
// LOOPS-NEXT: %[[BUF:.*]], %{{.*}} = scf.if %[[TRUE]] -> (memref<?xf64>, index) {
// LOOPS-NEXT:   %[[LOG:.*]] = memref.alloc
// LOOPS:        math.log
// LOOPS:        scf.yield %[[LOG]], %{{.*}} : memref<?xf64>, index
// LOOPS-NEXT: } else {
// LOOPS-NEXT:   %[[COPY:.*]] = memref.alloc
// LOOPS:        scf.yield %[[COPY]], %{{.*}} : memref<?xf64>, index
// LOOPS-NEXT: }
// LOOPS-NEXT: func.return %[[BUF]]
func.func @shared(%c: tensor<f64>, %x: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %e = st.elementwise "exp"(%x) : (tensor<?xf64>) -> tensor<?xf64>
  %l = st.elementwise "log"(%e) : (tensor<?xf64>) -> tensor<?xf64>
  %r = st.ifelse %c, %l, %x : (tensor<f64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  func.return %r, %e : tensor<?xf64>, tensor<?xf64>
}

// -----

// Nested: the outer choice is rewritten first and carries the inner one, with
// the ops only it needs, into its `then` branch.
// SINK-LABEL: func.func @nested
// SINK:      %outer = st.if %c : tensor<i1> -> tensor<f64> {
// SINK-NEXT:   %inner = st.if %d : tensor<i1> -> tensor<f64> {
// SINK-NEXT:     %sum = st.reduce "sum"(%x)
// SINK-NEXT:     st.yield %sum
// SINK-NEXT:   } else {
// SINK-NEXT:     %max = st.reduce "max"(%x)
// SINK-NEXT:     st.yield %max
// SINK-NEXT:   }
// SINK-NEXT:   st.yield %inner
// SINK-NEXT: } else {
// SINK-NEXT:   st.yield %y
// SINK-NEXT: }
func.func @nested(%c: tensor<i1>, %d: tensor<i1>, %x: tensor<?xf64>, %y: tensor<f64>) -> tensor<f64> {
  %sum = st.reduce "sum"(%x) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %max = st.reduce "max"(%x) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %inner = st.ifelse %d, %sum, %max : (tensor<i1>, tensor<f64>, tensor<f64>) -> tensor<f64>
  %outer = st.ifelse %c, %inner, %y : (tensor<i1>, tensor<f64>, tensor<f64>) -> tensor<f64>
  func.return %outer : tensor<f64>
}
