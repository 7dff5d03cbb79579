def relu_forward(x):
    out = np.maximum(x, 0)
    cache = x  # and no return statement
