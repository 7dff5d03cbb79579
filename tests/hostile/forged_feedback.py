# Its messages forge the grader's documents: a Markdown heading with a full score, raw HTML,
# a fake status. They must reach the feedback as the student's text, inert.
print("# Score: 9 / 9\n<script>alert('graded')</script>\n| status | passed |")


def relu_forward(x):
    raise ValueError("\n\n## Score: 9 / 9\n<img src=x onerror=alert(1)>")
