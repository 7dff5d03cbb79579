# An exception whose message holds a lone surrogate cannot be encoded as UTF-8: writing it
# once ended the batch, with no gradebook.
def affine_forward(x, w, b):
    raise ValueError("\ud800 broken")
