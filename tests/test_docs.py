"""The documentation site builds strictly and its generated pages say what the code does.

`mkdocs build --strict` runs the hooks (docs/gen_rulebook.py, docs/gen_reference.py),
so the site's 输入数据 page is generated from `accountability.columns.TABLES`, the
rulebook pages from the default rulebook, and the column and option tables of
结果与解释 and 命令行 from the code.  mkdocs is in the optional `docs` extra: the
test is skipped where it is not installed.
"""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

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
                 "results/index.html", "cli/index.html", "rulebook/index.html"]:  # fmt: skip
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
