// RUN: scanc %s | filecheck %s
// RUN: scanc %s | scanc | filecheck %s
// The kernel ops of the loops stage print and parse back: each names its
// operands (what it reads, what it writes) and its scalar arguments.

!v = memref<?xf64, strided<[?], offset: ?>>
!m = memref<?x?xf64, strided<[?, ?], offset: ?>>
!p = memref<?x?x?xf64, strided<[?, ?, ?], offset: ?>>
!vs = memref<?xf32, strided<[?], offset: ?>>
!ms = memref<?x?xf32, strided<[?, ?], offset: ?>>

// CHECK-LABEL: func.func @kernels
// CHECK:      kernel.vecmat %x, %w -> %out reverse %r : memref<?xf64, strided<[?], offset: ?>>, memref<?x?xf64, strided<[?, ?], offset: ?>> -> memref<?xf64, strided<[?], offset: ?>>
// CHECK-NEXT: kernel.vecmat_panels %x, %p -> %out reverse %r : memref<?xf64, strided<[?], offset: ?>>, memref<?x?x?xf64, strided<[?, ?, ?], offset: ?>> -> memref<?xf64, strided<[?], offset: ?>>
// CHECK-NEXT: kernel.vecmat_panels_tiles %x, %p -> %out reverse %r tiles %a, %p -> %y rows %n first %r count %n : {{.*}}, {{.*}} -> {{.*}}, {{.*}}, {{.*}} -> {{.*}}
// CHECK-NEXT: kernel.gemm_tiles %a, %p -> %y rows %n first %r count %n : {{.*}}
// CHECK-NEXT: kernel.blas_gemm %a, %w -> %y : {{.*}}
// CHECK-NEXT: kernel.blas_gemv %a, %x -> %out : {{.*}}
// CHECK-NEXT: kernel.vecmat %xs, %ws -> %xs reverse %r : memref<?xf32, strided<[?], offset: ?>>
func.func @kernels(%x: !v, %w: !m, %out: !v, %p: !p, %a: !m, %y: !m, %r: index, %n: index, %xs: !vs, %ws: !ms) {
  kernel.vecmat %x, %w -> %out reverse %r : !v, !m -> !v
  kernel.vecmat_panels %x, %p -> %out reverse %r : !v, !p -> !v
  kernel.vecmat_panels_tiles %x, %p -> %out reverse %r tiles %a, %p -> %y rows %n first %r count %n : !v, !p -> !v, !m, !p -> !m
  kernel.gemm_tiles %a, %p -> %y rows %n first %r count %n : !m, !p -> !m
  kernel.blas_gemm %a, %w -> %y : !m, !m -> !m
  kernel.blas_gemv %a, %x -> %out : !m, !v -> !v
  kernel.vecmat %xs, %ws -> %xs reverse %r : !vs, !ms -> !vs
  func.return
}
