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
from rich.console import Group
from rich.table import Table
from rich.text import Text

from accountability.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    FlagHelpGroup,
    app,
    blocks_wanted,
    console,
    describe,
    err_console,
    exit_help,
    fail,
    indented,
    say,
)
from accountability.errors import RulebookError
from accountability.terminal import cells, visible

if TYPE_CHECKING:
    from accountability.rulebook import Rulebook
    from accountability.rulebook.model import Parameter

rules_app = typer.Typer(
    name="rules",
    help="规则库: show（查看）, diff（比较）, check（检查）.",
    no_args_is_help=True,
    cls=FlagHelpGroup,
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


def _dated_note(param: Parameter, index: int | None) -> str:
    """``⏱ 共 2 期取值，此值自 2025-01-01 起`` for a parameter with dated values."""
    if not param.dated:
        return ""
    since = param.values[index].start if index is not None else None
    mark = f"，此值自 {since} 起" if since else ""
    return f"⏱ 共 {len(param.values)} 期取值{mark}"


def _not_yet(param: Parameter, day: dt.date) -> Text:
    return Text(f"（{day} 尚未生效，自 {param.values[0].start} 起）", style="yellow")


def _value_cell(param: Parameter, day: dt.date) -> Text:
    from accountability.rulebook.render import format_value, value_on

    index, value = value_on(param, day)
    text = _not_yet(param, day) if index is None else _plain(format_value(value))
    note = _dated_note(param, index)
    if note:
        text.append("\n" + note, style="dim")
    return text


def _entries(value: object) -> list[str]:
    """A structured value one entry a line: a list of records one record a line, a
    mapping one key a line (``94-1: article=…, min_yuan=20000``); anything else is one
    line."""
    from accountability.rulebook.render import format_value

    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [format_value(v) for v in value]
    if isinstance(value, dict) and value:
        return [f"{k}: {format_value(v)}" for k, v in value.items()]
    return [format_value(value)]


def _parameter_block(key: str, param: Parameter, day: dt.date, width: int) -> list[Text]:
    """One parameter as a block of lines, for a narrow terminal or a pipe::

        annual.base = 100（分）
          基础分
          依据：《省级政府安全生产工作考核办法》…

    The value goes on the key's line when it fits there, else below it one entry a
    line; the name and the basis are wrapped under the key with a hanging indent."""
    from accountability.rulebook.render import format_value, value_on

    index, value = value_on(param, day)
    unit = f"（{param.unit}）" if param.unit else ""
    head = Text(visible(key), style="bold cyan")
    lines: list[Text] = []
    if index is None:
        lines.append(Text.assemble(head, " = ", _not_yet(param, day)))
    else:
        one_line = Text.assemble(head, " = ", _plain(format_value(value)), (unit, "dim"))
        if one_line.cell_len <= width:
            lines.append(one_line)
        else:
            lines.append(Text.assemble(head, " =", (unit, "dim")))
            for entry in _entries(value):
                lines.extend(indented(_plain(entry), indent=4, hang=6, width=width))
    note = _dated_note(param, index)
    if note:
        lines.append(Text("  " + note, style="dim"))
    lines.extend(indented(_plain(param.label), width=width))
    lines.extend(indented(_plain("依据：" + param.basis, style="dim"), hang=8, width=width))
    return lines


#: The narrowest a text column of the `rules show` table may be.
TEXT_MIN = 24
_BORDERS = 5 * 3 + 1  # five columns: a border and a space each side


def _fixed_widths(book: Rulebook) -> tuple[int, int]:
    """The widths of the key and the unit columns: their widest text, unwrapped."""
    keys = max((cells(key) for key in book.parameters), default=0)
    units = max((cells(p.unit or "") for p in book.parameters.values()), default=0)
    return max(keys, 4), max(units, 4)


def _table_width(book: Rulebook) -> int:
    """The columns the `rules show` table needs: the key and the unit unwrapped and
    three text columns of `TEXT_MIN`."""
    return sum(_fixed_widths(book)) + 3 * TEXT_MIN + _BORDERS


def _section_table(book: Rulebook, name: str, day: dt.date, width: int) -> Table:
    """A section as a table `width` columns wide (at least `_table_width`): the key and
    the unit never wrapped; 名称, 值 and 依据 sharing the rest 3:2:3, their text broken
    where Chinese and English may break (`accountability.cli.app.indented`)."""
    from accountability.rulebook.render import section_title

    key_width, unit_width = _fixed_widths(book)
    room = width - key_width - unit_width - _BORDERS
    name_width = max(TEXT_MIN, room * 3 // 8)
    value_width = max(TEXT_MIN, room - 2 * name_width)

    def fitted(text: Text, width: int) -> Text:
        return Text("\n").join(indented(text, indent=0, width=width))

    table = Table(title=_plain(f"{name} · {section_title(name)}"), show_lines=True)
    table.add_column("参数", style="cyan", no_wrap=True, width=key_width)
    table.add_column("名称", no_wrap=True, width=name_width)
    table.add_column("值", no_wrap=True, width=value_width)
    table.add_column("单位", no_wrap=True, width=unit_width)
    table.add_column("依据", no_wrap=True, width=name_width)
    for key, param in book.parameters.items():  # in the order the files give them
        if param.section != name:
            continue
        table.add_row(
            _plain(key),
            fitted(_plain(param.label), name_width),
            fitted(_value_cell(param, day), value_width),
            _plain(param.unit or ""),
            fitted(_plain(param.basis), name_width),
        )
    return table


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
    """查看规则库: 参数、名称、值、单位、依据（⏱ 标记分期取值的参数）.

    在足够宽的终端中按分节列表；终端较窄或输出到管道、文件时，每项参数一段：
    「参数 = 值（单位）」、名称、依据。
    """
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
    heading = Text.assemble(
        (visible(book.name), "bold"),
        f" — {day} 生效的取值 · {len(book.parameters)} 项参数 · "
        f"指纹 {book.fingerprint[:16]}… · ⏱ 标记分期取值的参数",
    )
    console.print(*indented(heading, indent=0, hang=2), sep="\n", soft_wrap=True)
    as_blocks = blocks_wanted(_table_width(book))
    for name in chosen:
        if not as_blocks:
            console.print(_section_table(book, name, day, console.width))
            continue
        keys = [key for key, param in book.parameters.items() if param.section == name]
        console.print()
        say(Text(visible(f"【{name} · {section_title(name)}】{len(keys)} 项参数"), style="bold"))
        for key in keys:
            block = _parameter_block(key, book.parameters[key], day, console.width)
            console.print(Group(*block), soft_wrap=True, highlight=False)


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
    say(_plain(f"{b} 相对 {a} 的变化", style="bold"))
    console.print()
    colour = {"changed": "yellow", "added": "green", "removed": "red"}
    names = {"values": "值", "unit": "单位", "basis": "依据", "label": "名称"}
    for change in changes:
        old, new = change.old, change.new
        current = new or old
        assert current is not None
        what = change.kind_zh
        if change.kind == "changed":
            what += "：" + "、".join(names[f] for f in change.fields)
        lines = [Text.assemble((visible(change.key), "cyan"), "  ", (what, colour[change.kind]))]
        lines += indented(_plain(current.label, style="dim"))
        unit = f" {current.unit}" if current.unit else ""
        if old is not None:
            lines += _field("原值 (A)：", _plain(_one_line(old) + unit))
        if new is not None:
            lines += _field("新值 (B)：", _plain(_one_line(new) + unit))
        if old is not None and new is not None and "unit" in change.fields:
            lines += _field("单位：", _plain(f"{old.unit or ''} → {new.unit or ''}"))
        if old is not None and new is not None and "basis" in change.fields:
            lines += _field("原依据 (A)：", _plain(old.basis, style="dim"))
            lines += _field("新依据 (B)：", _plain(new.basis))
        else:
            lines += _field("依据：", _plain(current.basis))
        console.print(Group(*lines, Text("")), soft_wrap=True, highlight=False)
    say(
        f"{len(changes)} 项参数不同 · A 指纹 {book_a.fingerprint[:16]}… · "
        f"B 指纹 {book_b.fingerprint[:16]}…"
    )


def _field(label: str, value: Text) -> list[Text]:
    """``    原值 (A)：…`` wrapped to the console, continued under the value."""
    return indented(Text.assemble(label, value), indent=4, hang=4 + cells(label))


@rules_app.command("check", epilog=EPILOG_CHECK)
def check(
    file: FileArg,
    allow: AllowOption = None,
    coverage: Annotated[
        bool,
        typer.Option(
            "--coverage",
            help="另查规则覆盖：每条规则是否有测试案例和依据，列出缺少的（有缺少时退出码 1）",
        ),
    ] = False,
    cases: Annotated[
        list[Path] | None,
        typer.Option(
            "--cases",
            help="--coverage 所用的案例文件或目录（可多次给出；默认：内置案例，"
            "及规则文件旁的 <名称>.cases.toml）",
        ),
    ] = None,
) -> None:
    """检查规则文件: 语法、键名、类型与单位、依据、分值、分数线、生效日期（出错时退出码 1）.

    一次列出全部问题，每行一处：文件:行: 参数: 问题（建议）；最后一行是问题数。
    --coverage 另列出没有测试案例或没有依据的规则。
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
    if coverage:
        _coverage(book, file, cases)


def _one_line(param: Parameter) -> str:
    """A parameter's values on one line (dated values separated by "；")."""
    return _values_text(param).replace("\n", "；")


# -- rule cases (accountability.rulecases) ---------------------------------------

EPILOG_TEST = exit_help(
    (EXIT_OK, "全部案例通过 (every case passes)"),
    (EXIT_FINDINGS, "有案例未通过，列出期望与实得 (a case fails: expected vs got)"),
    (
        EXIT_USAGE,
        "用法错误、案例文件无法读取或有错、案例无法运行 (usage error, a case file that "
        "cannot be read or is wrong, a case that cannot run)",
    ),
    INTERNAL,
)


def _case_problems(problems: tuple[str, ...]) -> NoReturn:
    """A case file that cannot be read or is wrong: every problem, then the count; exit 2."""
    for problem in problems:
        err_console.print(Text(visible(problem, single_line=True)), soft_wrap=True, highlight=False)
    n = len(problems)
    err_console.print(
        Text.assemble((f"案例文件有 {n} 处问题", "red"), f" ({n} problem{'' if n == 1 else 's'})"),
        highlight=False,
    )
    raise typer.Exit(EXIT_USAGE)


def _cases_path(path: str | None) -> Path:
    from accountability.rulecases import DEFAULT_CASES

    if path is None or path == "default":
        return DEFAULT_CASES
    if not Path(path).exists():
        fail(f"找不到案例文件或目录 {path} (no such case file or folder: {path})")
    return Path(path)


@rules_app.command("test", epilog=EPILOG_TEST)
def test(
    path: Annotated[
        str | None,
        typer.Argument(
            help="案例文件（*.cases.toml / *.cases.yaml）或目录；省略或 default：内置案例"
        ),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(
            "--rules", help="所有案例都用此规则库（默认：各案例文件的 rulebook，否则默认规则库）"
        ),
    ] = None,
) -> None:
    """运行规则案例: 每个案例的手算结果与规则库算出的结果比较（有不符时退出码 1）.

    每个通过的案例一行；未通过的列出每处不同（期望、实得）和所列对象的非零扣分项。
    """
    from accountability.rulecases import CaseFileError, load_cases, run_cases

    target = _cases_path(path)
    if rules is not None and rules != "default":
        _existing(rules)
    try:
        report = run_cases(load_cases(target), rules)
    except CaseFileError as exc:
        _case_problems(exc.problems)
    except RulebookError as exc:
        _fail(exc)
    for line in report.to_text().splitlines():
        style = {"✓": "green", "✗": "red"}.get(line[:1], "")
        console.print(Text(visible(line), style=style), soft_wrap=True, highlight=False)
    if report.errors:
        raise typer.Exit(EXIT_USAGE)
    if not report.passed:
        raise typer.Exit(EXIT_FINDINGS)


def _coverage(book: Rulebook, file: str, cases: list[Path] | None) -> None:
    """`rules check --coverage`: the rules without a case or a basis, one a line; exit 1
    when there is any."""
    import polars as pl

    from accountability.rulecases import (
        CASE_SUFFIXES,
        DEFAULT_CASES,
        CaseFileError,
        load_cases,
        rule_coverage,
    )

    paths = list(cases or ())
    if not paths:
        paths.append(DEFAULT_CASES)
        if file != "default":
            stem = Path(file).name.removesuffix(".toml")
            paths += [
                beside
                for suffix in CASE_SUFFIXES
                if (beside := Path(file).with_name(stem + suffix)).is_file()
            ]
    found = []
    for path in paths:
        try:
            found += load_cases(_cases_path(str(path)))
        except CaseFileError as exc:
            _case_problems(exc.problems)
    table = rule_coverage(book, found)
    missing = table.filter(~pl.col("has_case") | ~pl.col("has_basis"))
    n = table.height
    console.print(
        Text(
            f"规则覆盖：{n} 条规则，{int(table['has_case'].sum())} 条有测试案例，"
            f"{int(table['has_basis'].sum())} 条有依据（案例：{', '.join(str(p) for p in paths)}）"
        ),
        soft_wrap=True,
        highlight=False,
    )
    for row in missing.iter_rows(named=True):
        lacks = [
            w for w, ok in (("无测试案例", row["has_case"]), ("无依据", row["has_basis"])) if not ok
        ]
        console.print(
            Text.assemble(
                (row["rule_id"], "cyan"), f" {row['label']}：", ("、".join(lacks), "red")
            ),
            soft_wrap=True,
            highlight=False,
        )
    if missing.height:
        console.print(Text(f"共 {missing.height} 条规则缺少测试案例或依据", style="red"))
        raise typer.Exit(EXIT_FINDINGS)
