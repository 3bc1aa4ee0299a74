"""The `accountability` command: one Typer app, commands registered by the modules
beside this one (validate, compare, rules, assess/explain/demo).

No traceback reaches the person at the terminal.  Every command runs inside
`GuardedGroup.invoke`, which turns what escapes a command into one line on stderr,
``错误：… (…)``, and an exit status:

- a `DatasetError` or `RulebookError`, an `OSError` or a `UnicodeError`: exit 2
  (the input cannot be read, or the output cannot be written);
- anything else is a bug: one line naming the exception and how to report it, exit
  70 (``EX_SOFTWARE``); ``--debug`` or ``ACCOUNTABILITY_DEBUG=1`` also prints the
  traceback.

Commands fail earlier and more precisely themselves (`fail`, `check_writable`,
`writing`), naming the path, the year or the id at fault.  Text that came from the
data or the command line is printed with its control characters made visible
(`accountability.terminal.visible`), as rich `Text`, never as markup.

Output reads well at 80 columns, piped or in a wide terminal: a line naming a path or
a command is printed whole (`say`); longer text is broken where Chinese and English
may break, never inside a word or a number, and continued under itself (`indented`,
`packed`); a table that does not fit becomes one block per row (`blocks_wanted`).
Help lists a boolean option as a flag (``--quiet``, not ``--quiet <bool>``:
`FlagHelpGroup`), and its text is never cut short (`_mend_rich`).
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import TyperException

from accountability.errors import DatasetError, RulebookError
from accountability.terminal import cells, visible, wrap

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h: an internal error

DEBUG_ENV = "ACCOUNTABILITY_DEBUG"

INTERNAL = (EXIT_INTERNAL, "内部错误，请报告 (internal error: please report it)")


def exit_help(*rows: tuple[int, str]) -> str:
    """A --help epilog: one line per exit status."""
    return "退出码 (exit status):\n" + "\n".join(f"{code}  {text}" for code, text in rows)


EXIT_CODES_HELP = exit_help(
    (EXIT_OK, "结果已产出，含有未采用的数据行时也是 0 (results produced, even with rejected rows)"),
    (EXIT_FINDINGS, "发现问题：validate 有未采用的行，rules check 有问题 (findings)"),
    (
        EXIT_USAGE,
        "用法错误、输入无法读取、输出无法写入、对象不存在、数据不能考核该年度 (usage error, "
        "unreadable input, unwritable output, unknown subject, a year the data cannot be "
        "assessed for)",
    ),
    INTERNAL,
)


def _flags_without_type(params: list[Any]) -> list[Any]:
    """The options among `params` that take no value (``--quiet``, ``--help``) given
    an empty metavar, so that help shows no type after them."""
    for param in params:
        flag = getattr(param, "is_flag", False) and not getattr(param, "count", False)
        if flag and param.metavar is None:
            param.metavar = ""
    return params


class FlagHelpGroup(TyperGroup):
    """A command group whose help, and its commands' help, lists a boolean option as a
    flag: ``--quiet``, not ``--quiet <bool>``.

    Typer's help panel shows each option's type, its metavar when one is set; it does
    so for flags too (``--help <bool>``), although a flag takes no value.  An empty
    metavar on every flag, set where the group hands out its parameters and its
    commands, is all that is needed: every command registered on the app, now or
    later, is covered without declaring anything.
    """

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_type(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:  # the docs walk the commands without a context
            _flags_without_type(command.params if ctx is None else command.get_params(ctx))
        return command


class GuardedGroup(FlagHelpGroup):
    """The command group: whatever a command raises becomes one line and an exit status."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # an exit status, or a usage error typer prints itself (exit 2)
        except BaseException as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # `accountability … | head`: typer closes quietly
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise  # Ctrl-C, sys.exit; a panic inside polars is reported like a bug
            if ctx.params.get("debug") or debug_from_env():
                traceback.print_exception(exc, file=sys.stderr)
            message, code = describe(exc)
            print_error(message)
            raise typer.Exit(code) from None


def _cell_aware_rstrip_end(self: Text, size: int) -> None:
    """`rich.text.Text.rstrip_end` measuring in cells, as the rest of rich does."""
    excess = self.cell_len - size
    if excess > 0:
        trailing = len(self.plain) - len(self.plain.rstrip())
        if trailing:
            self.right_crop(min(trailing, excess))


def _mend_rich() -> None:
    """Mend `Text.rstrip_end` where rich still counts characters instead of cells.

    Rich wraps a line so that it fits, a word's trailing space hanging past the edge;
    `rstrip_end` then drops that space, but it compares the number of characters with
    the width in cells.  A line with Chinese in it (two cells a character) keeps its
    space, and a table cell with ``overflow="ellipsis"`` (typer's help panels) cuts
    the last real character instead: ``FILE.csv (region… only)``.  Checked on import,
    so that a rich that measures in cells is left alone.
    """
    probe = Text("中文 ")
    probe.rstrip_end(4)
    if probe.plain != "中文":
        Text.rstrip_end = _cell_aware_rstrip_end  # type: ignore[method-assign]


_mend_rich()

app = typer.Typer(
    name="accountability",
    help="安全生产责任制考核: annual assessment, 四个一律, 一岗双责 over regulators' tables.",
    epilog=EXIT_CODES_HELP,
    cls=GuardedGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)

#: The `--quiet` option of the commands that load data (`accountability.cli.progress`).
QUIET = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="不显示进度 (no progress display on stderr; it is never shown when stderr "
        "is not a terminal)",
    ),
]


def _print_version(value: bool) -> None:
    """``--version``: the library's version, then exit 0."""
    if value:
        from accountability.version import __version__

        console.print(f"accountability {__version__}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"出错时显示调用栈 (show the traceback of an error; or {DEBUG_ENV}=1)"
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="显示版本号 (print the version and exit)",
        ),
    ] = False,
) -> None:
    """安全生产责任制考核 (keeps `accountability <command>` a command group)."""


# --- lines that read well at any width ------------------------------------------------


def say(text: str | Text, *, style: str = "", printer: Console | None = None) -> None:
    """Print one line whole: a path or a command in it is never broken, whatever the
    width (the terminal wraps a long line at its edge; a pipe gets it unbroken).  A
    `str` is plain text (never markup) with its control characters, a newline too,
    made visible.

    >>> say("完整结果: accountability assess fixtures/yiyang-2024 --year 2024")  # doctest: +SKIP
    """
    line = Text(visible(text, single_line=True), style=style) if isinstance(text, str) else text
    (printer or console).print(line, soft_wrap=True, highlight=False)


def indented(
    text: Text,
    *,
    indent: int = 2,
    hang: int | None = None,
    width: int | None = None,
    cut: bool = True,
) -> list[Text]:
    """`text` as lines of the console's width (or `width`): the first line of each
    paragraph indented `indent` columns, the lines continuing it `hang` (as much as
    `indent` unless told), so that a field continues under itself.  Lines break where
    Chinese and English text may (`accountability.terminal.line_starts`: never inside
    a word, a number or a code; a word wider than a line is cut unless `cut` is false,
    as for a path), keep their styles and carry no trailing spaces.
    Print them with ``soft_wrap=True`` (they already fit).

    >>> text = Text("依据：国务院令第493号第三条；事故统计口径")
    >>> [line.plain for line in indented(text, hang=8, width=24)]
    ['  依据：国务院令第493号', '        第三条；事故统计', '        口径']
    """
    return wrap(text, width or console.width, indent=indent, hang=hang, cut=cut)


def packed(
    pieces: list[Text],
    *,
    indent: int = 0,
    hang: int = 4,
    sep: str = " · ",
    width: int | None = None,
) -> list[Text]:
    """`pieces` (each kept whole: "读取 418", a date span) joined by `sep` into lines of
    the console's width (or `width`), broken only between pieces; the first line
    indented `indent` columns, the next ones `hang`.  A piece wider than a line gets a
    line of its own.

    >>> pieces = [Text("accidents"), Text("读取 418"), Text("保留 414")]
    >>> [line.plain for line in packed(pieces, width=24)]
    ['accidents · 读取 418', '    保留 414']
    """
    width = width or console.width
    lines: list[Text] = []
    line = Text(" " * indent)
    filled = False
    for piece in pieces:
        if filled and line.cell_len + cells(sep) + piece.cell_len > width:
            lines.append(line)
            line, filled = Text(" " * hang), False
        if filled:
            line.append(sep)
        line.append_text(piece)
        filled = True
    lines.append(line)
    return lines


#: The width assumed for output that is not a terminal (a pipe, a file): whatever
#: reads it next (a pager, an editor, a mail) is taken to be this wide at most.
PIPE_WIDTH = 80


def blocks_wanted(needed: int, *, printer: Console | None = None) -> bool:
    """Whether a table that needs `needed` columns should rather be printed as one
    block per row: when it is wider than the terminal, or, for output that is not a
    terminal (piped, redirected: its width is a guess), wider than `PIPE_WIDTH`.

    >>> pipe, terminal = Console(width=200), Console(width=200, force_terminal=True)
    >>> blocks_wanted(145, printer=pipe), blocks_wanted(145, printer=terminal)
    (True, False)
    """
    printer = printer or console
    width = printer.width if printer.is_terminal else min(printer.width, PIPE_WIDTH)
    return needed > width


def debug_from_env() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


# --- one line per error ---------------------------------------------------------------


def print_error(message: str) -> None:
    """``错误：message`` on stderr as one line: control characters (a newline too)
    visible, never read as markup, never cut by the console."""
    err_console.print(
        Text("错误：" + visible(message, single_line=True), style="bold red"),
        soft_wrap=True,
        highlight=False,
    )


def fail(message: str, *, code: int = EXIT_USAGE) -> NoReturn:
    """Print the error line and end the command with `code` (2 unless told)."""
    print_error(message)
    raise typer.Exit(code)


def describe(exc: BaseException) -> tuple[str, int]:
    """The error line for an exception that escaped a command, and the exit status."""
    if isinstance(exc, RulebookError):
        problems = exc.problems or (str(exc),)
        more = f"（另有 {len(problems) - 1} 处问题，见 accountability rules check）"
        return (
            f"规则文件错误 (RulebookError)：{problems[0]}" + (more if len(problems) > 1 else ""),
            EXIT_USAGE,
        )
    if isinstance(exc, DatasetError):
        return f"数据错误 (DatasetError)：{exc}", EXIT_USAGE
    if isinstance(exc, OSError):
        return os_error_line(exc), EXIT_USAGE
    if isinstance(exc, UnicodeError):
        return f"编码错误 (encoding error)：{exc}", EXIT_USAGE
    from accountability.version import __version__

    what = visible(f"{type(exc).__name__}: {exc}", single_line=True)
    return (
        f"内部错误 (internal error)：{what} —— 这是 accountability {__version__} 的缺陷，"
        "请把这一行和所运行的命令报告给维护者；加 --debug 或设 "
        f"{DEBUG_ENV}=1 可显示调用栈 (a bug: please report this line and the command you "
        f"ran; --debug or {DEBUG_ENV}=1 shows the traceback)",
        EXIT_INTERNAL,
    )


# --- operating-system errors in Chinese and English ----------------------------------

_ERRNO_TEXT: dict[int, tuple[str, str]] = {
    errno.EISDIR: ("是一个目录", "is a directory"),
    errno.ENOTDIR: ("不是目录", "not a directory"),
    errno.ENOENT: ("不存在", "no such file or directory"),
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("不允许的操作", "operation not permitted"),
    errno.EROFS: ("只读文件系统", "read-only file system"),
    errno.ENOSPC: ("磁盘空间不足", "no space left on device"),
    errno.EEXIST: ("已存在", "already exists"),
    errno.ENAMETOOLONG: ("文件名太长", "file name too long"),
    errno.EBUSY: ("文件正被占用", "resource busy"),
    errno.ELOOP: ("符号链接循环", "too many levels of symbolic links"),
}


def _reason(exc: OSError) -> tuple[str, str]:
    text = exc.strerror or str(exc)
    return _ERRNO_TEXT.get(exc.errno or -1, (text, text))


def os_error_line(exc: OSError) -> str:
    """``无法读写 PATH：是一个目录 (PATH: is a directory)``."""
    zh, en = _reason(exc)
    if exc.filename is None:
        return f"系统错误：{zh} (system error: {en})"
    name = os.fsdecode(exc.filename)
    return f"无法读写 {name}：{zh} ({name}: {en})"


def write_error_line(target: Path, exc: OSError) -> str:
    """``无法写入 TARGET：… (cannot write TARGET: …)``, naming the part of the path at
    fault when it is not `target` itself (a parent that is a file, say)."""
    zh, en = _reason(exc)
    name = os.fsdecode(exc.filename) if exc.filename is not None else None
    if exc.errno == errno.ENOTDIR and name in (None, str(target)):
        zh, en = "路径中的上级不是目录", "a parent in the path is not a folder"
    elif name is not None and name != str(target):
        if exc.errno == errno.EEXIST:  # mkdir of a parent that is a file
            zh, en = "不是目录", "is not a folder"
        zh, en = f"{name} {zh}", f"{name}: {en}"
    return f"无法写入 {target}：{zh} (cannot write {target}: {en})"


def check_writable(target: Path, *, folder: bool = False) -> None:
    """Fail (exit 2) before any work when `target` plainly cannot be written: a file
    path that is a folder, a folder path that is a file, a path below a file, or one
    in a folder without write permission.  `writing` still catches the rest."""
    if target.exists():
        if folder and not target.is_dir():
            fail(
                f"无法写入 {target}：已存在且不是目录 "
                f"(cannot write {target}: it exists and is not a folder)"
            )
        if not folder and target.is_dir():
            fail(f"无法写入 {target}：是一个目录 (cannot write {target}: is a directory)")
        if not os.access(target, os.W_OK):
            fail(f"无法写入 {target}：没有权限 (cannot write {target}: permission denied)")
        if folder:
            return
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        fail(
            f"无法写入 {target}：{ancestor} 不是目录 "
            f"(cannot write {target}: {ancestor} is not a folder)"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        fail(
            f"无法写入 {target}：没有写入 {ancestor} 的权限 "
            f"(cannot write {target}: permission denied on {ancestor})"
        )


@contextmanager
def writing(target: Path) -> Iterator[None]:
    """Run a writer; an `OSError` or `UnicodeError` becomes ``无法写入 TARGET：…``, exit 2."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        fail(write_error_line(target, exc))
    except UnicodeError as exc:
        fail(f"无法写入 {target}：编码错误 (cannot write {target}: {exc})")
