"""`accountability whatif`: the fewest actions that lift a region to the next grade.

    accountability whatif DIR 430971 --year 2024 [--rules city.toml]

Prints, in Chinese, the region's score and grade, the score the next grade needs, and
either the actions (hazards rectified on time, case measures taken, work items to
target, duty records completed) one per line with the rules they move and the points
they bring, or what stands in the way: the veto, grade cap or committee decision with
its basis, or that even every action the region controls falls short
(`accountability.whatif`).  Lines fit the terminal, or 80 columns when piped.

Exit status (see `accountability.cli.app`): 0 when the question is answered, whether
or not the next grade can be reached; 2 on a usage error, when the data or the rule
file cannot be read, for a code that is no region of the data, and for a year the
data cannot be assessed for; 70 on an internal error.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from accountability.cli.app import (
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    PIPE_WIDTH,
    QUIET,
    app,
    console,
    err_console,
    exit_help,
    fail,
)
from accountability.cli.assess import _ALLOW, _AS_OF, _DIR, _RULES, _YEAR, _run
from accountability.cli.progress import steps
from accountability.terminal import visible

EPILOG = exit_help(
    (EXIT_OK, "已回答，能否升等都是 0 (answered, whether or not the next grade is reachable)"),
    (
        EXIT_USAGE,
        "用法错误、数据或规则文件无法读取、没有这个地区、数据不能考核该年度 (usage error, "
        "unreadable input, unknown region, a year the data cannot be assessed for)",
    ),
    INTERNAL,
)


def _width() -> int:
    """The console's width, at most `PIPE_WIDTH` when the output is not a terminal."""
    return console.width if console.is_terminal else min(console.width, PIPE_WIDTH)


@app.command("whatif", epilog=EPILOG)
def whatif(
    directory: _DIR,
    region: Annotated[str, typer.Argument(help="区划代码, e.g. 430971")],
    year: _YEAR,
    rules: _RULES = None,
    as_of: _AS_OF = None,
    allow: _ALLOW = None,
    quiet: QUIET = False,
) -> None:
    """升至上一等次最少需做什么: the fewest actions that lift a region to the next grade."""
    with steps(err_console, quiet=quiet) as progress:
        result = _run(
            directory, year=year, rules=rules, as_of=as_of, allow=allow, progress=progress
        )
    try:
        answer = result.what_if(region)
    except LookupError as exc:
        message = exc.args[0] if exc.args else str(exc)
        fail(f"无法分析 {region!r}：{message}")
    text = visible(answer.to_text(width=_width()))
    console.print(Text(text), soft_wrap=True, highlight=False)
