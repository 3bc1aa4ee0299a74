"""A terminal table whose rows come in titled groups (the regions of each peer group).

Each group's title is printed on a line of its own above its rows, never squeezed
into a column; every group shares the same column widths, so the columns line up
from the first group to the last.  On a terminal too narrow for the columns, each
row becomes a block under its group's title — its heading cells on one line, then
one labelled field a line — so nothing is cut short or folded a character a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs
from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from accountability.terminal import visible

if TYPE_CHECKING:
    from rich.console import JustifyMethod

__all__ = ["GroupedTable"]


@attrs.frozen
class GroupedTable:
    """Rows under group titles, as one aligned table.

    `columns` are (header, justification); `groups` are (title, rows), each row one
    `Text` a column (a group title is shown with its control characters written out);
    `title` heads the whole table; `heading` are the columns that head a row's block on
    a narrow terminal (the others follow, labelled, when not empty).

    >>> from rich.console import Console
    >>> table = GroupedTable(
    ...     columns=(("排名", "right"), ("名称", "left")),
    ...     groups=(("市级地区（1 个）", ((Text("1"), Text("益阳市")),)),),
    ... )
    >>> Console(width=40).print(table)   # doctest: +NORMALIZE_WHITESPACE
    排名   名称
    ─────────────
    市级地区（1 个）
       1   益阳市
    """

    columns: tuple[tuple[str, JustifyMethod], ...]
    groups: tuple[tuple[str, tuple[tuple[Text, ...], ...]], ...]
    title: Text | None = None
    heading: tuple[int, ...] = (0,)
    group_style: str = "bold"

    widths: tuple[int, ...] = attrs.field(init=False)
    """Each column's width: its widest cell or header, over every group."""

    @widths.default
    def _widths(self) -> tuple[int, ...]:
        return tuple(
            max([cell_len(header)] + [row[i].cell_len for _, rows in self.groups for row in rows])
            for i, (header, _) in enumerate(self.columns)
        )

    def _table(self, *, header: bool, title: Text | None = None) -> Table:
        table = Table(
            title=title, box=box.SIMPLE_HEAD, show_header=header, show_edge=False, pad_edge=False
        )
        for (name, side), width in zip(self.columns, self.widths, strict=True):
            table.add_column(name, justify=side, overflow="fold", min_width=width)
        return table

    def _aligned(self) -> Iterator[Table | Text]:
        yield self._table(header=True, title=self.title)
        for i, (title, rows) in enumerate(self.groups):
            if i:
                yield Text("")
            yield Text(visible(title, single_line=True), style=self.group_style)
            table = self._table(header=False)
            for row in rows:
                table.add_row(*row)
            yield table
        yield Text("")

    def blocks(self) -> Iterator[Text]:
        """The rows as blocks under their groups' titles, whatever the width."""
        if self.title is not None:
            yield self.title
            yield Text("")
        labels = [header for header, _ in self.columns]
        pad = max(cell_len(label) for label in labels)
        for title, rows in self.groups:
            yield Text(visible(title, single_line=True), style=self.group_style)
            for row in rows:
                yield Text(" ").join(row[i] for i in self.heading)
                for i, value in enumerate(row):
                    if i not in self.heading and value.plain:
                        yield Text.assemble(
                            "  ", labels[i], " " * (pad - cell_len(labels[i]) + 2), value
                        )
                yield Text("")

    def width(self, console: Console) -> int:
        """The columns' width with every cell on one line."""
        table = self._table(header=True)
        return Measurement.get(console, console.options.update_width(10_000), table).maximum

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.width(console) <= options.max_width:
            yield from self._aligned()
        else:
            yield from self.blocks()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, self.width(console)).clamp(max_width=options.max_width)
