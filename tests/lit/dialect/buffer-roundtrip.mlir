// RUN: scanc %s | filecheck %s
// RUN: scanc %s | scanc | filecheck %s
// The buffer ops of the loops stage print and parse back.

// CHECK-LABEL: func.func @buffers
// CHECK:      %[[B:.*]] = buffer.pooled_alloc(%n, %n) site 3 : i64 : memref<?x?xf64>
// CHECK-NEXT: buffer.free_on_error %[[B]] : memref<?x?xf64>
// CHECK-NEXT: buffer.free_on_error %[[B]], %v : memref<?x?xf64>, memref<?xf32>
func.func @buffers(%n: index, %v: memref<?xf32>) {
  %b = buffer.pooled_alloc(%n, %n) site 3 : i64 : memref<?x?xf64>
  buffer.free_on_error %b : memref<?x?xf64>
  buffer.free_on_error %b, %v : memref<?x?xf64>, memref<?xf32>
  func.return
}
