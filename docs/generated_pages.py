"""What the docs hooks (gen_rulebook.py, gen_rules.py, gen_reference.py) share: text
made safe for Markdown, putting their generated pages into the site in memory, and
writing them to a folder when a hook runs as a script."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_ESCAPES = (
    ("\\", "\\\\"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("|", "\\|"),
    ("*", "\\*"),
    ("_", "\\_"),
    ("[", "\\["),
    ("]", "\\]"),
)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (and in running text): Markdown's special
    characters escaped, HTML's special characters as entities, newlines as `<br>`;
    code spans (`` `…` ``) are kept as they are (a table does not split a row at a
    pipe inside one).

    >>> cell("a|b\\nc_d")
    'a\\\\|b<br>c\\\\_d'
    >>> cell("见 `{ grade_counts = {} }` 与 x_y")
    '见 `{ grade_counts = {} }` 与 x\\\\_y'
    >>> cell("1`2")
    '1\\\\`2'
    """
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: no code spans
        return _escape(text).replace("`", "\\`")
    return "`".join(
        " ".join(part.split()) if i % 2 else _escape(part) for i, part in enumerate(parts)
    )


def _escape(text: str) -> str:
    for old, new in _ESCAPES:
        text = text.replace(old, new)
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def add_generated(files: Any, config: Any, pages: Mapping[str, str]) -> Any:
    """Add `pages` (path under docs/ → Markdown) to mkdocs' files, replacing any file
    of the same path; nothing is written to docs/."""
    from mkdocs.structure.files import File

    for path, content in pages.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def write_pages(argv: list[str], pages: Mapping[str, str], prog: str) -> int:
    """`python docs/<prog> OUTDIR`: write `pages` below OUTDIR, one path a line."""
    if len(argv) != 1:
        print(f"usage: python docs/{prog} OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    for path, content in pages.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(target)
    return 0
