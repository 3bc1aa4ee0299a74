"""The tutorial notebook (examples/tutorial.ipynb) is docs/tutorial.md, run.

docs/tutorial.md is the one source: tests/test_tutorial.py checks its outputs with
doctest; docs/make_notebook.py turns it into the notebook, runs it in a kernel and
stores the outputs, which the docs site shows. Here: the committed notebook's cells are
exactly those the script makes from the current tutorial (so the two cannot drift; the
outputs are not compared, they come from running it), its stored outputs are a clean
run's, and it runs top to bottom in a real Jupyter kernel from examples/, where Jupyter
starts it (nbclient and ipykernel are in the dev extra, so this never skips).
"""

from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"


def _load_make_notebook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_notebook", ROOT / "docs" / "make_notebook.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mk = _load_make_notebook()


@pytest.fixture(scope="module")
def notebook() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def _code(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


# --- one source of truth ----------------------------------------------------------------


def test_committed_notebook_has_the_tutorials_cells(notebook: dict) -> None:
    expected = mk.notebook(TUTORIAL.read_text(encoding="utf-8"))
    assert mk.cells(notebook) == mk.cells(expected), (
        "examples/tutorial.ipynb is stale: run `python docs/make_notebook.py`"
    )
    assert [c["id"] for c in notebook["cells"]] == [c["id"] for c in expected["cells"]]
    assert mk.main(["--check"]) == 0


def test_check_compares_cells_not_outputs(tmp_path: Path) -> None:
    stale = tmp_path / "tutorial.ipynb"
    stale.write_text(NOTEBOOK.read_text(encoding="utf-8").replace("沅江市", "某市"), "utf-8")
    assert mk.main(["--check", "--out", str(stale)]) == 1
    assert mk.main(["--check", "--out", str(tmp_path / "absent.ipynb")]) == 1
    stale.write_text("{not json", "utf-8")
    assert mk.main(["--check", "--out", str(stale)]) == 1
    assert mk.main(["--no-run", "--out", str(stale)]) == 0  # the cells, no outputs
    assert mk.main(["--check", "--out", str(stale)]) == 0


def test_notebook_is_nbformat_4_with_a_clean_runs_outputs(notebook: dict) -> None:
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    assert notebook["metadata"] == mk.METADATA  # no kernel version
    ids = [cell["id"] for cell in notebook["cells"]]
    assert len(ids) == len(set(ids))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    # one run, top to bottom: counts 1, 2, 3 …, no error, nothing on stderr, no timestamps
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1))
    for cell in notebook["cells"]:
        assert cell["metadata"] == {}
        source = "".join(cell["source"])
        assert ">>>" not in source and "doctest:" not in source
        for output in cell.get("outputs", []):
            assert output["output_type"] in ("stream", "execute_result", "display_data")
            assert output.get("name", "stdout") == "stdout", output
    # what the site shows: the result as HTML by peer group, the charts as SVG
    shown = {"".join(c["source"]): c["outputs"] for c in code}
    (result,) = shown["result"]
    assert "益阳市所辖县级地区（8 个）" in "".join(result["data"]["text/html"])
    (chart,) = shown["acc.charts.ranking(result)"]
    assert "".join(chart["data"]["image/svg+xml"]).startswith("<svg")
    explained = "".join("".join(o["text"]) for o in shown['print(result.explain("430981"))'])
    assert "得分 77.78 · 等次 合格 · 同级排名 6/8" in explained
    assert "!!!" not in "".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )


def test_every_tutorial_example_is_in_a_code_cell(notebook: dict) -> None:
    code = "\n".join(_code(notebook))
    examples = doctest.DocTestParser().get_examples(TUTORIAL.read_text(encoding="utf-8"))
    assert len(examples) > 30
    for example in examples:
        for line in example.source.splitlines():
            assert line.strip() in code, (
                f"tutorial line {example.lineno + 1} is not in the notebook"
            )


def test_script_examples() -> None:
    failures, attempted = doctest.testmod(mk, raise_on_error=False, report=True, verbose=False)
    assert attempted > 0 and failures == 0


# --- the conversion ---------------------------------------------------------------------


def test_a_run_of_prompts_is_one_cell_up_to_each_output() -> None:
    block = ">>> a = 1\n>>> b = a + 1  # doctest: +ELLIPSIS\n>>> b\n2\n>>> if b:\n...     b\n2\n"
    assert mk.code_cells(block) == ["a = 1\nb = a + 1\nb", "if b:\n    b"]


def test_an_expected_traceback_becomes_a_cell_that_catches_and_prints() -> None:
    block = ">>> int('x')\nTraceback (most recent call last):\n...\nValueError: invalid literal\n"
    (cell,) = mk.code_cells(block)
    namespace: dict = {}
    exec(cell, namespace)  # runs: the error is caught
    assert cell.startswith("try:\n    int('x')\nexcept ValueError as error:")
    qualified = ">>> f()\nTraceback (most recent call last):\n...\nacc.errors.RulebookError: m\n"
    assert mk.code_cells(qualified)[0].startswith("from acc.errors import RulebookError\n\ntry:")


def test_mkdocs_syntax_is_rewritten_for_jupyter(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("x", "utf-8")
    prose = (
        "# Title\n\nIntro.\n\n"
        '!!! note "注意"\n    first\n\n    second\n\n'
        "## 4. Explain {#explain}\n\n"
        "See [a page](page.md#top), [a generated one](gen.md) and [a site](https://x.org).\n"
    )
    cells = mk.markdown_cells(prose, tmp_path)
    assert cells == [
        "# Title\n\nIntro.\n\n> **注意**\n>\n> first\n>\n> second",
        "## 4. Explain\n\nSee [a page](../docs/page.md#top), a generated one "
        "and [a site](https://x.org).",
    ]


def test_other_code_blocks_stay_in_the_prose_and_stray_prompts_are_errors() -> None:
    text = "# T\n\n```console\n$ accountability demo\n# not a heading\n```\n"
    assert mk.split_tutorial(text) == [("markdown", text)]
    assert mk.markdown_cells(text, ROOT / "docs") == [text.strip()]
    with pytest.raises(ValueError, match="line 3"):
        mk.split_tutorial("# T\n\n>>> 1\n1\n")


# --- the notebook runs ------------------------------------------------------------------


def test_notebook_runs_in_a_jupyter_kernel_from_examples(notebook: dict) -> None:
    ran = mk.execute(notebook)  # raises CellExecutionError naming the cell on any error
    outputs = [o for c in ran["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    printed = "".join("".join(o.get("text", "")) for o in outputs)
    assert "得分 77.78 · 等次 合格 · 同级排名 6/8" in printed  # explain("430981") ran
    assert "RulebookError: 参数 annual.a1_points_per_death" in printed  # the caught error
    assert mk.cells(ran) == mk.cells(notebook)
    assert [c["execution_count"] for c in ran["cells"] if c["cell_type"] == "code"] == [
        c["execution_count"] for c in notebook["cells"] if c["cell_type"] == "code"
    ]


# --- the site's 笔记本 page -------------------------------------------------------------


def _load_gen_notebook() -> ModuleType:
    import sys

    sys.path.insert(0, str(ROOT / "docs"))  # as mkdocs runs its hooks: siblings importable
    try:
        spec = importlib.util.spec_from_file_location(
            "gen_notebook", ROOT / "docs" / "gen_notebook.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "docs"))


def test_site_page_shows_the_stored_outputs(notebook: dict) -> None:
    gen = _load_gen_notebook()
    page = gen.page(notebook)
    assert page.startswith("# 笔记本：教程的运行结果\n")
    assert "../docs/" not in page and mk.GENERATED_NOTE not in page
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for cell in code:  # every cell's code, numbered as it ran
        assert f"In [{cell['execution_count']}]:" in page
        assert "```python\n" + "".join(cell["source"]) + "\n```" in page
    shown = {"".join(c["source"]): c["outputs"] for c in code}
    (result,) = shown["result"]
    assert "".join(result["data"]["text/html"]) in page  # the HTML, inline as Jupyter shows it
    (chart,) = shown["acc.charts.ranking(result)"]
    assert "<svg" in gen.output_html(chart)
    explained = gen.output_html(shown['print(result.explain("430981"))'][0])
    assert explained.startswith("<pre") and "得分 77.78 · 等次 合格" in explained
    assert "### 1. 载入数据" in page  # the notebook's headings under the page's title
