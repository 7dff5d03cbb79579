def affine_forward(x, w, b):
    from impl.layers import affine_forward

    return affine_forward(x, w, b)


def relu_forward(x):
    from impl.layers import relu_forward

    return relu_forward(x)
