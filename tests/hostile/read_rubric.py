RUBRIC = open("@RUBRIC@").read()  # which items pay most
