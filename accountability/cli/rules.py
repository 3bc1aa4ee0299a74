"""`accountability rules show|diff|check`: read, compare and check rulebooks.

A FILE may be a rule file path or the word `default` (the built-in rulebook).  A
faulty rule file is reported as `file:line: key: message` and the command exits with
status 1; never a traceback.  `check` prints every problem of the file (and of the
files it extends), one per line with its suggested fix, and then their count.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from accountability.cli.app import app, console, err_console
from accountability.errors import RulebookError
from accountability.rulebook import Rulebook, load_rulebook, rulebook
from accountability.rulebook.diff import diff_rulebooks
from accountability.rulebook.model import Parameter, to_date
from accountability.rulebook.render import format_dated, format_value, section_title, value_on

rules_app = typer.Typer(
    name="rules",
    help="规则库: show（查看）, diff（比较）, check（检查）.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")

FileArg = Annotated[str, typer.Argument(help="规则文件路径，或 default（内置默认规则库）")]


def _load(path: str | None) -> Rulebook:
    if path is None or path == "default":
        return rulebook()
    return load_rulebook(path)


def _fail(exc: Exception) -> typer.Exit:
    err_console.print(f"[red]错误[/red] {escape(str(exc))}", soft_wrap=True)
    return typer.Exit(1)


def _value_cell(param: Parameter, day: dt.date) -> str:
    index, value = value_on(param, day)
    if index is None:
        first = param.values[0].start
        text = f"[yellow]（{day} 尚未生效，自 {first} 起）[/yellow]"
    else:
        text = escape(format_value(value))
    if param.dated:
        periods = len(param.values)
        since = param.values[index].start if index is not None else None
        mark = f"，此值自 {since} 起" if since else ""
        text += f"\n[dim]⏱ 共 {periods} 期取值{mark}[/dim]"
    return text


@rules_app.command("show")
def show(
    file: Annotated[
        str | None, typer.Argument(help="规则文件路径或 default（省略即默认规则库）")
    ] = None,
    section: Annotated[
        str | None, typer.Option("--section", "-s", help="只显示此分节，如 annual")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="显示此日生效的取值 YYYY-MM-DD（默认今天）")
    ] = None,
) -> None:
    """查看规则库: 参数、名称、值、单位、依据（⏱ 标记分期取值的参数）."""
    try:
        book = _load(file)
        day = to_date(on) if on else dt.date.today()
        sections = book.sections()
        if section is not None and section not in sections:
            close = difflib.get_close_matches(section, sections, n=1)
            hint = f"，是否应为 {close[0]}？" if close else ""
            raise RulebookError(f"规则库中没有分节 {section!r}{hint}（共有 {', '.join(sections)}）")
    except RulebookError as exc:
        raise _fail(exc) from None
    chosen = [section] if section else sections
    console.print(
        f"[bold]{escape(book.name)}[/bold] — {day} 生效的取值 · {len(book.parameters)} 项参数 · "
        f"指纹 {book.fingerprint[:16]}… · ⏱ 标记分期取值的参数",
        soft_wrap=True,
    )
    for name in chosen:
        table = Table(title=f"{escape(name)} · {escape(section_title(name))}", show_lines=True)
        table.add_column("参数", style="cyan", no_wrap=True)
        table.add_column("名称", overflow="fold", ratio=3)
        table.add_column("值", overflow="fold", ratio=2)
        table.add_column("单位", no_wrap=True)
        table.add_column("依据", overflow="fold", ratio=3)
        for key, param in book.parameters.items():  # in the order the files give them
            if param.section != name:
                continue
            table.add_row(
                escape(key),
                escape(param.label),
                _value_cell(param, day),
                escape(param.unit or ""),
                escape(param.basis),
            )
        console.print(table)


def _values_text(param: Parameter | None) -> str:
    if param is None:
        return "—"
    periods = format_dated(param)
    if len(periods) == 1 and not periods[0][0]:
        return escape(periods[0][1])
    return "\n".join(f"{start} 起: {escape(text)}" for start, text in periods)


@rules_app.command("diff")
def diff(a: FileArg, b: FileArg) -> None:
    """比较两个规则库: B 相对 A 修改、新增、删除了哪些参数."""
    try:
        book_a, book_b = _load(a), _load(b)
    except RulebookError as exc:
        raise _fail(exc) from None
    changes = diff_rulebooks(book_a, book_b)
    if not changes:
        console.print(f"两个规则库的参数相同（指纹 {book_a.fingerprint[:16]}…）")
        return
    # One block per parameter: a six-column table folds values and bases into
    # unreadable slivers on an ordinary terminal.
    console.print(f"[bold]{escape(b)} 相对 {escape(a)} 的变化[/bold]\n")
    colour = {"changed": "yellow", "added": "green", "removed": "red"}
    names = {"values": "值", "unit": "单位", "basis": "依据", "label": "名称"}
    for change in changes:
        old, new = change.old, change.new
        current = new or old
        assert current is not None
        what = change.kind_zh
        if change.kind == "changed":
            what += "：" + "、".join(names[f] for f in change.fields)
        console.print(
            f"[cyan]{escape(change.key)}[/cyan]  [{colour[change.kind]}]{what}"
            f"[/{colour[change.kind]}]  [dim]{escape(current.label)}[/dim]"
        )
        unit = f" {escape(current.unit)}" if current.unit else ""
        if old is not None:
            console.print(f"    原值 (A)：{_one_line(old)}{unit}")
        if new is not None:
            console.print(f"    新值 (B)：{_one_line(new)}{unit}")
        if old is not None and new is not None and "unit" in change.fields:
            console.print(f"    单位：{escape(old.unit or '')} → {escape(new.unit or '')}")
        if old is not None and new is not None and "basis" in change.fields:
            console.print(f"    依据：[dim]{escape(old.basis)}[/dim] → {escape(new.basis)}")
        else:
            console.print(f"    依据：{escape(current.basis)}")
        console.print()
    console.print(
        f"{len(changes)} 项参数不同 · A 指纹 {book_a.fingerprint[:16]}… · "
        f"B 指纹 {book_b.fingerprint[:16]}…"
    )


@rules_app.command("check")
def check(file: FileArg) -> None:
    """检查规则文件: 语法、键名、类型与单位、依据、分值、分数线、生效日期（出错时退出码 1）.

    一次列出全部问题，每行一处：文件:行: 参数: 问题（建议）；最后一行是问题数。
    """
    try:
        book = _load(file)
    except RulebookError as exc:
        problems = exc.problems or (str(exc),)
        for problem in problems:
            err_console.print(escape(problem), soft_wrap=True, highlight=False)
        n = len(problems)
        err_console.print(
            f"[red]共 {n} 处问题[/red] ({n} problem{'' if n == 1 else 's'})", highlight=False
        )
        raise typer.Exit(1) from None
    console.print(
        f"[green]规则库检查通过[/green]: {escape(book.name)}，{len(book.parameters)} 项参数，"
        f"指纹 {book.fingerprint}",
        soft_wrap=True,
    )


def _one_line(param: Parameter) -> str:
    """A parameter's values on one line (dated values separated by "；")."""
    return _values_text(param).replace("\n", "；")
