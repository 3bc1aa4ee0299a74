"""Command line entry point: `accountability --help`."""

from __future__ import annotations

from accountability.cli import (  # noqa: F401  (registers commands)
    assess,
    compare,
    rules,
    sensitivity,
    validate,
    whatif,
)
from accountability.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
