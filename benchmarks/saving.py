"""Where the benchmarks put what they measured: ``NAME.json`` and ``NAME.md`` in one folder."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def save(name: str, result: dict, markdown: str, folder: Path = RESULTS) -> None:
    """Write `folder`/`name`.json (`result`) and .md (`markdown`), and print the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (folder / f"{name}.md").write_text(markdown)
    print(markdown)
