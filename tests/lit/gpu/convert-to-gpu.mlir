// RUN: scanc %s --target=cuda --emit=gpu | filecheck %s
// RUN: scanc %s --emit=loops | filecheck %s --check-prefix=LOOPS
// The gpu stage: the loops-stage function (LOOPS) becomes one kernel run by a
// block of threads. Loops of independent iterations become threads.each
// (the product's output elements, the tanh, the copy into the trace); the
// scalar state's store runs in threads.single; the time loop stays uniform
// around them; a barrier comes before and after each region.

// LOOPS-LABEL: func.func @rnn
// LOOPS:       scf.for
// LOOPS:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// LOOPS:           scf.for %{{.*}} iter_args
// LOOPS:         } {scanc.parallel}

// CHECK:       builtin.module attributes {gpu.container_module} {
// CHECK:         "gpu.module"() <{sym_name = "rnn_kernels"}>
// CHECK:           "gpu.func"() <{function_type = (memref<?x?xf64>, memref<?xf64>, memref<?x?xf64>) -> (), kernel}>
// CHECK:             %[[TID:tid]] = "gpu.thread_id"() <{dimension = #gpu<dim x>}> : () -> index
// CHECK:             %[[NTID:ntid]] = "gpu.block_dim"() <{dimension = #gpu<dim x>}> : () -> index
// the time loop, uniform
// CHECK:             scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f64) {
// h . W: one dot product per output element, shared among the threads
// CHECK:               "gpu.barrier"() : () -> ()
// CHECK-NEXT:          threads.each %{{.*}} thread %[[TID]] of %[[NTID]] {
// CHECK-NEXT:          ^bb0(%[[J:.*]]: index):
// CHECK-NEXT:            scf.for %{{.*}} iter_args
// CHECK:                 memref.store %{{.*}}, %{{.*}}[%[[J]]]
// CHECK:               }
// CHECK-NEXT:          "gpu.barrier"() : () -> ()
// CHECK:               cf.assert
// CHECK:               "gpu.barrier"() : () -> ()
// CHECK-NEXT:          threads.each
// CHECK:                 math.tanh
// CHECK:               "gpu.barrier"() : () -> ()
// the running sum: every thread adds the same values (uniform) ...
// CHECK:               scf.for %{{.*}} iter_args
// CHECK:                 memref.load
// CHECK:               arith.addf
// the new state copied into the trace, shared
// CHECK:               "gpu.barrier"() : () -> ()
// CHECK-NEXT:          threads.each
// CHECK:               "gpu.barrier"() : () -> ()
// ... and thread 0 alone stores the sum into the ring of the scalar output
// CHECK:               "gpu.barrier"() : () -> ()
// CHECK-NEXT:          threads.single thread %[[TID]] {
// CHECK-NEXT:            memref.store
// CHECK-NEXT:          }
// CHECK-NEXT:          "gpu.barrier"() : () -> ()
// CHECK-NEXT:          scf.yield
// CHECK:             threads.results %{{.*}}, %{{.*}} : memref<?x?xf64>, f64
// CHECK-NEXT:        "gpu.return"() : () -> ()
// CHECK:           }) {sym_name = "rnn", gpu.known_block_size = array<i32: 256, 1, 1>}
func.func @rnn(%x: tensor<?x?xf64>, %h0: tensor<?xf64>, %W: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<f64>) {
  %0 = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %1 = arith.constant dense<0.000000e+00> : tensor<f64>
  %2 = st.expand_dims %1 {axes = array<i64: 0>} : tensor<f64> to tensor<1xf64>
  %3, %4 = scan.loop seqs(%x taps [0] : tensor<?x?xf64>) outs(%0 taps [-1] : tensor<1x?xf64>, %2 taps [-1] : tensor<1xf64>) invariants(%W : tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?xf64>) {
  ^bb0(%x_t: tensor<?xf64>, %h: tensor<?xf64>, %s: tensor<f64>, %W_1: tensor<?x?xf64>):
    %5 = st.dot %h, %W_1 : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %6 = st.elementwise "add"(%5, %x_t) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %7 = st.elementwise "tanh"(%6) : (tensor<?xf64>) -> tensor<?xf64>
    %8 = st.reduce "sum"(%7) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
    %9 = st.elementwise "add"(%s, %8) : (tensor<f64>, tensor<f64>) -> tensor<f64>
    scan.yield %7, %9 : tensor<?xf64>, tensor<f64>
  }
  %10 = arith.constant dense<-1> : tensor<i64>
  %11 = st.subtensor %4 ["i"](%10) : (tensor<?xf64>, tensor<i64>) -> tensor<f64>
  func.return %3, %11 : tensor<?x?xf64>, tensor<f64>
}
