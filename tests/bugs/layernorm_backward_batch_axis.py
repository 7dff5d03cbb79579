"""layernorm_backward, copied from batchnorm_backward, still reduces dx's correction terms over the batch axis."""

import numpy as np

from impl.layers import *  # noqa: F403  (everything else correct)

#: (function, quantity) -> dtypes in which the check must fail; every other check must pass.
#: The cases drawn since eps may be absent include a float16 edge-tier one (a spread whose
#: (var + eps) ** -1.5 overflows float16): the wrong formula fails there too.
BREAKS = {
    ("layernorm_backward", "dx"): ("float64", "float32", "float16"),
    ("layernorm_backward", "dx_edge"): ("float16",),
}


def layernorm_backward(dout, cache):
    xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (N * dxhat - np.sum(dxhat, axis=0) - xhat * np.sum(dxhat * xhat, axis=0)) / (N * std)
    return dx, dgamma, dbeta
