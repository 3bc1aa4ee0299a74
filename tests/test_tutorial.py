"""The tutorial (docs/tutorial.md) runs: every `>>>` example gives the output shown.

The tutorial is what an analyst types in a notebook, so it must stay true to the
code; it runs from the repository root, where `fixtures/yiyang-2024` and
`examples/hunan-city.toml` are.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"


def test_tutorial_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    failures, attempted = doctest.testfile(
        str(TUTORIAL),
        module_relative=False,
        encoding="utf-8",
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        report=True,
        verbose=False,
    )
    assert attempted > 30, "the tutorial lost its examples"
    assert failures == 0, f"{failures} of {attempted} tutorial examples failed (see output)"
