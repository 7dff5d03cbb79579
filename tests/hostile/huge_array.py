def relu_forward(x):
    return np.zeros(1 << 25), x  # 256 MB
