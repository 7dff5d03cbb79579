import torch


def affine_forward(x, w, b):
    out = torch.nn.functional.linear(torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(w.T))
    return out.numpy() + b, (x, w, b)
