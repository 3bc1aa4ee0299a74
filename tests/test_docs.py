"""The documentation site builds strictly and its generated pages say what the code does.

`mkdocs build --strict` runs the hooks (docs/gen_rulebook.py, docs/gen_rules.py,
docs/gen_reference.py), so the site's 输入数据 page is generated from
`accountability.columns.TABLES`, the rulebook pages from the default rulebook, the
考核细则 pages from the rule registry and the default rulebook, the column and
option tables of 结果与解释 and 命令行 from the code, and 参考 / API from the
docstrings (mkdocstrings).  The site works opened from disk: pages are `name.html`,
search runs from file:// (the offline plugin), and nothing is fetched from the
network.  mkdocs is in the optional `docs` extra: the test is skipped where it is not
installed.  The site is built once for the module.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import importlib.util
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urlsplit

import pytest

from accountability.columns import TABLES
from accountability.rulebook import rulebook

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("mkdocs", "material", "mkdocstrings")),
    reason="mkdocs / mkdocs-material / mkdocstrings not installed (pip install -e '.[docs]')",
)


def _text(page: Path) -> str:
    """A built page as plain text: tags dropped, entities and Markdown escapes undone."""
    raw = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    return html.unescape(raw).replace("\\_", "_")


# -- a built page as a tree (the standard library's HTML parser) ---------------------

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})  # fmt: skip


class _Node:
    """An element of a page: tag, attributes, and children (nodes and text)."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node | str] = []

    def walk(self) -> list[_Node]:
        """This element and every element below it, in document order."""
        out = [self]
        for child in self.children:
            if isinstance(child, _Node):
                out += child.walk()
        return out

    def raw(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw() for c in self.children)

    def text(self) -> str:
        """The text content, runs of white space as one space."""
        return " ".join(self.raw().split())


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _dom(page: Path) -> list[_Node]:
    """Every element of a built page, in document order."""
    tree = _Tree()
    tree.feed(page.read_text(encoding="utf-8"))
    return tree.root.walk()


class _Table:
    """A <table>: its header cells and the text of each body row's cells."""

    def __init__(self, node: _Node) -> None:
        self.headers = [n.text() for n in node.walk() if n.tag == "th"]
        self.rows = [
            [c.text() for c in tr.walk() if c.tag == "td"]
            for tr in node.walk()
            if tr.tag == "tr" and any(c.tag == "td" for c in tr.walk())
        ]


def _tables(nodes: list[_Node]) -> list[_Table]:
    return [_Table(n) for n in nodes if n.tag == "table"]


def _after(nodes: list[_Node], element_id: str) -> list[_Node]:
    """The elements from the one with id `element_id` on."""
    start = next(i for i, n in enumerate(nodes) if n.attrs.get("id") == element_id)
    return nodes[start:]


def _section(nodes: list[_Node], heading_id: str) -> list[_Node]:
    """The elements from a heading to the next heading of its level or above."""
    after = _after(nodes, heading_id)
    level = after[0].tag
    end = next(
        (
            i
            for i, n in enumerate(after[1:], 1)
            if re.fullmatch(r"h[1-6]", n.tag) and n.tag <= level
        ),
        len(after),
    )
    return after[:end]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", **_env()},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    for page in ["index.html", "tutorial.html", "tables.html", "results.html", "cli.html",
                 "rulebook/index.html", "readings.html", "rules/index.html",
                 "api.html"]:  # fmt: skip
        assert (site / page).is_file(), page


def test_input_page_lists_every_table_and_column(site: Path) -> None:
    text = _text(site / "tables.html")
    for spec in TABLES.values():
        assert spec.name in text and spec.label in text, spec.name
        for col in spec.columns:
            assert col.name in text, f"{spec.name}.{col.name}"
            assert col.label in text, f"{spec.name}.{col.name}: {col.label}"
            for alias in col.aliases:
                assert alias in text, f"{spec.name}.{col.name} alias {alias}"


def test_rulebook_pages_list_every_key(site: Path) -> None:
    text = "\n".join(_text(p) for p in (site / "rulebook").rglob("*.html"))
    for key in rulebook().parameters:
        assert key in text, key


def test_results_page_lists_every_output_column(site: Path) -> None:
    import accountability as acc

    data = acc.load_dataset(ROOT / "fixtures" / "yiyang-2024", as_of="2025-01-15")
    result = acc.assess(data, year=2024)
    text = _text(site / "results.html")
    for name in ["regions", "enterprises", "cases", "officials", "departments", "rejected"]:
        for column in getattr(result, name).columns:
            assert f"{column}" in text, f"result.{name}.{column}"
    for column in result.line_items.columns:
        assert column in text
    assert "<!-- gen:" not in (site / "results.html").read_text(encoding="utf-8")


def test_cli_page_lists_every_command(site: Path) -> None:
    text = _text(site / "cli.html")
    for command in ["demo", "assess", "explain", "validate", "compare", "compare-rules",
                    "rules show", "rules diff", "rules check"]:  # fmt: skip
        assert f"accountability {command}" in text, command
    # the hand-written table of commands lists every command, compare-rules too
    table = _tables(_dom(site / "cli.html"))[0]
    listed = {row[0].split(" ")[1] for row in table.rows}
    assert {"demo", "assess", "explain", "validate", "compare", "compare-rules", "rules"} <= listed
    for option in ["--year", "--rules", "--out", "--as-of", "--from", "--to", "--section"]:
        assert option in text, option


# -- 考核细则: the rule registry's pages ------------------------------------------------


def _gen_rules() -> ModuleType:
    """docs/gen_rules.py as a module (it imports its sibling generated_pages)."""
    docs = str(ROOT / "docs")
    if docs not in sys.path:
        sys.path.insert(0, docs)
    return importlib.import_module("gen_rules")


def _headed(page: Path) -> dict[str, str]:
    """A built page cut at its headings: each heading's id → the plain text from it to
    the next heading (tags dropped, entities undone)."""
    raw = page.read_text(encoding="utf-8")
    marks = list(re.finditer(r'<h[1-6] id="([^"]+)"', raw))
    ends = [m.start() for m in marks[1:]] + [len(raw)]
    return {
        m.group(1): html.unescape(re.sub(r"<[^>]+>", " ", raw[m.start() : end]))
        for m, end in zip(marks, ends, strict=True)
    }


def test_rule_pages_define_every_rule_with_its_parameters(site: Path) -> None:
    """Every rule of the registry has a heading anchored at its id on its family's page,
    in registry order, with its definition, formula and readings; under it, every
    parameter it reads with that parameter's basis in the default rulebook."""
    from accountability.rules.registry import REGISTRY
    from accountability.wording import SCORER_LABELS

    book = rulebook()
    overview = _text(site / "rules" / "index.html")
    overview_html = (site / "rules" / "index.html").read_text(encoding="utf-8")
    for scorer in dict.fromkeys(rule.scorer for rule in REGISTRY):
        page = site / "rules" / f"{scorer}.html"
        assert page.is_file(), scorer
        assert SCORER_LABELS[scorer] in overview, scorer
        blocks = _headed(page)
        raw = page.read_text(encoding="utf-8")
        places = [raw.index(f'id="{rule.id}"') for rule in REGISTRY.of(scorer)]
        assert places == sorted(places), f"{scorer}: rules out of registry order"
        for rule in REGISTRY.of(scorer):
            assert rule.id in blocks, f"{rule.id}: no heading anchored at the rule id"
            block = blocks[rule.id]
            assert rule.id in block and rule.label in block, rule.id
            assert rule.definition in block, f"{rule.id}: definition missing"
            assert rule.formula in block, f"{rule.id}: formula missing"
            for reading in rule.readings:
                assert reading in block, f"{rule.id}: reading missing: {reading}"
            for key in rule.params:
                assert key in block, f"{rule.id}: parameter {key} missing"
                if key in book:
                    assert book[key].basis in block, f"{rule.id}: basis of {key} missing"
            link = f'href="{scorer}.html#{rule.id}"'
            assert link in overview_html, f"{rule.id}: not linked from the overview"


def test_rule_pages_show_the_value_in_force_and_the_dated_history() -> None:
    """A city rulebook whose A1 points change on 2025-01-01: the page shows the value in
    force on the day asked, "—" before the first date, every dated value, and the city's
    basis."""
    from accountability.rulebook import load_rulebook

    gen = _gen_rules()
    city = load_rulebook(ROOT / "examples" / "hunan-city.toml")
    key = "annual.a1_points_per_death"
    basis = city[key].basis

    def a1_row(day: dt.date) -> tuple[str, str]:
        page = gen.pages(city, day)["rules/annual.md"]
        block = page[page.index("{#A1}") : page.index("{#A2}")]
        row = next(line for line in block.splitlines() if line.startswith(f"| `{key}`"))
        return row, block

    row, block = a1_row(dt.date(2025, 6, 30))
    assert [c.strip() for c in row.strip("|").split(" | ")][2] == "3"
    assert gen.cell(basis) in row
    assert "2024-01-01 起：2" in block and "**2025-01-01 起：3（现行）**" in block
    row, block = a1_row(dt.date(2023, 6, 30))
    assert [c.strip() for c in row.strip("|").split(" | ")][2] == "—"
    assert "（现行）" not in block


def test_rule_pages_escape_table_cells() -> None:
    gen = _gen_rules()
    assert gen.cell("a|b\nc") == "a\\|b<br>c"
    assert gen.cell("x_y*z <w>") == "x\\_y\\*z &lt;w&gt;"
    assert gen.cell("`a_b|c` d_e") == "`a_b|c` d\\_e"


# -- the site opened from disk: .html links, search from file://, nothing fetched ----


def _pages(site: Path) -> dict[Path, list[_Node]]:
    return {page: _dom(page) for page in sorted(site.rglob("*.html"))}


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, list[_Node]]:
    return _pages(site)


def _links(nodes: list[_Node]) -> list[tuple[str, str]]:
    """(tag, address) of every link, script, image and style sheet of a page."""
    return [
        (n.tag, n.attrs[attr])
        for n in nodes
        for attr in ("href", "src")
        if attr in n.attrs and n.tag in ("a", "link", "script", "img", "source", "iframe")
    ]


def test_internal_links_name_html_files_that_exist(
    site: Path, pages: dict[Path, list[_Node]]
) -> None:
    """Opened from disk there is no server to turn `rules/` into `rules/index.html`: every
    link inside the site names a file, and that file was built; the nav names pages."""
    checked = 0
    for page, nodes in pages.items():
        if page.name == "404.html":
            continue  # a server's page: its links are absolute, from the site's root
        for tag, address in _links(nodes):
            parts = urlsplit(address)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # external, or an anchor on the same page
            target = (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(site)}: <{tag}> {address}"
            assert not parts.path.endswith("/"), where
            assert target.is_file(), where
            assert target.is_relative_to(site.resolve()), where
            checked += 1
        nav = [n.attrs["href"] for n in nodes if "md-nav__link" in n.attrs.get("class", "")
               and "href" in n.attrs]  # fmt: skip
        assert nav, page
        for address in nav:
            path = urlsplit(address).path
            assert not path or path.endswith(".html"), f"{page.relative_to(site)}: {address}"
    assert checked > 500


def test_nothing_is_fetched_from_the_network(site: Path, pages: dict[Path, list[_Node]]) -> None:
    """No script, style sheet, font or image comes from another host (Google Fonts are
    off, the search worker's shim is the site's own copy); only <a> links leave."""
    for page, nodes in pages.items():
        for tag, address in _links(nodes):
            if tag != "a":
                parts = urlsplit(address)
                assert not (parts.scheme or parts.netloc) or parts.scheme == "data", (
                    f"{page.relative_to(site)}: <{tag}> {address}"
                )
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        for address in re.findall(r"url\(\s*[\"']?([^\"')]+)", text):
            assert not re.match(r"(https?:)?//", address), f"{css.name}: {address}"


def test_search_works_from_disk(site: Path, pages: dict[Path, list[_Node]]) -> None:
    """The search index is there and, for file://, inlined into a script (the offline
    plugin), and every page loads the Web Worker shim the search needs from the site."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"] for doc in index["docs"]}
    assert {"api.html#accountability.assess", "rulebook/annual.html"} <= locations
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith("var __index = ")
    assert json.loads(script.removeprefix("var __index = ")) == index
    for page, nodes in pages.items():
        if page.name == "404.html":
            continue
        shims = [n.attrs["src"] for n in nodes if n.tag == "script"
                 and n.attrs.get("src", "").endswith("iframe-worker-shim.js")]  # fmt: skip
        assert len(shims) == 1, page
        assert (page.parent / shims[0]).resolve().is_file(), page


def test_search_finds_a_chinese_word_inside_a_phrase(site: Path) -> None:
    """The search indexes Chinese by word (jieba, through the search plugin), so a word
    in the middle of a phrase is found: the index holds 同级 and 排名 apart, where an
    unsegmented index would hold the whole run between two punctuation marks."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    words = {
        w for doc in index["docs"] for w in separator.split(re.sub(r"<[^>]+>", " ", doc["text"]))
    }
    assert {"同级", "排名", "一票否决"} <= words
    assert "同级排名" not in words


# -- 参考 / API ----------------------------------------------------------------------

# The public surface the API page documents, each by the id of its heading.
API = {
    "assess": "accountability.assess",
    "Assessment": "accountability.Assessment",
    "load_dataset": "accountability.load_dataset",
    "Dataset": "accountability.Dataset",
    "rulebook": "accountability.rulebook.rulebook",
    "load_rulebook": "accountability.load_rulebook",
    "Rulebook": "accountability.Rulebook",
    "four_musts": "accountability.four_musts",
    "FourMustsResult": "accountability.FourMustsResult",
    "dual_duty": "accountability.dual_duty",
    "DualDutyResult": "accountability.DualDutyResult",
    "enterprise_ratings": "accountability.enterprise_ratings",
    "EnterpriseRatings": "accountability.EnterpriseRatings",
    "compare_assessments": "accountability.compare_assessments",
    "compare_periods": "accountability.compare_periods",
    "inspection_plan": "accountability.inspection_plan",
    "grade_accidents": "accountability.grade_accidents",
    "referral_gaps": "accountability.referral_gaps",
    "DatasetError": "accountability.errors.DatasetError",
    "RulebookError": "accountability.errors.RulebookError",
}


def test_api_page_documents_the_public_surface(pages: dict[Path, list[_Node]], site: Path) -> None:
    """Each public name has a heading anchored at its path, with its docstring's first
    line under it; `assess` shows its signature and its example as code, not as text."""
    import inspect

    import accountability as acc

    nodes = pages[site / "api.html"]
    ids = {n.attrs["id"]: n for n in nodes if n.tag[:1] == "h" and "id" in n.attrs}
    for name, anchor in API.items():
        assert anchor in ids, f"{name}: no heading {anchor}"
        assert name in ids[anchor].text().split(), anchor
        obj = getattr(acc, name)
        first = inspect.getdoc(obj).splitlines()[0]
        body = "".join(n.text() for n in _section(nodes, anchor) if n.tag == "p")
        assert "".join(first.replace("`", "").split()) in "".join(body.split()), name
    after = _section(nodes, "accountability.assess")
    signature = next(n for n in after if n.tag == "pre").text()
    assert signature.startswith("assess(") and "*, year: int," in signature
    example = next(n.text() for n in after if n.tag == "pre" and ">>>" in n.text())
    assert ">>> result = assess(Dataset(tables=" in example
    assert not any(n.tag == "blockquote" for n in nodes)  # `>>>` is not a quote


# -- structured rulebook values --------------------------------------------------------


def test_structured_rulebook_values_are_tables(pages: dict[Path, list[_Node]], site: Path) -> None:
    """A list of tables (the grade bands) is a table with a Chinese column per field and
    a row per band; a table of tables (the fine ranges) has a row per key; the
    parameter table links to it."""
    book = rulebook()
    annual = pages[site / "rulebook" / "annual.html"]
    bands = _tables(_after(annual, "annual.grade_bands"))[0]
    assert bands.headers == ["等次", "最低分"]
    grade_bands = book["annual.grade_bands"].values[-1].value
    assert bands.rows == [[band["grade"], str(int(band["min"]))] for band in grade_bands]
    links = [n.attrs["href"] for n in annual if n.tag == "a"]
    assert "#annual.grade_bands" in links

    four_musts = pages[site / "rulebook" / "four_musts.html"]
    ranges = book["four_musts.fine_ranges"].values[-1].value
    table = _tables(_after(four_musts, "four_musts.fine_ranges"))[0]
    assert table.headers == ["项", "条款", "罚款下限（元）", "罚款上限（元）"]
    assert [row[0] for row in table.rows] == list(ranges)
    first = ranges["94-1"]
    assert table.rows[0] == [
        "94-1",
        first["article"],
        str(int(first["min_yuan"])),
        str(int(first["max_yuan"])),
    ]


def test_every_rulebook_section_has_a_chinese_title() -> None:
    from accountability.rulebook.render import SECTION_TITLES

    sections = {p.section for p in rulebook().parameters.values()}
    assert sections <= set(SECTION_TITLES), sections - set(SECTION_TITLES)
    assert SECTION_TITLES["hazards"] == "隐患排查治理"
