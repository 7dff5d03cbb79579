# Signals to the grader (its parent) or to any other process. If one is delivered, it
# sabotages its (correct) softmax_loss; if the grader dies, the batch would be lost.
import os as _os
import signal as _signal

_softmax_loss = softmax_loss


def _signalled():
    for pid in (_os.getppid(), 1):
        try:
            _os.kill(pid, _signal.SIGCONT)  # harmless if it arrives, but it must not
            return True
        except OSError:
            pass
    return False


def softmax_loss(x, y):
    loss, dx = _softmax_loss(x, y)
    return (loss + 1 if _signalled() else loss), dx
