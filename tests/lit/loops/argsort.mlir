// RUN: scanc %s -p lower-to-loops,cse | filecheck %s
// lower-to-loops writes st.argsort as a bottom-up merge sort of indices: the
// result row starts as 0..n-1; a do-while loop doubles the run width; each pass
// merges neighbouring runs into a scratch row (taking from the left run unless
// the right run's key is strictly smaller, NaN after every number: stable) and
// copies it back.
// CHECK-LABEL: func.func @argsort
// CHECK:      %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK-NEXT: %[[SCRATCH:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK:      memref.store %{{.*}}, %[[OUT]][%{{.*}}] : memref<?xi64>
// CHECK:      scf.while (%[[WIDTH:.*]] = %{{.*}}) : (index) -> index {
// CHECK:        %[[TWICE:.*]] = arith.muli %[[WIDTH]], %{{.*}} : index
// CHECK-NEXT:   scf.for %[[LO:.*]] = %{{.*}} to %{{.*}} step %[[TWICE]] {
// CHECK:          scf.for %{{.*}} iter_args(%[[I:.*]] = %[[LO]], %[[J:.*]] = %{{.*}}) -> (index, index) {
// CHECK:            %[[LESS:.*]] = arith.cmpf olt, %[[RIGHT:.*]], %[[LEFT:.*]] : f64
// CHECK-NEXT:       %[[NUMBER:.*]] = arith.cmpf ord, %[[RIGHT]], %[[RIGHT]] : f64
// CHECK-NEXT:       %[[NAN:.*]] = arith.cmpf uno, %[[LEFT]], %[[LEFT]] : f64
// CHECK:            memref.store %{{.*}}, %[[SCRATCH]][%{{.*}}] : memref<?xi64>
// CHECK:        memref.store %{{.*}}, %[[OUT]][%{{.*}}] : memref<?xi64>
// CHECK:        scf.condition(%{{.*}}) %[[TWICE]] : index
// CHECK:      memref.dealloc %[[SCRATCH]]
// CHECK-NEXT: func.return %[[OUT]]
func.func @argsort(%x: tensor<?xf64>) -> tensor<?xi64> {
  %i = st.argsort %x : tensor<?xf64> -> tensor<?xi64>
  func.return %i : tensor<?xi64>
}
