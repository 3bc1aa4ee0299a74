"""The display hooks of the result classes: their `__repr__` and `_repr_html_` ask here.

What a person sees of a `Dataset`, a scorer's result or an `Assessment` at the prompt
or in a notebook is drawn by `accountability.notebook`, which sits in the report layer,
above the data and scorer layers whose classes it shows; those layers must not import
it.  So the renderer is loaded by name on first use: the one upward dependency the
layering check cannot see, kept to this module and to display.

>>> import datetime as dt
>>> from accountability.tables import Dataset
>>> text(Dataset(tables={}, as_of=dt.date(2025, 1, 1))).splitlines()[0]
'数据集 · 数据截止 2025-01-01 · 0 张表'
"""

from __future__ import annotations

import importlib

__all__ = ["RENDERER", "html", "text"]

RENDERER = "accountability.notebook"


def text(obj: object) -> str:
    """The object's short text: a few lines, never a whole table."""
    return importlib.import_module(RENDERER).text(obj)


def html(obj: object) -> str:
    """The object's compact HTML for a notebook (inline styles, every text escaped)."""
    return importlib.import_module(RENDERER).html(obj)
