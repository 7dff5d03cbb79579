INDEX_DTYPE = np.int  # an alias NumPy 2 removed
