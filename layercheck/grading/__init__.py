"""Grading: batches, rubrics, feedback, the gradebook, answer caching, LMS autograders."""
