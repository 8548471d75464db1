// RUN: scanc %s --split-input-file -p lower-to-loops,cse | filecheck %s
// lower-to-loops on one op of each kind lower-to-loops.mlir does not cover (with
// cse, as the loops stage runs it): the loops each becomes, its run-time checks
// and where it stores.

// arange: the length ceil((stop - start) / step), computed without overflow
// (unsigned division of the distance), then one store per element.
// CHECK-LABEL: func.func @arange
// CHECK:      cf.assert %{{.*}}, "ValueError: arange step is zero"
// CHECK:      %[[FITS:.*]] = arith.cmpi sge, %[[LENGTH:.*]], %{{.*}} : index
// CHECK-NEXT: cf.assert %[[FITS]], "ValueError: arange: maximum allowed size exceeded"
// CHECK-NEXT: %[[OUT:.*]] = memref.alloc(%[[LENGTH]]) : memref<?xi64>
// CHECK-NEXT: scf.for %[[I:.*]] = %{{.*}} to %[[LENGTH]] step
// CHECK:        %[[OFFSET:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK-NEXT:   %[[VALUE:.*]] = arith.addi %{{.*}}, %[[OFFSET]] : i64
// CHECK-NEXT:   memref.store %[[VALUE]], %[[OUT]][%[[I]]] : memref<?xi64>
func.func @arange(%n: tensor<i64>) -> tensor<?xi64> {
  %zero = arith.constant dense<0> : tensor<i64>
  %one = arith.constant dense<1> : tensor<i64>
  %r = st.arange %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  func.return %r : tensor<?xi64>
}

// -----

// reduce: the sum over axis 1 carried through the inner loop as a loop value.
// CHECK-LABEL: func.func @reduce
// CHECK:      %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK-NEXT: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:   %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:   %[[SUM:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f64) {
// CHECK-NEXT:     %[[X:.*]] = memref.load %x[%[[I]], %[[J]]]
// CHECK-NEXT:     %[[NEXT:.*]] = arith.addf %[[ACC]], %[[X]] : f64
// CHECK-NEXT:     scf.yield %[[NEXT]] : f64
// CHECK:        memref.store %[[SUM]], %[[OUT]][%[[I]]]
func.func @reduce(%x: tensor<?x?xf64>) -> tensor<?xf64> {
  %s = st.reduce "sum"(%x) {axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// arg_reduce: an empty axis raises; the running maximum and its index are
// loop values, NaN wins (NumPy's argmax).
// CHECK-LABEL: func.func @arg_reduce
// CHECK:      cf.assert %{{.*}}, "ValueError: argmax of an empty axis"
// CHECK:      scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:   %[[FIRST:.*]] = memref.load %x[%[[I]], %{{.*}}]
// CHECK-NEXT:   %{{.*}}, %[[AT:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[FIRST]], %{{.*}} = %{{.*}}) -> (f64, index) {
// CHECK:          arith.cmpf ogt
// CHECK:          arith.cmpf uno
// CHECK:        %[[INDEX:.*]] = arith.index_cast %[[AT]] : index to i64
// CHECK-NEXT:   memref.store %[[INDEX]]
func.func @arg_reduce(%x: tensor<?x?xf64>) -> tensor<?xi64> {
  %a = st.arg_reduce "argmax"(%x) {axis = 1 : i64} : tensor<?x?xf64> -> tensor<?xi64>
  func.return %a : tensor<?xi64>
}

// -----

// reshape: the sizes checked (non-negative or one -1, products without
// overflow, the same number of elements), then each element read at its flat
// position in the input.
// CHECK-LABEL: func.func @reshape
// CHECK:      "ValueError: reshape sizes must be non-negative, or -1 for one inferred"
// CHECK:      "ValueError: reshape can only infer one size"
// CHECK:      arith.mulsi_extended
// CHECK:      "ValueError: reshape sizes overflow the number of elements"
// CHECK:      "ValueError: reshape must keep the number of elements"
// CHECK:      %[[OUT:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf64>
// CHECK:          %[[COLUMN:.*]] = arith.remsi %[[FLAT:.*]], %{{.*}} : index
// CHECK-NEXT:     %[[ROW:.*]] = arith.divsi %[[FLAT]], %{{.*}} : index
// CHECK-NEXT:     %[[X:.*]] = memref.load %x[%[[ROW]], %[[COLUMN]]]
// CHECK-NEXT:     memref.store %[[X]], %[[OUT]]
func.func @reshape(%x: tensor<?x?xf64>, %n: tensor<i64>) -> tensor<?x?xf64> {
  %two = arith.constant dense<2> : tensor<i64>
  %r = st.reshape %x [%two, %n] : tensor<?x?xf64>, [tensor<i64>, tensor<i64>] -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// concatenate: the other axes checked equal; each input stored into its
// column range of one buffer, through a view.
// CHECK-LABEL: func.func @concatenate
// CHECK:      cf.assert %{{.*}}, "ValueError: concatenate input 1 differs in size along axis 0"
// CHECK:      %[[XEND:.*]] = arith.addi %{{.*}}, %[[XCOLS:.*]] : index
// CHECK-NEXT: %[[COLS:.*]] = arith.addi %[[XEND]], %[[YCOLS:.*]] : index
// CHECK-NEXT: %[[OUT:.*]] = memref.alloc(%{{.*}}, %[[COLS]]) : memref<?x?xf64>
// CHECK-NEXT: %[[LEFT:.*]] = memref.subview %[[OUT]][%{{.*}}, %{{.*}}] [%{{.*}}, %[[XCOLS]]]
// CHECK:          memref.load %x
// CHECK-NEXT:     memref.store %{{.*}}, %[[LEFT]]
// CHECK:      %[[RIGHT:.*]] = memref.subview %[[OUT]][%{{.*}}, %[[XEND]]] [%{{.*}}, %[[YCOLS]]]
// CHECK:          memref.load %y
// CHECK-NEXT:     memref.store %{{.*}}, %[[RIGHT]]
func.func @concatenate(%x: tensor<?x?xf64>, %y: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = st.concatenate(%x, %y) {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// diagonal at offset 1: max(min(rows, columns - 1), 0) elements x[i, i + 1].
// CHECK-LABEL: func.func @diagonal
// CHECK:      %[[ROOM:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[FEWER:.*]] = arith.minsi %{{.*}}, %[[ROOM]] : index
// CHECK-NEXT: %[[LENGTH:.*]] = arith.maxsi %[[FEWER]], %{{.*}} : index
// CHECK-NEXT: %[[OUT:.*]] = memref.alloc(%[[LENGTH]]) : memref<?xf64>
// CHECK-NEXT: scf.for %[[I:.*]] = %{{.*}} to %[[LENGTH]] step
// CHECK-NEXT:   %[[ROW:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK-NEXT:   %[[COLUMN:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK-NEXT:   %[[X:.*]] = memref.load %x[%[[ROW]], %[[COLUMN]]]
// CHECK-NEXT:   memref.store %[[X]], %[[OUT]][%[[I]]]
func.func @diagonal(%x: tensor<?x?xf64>) -> tensor<?xf64> {
  %d = st.diagonal %x {offset = 1 : i64} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %d : tensor<?xf64>
}

// -----

// take along axis 1: every index checked (negative ones wrap) before any
// read, then each row gathered.
// CHECK-LABEL: func.func @take
// CHECK:      scf.for
// CHECK:        cf.assert %{{.*}}, "IndexError: index out of bounds for axis 1"
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK:          %[[WRAPPED:.*]] = arith.select
// CHECK-NEXT:     %[[X:.*]] = memref.load %x[%{{.*}}, %[[WRAPPED]]]
// CHECK-NEXT:     memref.store %[[X]], %[[OUT]]
func.func @take(%x: tensor<?x?xf64>, %i: tensor<?xi64>) -> tensor<?x?xf64> {
  %t = st.take %x, %i {axis = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %t : tensor<?x?xf64>
}

// -----

// put "inc": the value's broadcast checked, the input copied, every index
// checked (the copy freed if one is out of range), then the increments.
// CHECK-LABEL: func.func @put
// CHECK:      "ValueError: input v must have size 1 on axis 0"
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK:          memref.store %{{.*}}, %[[OUT]]
// CHECK:        scf.if
// CHECK-NEXT:     buffer.free_on_error %[[OUT]]
// CHECK:        cf.assert %{{.*}}, "IndexError: index out of bounds for axis 0"
// CHECK:          %[[V:.*]] = memref.load %v
// CHECK-NEXT:     %[[OLD:.*]] = memref.load %[[OUT]][%[[ROW:.*]], %[[J:.*]]]
// CHECK-NEXT:     %[[NEW:.*]] = arith.addf %[[OLD]], %[[V]] : f64
// CHECK-NEXT:     memref.store %[[NEW]], %[[OUT]][%[[ROW]], %[[J]]]
func.func @put(%x: tensor<?x?xf64>, %i: tensor<?xi64>, %v: tensor<1x1xf64>) -> tensor<?x?xf64> {
  %p = st.put "inc" %x, %i, %v {axis = 0 : i64} : tensor<?x?xf64>, tensor<?xi64>, tensor<1x1xf64> -> tensor<?x?xf64>
  func.return %p : tensor<?x?xf64>
}

// -----

// set_subtensor "set" of row i: a copy of x, the index wrapped and checked,
// then the value stored into a view of the row.
// CHECK-LABEL: func.func @set_subtensor
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK:      cf.assert %{{.*}}, "IndexError: index out of bounds for axis 0"
// CHECK:      "ValueError: set_subtensor value does not fit the indexed region along axis 0"
// CHECK-NEXT: %[[ROW:.*]] = memref.subview %[[OUT]]
// CHECK-NEXT: scf.for
// CHECK-NEXT:   %[[V:.*]] = memref.load %v
// CHECK-NEXT:   memref.store %[[V]], %[[ROW]]
func.func @set_subtensor(%x: tensor<?x3xf64>, %v: tensor<3xf64>, %i: tensor<i64>) -> tensor<?x3xf64> {
  %s = st.set_subtensor "set" %x, %v ["i"](%i) : (tensor<?x3xf64>, tensor<3xf64>, tensor<i64>) -> tensor<?x3xf64>
  func.return %s : tensor<?x3xf64>
}

// -----

// compress: the mask's shape checked, its selected elements counted, then
// a second pass stores them in order.
// CHECK-LABEL: func.func @compress
// CHECK:      "IndexError: boolean index does not match the indexed array along axis 0"
// CHECK:      %[[COUNT:.*]] = scf.for
// CHECK:      %[[OUT:.*]] = memref.alloc(%[[COUNT]]) : memref<?xf64>
// CHECK:          %[[M:.*]] = memref.load %m
// CHECK-NEXT:     scf.if %[[M]] {
// CHECK-NEXT:       %[[X:.*]] = memref.load %x
// CHECK-NEXT:       memref.store %[[X]], %[[OUT]]
func.func @compress(%x: tensor<?x?xf64>, %m: tensor<?x?xi1>) -> tensor<?xf64> {
  %c = st.compress %x, %m : tensor<?x?xf64>, tensor<?x?xi1> -> tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// masked_put "set" of a scalar: a copy of x, the mask's shape checked, then
// the value stored where the mask is set.
// CHECK-LABEL: func.func @masked_put
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK:      "IndexError: boolean index does not match the indexed array along axis 0"
// CHECK:        %[[M:.*]] = memref.load %m
// CHECK-NEXT:   scf.if %[[M]] {
// CHECK-NEXT:     memref.store %v, %[[OUT]]
func.func @masked_put(%x: tensor<?xf64>, %m: tensor<?xi1>, %v: tensor<f64>) -> tensor<?xf64> {
  %p = st.masked_put "set" %x, %m, %v : tensor<?xf64>, tensor<?xi1>, tensor<f64> -> tensor<?xf64>
  func.return %p : tensor<?xf64>
}

// -----

// random "uniform": Philox-4x32 blocks from the state's key and counter, two
// float64 draws per block (53-bit mantissas scaled into [lo, hi)), a last
// half block for an odd size, then the next state (the counter advanced by the
// blocks used).
// CHECK-LABEL: func.func @random
// CHECK:      "ValueError: negative size of a draw"
// CHECK:      "MemoryError: the size of the draw overflows"
// CHECK:      %[[OUT:.*]] = memref.alloc
// CHECK:      scf.for
// CHECK:        arith.constant 3528531795 : i64
// CHECK:        arith.uitofp %{{.*}} : i64 to f64
// CHECK:        %[[SPAN:.*]] = arith.subf %hi, %lo : f64
// CHECK-NEXT:   %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[SPAN]] : f64
// CHECK-NEXT:   %[[DRAW:.*]] = arith.addf %lo, %[[SCALED]] : f64
// CHECK-NEXT:   memref.store %[[DRAW]], %[[OUT]]
// CHECK:      scf.if
// CHECK:      %[[STATE:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK:      func.return %[[OUT]], %[[STATE]]
func.func @random(%state: tensor<2xi64>, %n: tensor<i64>, %lo: tensor<f64>, %hi: tensor<f64>) -> (tensor<?xf64>, tensor<2xi64>) {
  %u, %next = st.random "uniform" %state [%n] (%lo, %hi) trials 1 : i64 : tensor<2xi64>, [tensor<i64>], (tensor<f64>, tensor<f64>) -> tensor<?xf64>, tensor<2xi64>
  func.return %u, %next : tensor<?xf64>, tensor<2xi64>
}
