"""Text made safe and readable on a terminal: every control character written out
(`visible`), and lines broken where Chinese and English text may break
(`line_starts`, `wrap`, `Paragraph`).

Kept apart from `accountability.wording` (which builds polars expressions) so that
the command line can print safely without importing polars.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement
    from rich.text import Text

__all__ = ["MULTI_LINE", "SINGLE_LINE", "Paragraph", "cells", "line_starts", "visible", "wrap"]


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


# --- line breaking --------------------------------------------------------------------

# Punctuation a line may not start with, and punctuation a line may not end with
# (the usual rules of Chinese typesetting, 避头尾).
_NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】〕〗］｝…,.;:?!)]}%％·")
_NO_LINE_END = frozenset("（「『“‘《〈【〔〖［｛([{")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def cells(text: str) -> int:
    """The columns `text` takes on a terminal: two for a wide (CJK, full-width)
    character, one for the others.

    >>> cells("依据 A4")
    7
    """
    return sum(2 if _wide(char) else 1 for char in text)


def _units(text: str) -> list[tuple[int, int, str]]:
    """`text` cut into (start, end, kind): a run of spaces ("space"), a run of other
    narrow characters, a word or a number that is never broken, its ASCII punctuation
    included ("word"), or one wide character or one Chinese punctuation mark such as
    “ ” … ("wide")."""
    units: list[tuple[int, int, str]] = []
    for index, char in enumerate(text):
        if char.isspace():
            kind = "space"
        elif _wide(char) or (
            not char.isascii() and (char in _NO_LINE_START or char in _NO_LINE_END)
        ):
            kind = "wide"
        else:
            kind = "word"
        if units and kind != "wide" and units[-1][2] == kind:
            units[-1] = (units[-1][0], index + 1, kind)
        else:
            units.append((index, index + 1, kind))
    return units


def line_starts(text: str, width: int, *, cut: bool = True) -> list[int]:
    r"""Where to start a new line so that `text` (one line, no newline) fits in `width`
    columns: at a space, or between characters of Chinese text, never inside an
    English word, a number or a code (``第493号``, ``(2021)``, ``A4`` stay whole), and
    never so that a line starts with a closing mark (，。）”) or ends with an opening
    one (（“《).  Only a word wider than `width` is cut, and not when `cut` is false
    (a path, a command: it then has a line of its own, however long).  The offsets are as
    `rich.text.Text.divide` takes them; the spaces at a break go at the end of the
    line before it (strip them).

    Rich wraps at spaces only, so a Chinese sentence is one long "word" to it, which
    is moved whole to the next line or cut anywhere; this is the missing piece.

    >>> text = "依据：国务院令第493号第三条；事故统计口径"
    >>> [text[a:b] for a, b in zip([0, *line_starts(text, 16)], [*line_starts(text, 16), None])]
    ['依据：国务院令第', '493号第三条；事', '故统计口径']
    """
    units = _units(text)
    # Group units into pieces that may not be split: a break is allowed at a space, and
    # next to a wide character unless the punctuation forbids it.
    pieces: list[list[int]] = []  # [start, end, cells, space_after]
    leading = 0  # the spaces before the first piece take room on the first line
    for position, (start, end, kind) in enumerate(units):
        if kind == "space":
            if pieces:
                pieces[-1][3] += end - start
            else:
                leading += end - start
            continue
        width_of = cells(text[start:end])
        if pieces and pieces[-1][3] == 0 and position > 0:
            previous = units[position - 1]
            joined = (
                (previous[2] == "word" and kind == "word")
                or text[start] in _NO_LINE_START
                or text[previous[1] - 1] in _NO_LINE_END
            )
            if joined:
                pieces[-1][1] = end
                pieces[-1][2] += width_of
                continue
        pieces.append([start, end, width_of, 0])
    starts: list[int] = []
    used = leading
    for start, end, width_of, spaces in pieces:
        if used and used + width_of > width:
            starts.append(start)
            used = 0
        if width_of <= width or not cut:
            used += width_of + spaces
            continue
        for index in range(start, end):  # one word wider than the line: cut it
            step = cells(text[index])
            if used and used + step > width:
                starts.append(index)
                used = 0
            used += step
        used += spaces
    return [s for s in starts if 0 < s < len(text)]


def wrap(
    text: Text, width: int, *, indent: int = 0, hang: int | None = None, cut: bool = True
) -> list[Text]:
    """`text` as lines of `width` columns: the first line of each paragraph indented
    `indent` columns, the lines continuing it `hang` (as much as `indent` unless told),
    broken where Chinese and English text may (`line_starts`); styles are kept, trailing
    spaces dropped.

    >>> from rich.text import Text
    >>> [line.plain for line in wrap(Text("注1  依据：国务院令第493号第三条"), 20, hang=5)]
    ['注1  依据：国务院令', '     第493号第三条']
    """
    from rich.text import Text

    hang = indent if hang is None else hang
    lines = []
    for paragraph in text.split("\n", allow_blank=True):
        first = max(width - indent, 10)
        rest = max(width - hang, 10)
        starts = line_starts(paragraph.plain, first, cut=cut)
        if starts and rest != first:  # the lines after the first are as wide as `rest`
            head = starts[0]
            tail = paragraph.plain[head:]
            starts = [head, *(head + s for s in line_starts(tail, rest, cut=cut))]
        for number, line in enumerate(paragraph.divide(starts)):
            line.rstrip()
            lines.append(Text.assemble(" " * (hang if number else indent), line))
    return lines


@attrs.frozen
class Paragraph:
    """`text` wrapped to the width it is printed at (`wrap`), its lines after the first
    indented `hang` columns — a note continues under its own text, not under its
    marker.

    >>> from rich.console import Console
    >>> from rich.text import Text
    >>> Console(width=20).print(Paragraph(Text("注1  依据：国务院令第493号第三条"), hang=5))
    注1  依据：国务院令
         第493号第三条
    """

    text: Text
    hang: int = 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from wrap(self.text, options.max_width, hang=self.hang)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        widest = max((line.cell_len for line in self.text.split("\n")), default=0)
        return Measurement(min(widest, self.hang + 10), widest).clamp(max_width=options.max_width)
