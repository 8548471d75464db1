"""Gibbs sampling with shared variables and random streams (the scan guide).

A chain of 10 steps on a 2x2 RBM, three ways: the shared variables captured by the
step function, passed as non_sequences, and `strict=True` without them (which
must raise MissingInputError).
"""

import numpy as np

import scanc
import scanc.tensor as st

rng = np.random.default_rng(203940)
W_values = rng.uniform(size=(2, 2))
bvis_values = rng.uniform(size=(2,))
bhid_values = rng.uniform(size=(2,))

W = scanc.shared(W_values)
bvis = scanc.shared(bvis_values)
bhid = scanc.shared(bhid_values)

srng = st.random.RandomStream(1234)


def one_step(vsample):
    hmean = st.sigmoid(st.dot(vsample, W) + bhid)
    hsample = srng.binomial(1, hmean, size=hmean.shape)
    vmean = st.sigmoid(st.dot(hsample, W.T) + bvis)
    return srng.binomial(1, vmean, size=vsample.shape)


sample = st.lvector()
values, updates = scanc.scan(one_step, outputs_info=sample, n_steps=10)
gibbs10 = scanc.function([sample], values[-1], updates=updates)
print(
    "captured shared variables:", gibbs10(np.array([1, 0])), gibbs10(np.array([1, 0]))
)

# The shared variables passed explicitly, as the guide recommends
trng = scanc.tensor.random.utils.RandomStream(1234)


def OneStep(vsample, W, bvis, bhid):
    hmean = st.sigmoid(scanc.dot(vsample, W) + bhid)
    hsample = trng.binomial(size=hmean.shape, n=1, p=hmean)
    vmean = st.sigmoid(scanc.dot(hsample, W.T) + bvis)
    return trng.binomial(size=vsample.shape, n=1, p=vmean, dtype=scanc.config.floatX)


sample = scanc.tensor.vector()
values, updates = scanc.scan(
    fn=OneStep, outputs_info=sample, non_sequences=[W, bvis, bhid], n_steps=10
)
gibbs10 = scanc.function([sample], values[-1], updates=updates)
print("non_sequences:", gibbs10(np.array([1.0, 0.0])))


# strict=True without the shared variables: an error naming what fn uses
def OneStepImplicit(vsample):
    hmean = st.sigmoid(scanc.dot(vsample, W) + bhid)
    hsample = trng.binomial(size=hmean.shape, n=1, p=hmean)
    vmean = st.sigmoid(scanc.dot(hsample, W.T) + bvis)
    return trng.binomial(size=vsample.shape, n=1, p=vmean, dtype=scanc.config.floatX)


try:
    scanc.scan(OneStepImplicit, outputs_info=sample, n_steps=10, strict=True)
except scanc.MissingInputError as error:
    print("strict=True:", type(error).__name__)

# strict=True with the shared variables passed explicitly
values, updates = scanc.scan(
    OneStep, outputs_info=sample, non_sequences=[W, bvis, bhid], n_steps=10, strict=True
)
gibbs10 = scanc.function([sample], values[-1], updates=updates)
print("strict=True with non_sequences:", gibbs10(np.array([1.0, 0.0])))
