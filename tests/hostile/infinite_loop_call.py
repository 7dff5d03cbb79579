def relu_backward(dout, cache):
    while True:
        pass
