"""The documentation site builds strictly and its generated pages say what the code does.

`mkdocs build --strict` runs the hooks (docs/gen_rulebook.py, docs/gen_rules.py,
docs/gen_reference.py), so the site's 输入数据 page is generated from
`accountability.columns.TABLES`, the rulebook pages from the default rulebook, the
考核细则 pages from the rule registry and the default rulebook, and the column and
option tables of 结果与解释 and 命令行 from the code.  mkdocs is in the optional
`docs` extra: the test is skipped where it is not installed.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from accountability.columns import TABLES
from accountability.rulebook import rulebook

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs / mkdocs-material not installed (pip install -e '.[docs]')",
)


def _text(page: Path) -> str:
    """A built page as plain text: tags dropped, entities and Markdown escapes undone."""
    raw = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    return html.unescape(raw).replace("\\_", "_")


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
    for page in ["index.html", "tutorial/index.html", "tables/index.html",
                 "results/index.html", "cli/index.html", "rulebook/index.html",
                 "readings/index.html", "rules/index.html"]:  # fmt: skip
        assert (site / page).is_file(), page


def test_input_page_lists_every_table_and_column(site: Path) -> None:
    text = _text(site / "tables" / "index.html")
    for spec in TABLES.values():
        assert spec.name in text and spec.label in text, spec.name
        for col in spec.columns:
            assert col.name in text, f"{spec.name}.{col.name}"
            assert col.label in text, f"{spec.name}.{col.name}: {col.label}"
            for alias in col.aliases:
                assert alias in text, f"{spec.name}.{col.name} alias {alias}"


def test_rulebook_pages_list_every_key(site: Path) -> None:
    text = "\n".join(_text(p) for p in (site / "rulebook").rglob("index.html"))
    for key in rulebook().parameters:
        assert key in text, key


def test_results_page_lists_every_output_column(site: Path) -> None:
    import accountability as acc

    data = acc.load_dataset(ROOT / "fixtures" / "yiyang-2024", as_of="2025-01-15")
    result = acc.assess(data, year=2024)
    text = _text(site / "results" / "index.html")
    for name in ["regions", "enterprises", "cases", "officials", "departments", "rejected"]:
        for column in getattr(result, name).columns:
            assert f"{column}" in text, f"result.{name}.{column}"
    for column in result.line_items.columns:
        assert column in text
    assert "<!-- gen:" not in (site / "results" / "index.html").read_text(encoding="utf-8")


def test_cli_page_lists_every_command(site: Path) -> None:
    text = _text(site / "cli" / "index.html")
    for command in ["demo", "assess", "explain", "validate", "compare",
                    "rules show", "rules diff", "rules check"]:  # fmt: skip
        assert f"accountability {command}" in text, command
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
        page = site / "rules" / scorer / "index.html"
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
            link = f'href="{scorer}/#{rule.id}"'
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
