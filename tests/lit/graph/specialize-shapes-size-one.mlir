// RUN: scanc %s -p 'specialize-shapes{shapes="1x?,3x1"}' | filecheck %s
// specialize-shapes leaves an unknown size 1 unknown: a static size-1 axis
// broadcasts and an unknown one does not, so `add` of sizes 3 and 1 on axis 0
// must fail in a variant as in the function. A size 1 the type already has
// stays static, and other sizes become static as usual.

// CHECK-LABEL: func.func @add(%x: tensor<?x?xf64>, %y: tensor<?x1xf64>)
// CHECK-NEXT:  %y_1 = st.cast %y : tensor<?x1xf64> to tensor<3x1xf64>
// CHECK-NEXT:  %s = st.elementwise "add"(%x, %y_1)
// CHECK-NOT:   tensor<1x
func.func @add(%x: tensor<?x?xf64>, %y: tensor<?x1xf64>) -> tensor<?x?xf64> {
  %s = st.elementwise "add"(%x, %y) : (tensor<?x?xf64>, tensor<?x1xf64>) -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}
