def softmax_loss(x, y):
    raise KeyboardInterrupt
