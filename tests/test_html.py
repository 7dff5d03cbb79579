"""The HTML page: structure checked with the stdlib parser, and a real headless-browser render.

Two documents: the committed schema_version 1 baseline (no ratio histograms, cuda skipped)
and a fresh schema_version 2 report of a planted bug (affine_backward's db is the mean, not
the sum, of the upstream gradient: it fails in every dtype).
"""

import base64
import copy
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from layercheck.core import runner, target
from layercheck.core.dtypes import DTYPES
from layercheck.reports import html, report
from layercheck.specs import spec_of

BASELINE = Path(__file__).parents[1] / "reports" / "cpu" / "report.json"
BUG = Path(__file__).parent / "bugs" / "affine_db_mean.py"
EXAMPLES = 30
CUDA_SKIPPED = "skipped: CUDA not available"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Node:
    """An element of the parsed page."""

    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join(" ".join(parts).split())

    def find(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        """Descendant elements with this tag and class, in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                    found.append(child)
                found += child.find(tag, cls)
        return found

    def by_id(self, wanted: str) -> "Node":
        (node,) = [node for node in self.find() if node.attrs.get("id") == wanted]
        return node


class Tree(HTMLParser):
    """The page as a tree of Nodes; every element must be closed where it was opened."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]
        self.feed(page)
        self.close()
        assert self.open == [self.root], [node.tag for node in self.open]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(page: str) -> Node:
    return Tree(page).root


def ids(page: Node) -> dict[str, Node]:
    """The page's elements by id; ids are unique."""
    found = [node for node in page.find() if "id" in node.attrs]
    index = {node.attrs["id"]: node for node in found}
    assert len(index) == len(found), "duplicate ids"
    return index


def grid_cells(page: Node) -> dict[str, Node]:
    """The grid's cells by the anchor they link to."""
    return {cell.find("a")[0].attrs["href"]: cell for cell in page.by_id("grid").find("td", "cell")}


def case_fields(row: Node) -> dict[str, str]:
    """A not-passing row's smallest case: label -> value."""
    (listing,) = row.find("dl", "case")
    return dict(
        zip(
            [dt.text() for dt in listing.find("dt")],
            [dd.text() for dd in listing.find("dd")],
            strict=True,
        )
    )


@pytest.fixture(scope="module")
def baseline() -> dict:
    return report.load(BASELINE)


@pytest.fixture(scope="module")
def planted() -> dict:
    spec = spec_of("affine_backward")
    checks = runner.run_all(
        [spec], target.load(str(BUG)), DTYPES, report.DEVICES, examples=EXAMPLES, seed=0
    )
    meta = {
        **report.environment(),
        "gpu": None,
        "target": str(BUG),
        "seed": 0,
        "profile": "cs231n",
        "examples": EXAMPLES,
        "functions": list(spec.functions),
        "dtypes": list(DTYPES),
        "devices": list(report.DEVICES),
        "workers": 1,
        "duration_s": 0.0,
    }
    return report.build([check.to_json() for check in checks], meta)


@pytest.fixture(scope="module")
def pages(baseline, planted) -> dict[str, str]:
    return {"baseline": html.render(baseline), "planted": html.render(planted)}


@pytest.mark.parametrize("name", ["baseline", "planted"])
def test_grid_has_a_cell_per_check_with_its_verdict_linking_to_its_details(
    name, pages, baseline, planted
):
    document = {"baseline": baseline, "planted": planted}[name]
    page = parse(pages[name])
    cells, elements = grid_cells(page), ids(page)
    ran = [
        c for c in document["checks"] if c["device"] not in report.idle_devices(document["checks"])
    ]
    assert len(cells) == len(ran)
    for check in ran:
        cell = cells["#" + html.anchor(check)]
        assert f"v-{check['verdict']}" in cell.classes, (check, cell.classes)
        ratio = check["ratio"]
        if check["verdict"] == "pass" and ratio is not None:
            assert ("amber" in cell.classes) == (ratio > html.AMBER_FROM)
            assert f"{ratio:.3g}" in cell.text()
        assert elements[html.anchor(check)].tag == "tr"  # the detail row the cell links to
    rows = [
        (th[0].text(), th[1].text())
        for th in (tr.find("th") for tr in page.by_id("grid").find("tr")[2:])
    ]
    assert rows == list(dict.fromkeys((c["function"], c["quantity"]) for c in ran))


def test_header_states_the_verdict_counts_and_margins(pages, baseline, planted):
    for name, document in (("baseline", baseline), ("planted", planted)):
        page = parse(pages[name])
        summary = document["summary"]
        assert page.by_id("verdict").text() == ("passed" if summary["passed"] else "not passed")
        counts = page.by_id("counts").text()
        for verdict, n in summary["verdicts"].items():
            assert (f"{n} {verdict}" in counts) == (n > 0)
        margins = page.by_id("margins").text()
        assert f"{summary['worst_passing_ratio']:.3g}" in margins
    assert (
        f"{planted['summary']['best_failing_ratio']:.3g}"
        in parse(pages["planted"]).by_id("margins").text()
    )


def test_failing_checks_show_their_smallest_case(pages, planted):
    page = parse(pages["planted"])
    failing = [c for c in planted["checks"] if c["verdict"] == "fail"]
    assert {(c["quantity"], c["dtype"]) for c in failing} == {("db", d) for d in DTYPES}
    section = page.by_id("not-passing")
    assert len(section.by_id("failing").find("tr", "problem")) == len(failing)
    for check in failing:
        row = section.by_id("problem-" + html.anchor(check))
        cells = [td.text() for td in row.find("td")]
        assert cells[:6] == [
            "affine_backward",
            "db",
            check["dtype"],
            "cpu",
            "fail",
            check["message"],
        ]
        case, shown = check["case"], case_fields(row)
        assert shown["input shapes"] == ", ".join(
            f"{k}: {tuple(v)}" for k, v in case["shapes"].items()
        )
        assert shown["sizes"] == ", ".join(f"{k}={v}" for k, v in case["sizes"].items())
        assert shown["seed"] == str(case["seed"])
        assert shown["first wrong index"] == str(case["index"])
        assert shown["expected"] == repr(case["expected"])
        assert shown["got"] == repr(case["got"])


def test_errors_come_first_and_unmeasured_figures_render(planted):
    document = copy.deepcopy(planted)
    erring = next(c for c in document["checks"] if c["quantity"] == "dx" and c["device"] == "cpu")
    erring.update(verdict="error", message="dx: ValueError: shapes do not match (layers.py:12)")
    failing = next(c for c in document["checks"] if c["verdict"] == "fail")
    failing["ratio"] = "inf"
    page = parse(html.render(document))
    first = page.by_id("failing").find("tr", "problem")[0]
    assert first.attrs["id"] == "problem-" + html.anchor(erring)
    assert "v-error" in grid_cells(page)["#" + html.anchor(erring)].classes
    assert grid_cells(page)["#" + html.anchor(failing)].text() == "fail inf"


def test_page_is_self_contained(pages):
    for name, page in pages.items():
        tree = parse(page)
        assert not tree.find("script") and not tree.find("link"), name
        for node in tree.find():
            for attribute in ("src", "href", "action", "data"):
                value = (node.attrs.get(attribute) or "").lower()
                assert not value.startswith(("http:", "https:", "//")), (name, node.tag, value)
        for style in tree.find("style"):
            assert "url(" not in style.text() and "@import" not in style.text()
        for image in tree.find("img"):
            prefix = "data:image/png;base64,"
            assert image.attrs["src"].startswith(prefix), image.attrs["src"][:40]
            assert base64.b64decode(image.attrs["src"][len(prefix) :]).startswith(PNG_MAGIC)


def test_plots_per_function_and_no_distribution_for_v1(pages, baseline, planted):
    tree = parse(pages["planted"])
    sections = tree.by_id("functions").find("section", "function")
    assert [s.attrs["id"] for s in sections] == [
        "function-affine_forward",
        "function-affine_backward",
    ]
    assert all(len(s.find("img")) == 1 and not s.find("p", "nodist") for s in sections)
    version_1 = {
        **baseline,
        "schema_version": 1,
        "checks": [{k: v for k, v in c.items() if k != "ratio_counts"} for c in baseline["checks"]],
    }
    tree = parse(html.render(version_1))
    assert not tree.find("img")
    sections = tree.by_id("functions").find("section", "function")
    assert len(sections) == len({c["function"] for c in baseline["checks"]})
    for section in sections:
        (note,) = section.find("p", "nodist")
        assert "No distribution recorded" in note.text()


def test_worst_cases_are_the_ten_passing_checks_with_least_headroom(pages, baseline):
    rows = parse(pages["baseline"]).by_id("worst").find("tr")[1:]
    ratios = sorted(
        (
            c["ratio"]
            for c in baseline["checks"]
            if c["verdict"] == "pass" and c["ratio"] is not None
        ),
        reverse=True,
    )[:10]
    assert [row.find("td")[4].text() for row in rows] == [f"{r:.3g}" for r in ratios]


def test_a_device_that_never_ran_is_one_line_not_columns(pages, baseline):
    page = parse(pages["baseline"])
    cuda = [c for c in baseline["checks"] if c["device"] == "cuda"]
    assert cuda and all(c["message"] == CUDA_SKIPPED for c in cuda)  # the JSON keeps its rows
    assert not any(html.anchor(c) in pages["baseline"] for c in cuda)
    (line,) = page.find("p", "idle")
    assert (
        line.text()
        == f"cuda: {CUDA_SKIPPED} ({len(cuda)} checks; their rows are in the JSON report)"
    )
    environment = page.by_id("environment")
    fields = {tr.find("th")[0].text(): tr.find("td")[0].text() for tr in environment.find("tr")[1:]}
    assert list(fields) == list(baseline["meta"])
    assert fields["seed"] == "0" and fields["gpu"] == "none" and fields["functions"] == "all"


def test_functions_that_passed_are_folded_and_failing_ones_open(planted):
    page = parse(html.render(planted))
    folded = {
        section.attrs["id"]: "open" in section.find("details")[0].attrs
        for section in page.by_id("functions").find("section", "function")
    }
    assert folded == {"function-affine_forward": False, "function-affine_backward": True}


def test_write_creates_the_folder(tmp_path, planted):
    path = tmp_path / "deep" / "er" / "report.html"
    html.write(planted, path)
    assert path.read_text(encoding="utf-8") == html.render(planted)


def screenshot(page: Path, png: Path, timeout: float = 120) -> None:
    """Headless Chromium's screenshot of `page` in a 1400 x 2400 window, written to `png`."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1400,2400",
                f"--screenshot={png}",
                Path(page).resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )


def test_chromium_renders_the_page_with_red_failing_cells(tmp_path, planted):
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    from matplotlib.image import imread

    page, png = tmp_path / "report.html", tmp_path / "shot.png"
    html.write(planted, page)
    screenshot(page, png)
    assert png.read_bytes().startswith(PNG_MAGIC)
    pixels = imread(png)[..., :3]
    assert pixels.shape[0] * 1400 == pixels.shape[1] * 2400, pixels.shape
    assert pixels.std() > 0.05
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    # fail cells: far more red than the header's "not passed" badge alone (about 2,000 pixels)
    assert ((red > 0.8) & (green < 0.3) & (blue < 0.3)).sum() > 10_000
    assert ((green > red + 0.15) & (green > blue + 0.15)).sum() > 1000  # passing cells
