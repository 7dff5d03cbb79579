# The grader's environment (tokens, keys, the LMS's credentials). The test grades with a
# secret in it; if the child sees it, it sabotages its (correct) softmax_loss.
import os as _os

_softmax_loss = softmax_loss


def softmax_loss(x, y):
    loss, dx = _softmax_loss(x, y)
    return (loss + 1 if "LAYERCHECK_TEST_SECRET" in _os.environ else loss), dx
