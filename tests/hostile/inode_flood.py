# Empty files cost no bytes but each costs the kernel an inode: a million of them, in a
# scratch capped only by size, eat memory. If it makes more than the scratch's 4,096 files,
# it sabotages its (correct) affine_forward.
_affine_forward = affine_forward


def _made():
    made = 0
    try:
        for n in range(20000):
            open(f"empty{n}", "w").close()
            made += 1
    except OSError:
        pass
    return made


def affine_forward(x, w, b):
    out, cache = _affine_forward(x, w, b)
    return (out + 1 if _made() > 4096 else out), cache
