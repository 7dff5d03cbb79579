import sys

_relu_forward = relu_forward


def relu_forward(x):
    sys.stdout.write("x" * 100_000_000)
    return _relu_forward(x)
