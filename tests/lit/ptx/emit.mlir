// RUN: scanc %s --target=cuda --emit=ptx | filecheck %s
// RUN: scanc %s --target=cuda:sm_90 --emit=ptx | filecheck %s --check-prefix=SM90
// The ptx stage (a GPU's asm): the function is one kernel entry for one block
// of 256 threads that asks for a multiprocessor of its own; the threads read
// their ids, share the steps' elements and meet at barriers. `+` and `*`
// without the `contract` flag stay separately rounded (.rn: ptxas fuses
// nothing), as on the CPU; the dot product contracts, as on the CPU.

// CHECK:       .version 7.0
// CHECK:       .target sm_80
// CHECK:       .visible .entry rnn(
// CHECK:       .maxntid 256
// CHECK:       .minnctapersm 1
// CHECK-NOT:   .local
// CHECK:       mov.u32 {{.*}}%tid.x
// CHECK:       mov.u32 {{.*}}%ntid.x
// CHECK:       bar.sync 0
// CHECK:       fma.rn.f64
// CHECK:       bar.sync 0
// CHECK:       mul.rn.f64
// CHECK:       add.rn.f64
// SM90:        .version 7.8
// SM90:        .target sm_90
func.func @rnn(%x: tensor<?x?xf64>, %h0: tensor<?xf64>, %W: tensor<?x?xf64>, %a: tensor<?xf64>) -> tensor<?x?xf64> {
  %0 = st.expand_dims %h0 {axes = array<i64: 0>} : tensor<?xf64> to tensor<1x?xf64>
  %1 = scan.loop seqs(%x taps [0] : tensor<?x?xf64>) outs(%0 taps [-1] : tensor<1x?xf64>) invariants(%W : tensor<?x?xf64>, %a : tensor<?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%x_t: tensor<?xf64>, %h: tensor<?xf64>, %W_1: tensor<?x?xf64>, %a_1: tensor<?xf64>):
    %2 = st.dot %h, %W_1 : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %3 = st.elementwise "mul"(%2, %a_1) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %4 = st.elementwise "add"(%3, %x_t) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %4 : tensor<?xf64>
  }
  func.return %1 : tensor<?x?xf64>
}
