// RUN: scanc %s --split-input-file --verify-diagnostics | filecheck %s
// The kernel ops' verifiers reject operands a kernel cannot take.

func.func @matrix_as_vector(%x: memref<?x?xf64>, %w: memref<?x?xf64>, %out: memref<?xf64>, %r: index) {
  kernel.vecmat %x, %w -> %out reverse %r : memref<?x?xf64>, memref<?x?xf64> -> memref<?xf64>
  func.return
}
// CHECK: kernel.vecmat: 'x' must have rank 1, not 2

// -----

func.func @mixed_precision(%x: memref<?xf32>, %w: memref<?x?xf64>, %out: memref<?xf64>, %r: index) {
  kernel.vecmat %x, %w -> %out reverse %r : memref<?xf32>, memref<?x?xf64> -> memref<?xf64>
  func.return
}
// CHECK: kernel.vecmat: operands of different element types

// -----

func.func @integer_product(%a: memref<?x?xi64>, %b: memref<?x?xi64>, %c: memref<?x?xi64>) {
  kernel.blas_gemm %a, %b -> %c : memref<?x?xi64>, memref<?x?xi64> -> memref<?x?xi64>
  func.return
}
// CHECK: kernel.blas_gemm: element type must be f64 or f32, not i64

// -----

func.func @float32_tiles(%a: memref<?x?xf32>, %bt: memref<?x?x?xf32>, %y: memref<?x?xf32>, %n: index) {
  kernel.gemm_tiles %a, %bt -> %y rows %n first %n count %n : memref<?x?xf32>, memref<?x?x?xf32> -> memref<?x?xf32>
  func.return
}
// CHECK: kernel.gemm_tiles: element type must be f64, not f32

// -----

func.func @strided_rows(%a: memref<4x4xf64, strided<[1, 4]>>, %x: memref<?xf64>, %y: memref<?xf64>) {
  kernel.blas_gemv %a, %x -> %y : memref<4x4xf64, strided<[1, 4]>>, memref<?xf64> -> memref<?xf64>
  func.return
}
// CHECK: kernel.blas_gemv: the rows of 'a' must be contiguous

// -----

func.func @lapack_types(%a: memref<?x?xf64>, %w: memref<?xf32>) {
  %i = kernel.lapack_syevd %a, %w : memref<?x?xf64>, memref<?xf32>
  func.return
}
// CHECK: kernel.lapack_syevd: operands of different element types

// -----

func.func @lapack_rows(%a: memref<4x4xf64, strided<[1, 4]>>, %t: memref<?xf64>) {
  %i = kernel.lapack_geqrf %a, %t : memref<4x4xf64, strided<[1, 4]>>, memref<?xf64>
  func.return
}
// CHECK: kernel.lapack_geqrf: the rows of 'a' must be contiguous

// -----

func.func @pivots(%a: memref<?x?xf64>, %p: memref<?xi32>) {
  %i = kernel.lapack_getrf %a, %p : memref<?x?xf64>, memref<?xi32>
  func.return
}
// CHECK: kernel.lapack_getrf: the pivots are a vector of i64, not memref<?xi32>
