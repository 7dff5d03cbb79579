# Exceptions with 15 MB messages from three functions once grew the grader to 4.35 GB and
# the output to 961 MB: what a submission says is kept as one capped line.
def affine_forward(x, w, b):
    raise ValueError("x" * 15_000_000)


def relu_forward(x):
    raise ValueError("y" * 15_000_000)


def softmax_loss(x, y):
    raise ValueError("z" * 15_000_000)
