"""Make the tutorial notebook (examples/tutorial.ipynb) from docs/tutorial.md, and run it.

docs/tutorial.md is the one source: the doctest run (tests/test_tutorial.py) checks its
outputs, and this script turns it into a Jupyter notebook, runs it in a real kernel
(nbclient, from examples/ as Jupyter would) and stores the outputs, which the docs
site shows (docs/gen_notebook.py).  tests/test_notebook.py compares the committed
notebook's cells with the tutorial and runs it again.

- prose outside the ```pycon blocks becomes markdown cells, one per heading's section;
  mkdocs-only syntax is rewritten for Jupyter (admonitions become block quotes, heading
  attributes like ``{#explain}`` are dropped, links to other pages point into docs/);
- in each ```pycon block, every run of ``>>>``/``...`` lines up to an expected output
  becomes one code cell, prompts stripped, expected output dropped, ``# doctest:``
  directives removed; an example whose expected output is a traceback is wrapped in
  ``try``/``except`` that prints the error, so the notebook runs top to bottom;
- a first code cell moves to the repository root when the notebook is opened from
  examples/, since the tutorial's paths are relative to the root.

The tutorial fixes its data's ``as_of``, so no output depends on the day it is run.
What would differ from one run to the next is left out: the kernel's timestamps and
version details (the metadata is fixed), and temporary folders' names in the text
(the tutorial shows none).  Cell ids come from their content, execution counts run
1, 2, 3… in order, and the JSON is written with sorted keys::

    python docs/make_notebook.py           # writes and runs examples/tutorial.ipynb
    python docs/make_notebook.py --check   # exit 1 if its cells are not the tutorial's
"""

from __future__ import annotations

import argparse
import doctest
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"

CODE_FENCES = {"pycon"}
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
GENERATED_NOTE = (
    "> 本笔记本由 `docs/make_notebook.py` 从 `docs/tutorial.md` 生成，请勿直接编辑："
    "修改教程后运行 `python docs/make_notebook.py`。"
)
SETUP_CELL = """\
# 教程中的路径相对于仓库根目录：从 examples/ 打开本笔记本时，先回到仓库根目录
import os
from pathlib import Path

if not Path("fixtures/yiyang-2024").is_dir() and Path("../fixtures/yiyang-2024").is_dir():
    os.chdir("..")
"""

_FENCE = re.compile(r"^(?P<marker>`{3,}|~{3,})\s*(?P<info>[\w+-]*)")
_HEADING = re.compile(r"^#{1,6}\s")
_HEADING_ATTRS = re.compile(r"\s*\{[#:.][^}]*\}\s*$")
_ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)\s+(?P<kind>\w+)(?:\s+"(?P<title>[^"]*)")?\s*$')
_LOCAL_LINK = re.compile(
    r"\[(?P<text>[^\]]+)\]\((?P<target>(?![a-z]+:|#)[^)\s#]+)(?P<anchor>#[^)\s]*)?\)"
)
_DIRECTIVE = re.compile(r"[ \t]*#\s*doctest:[^\n'\"]*$", re.MULTILINE)
_PROMPT = re.compile(r"^\s*>>>")
_IMPORT = re.compile(r"^(?:import|from)\s+[\w.]+(?:\s+import\s+[^(]+)?(?:\s+as\s+\w+)?\s*$")


def split_tutorial(text: str) -> list[tuple[str, str]]:
    """Split the tutorial into ``("markdown", prose)`` and ``("pycon", block)`` parts.

    A ``>>>`` line outside a ```pycon block would be run by doctest but not by the
    notebook, so it is an error.

    >>> split_tutorial("# T\\n\\n```pycon\\n>>> 1\\n1\\n```\\n")
    [('markdown', '# T\\n\\n'), ('pycon', '>>> 1\\n1\\n')]
    """
    parts: list[tuple[str, str]] = []
    prose: list[str] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            if _PROMPT.match(line):
                raise ValueError(f"line {i + 1}: a >>> example outside a ```pycon block")
            prose.append(line)
            i += 1
            continue
        end = i + 1
        closing = fence["marker"]
        while end < len(lines) and lines[end].strip() != closing:
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: code block never closed")
        if fence["info"] in CODE_FENCES:
            if prose:
                parts.append(("markdown", "".join(prose)))
                prose = []
            parts.append(("pycon", "".join(lines[i + 1 : end])))
        else:
            prose.extend(lines[i : end + 1])
        i = end + 1
    if prose:
        parts.append(("markdown", "".join(prose)))
    return parts


def markdown_cells(prose: str, docs_dir: Path) -> list[str]:
    """Prose as Jupyter markdown: one cell per heading's section, mkdocs syntax rewritten."""
    cells: list[list[str]] = [[]]
    in_fence: str | None = None
    lines = _for_jupyter(prose, docs_dir).splitlines()
    for line in lines:
        fence = _FENCE.match(line)
        if in_fence is None and fence:
            in_fence = fence["marker"]
        elif in_fence is not None and line.strip() == in_fence:
            in_fence = None
        elif in_fence is None and _HEADING.match(line) and any(s.strip() for s in cells[-1]):
            cells.append([])
        cells[-1].append(line)
    return [text for cell in cells if (text := "\n".join(cell).strip("\n"))]


def _for_jupyter(prose: str, docs_dir: Path) -> str:
    """Rewrite what only mkdocs understands: admonitions, heading attributes, page links."""
    out: list[str] = []
    lines = prose.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        admonition = _ADMONITION.match(line)
        if admonition:
            title = admonition["title"] or admonition["kind"].capitalize()
            out.append(f"> **{title}**")
            out.append(">")
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                out.append(f"> {lines[i][4:]}".rstrip())
                i += 1
            while out[-1] == ">":
                out.pop()
            out.append("")
            continue
        if _HEADING.match(line):
            line = _HEADING_ATTRS.sub("", line)
        out.append(_LOCAL_LINK.sub(lambda m: _link(m, docs_dir), line))
        i += 1
    return "\n".join(out)


def _link(match: re.Match[str], docs_dir: Path) -> str:
    """A link to another page of the site: into docs/ if the page is a file there."""
    target = match["target"]
    if (docs_dir / target).is_file():
        return f"[{match['text']}](../docs/{target}{match['anchor'] or ''})"
    return match["text"]  # a page generated at build time: keep the words only


def code_cells(block: str) -> list[str]:
    """The code cells of one ```pycon block: a cell ends at each expected output.

    >>> code_cells(">>> import os\\n>>> x = 1\\n>>> x\\n1\\n>>> if x:\\n...     x\\n1\\n")
    ['import os\\n\\nx = 1\\nx', 'if x:\\n    x']
    """
    cells: list[str] = []
    pending: list[str] = []
    for example in doctest.DocTestParser().get_examples(block):
        source = _DIRECTIVE.sub("", example.source)
        if example.exc_msg is not None:
            source = _catching(source, example.exc_msg)
        pending.append(source)
        if example.want:
            cells.append("".join(pending).rstrip("\n"))
            pending = []
    if pending:
        cells.append("".join(pending).rstrip("\n"))
    return [_space_imports(cell) for cell in cells]


def _space_imports(cell: str) -> str:
    """A blank line between a cell's leading imports and its code, as isort writes it."""
    lines = cell.split("\n")
    n = 0
    while n < len(lines) and _IMPORT.match(lines[n]):
        n += 1
    if 0 < n < len(lines) and lines[n].strip():
        lines.insert(n, "")
    return "\n".join(lines)


def _catching(source: str, exc_msg: str) -> str:
    """An example that shows a traceback, as code that catches the error and prints it."""
    qualified = exc_msg.split(":", 1)[0].strip()
    module, _, name = qualified.rpartition(".")
    lines = [f"from {module} import {name}\n\n"] if module else []
    lines.append("try:\n")
    lines.extend(f"    {line}" if line.strip() else line for line in source.splitlines(True))
    lines.append(f"except {name} as error:\n")
    lines.append('    print(f"{type(error).__name__}: {error}")\n')
    return "".join(lines)


def notebook(text: str, docs_dir: Path = ROOT / "docs") -> dict[str, object]:
    """The nbformat-4 notebook (as a dict) of a doctest-style Markdown tutorial.

    >>> nb = notebook("# T\\n\\nprose\\n\\n```pycon\\n>>> 1 + 1\\n2\\n\\n```\\n")
    >>> [cell["cell_type"] for cell in nb["cells"]]  # the note and the setup cell after the title
    ['markdown', 'markdown', 'code', 'code']
    >>> "".join(nb["cells"][-1]["source"])
    '1 + 1'
    """
    cells: list[tuple[str, str]] = []
    for kind, part in split_tutorial(text):
        if kind == "pycon":
            cells.extend(("code", source) for source in code_cells(part))
        else:
            cells.extend(("markdown", source) for source in markdown_cells(part, docs_dir))
    # after the title cell: where the notebook comes from, and the move to the repo root
    at = 1 if cells and cells[0][0] == "markdown" else 0
    cells[at:at] = [("markdown", GENERATED_NOTE), ("code", SETUP_CELL.rstrip("\n"))]
    ids: set[str] = set()
    return {
        "cells": [_cell(kind, source, ids) for kind, source in cells],
        "metadata": METADATA,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _cell(kind: str, source: str, ids: set[str]) -> dict[str, object]:
    """One cell, its id taken from its content (so an edit changes only its own cells)."""
    digest = hashlib.sha256(f"{kind}\n{source}".encode()).hexdigest()[:12]
    cell_id, n = digest, 1
    while cell_id in ids:
        n += 1
        cell_id = f"{digest}-{n}"
    ids.add(cell_id)
    cell: dict[str, object] = {
        "cell_type": kind,
        "id": cell_id,
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell |= {"execution_count": None, "outputs": []}
    return cell


def dumps(nb: dict[str, object]) -> str:
    """A notebook's file text: JSON as Jupyter writes it (indent 1, sorted keys)."""
    return json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def render(text: str, docs_dir: Path = ROOT / "docs") -> str:
    """The notebook file's text before it is run (no outputs)."""
    return dumps(notebook(text, docs_dir))


def cells(nb: dict[str, object]) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what `--check` compares.

    >>> cells(notebook("# T\\n\\n```pycon\\n>>> 1 + 1\\n2\\n\\n```\\n"))[-1]
    ('code', '1 + 1')
    """
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]  # type: ignore[index,union-attr]


def execute(nb: dict[str, object], *, timeout: int = 300) -> dict[str, object]:
    """Run the notebook in a Python kernel from examples/ (where Jupyter starts it) and
    return it with its outputs: execution counts in order, nothing of the run's time
    or of the kernel's version kept.  Needs nbclient and ipykernel (the dev extra).

    A cell that raises stops the run with nbclient's error naming the cell.
    """
    import nbclient
    import nbformat

    node = nbformat.reads(dumps(nb), as_version=4)
    client = nbclient.NotebookClient(
        node,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    ran = json.loads(nbformat.writes(node))
    ran["metadata"] = METADATA  # the kernel fills in its version; keep the fixed one
    for cell in ran["cells"]:
        cell["metadata"] = {}  # execution timestamps
        for output in cell.get("outputs", []):
            if "metadata" in output:
                output["metadata"] = {}
    return ran


def stale(current: str | None, expected: dict[str, object]) -> bool:
    """Whether a committed notebook's cells differ from those the tutorial gives
    (outputs are not compared: they come from running it)."""
    if current is None:
        return True
    try:
        committed = json.loads(current)
        return cells(committed) != cells(expected)
    except (ValueError, KeyError, TypeError):
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the notebook is not what would be written"
    )
    parser.add_argument("--source", type=Path, default=TUTORIAL)
    parser.add_argument("--out", type=Path, default=NOTEBOOK)
    parser.add_argument(
        "--no-run", action="store_true", help="write the cells without running them (no outputs)"
    )
    args = parser.parse_args(argv)
    expected = notebook(args.source.read_text(encoding="utf-8"), args.source.parent)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if stale(current, expected):
            print(f"{args.out} is out of date: run python docs/make_notebook.py", file=sys.stderr)
            return 1
        return 0
    ran = expected if args.no_run else execute(expected)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(ran), encoding="utf-8", newline="\n")
    print(f"wrote {args.out}" + ("" if args.no_run else " (run, with its outputs)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
