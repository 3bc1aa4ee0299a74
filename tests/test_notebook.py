"""The tutorial notebook (examples/tutorial.ipynb) is docs/tutorial.md, and it runs.

docs/tutorial.md is the one source: tests/test_tutorial.py checks its outputs with
doctest; docs/make_notebook.py turns it into the notebook. Here: the committed notebook
is exactly what the script makes from the current tutorial (so the two cannot drift),
and its code cells run top to bottom in one namespace from the repository root, with no
Jupyter kernel. Where nbclient and ipykernel happen to be installed, the notebook also
runs in a real kernel from examples/ (where Jupyter starts it); otherwise that is skipped.
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


def test_committed_notebook_is_generated_from_the_tutorial() -> None:
    expected = mk.render(TUTORIAL.read_text(encoding="utf-8"))
    assert NOTEBOOK.read_text(encoding="utf-8") == expected, (
        "examples/tutorial.ipynb is stale: run `python docs/make_notebook.py`"
    )
    assert mk.main(["--check"]) == 0


def test_check_fails_on_a_stale_or_missing_notebook(tmp_path: Path) -> None:
    stale = tmp_path / "tutorial.ipynb"
    stale.write_text(NOTEBOOK.read_text(encoding="utf-8").replace("沅江市", "某市"), "utf-8")
    assert mk.main(["--check", "--out", str(stale)]) == 1
    assert mk.main(["--check", "--out", str(tmp_path / "absent.ipynb")]) == 1
    assert mk.main(["--out", str(stale)]) == 0
    assert mk.main(["--check", "--out", str(stale)]) == 0


def test_notebook_is_plain_nbformat_4_without_outputs(notebook: dict) -> None:
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert notebook["metadata"]["language_info"] == {"name": "python"}
    ids = [cell["id"] for cell in notebook["cells"]]
    assert len(ids) == len(set(ids))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["execution_count"] is None and cell["outputs"] == []
            source = "".join(cell["source"])
            assert ">>>" not in source and "doctest:" not in source
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


def test_notebook_runs_top_to_bottom(
    notebook: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "__main__"}
    for number, source in enumerate(_code(notebook), start=1):
        try:
            exec(compile(source, f"<notebook code cell {number}>", "exec"), namespace)
        except Exception as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"code cell {number} raised {error!r}:\n{source}")
    printed = capsys.readouterr().out
    assert "得分 77.78 · 等次 合格 · 同级排名 6/8" in printed  # explain("430981") ran
    assert "RulebookError: 参数 annual.a1_points_per_death" in printed  # the caught error
    assert namespace["out"].is_file()


def test_notebook_runs_in_a_jupyter_kernel_from_examples() -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.reads(NOTEBOOK.read_text(encoding="utf-8"), as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
