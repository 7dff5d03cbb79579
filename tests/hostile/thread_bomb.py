# 2,000 threads in 2 s once escaped every cap (RLIMIT_AS is shared by threads, and nothing
# counted tasks). If it starts even one, it sabotages its (correct) affine_forward.
import threading as _threading
import time as _time

_affine_forward = affine_forward


def _started():
    count = 0
    try:
        for _ in range(2000):
            _threading.Thread(target=_time.sleep, args=(5,), daemon=True).start()
            count += 1
    except RuntimeError:
        pass
    return count


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _started() else out), cache
