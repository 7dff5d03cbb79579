import time


def affine_backward(dout, cache):
    time.sleep(3600)
