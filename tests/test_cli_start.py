"""A fast start: `accountability --help` loads neither polars nor the scorers, and the
demo loads none of the writers it does not use.  (How long the demo takes is a
benchmark figure, never a test.)"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from accountability.cli import app
try:
    app({args!r}, standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} | {{m for m in sys.modules
      if m.startswith("accountability.")}})))
"""


def _modules_after(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_help_loads_neither_polars_nor_the_library():
    loaded = _modules_after("--help")
    assert not loaded & {"polars", "dataframely", "numpy", "xlsxwriter", "fastexcel"}
    assert "accountability.assessment" not in loaded
    assert "accountability.tables" not in loaded


def test_the_demo_loads_no_writer_it_does_not_use():
    loaded = _modules_after("demo", "--quiet")
    assert "accountability.assessment" in loaded  # it did run
    assert not loaded & {"xlsxwriter", "fastexcel", "openpyxl", "duckdb"}
    assert not loaded & {"accountability.planning", "accountability.compare"}
