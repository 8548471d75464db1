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

// CHECK-LABEL: func.func @lapack
// CHECK-NEXT: %i = kernel.lapack_syevd %a, %w {lower} : memref<?x?xf64>, memref<?xf64>
// CHECK-NEXT: %j = kernel.lapack_gesdd %a -> %u, %w, %vt {full_matrices} : memref<?x?xf64> -> memref<?x?xf64>, memref<?xf64>, memref<?x?xf64>
// CHECK-NEXT: %k = kernel.lapack_geqrf %a, %w : memref<?x?xf64>, memref<?xf64>
// CHECK-NEXT: %l = kernel.lapack_orgqr %u, %w : memref<?x?xf64>, memref<?xf64>
// CHECK-NEXT: %m = kernel.lapack_gesv %a, %p, %w : memref<?x?xf64>, memref<?xi64>, memref<?xf64>
// CHECK-NEXT: %n = kernel.lapack_getrf %a, %p : memref<?x?xf64>, memref<?xi64>
// CHECK-NEXT: %o = kernel.lapack_potrf %a {lower} : memref<?x?xf64>
// CHECK-NEXT: %q = kernel.lapack_trtrs %a, %u {trans, unit_diagonal} : memref<?x?xf64>, memref<?x?xf64>
func.func @lapack(%a: memref<?x?xf64>, %w: memref<?xf64>, %u: memref<?x?xf64>, %vt: memref<?x?xf64>, %p: memref<?xi64>) -> (i64, i64, i64, i64) {
  %i = kernel.lapack_syevd %a, %w {lower} : memref<?x?xf64>, memref<?xf64>
  %j = kernel.lapack_gesdd %a -> %u, %w, %vt {full_matrices} : memref<?x?xf64> -> memref<?x?xf64>, memref<?xf64>, memref<?x?xf64>
  %k = kernel.lapack_geqrf %a, %w : memref<?x?xf64>, memref<?xf64>
  %l = kernel.lapack_orgqr %u, %w : memref<?x?xf64>, memref<?xf64>
  %m = kernel.lapack_gesv %a, %p, %w : memref<?x?xf64>, memref<?xi64>, memref<?xf64>
  %n = kernel.lapack_getrf %a, %p : memref<?x?xf64>, memref<?xi64>
  %o = kernel.lapack_potrf %a {lower} : memref<?x?xf64>
  %q = kernel.lapack_trtrs %a, %u {trans, unit_diagonal} : memref<?x?xf64>, memref<?x?xf64>
  func.return %i, %j, %k, %l : i64, i64, i64, i64
}
