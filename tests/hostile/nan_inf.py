_softmax_loss = softmax_loss


def softmax_loss(x, y):
    loss, dx = _softmax_loss(x, y)
    dx[0] = np.nan
    return loss * np.inf, dx
