# The network, starting with services on the grader's loopback. If it can even make an
# internet socket, it sabotages its (correct) relu_forward.
import socket as _socket

_relu_forward = relu_forward


def _opened():
    try:
        _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM).close()
        return True
    except OSError:
        return False


def relu_forward(x):
    out, cache = _relu_forward(x)
    return (out + 1 if _opened() else out), cache
