def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out.astype(object), (x, w, b)
