"""What the docs hooks (gen_rulebook.py, gen_reference.py) share: putting their
generated pages into the site in memory, and writing them to a folder when a hook
runs as a script."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


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
