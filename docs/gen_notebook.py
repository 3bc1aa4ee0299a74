"""The 笔记本 page: the tutorial notebook as it ran, with its stored outputs.

`docs/make_notebook.py` runs examples/tutorial.ipynb in a Jupyter kernel and stores
what each cell gave; this hook turns the stored notebook into `notebook.md` at build
time, so the site shows the results' HTML tables and the charts exactly as Jupyter
does, without running anything:

- markdown cells as they are, links into docs/ pointed back at the site's pages;
- code cells as Python code blocks, with their execution count;
- outputs: HTML (``text/html``) and SVG (``image/svg+xml``) inline, as Jupyter prefers
  them; plain text and what was printed in ``<pre>``, HTML-escaped.

Used two ways, like its siblings: as a mkdocs hook (``hooks:`` in mkdocs.yml) and as a
script, ``python docs/gen_notebook.py OUTDIR``, which writes ``notebook.md``.  Pure
Python: no nbconvert, no network.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

from generated_pages import add_generated, write_pages
from make_notebook import GENERATED_NOTE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tutorial.ipynb"
PAGE = "notebook.md"

# What Jupyter shows of an output with several representations, in its order.
PREFERRED = ("text/html", "image/svg+xml", "text/plain")
INTRO = """\
# 笔记本：教程的运行结果

本页是教程笔记本 `examples/tutorial.ipynb` 在 Jupyter 内核中运行后保存的样子：
代码和[教程](tutorial.md)相同，输出是笔记本的实际输出——结果对象显示为表格，
图表显示为 SVG。笔记本由 `python docs/make_notebook.py` 生成并运行（数据截止日固定，
输出不随运行日期变化）。
"""
_DOCS_LINK = re.compile(r"\]\(\.\./docs/([^)\s]+)\)")
_OUT = "margin:0 0 1.2em;padding:.4em .6em;border-left:3px solid #c5cae9"
_LABEL = "font-size:.7rem;color:#757575;margin:.2em 0"
_PRE = "margin:0;white-space:pre-wrap;font-size:.72rem;background:none;padding:0"


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _pre(text: str) -> str:
    return f'<pre style="{_PRE}">{html.escape(text.rstrip(chr(10)))}</pre>'


def _no_blank_lines(markup: str) -> str:
    """Raw HTML without blank lines, so Markdown keeps it as one HTML block."""
    return "\n".join(line for line in markup.splitlines() if line.strip())


def output_html(output: dict[str, Any]) -> str:
    """One stored output as HTML: rich HTML or SVG inline, text in <pre>.

    >>> output_html({"output_type": "stream", "name": "stdout", "text": ["a<b\\n"]})[-14:]
    '">a&lt;b</pre>'
    >>> output_html({"output_type": "execute_result", "data": {"text/plain": "1",
    ...     "text/html": "<b>1</b>"}})
    '<b>1</b>'
    """
    kind = output["output_type"]
    if kind == "stream":
        return _pre(_text(output["text"]))
    if kind == "error":
        return _pre(f"{output['ename']}: {output['evalue']}")
    data = output.get("data", {})
    for mime in PREFERRED:
        if mime in data:
            value = _text(data[mime])
            return _no_blank_lines(value) if mime != "text/plain" else _pre(value)
    return ""


def _fence(source: str) -> str:
    ticks = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", source))])
    return f"{ticks}python\n{source}\n{ticks}"


def _demoted(prose: str) -> str:
    """Headings one level down (the page has its own title), code blocks untouched.

    >>> _demoted("# T\\n```\\n# kept\\n```\\n## S")
    '## T\\n```\\n# kept\\n```\\n### S'
    """
    lines, fence = [], ""
    for line in prose.split("\n"):
        marker = re.match(r"^(`{3,}|~{3,})", line)
        if marker and not fence:
            fence = marker[1]
        elif fence and line.strip() == fence:
            fence = ""
        elif not fence and re.match(r"^#{1,5}\s", line):
            line = "#" + line
        lines.append(line)
    return "\n".join(lines)


def cell_markdown(cell: dict[str, Any]) -> str:
    """A cell as Markdown: prose as it is (links into docs/ made site links), code as a
    Python block followed by its outputs."""
    source = _text(cell["source"])
    if cell["cell_type"] == "markdown":
        return _demoted(_DOCS_LINK.sub(r"](\1)", source))
    if cell["cell_type"] != "code":
        return ""
    count = cell.get("execution_count")
    parts = [f'<p style="{_LABEL}">In [{count or " "}]:</p>', "", _fence(source)]
    outputs = [output_html(o) for o in cell.get("outputs", [])]
    outputs = [o for o in outputs if o]
    if outputs:
        body = "".join(outputs)
        parts += ["", f'<div class="notebook-output" style="{_OUT}">{body}</div>']
    return "\n".join(parts)


def page(notebook: dict[str, Any]) -> str:
    """The whole page: an introduction, then every cell in order."""
    # the notebook's note on where it comes from is the introduction's job here
    shown = [c for c in notebook["cells"] if _text(c["source"]) != GENERATED_NOTE]
    cells = [cell_markdown(c) for c in shown]
    return INTRO + "\n" + "\n\n".join(c for c in cells if c) + "\n"


def pages() -> dict[str, str]:
    return {PAGE: page(json.loads(NOTEBOOK.read_text(encoding="utf-8")))}


def on_files(files: Any, config: Any) -> Any:
    """Add the notebook page to the site (in memory; nothing is written to docs/)."""
    return add_generated(files, config, pages())


def main(argv: list[str]) -> int:
    return write_pages(argv, pages(), "gen_notebook.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
