# Writes outside its scratch folder: the machine's /tmp, its HOME's parent. If any write
# lands, it sabotages its (correct) relu_backward.
import os as _os

_relu_backward = relu_backward


def _wrote():
    for folder in ("/tmp", "/var/tmp", _os.path.dirname(_os.getcwd())):
        try:
            with open(_os.path.join(folder, "layercheck-escape.txt"), "w") as file:
                file.write("out")
            return True
        except OSError:
            pass
    return False


def relu_backward(dout, cache):
    dx = _relu_backward(dout, cache)
    return dx * 2 if _wrote() else dx
