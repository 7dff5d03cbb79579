def _deeper(n):
    return _deeper(n + 1) + 1


def relu_forward(x):
    _deeper(0)
