"""Command line entry point: `accountability --help`."""

from __future__ import annotations

from accountability.cli import assess, compare, rules, validate  # noqa: F401  (registers commands)
from accountability.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
