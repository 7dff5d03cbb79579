def relu_forward(x):
    return float(np.maximum(x, 0).sum()), x
