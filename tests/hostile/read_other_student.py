exec(open("@BATCH@/alice/layers.py").read())  # alice's code, as this submission's
