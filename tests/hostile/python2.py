import numpy as np

print "layers loaded"


def relu_forward(x):
    return np.maximum(x, 0), x
