# Unix sockets under /tmp, a session bus, docker's: reachable by path whatever Landlock
# reads. If it can even make a socket, it sabotages its (correct) relu_backward.
import socket as _socket

_relu_backward = relu_backward


def relu_backward(dout, cache):
    try:
        _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM).close()
        opened = True
    except OSError:
        opened = False
    dx = _relu_backward(dout, cache)
    return dx * 2 if opened else dx
