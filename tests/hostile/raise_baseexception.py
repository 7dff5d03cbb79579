def relu_forward(x):
    raise BaseException("nope")
