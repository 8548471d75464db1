// RUN: scanc %s --split-input-file -p pack-invariant-matrices,input-products-in-loop | filecheck %s
// input-products-in-loop: products X . W_p read only by a loop (tap 0) whose
// body has a packed state product become one st.input_products, which that
// product computes (`tiles`).

// CHECK-LABEL: func.func @input_products
// CHECK:      %[[P:.*]] = st.pack_panels %U
// CHECK-NEXT: %[[A:.*]], %[[B:.*]] = st.input_products %X, %Wa, %Wb {min_steps = 16 : i64} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
// CHECK-NEXT: scan.loop seqs(%[[A]] taps [0] : tensor<?x?xf64>, %[[B]] taps [0] : tensor<?x?xf64>)
// CHECK:        st.panel_dot %h, %{{.*}}, %u {tiles}
// CHECK-NOT:  st.dot
func.func @input_products(%X: tensor<?x?xf64>, %Wa: tensor<?x?xf64>, %Wb: tensor<?x?xf64>, %U: tensor<?x?xf64>, %h0: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %xa = st.dot %X, %Wa : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %xb = st.dot %X, %Wb : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%xa taps [0] : tensor<?x?xf64>, %xb taps [0] : tensor<?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>, %h: tensor<?xf64>, %u: tensor<?x?xf64>):
    %p = st.dot %h, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%a, %p) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %t = st.elementwise "mul"(%s, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %t : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}

// -----

// A product also read after the loop and one read at another tap stay st.dot
// before the loop; of the others, those of the first one's X (here Z) move,
// those of another X stay.
// CHECK-LABEL: func.func @mixed
// CHECK-DAG:  %xa = st.dot %X, %Wa
// CHECK-DAG:  %xb = st.dot %X, %Wb
// CHECK-DAG:  %xd = st.dot %X, %Wd
// CHECK:      %[[Y:.*]] = st.input_products %Z, %Wc
// CHECK-NEXT: scan.loop seqs(%xa taps [0] : tensor<?x?xf64>, %xb taps [1] : tensor<?x?xf64>, %[[Y]] taps [0] : tensor<?x?xf64>, %xd taps [0] : tensor<?x?xf64>)
// CHECK:        st.panel_dot %h, %{{.*}}, %u {tiles}
func.func @mixed(%X: tensor<?x?xf64>, %Z: tensor<?x?xf64>, %Wa: tensor<?x?xf64>, %Wb: tensor<?x?xf64>, %Wc: tensor<?x?xf64>, %Wd: tensor<?x?xf64>, %U: tensor<?x?xf64>, %h0: tensor<1x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %xa = st.dot %X, %Wa : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %xb = st.dot %X, %Wb : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %zc = st.dot %Z, %Wc : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %xd = st.dot %X, %Wd : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%xa taps [0] : tensor<?x?xf64>, %xb taps [1] : tensor<?x?xf64>, %zc taps [0] : tensor<?x?xf64>, %xd taps [0] : tensor<?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) invariants(%U : tensor<?x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>, %c: tensor<?xf64>, %d: tensor<?xf64>, %h: tensor<?xf64>, %u: tensor<?x?xf64>):
    %p = st.dot %h, %u : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
    %s = st.elementwise "add"(%a, %p) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %t = st.elementwise "mul"(%s, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %v = st.elementwise "add"(%t, %c) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %w = st.elementwise "add"(%v, %d) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %w : tensor<?xf64>
  }
  func.return %r, %xa : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// Without a packed state product in the body, the products stay.
// CHECK-LABEL: func.func @no_state_product
// CHECK-NOT:  st.input_products
func.func @no_state_product(%X: tensor<?x?xf64>, %Wa: tensor<?x?xf64>, %h0: tensor<1x?xf64>) -> tensor<?x?xf64> {
  %xa = st.dot %X, %Wa : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  %r = scan.loop seqs(%xa taps [0] : tensor<?x?xf64>) outs(%h0 taps [-1] : tensor<1x?xf64>) -> (tensor<?x?xf64>) {
  ^bb0(%a: tensor<?xf64>, %h: tensor<?xf64>):
    %s = st.elementwise "add"(%a, %h) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    scan.yield %s : tensor<?xf64>
  }
  func.return %r : tensor<?x?xf64>
}
