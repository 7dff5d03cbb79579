import layer_helpers_from_last_year  # a module of the student's own, not handed in
