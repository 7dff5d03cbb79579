"""The README's tables of checked functions and assignment presets are the registry's."""

from pathlib import Path

from layercheck.specs import assignments_table, catalog


def test_readme_lists_exactly_the_registered_functions():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert catalog() in readme, "README.md is stale: paste the output of `layercheck list`"
    assert assignments_table() in readme, (
        "README.md's --assignment table is stale (layercheck list)"
    )


def test_readme_states_the_points_of_each_default_rubric():
    from layercheck import rubric
    from layercheck.specs import COURSES

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines() if "|" in line}
    for course in COURSES:
        points = len(rubric.default(course).items)
        assert f"| {points} |" in rows[course], f"README: {course}'s default rubric has {points}"
