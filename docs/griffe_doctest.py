"""A griffe extension for the API reference page (docs/api.md, mkdocstrings).

The library's docstrings carry their examples as bare doctest blocks (``>>>`` lines
and their output, ended by a blank line), which doctest runs but Markdown would read
as nested block quotes.  This extension wraps each such block in a ```` ```pycon ````
fence and drops the ``# doctest: +SKIP``-style directives, so the page shows them as
code.  The docstrings themselves stay as they are.

Loaded by path from mkdocs.yml (``plugins.mkdocstrings...options.extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")


def fence_doctests(text: str) -> str:
    """Wrap every bare doctest block of `text` in a ```` ```pycon ```` fence.

    >>> fence_doctests("Add.\\n\\n>>> 1 + 1  # doctest: +SKIP\\n2\\n\\nMore.").splitlines()
    ['Add.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'More.']
    """
    out: list[str] = []
    in_fence = in_block = False
    indent = ""
    for line in text.splitlines():
        stripped = line.strip()
        if in_block and not stripped:
            out.append(f"{indent}```")
            in_block = False
        if not in_block and stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and not in_block and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_block = True
        out.append(_DIRECTIVE.sub("", line) if in_block else line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest blocks of every docstring griffe reads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
