"""The `accountability` command: one Typer app, commands registered by the modules
beside this one (validate, compare, rules, assess/explain/demo)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="accountability",
    help="安全生产责任制考核: annual assessment, 四个一律, 一岗双责 over regulators' tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)


@app.callback()
def _main() -> None:
    """安全生产责任制考核 (keeps `accountability <command>` a command group)."""
