"""Using the updates dictionary of a scan afterwards (the scan guide's a/b/c)."""

import scanc

a = scanc.shared(1)
values, updates = scanc.scan(lambda: {a: a + 1}, n_steps=10)

# b uses the value of a before the update, c the value after it
b = a + 1
c = updates[a] + 1
f = scanc.function([], [b, c], updates=updates)

b_value, c_value = f()
print(b_value, c_value, a.get_value())  # 2 12 11
b_value, c_value = f()
print(b_value, c_value, a.get_value())  # 12 22 21
