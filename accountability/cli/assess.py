"""`accountability assess`."""

from accountability.cli.app import app, console, err_console  # noqa: F401
