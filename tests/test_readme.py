"""The README's table of checked functions is the registry's."""

from pathlib import Path

from layercheck.specs import catalog


def test_readme_lists_exactly_the_registered_functions():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert catalog() in readme, "README.md is stale: paste the output of `layercheck list`"
