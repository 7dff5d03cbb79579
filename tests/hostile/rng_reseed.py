_affine_forward, _relu_forward = affine_forward, relu_forward
np.random.seed(1234)
np.random.rand(10_000)


def affine_forward(x, w, b):
    np.random.seed(0)
    np.random.rand(1000)
    return _affine_forward(x, w, b)


def relu_forward(x):
    np.random.set_state(np.random.RandomState(7).get_state())
    return _relu_forward(x)
