"""`accountability rules show|diff|check`: read, compare and check rulebooks.

A FILE may be a rule file path or the word `default` (the built-in rulebook).  A
faulty rule file is reported as `file:line: key: message`; never a traceback.
`check` prints every problem of the file (and of the files it extends), one per line
with its suggested fix, and then their count, and exits with status 1.  `show` and
`diff` of a file that cannot be read or is faulty, an unknown section, a bad date,
and `check` of a FILE that does not exist or is not a file exit with status 2 (one
line, `accountability.cli.app`).  Text from a rule file is printed as rich `Text`
with its control characters made visible.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from accountability.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    app,
    console,
    describe,
    err_console,
    exit_help,
    fail,
)
from accountability.errors import RulebookError
from accountability.terminal import visible

if TYPE_CHECKING:
    from accountability.rulebook import Rulebook
    from accountability.rulebook.model import Parameter

rules_app = typer.Typer(
    name="rules",
    help="规则库: show（查看）, diff（比较）, check（检查）.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")

FileArg = Annotated[str, typer.Argument(help="规则文件路径，或 default（内置默认规则库）")]
AllowOption = Annotated[
    list[Path] | None,
    typer.Option("--allow", help="extends 可另外指向的目录或文件（可多次给出）"),
]

_UNREADABLE = (
    "用法错误、规则文件无法读取或有错、没有这个分节、日期无效 (usage error, a rule file that "
    "cannot be read or is faulty, unknown section, bad date)"
)
EPILOG_SHOW = exit_help((EXIT_OK, "已显示 (shown)"), (EXIT_USAGE, _UNREADABLE), INTERNAL)
EPILOG_DIFF = exit_help(
    (EXIT_OK, "已比较，有无不同都是 0 (compared)"), (EXIT_USAGE, _UNREADABLE), INTERNAL
)
EPILOG_CHECK = exit_help(
    (EXIT_OK, "检查通过 (the rule file passes)"),
    (EXIT_FINDINGS, "规则文件有问题，逐行列出 (problems found, one a line)"),
    (EXIT_USAGE, "用法错误、文件不存在或不是文件 (usage error, no such file, not a file)"),
    INTERNAL,
)


def _plain(text: str, style: str = "") -> Text:
    """Text from a rule file: never markup, control characters visible."""
    return Text(visible(text), style=style)


def _existing(path: str) -> None:
    """A FILE argument that is missing or a folder is exit 2, naming it."""
    target = Path(path)
    if not target.exists():
        fail(f"找不到规则文件 {path} (rule file not found: {path})")
    if not target.is_file():
        fail(f"无法读取规则文件 {path}：不是文件 (cannot read rule file {path}: not a file)")


def _load(path: str | None, allow: list[Path] | None = None) -> Rulebook:
    from accountability.rulebook import load_rulebook, rulebook

    if path is None or path == "default":
        return rulebook()
    _existing(path)
    return load_rulebook(path, allow=tuple(allow or ()))


def _fail(exc: RulebookError) -> NoReturn:
    """A rule file that cannot be read or is faulty: its first problem, exit 2."""
    message, code = describe(exc)
    fail(message, code=code)


def _value_cell(param: Parameter, day: dt.date) -> Text:
    from accountability.rulebook.render import format_value, value_on

    index, value = value_on(param, day)
    if index is None:
        first = param.values[0].start
        text = Text(f"（{day} 尚未生效，自 {first} 起）", style="yellow")
    else:
        text = _plain(format_value(value))
    if param.dated:
        periods = len(param.values)
        since = param.values[index].start if index is not None else None
        mark = f"，此值自 {since} 起" if since else ""
        text.append(f"\n⏱ 共 {periods} 期取值{mark}", style="dim")
    return text


@rules_app.command("show", epilog=EPILOG_SHOW)
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
    allow: AllowOption = None,
) -> None:
    """查看规则库: 参数、名称、值、单位、依据（⏱ 标记分期取值的参数）."""
    from accountability.rulebook.model import to_date
    from accountability.rulebook.render import section_title

    try:
        day = to_date(on) if on else dt.date.today()
    except RulebookError as exc:
        fail(f"{exc} (bad date for --on: {on!r})")
    try:
        book = _load(file, allow)
    except RulebookError as exc:
        _fail(exc)
    sections = book.sections()
    if section is not None and section not in sections:
        close = difflib.get_close_matches(section, sections, n=1)
        hint = f"，是否应为 {close[0]}？" if close else ""
        fail(
            f"规则库中没有分节 {section!r}{hint}（共有 {', '.join(sections)}）"
            f" (no section {section!r} in the rulebook)"
        )
    chosen = [section] if section else sections
    console.print(
        Text.assemble(
            (visible(book.name), "bold"),
            f" — {day} 生效的取值 · {len(book.parameters)} 项参数 · "
            f"指纹 {book.fingerprint[:16]}… · ⏱ 标记分期取值的参数",
        ),
        soft_wrap=True,
    )
    for name in chosen:
        table = Table(title=_plain(f"{name} · {section_title(name)}"), show_lines=True)
        table.add_column("参数", style="cyan", no_wrap=True)
        table.add_column("名称", overflow="fold", ratio=3)
        table.add_column("值", overflow="fold", ratio=2)
        table.add_column("单位", no_wrap=True)
        table.add_column("依据", overflow="fold", ratio=3)
        for key, param in book.parameters.items():  # in the order the files give them
            if param.section != name:
                continue
            table.add_row(
                _plain(key),
                _plain(param.label),
                _value_cell(param, day),
                _plain(param.unit or ""),
                _plain(param.basis),
            )
        console.print(table)


def _values_text(param: Parameter | None) -> str:
    from accountability.rulebook.render import format_dated

    if param is None:
        return "—"
    periods = format_dated(param)
    if len(periods) == 1 and not periods[0][0]:
        return periods[0][1]
    return "\n".join(f"{start} 起: {text}" for start, text in periods)


@rules_app.command("diff", epilog=EPILOG_DIFF)
def diff(a: FileArg, b: FileArg, allow: AllowOption = None) -> None:
    """比较两个规则库: B 相对 A 修改、新增、删除了哪些参数."""
    from accountability.rulebook.diff import diff_rulebooks

    try:
        book_a, book_b = _load(a, allow), _load(b, allow)
    except RulebookError as exc:
        _fail(exc)
    changes = diff_rulebooks(book_a, book_b)
    if not changes:
        console.print(Text(f"两个规则库的参数相同（指纹 {book_a.fingerprint[:16]}…）"))
        return
    # One block per parameter: a six-column table folds values and bases into
    # unreadable slivers on an ordinary terminal.
    console.print(_plain(f"{b} 相对 {a} 的变化\n", style="bold"))
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
            Text.assemble(
                (visible(change.key), "cyan"),
                "  ",
                (what, colour[change.kind]),
                "  ",
                (visible(current.label), "dim"),
            )
        )
        unit = f" {current.unit}" if current.unit else ""
        if old is not None:
            console.print(_plain(f"    原值 (A)：{_one_line(old)}{unit}"))
        if new is not None:
            console.print(_plain(f"    新值 (B)：{_one_line(new)}{unit}"))
        if old is not None and new is not None and "unit" in change.fields:
            console.print(_plain(f"    单位：{old.unit or ''} → {new.unit or ''}"))
        if old is not None and new is not None and "basis" in change.fields:
            console.print(
                Text.assemble("    依据：", (visible(old.basis), "dim"), " → ", visible(new.basis))
            )
        else:
            console.print(_plain(f"    依据：{current.basis}"))
        console.print()
    console.print(
        Text(
            f"{len(changes)} 项参数不同 · A 指纹 {book_a.fingerprint[:16]}… · "
            f"B 指纹 {book_b.fingerprint[:16]}…"
        )
    )


@rules_app.command("check", epilog=EPILOG_CHECK)
def check(file: FileArg, allow: AllowOption = None) -> None:
    """检查规则文件: 语法、键名、类型与单位、依据、分值、分数线、生效日期（出错时退出码 1）.

    一次列出全部问题，每行一处：文件:行: 参数: 问题（建议）；最后一行是问题数。
    """
    try:
        book = _load(file, allow)
    except RulebookError as exc:
        problems = exc.problems or (str(exc),)
        for problem in problems:
            err_console.print(
                Text(visible(problem, single_line=True)), soft_wrap=True, highlight=False
            )
        n = len(problems)
        err_console.print(
            Text.assemble((f"共 {n} 处问题", "red"), f" ({n} problem{'' if n == 1 else 's'})"),
            highlight=False,
        )
        raise typer.Exit(EXIT_FINDINGS) from None
    console.print(
        Text.assemble(
            ("规则库检查通过", "green"),
            f": {visible(book.name)}，{len(book.parameters)} 项参数，指纹 {book.fingerprint}",
        ),
        soft_wrap=True,
    )


def _one_line(param: Parameter) -> str:
    """A parameter's values on one line (dated values separated by "；")."""
    return _values_text(param).replace("\n", "；")
