"""Text made safe for a terminal: every control character written out.

Kept apart from `accountability.wording` (which builds polars expressions) so that
the command line can print safely without importing polars.
"""

from __future__ import annotations

__all__ = ["MULTI_LINE", "SINGLE_LINE", "visible"]


def _escaped(code: int) -> str:
    if code == 0x0D:
        return "\\r"
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


# C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F): what a terminal obeys.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
MULTI_LINE = {c: _escaped(c) for c in _CONTROLS if c not in (0x0A, 0x09)}
SINGLE_LINE = {c: _escaped(c) for c in _CONTROLS}


def visible(text: str, *, single_line: bool = False) -> str:
    r"""`text` with every control character written out, so that text from the data
    cannot drive the terminal it is printed on (clear the screen, move the cursor, set
    the window title, overwrite a line with a bare carriage return): ESC as ``\x1b``,
    a carriage return as ``\r``, a C1 control such as CSI as ``\u009b``.  A newline and
    a tab are kept, unless `single_line` (a table cell, one line of a list) writes them
    out too.  Everything printable (CJK, full-width forms, emoji) is left as it is, and
    the result is unchanged by a second call.

    >>> visible("益阳\x1b[2J市\r")
    '益阳\\x1b[2J市\\r'
    >>> visible("a\tb\nc\x07\x9b"), visible("a\tb\nc", single_line=True)
    ('a\tb\nc\\x07\\u009b', 'a\\tb\\nc')
    """
    return text.translate(SINGLE_LINE if single_line else MULTI_LINE)
