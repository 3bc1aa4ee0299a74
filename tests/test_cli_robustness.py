"""The command line as a hostile or careless user meets it: no traceback ever, one
error line naming what is wrong, the documented exit status, and data that cannot
drive the terminal.

Exit status (docs/cli.md): 0 results produced (even with rejected rows); 1 findings
(`validate` rejects rows, `rules check` problems); 2 usage error, unreadable input,
unwritable output, unknown subject, a year the data cannot be assessed for; 70 an
internal error (a bug), one line, the traceback only with --debug.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from accountability import report, tables
from accountability.cli import app
from accountability.cli import assess as cli_assess
from accountability.wording import visible, visible_expr

runner = CliRunner()
FIXTURE = cli_assess.fixture_path()
HAVE_FIXTURE = (FIXTURE / "regions.csv").exists()
AS_OF = "2025-01-01"
CONTROLS = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} - {"\n", "\t"}
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- helpers and folders ------------------------------------------------------------------


def run(*args: str | Path, env: dict[str, str] | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def error_line(result, code: int, *names: object) -> str:
    """The exit status is `code`, there is no traceback, and stderr holds exactly one
    error line, which names each of `names`."""
    no_traceback(result)
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(lines) == 1, result.stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


def no_raw_controls(text: str) -> None:
    found = sorted({repr(c) for c in text if c in CONTROLS})
    assert not found, f"raw control characters {found} in {text!r}"


REGIONS = (
    "region_code,name,parent_code,level\n"
    "430900,益阳市,,市\n430902,资阳区,430900,县\n430903,赫山区,430900,县\n"
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three clean regions: enough to assess, validate and explain in a blink."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "regions.csv").write_text(REGIONS, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Regions whose cells hold terminal escapes: a name that clears the screen, a bare
    carriage return, a C1 CSI, markup; and one row rejected for a level that sets the
    window title (its value is printed by `validate`)."""
    folder = tmp_path_factory.mktemp("hostile")
    pl.DataFrame(
        {
            "region_code": ["430900", "430902", "430903", "430921"],
            "name": ["益阳\x1b[2J\x1b[H市", "资阳\r区", "[bold]赫山区\x9b31m", "南县"],
            "parent_code": [None, "430900", "430900", "430900"],
            "level": ["市", "县", "县", "\x1b]0;title\x07县"],
        }
    ).write_csv(folder / "regions.csv")
    return folder


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A plain file, folders named like output files, a path below the file."""
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    for name in ("d.xlsx", "d.csv", "d.md"):
        (tmp_path / name).mkdir()
    return {
        "file": afile,
        "below_file": afile / "x",
        "missing": tmp_path / "nope",
        **{name: tmp_path / name for name in ("d.xlsx", "d.csv", "d.md")},
    }


# --- visible() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # CSI via ESC: clear the screen, cursor home
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # OSC: set the window title, BEL
        ("上一行\r覆盖", "上一行\\r覆盖"),  # a bare carriage return overwrites the line
        ("a\x00b\x08c", "a\\x00b\\x08c"),  # NUL, backspace
        ("\x7f", "\\x7f"),  # DEL
        ("\x9b2J\x85", "\\u009b2J\\u0085"),  # C1: CSI, NEL
        ("第一行\n\t第二行", "第一行\n\t第二行"),  # a newline and a tab are kept …
    ],
)
def test_visible_escapes_each_kind_of_control_character(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown  # idempotent
    assert pl.select(visible_expr(pl.lit(text))).item() == shown


def test_visible_single_line_escapes_newline_and_tab_and_leaves_printables() -> None:
    assert visible("第一行\n\t第二行", single_line=True) == "第一行\\n\\t第二行"
    printable = "益阳市 ＡＢＣ１２３　（全角）🚒👷‍♀️ é [bold] \\x1b"
    assert visible(printable) == printable
    assert visible(printable, single_line=True) == printable
    assert pl.select(visible_expr(pl.lit(None, pl.String))).item() is None


# --- assess ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["0", "-1", "10000"])
@pytest.mark.parametrize("command", ["assess", "explain"])
def test_a_year_that_cannot_be_assessed(command: str, year: str, small: Path) -> None:
    args = [command, small, *(["430900"] if command == "explain" else []), "--year", year]
    error_line(run(*args), 2, f"考核年度 {year}", f"year {year}")


def test_a_year_after_the_data_is_exit_2(small: Path) -> None:
    line = error_line(run("assess", small, "--year", "2030", "--as-of", AS_OF), 2, "2030")
    assert "DatasetError" in line


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("d.xlsx", "是一个目录 (cannot write {out}: is a directory)"),
        ("d.csv", "是一个目录"),
        ("d.md", "是一个目录"),
        ("below_file", "{file} 不是目录"),  # a parquet folder below a file
        ("file", "已存在且不是目录"),  # a parquet folder that is a file
    ],
)
def test_assess_out_that_cannot_be_written(
    small: Path, places: dict[str, Path], out: str, reason: str
) -> None:
    target = places[out]
    result = run("assess", small, "--year", "2024", "--as-of", AS_OF, "--out", target)
    error_line(result, 2, f"无法写入 {target}", reason.format(out=target, file=places["file"]))
    assert result.stdout == ""  # checked before any work


def test_assess_out_below_a_file(small: Path, places: dict[str, Path]) -> None:
    target = places["file"] / "r.xlsx"
    result = run("assess", small, "--year", "2024", "--as-of", AS_OF, "--out", target)
    error_line(result, 2, f"无法写入 {target}", f"{places['file']} is not a folder")


@pytest.mark.skipif(AS_ROOT or sys.platform == "win32", reason="root may write anywhere")
def test_assess_out_in_a_read_only_folder(small: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        target = locked / "r.xlsx"
        result = run("assess", small, "--year", "2024", "--as-of", AS_OF, "--out", target)
        error_line(result, 2, f"无法写入 {target}", "permission denied")
    finally:
        locked.chmod(0o755)


def test_a_write_that_fails_late_is_one_line(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What no check can foresee (a full disk, a file opened in Excel) still reads well."""
    target = tmp_path / "r.xlsx"

    def refuse(result, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(report, "write_excel", refuse)
    result = run("assess", small, "--year", "2024", "--as-of", AS_OF, "--out", target)
    error_line(result, 2, f"无法写入 {target}：没有权限 (cannot write {target}: permission denied)")


def test_a_rule_file_that_is_a_folder_or_missing(small: Path, tmp_path: Path) -> None:
    for rules in (tmp_path, tmp_path / "missing.toml"):
        result = run("assess", small, "--year", "2024", "--as-of", AS_OF, "--rules", rules)
        assert "RulebookError" in error_line(result, 2, rules)


@pytest.mark.parametrize("command", ["assess", "explain", "validate", "compare"])
def test_a_dataset_folder_that_is_missing_or_a_file(command: str, places: dict[str, Path]) -> None:
    for folder in (places["missing"], places["file"]):
        extra = {
            "assess": ["--year", "2024"],
            "explain": ["430900", "--year", "2024"],
            "validate": [],
            "compare": ["--from", "2024-01-01", "--to", "2024-10-31"],
        }[command]
        assert "DatasetError" in error_line(run(command, folder, *extra), 2, folder)


def test_assess_with_rejected_rows_is_exit_0(hostile: Path) -> None:
    result = run("assess", hostile, "--year", "2024", "--as-of", AS_OF)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "1 行数据未采用" in result.stderr


# --- explain ----------------------------------------------------------------------------------


def test_explain_an_unknown_id_or_type(small: Path) -> None:
    result = run("explain", small, "NOSUCHID", "--year", "2024", "--as-of", AS_OF)
    error_line(result, 2, "NOSUCHID", "no such subject")
    result = run("explain", small, "430902", "--year", "2024", "--type", "county")
    error_line(result, 2, "county")


# --- validate ---------------------------------------------------------------------------------


def test_validate_out_that_cannot_be_written(small: Path, places: dict[str, Path]) -> None:
    error_line(run("validate", small, "--out", places["d.csv"]), 2, places["d.csv"], "是一个目录")
    below = places["file"] / "issues.csv"
    error_line(run("validate", small, "--out", below), 2, below, f"{places['file']} 不是目录")
    error_line(run("validate", small, "--out", places["file"]), 2, ".csv", places["file"])


def test_validate_exit_codes(small: Path, hostile: Path) -> None:
    clean = run("validate", small, "--as-of", AS_OF)
    no_traceback(clean)
    assert clean.exit_code == 0
    rejected = run("validate", hostile, "--as-of", AS_OF)
    no_traceback(rejected)
    assert rejected.exit_code == 1


# --- compare ----------------------------------------------------------------------------------


def test_compare_bad_dates_and_outputs(small: Path, places: dict[str, Path]) -> None:
    span = ("--from", "2024-01-01", "--to", "2024-10-31")
    error_line(run("compare", small, "--from", "2024-13-01", "--to", "2024-10-31"), 2, "2024-13-01")
    error_line(run("compare", small, "--from", "2024-10-31", "--to", "2024-01-01"), 2, "2024-10-31")
    error_line(run("compare", small, *span, "--out", places["d.csv"]), 2, places["d.csv"])
    below = places["file"] / "c.xlsx"
    error_line(run("compare", small, *span, "--out", below), 2, below)
    error_line(run("compare", small, *span, "--out", places["d.md"]), 2, places["d.md"])


@pytest.mark.skipif(not HAVE_FIXTURE, reason="needs fixtures/yiyang-2024")
def test_compare_an_unknown_region(tmp_path: Path) -> None:
    result = run(
        "compare", FIXTURE, "--from", "2024-01-01", "--to", "2024-10-31", "--region", "999"
    )
    error_line(result, 2, "'999'")


# --- rules and demo ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["rules", "show", "{dir}"], "{dir}"),
        (["rules", "diff", "{dir}", "default"], "{dir}"),
        (["rules", "diff", "default", "{missing}"], "{missing}"),
        (["rules", "check", "{dir}"], "{dir}"),
        (["rules", "check", "{missing}"], "{missing}"),
        (["rules", "show", "--section", "nosuch"], "'nosuch'"),
        (["rules", "show", "--on", "2024-13-01"], "2024-13-01"),
    ],
)
def test_rules_of_what_cannot_be_read(args: list[str], named: str, tmp_path: Path) -> None:
    places = {"dir": tmp_path, "missing": tmp_path / "missing.toml"}
    error_line(run(*[a.format(**places) for a in args]), 2, named.format(**places))


def test_a_faulty_rule_file_is_exit_1_for_check_and_2_for_show_and_diff(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('extends = "default"\n[annual.nonsense]\nvalue = 1\nbasis = "x"\n', "utf-8")
    checked = run("rules", "check", path)
    no_traceback(checked)
    assert checked.exit_code == 1 and "annual.nonsense" in checked.stderr
    assert "RulebookError" in error_line(run("rules", "show", path), 2, "annual.nonsense")
    assert "RulebookError" in error_line(
        run("rules", "diff", "default", path), 2, "annual.nonsense"
    )


def test_escapes_in_a_rule_file_are_shown_not_obeyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    cli_app = importlib.import_module("accountability.cli.app")
    # the console is made at import; an earlier test may have made it narrow
    monkeypatch.setattr(cli_app.console, "width", 200)
    path = tmp_path / "city.toml"
    path.write_text(
        'extends = "default"\n[annual.b2_coverage_target]\nvalue = 0.4\n'
        'basis = "[bold]市细则\\u001b[2J\\u0007"\n',
        encoding="utf-8",
    )
    for args in (["show", path, "--section", "annual"], ["diff", "default", path]):
        result = run("rules", *args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.stderr
        no_raw_controls(result.stdout)
        assert "[bold]市细则\\x1b[2J\\x07" in result.stdout


def test_demo_without_its_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli_assess, "fixture_path", lambda: tmp_path / "yiyang-2024")
    error_line(run("demo"), 2, tmp_path / "yiyang-2024")


# --- a bug: one line, exit 70; the traceback only when asked ----------------------------------


def test_an_internal_error_is_one_line_and_exit_70(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom\x1b[2J")

    monkeypatch.setattr(tables, "load_dataset", broken)
    for command in (["validate", small], ["assess", small, "--year", "2024"]):
        result = run(*command)
        line = error_line(result, 70, "内部错误", "RuntimeError: boom\\x1b[2J", "--debug")
        assert "ACCOUNTABILITY_DEBUG=1" in line
    shown = run("--debug", "validate", small)
    assert shown.exit_code == 70 and "Traceback" in shown.stderr
    assert "RuntimeError: boom" in shown.stderr
    by_env = run("validate", small, env={"ACCOUNTABILITY_DEBUG": "1"})
    assert by_env.exit_code == 70 and "Traceback" in by_env.stderr


def test_a_panic_inside_polars_is_an_internal_error_too(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    def panics(*args, **kwargs):
        raise pl.exceptions.PanicException("assertion failed: i < self.len()")

    monkeypatch.setattr(tables, "load_dataset", panics)
    result = run("assess", small, "--year", "2024")
    error_line(result, 70, "内部错误", "PanicException: assertion failed", "--debug")
    assert "Traceback" not in result.stderr


def test_usage_errors_stay_typers(small: Path) -> None:
    result = run("assess", small, "--year", "abc")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "--year" in result.stderr


# --- data cannot drive the terminal -------------------------------------------------------------


def test_escapes_in_cells_are_shown_not_obeyed(hostile: Path, tmp_path: Path) -> None:
    assessed = run(
        "assess", hostile, "--year", "2024", "--as-of", AS_OF, "--out", tmp_path / "r.md"
    )
    assert assessed.exit_code == 0, assessed.stderr
    no_raw_controls(assessed.stdout + assessed.stderr)
    assert "益阳\\x1b[2J\\x1b[H市" in assessed.stdout
    # A bare carriage return in a file may be read as a line end: shown either way.
    assert "资阳\\r区" in assessed.stdout or "资阳\\n区" in assessed.stdout
    assert "\\u009b31m" in assessed.stdout
    assert "[bold]赫山区" in assessed.stdout  # shown as written, not read as markup
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    no_raw_controls(markdown)
    assert "\\\\x1b\\[2J" in markdown  # a table cell: backslash and bracket escaped
    assert "益阳\\x1b[2J\\x1b[H市" in markdown  # the breakdown, in a code block

    explained = run("explain", hostile, "430900", "--year", "2024", "--as-of", AS_OF)
    assert explained.exit_code == 0, explained.stderr
    no_raw_controls(explained.stdout)
    assert "益阳\\x1b[2J\\x1b[H市" in explained.stdout
    unknown = run("explain", hostile, "430900\x1b[2J", "--year", "2024", "--as-of", AS_OF)
    no_raw_controls(error_line(unknown, 2, "430900\\x1b[2J"))

    for width in ("80", "160"):  # the two-line list and the table
        validated = run("validate", hostile, "--as-of", AS_OF, env={"COLUMNS": width})
        assert validated.exit_code == 1
        no_raw_controls(validated.stdout)
        assert "\\x1b]0;title\\x07县" in validated.stdout

    compared = run("compare", hostile, "--from", "2024-01-01", "--to", "2024-10-31")
    no_raw_controls(compared.stdout + compared.stderr)


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("accountability")
    if script.exists():
        return [str(script)]
    found = shutil.which("accountability")
    return (
        [found] if found else [sys.executable, "-c", "from accountability.cli import main; main()"]
    )


def test_piped_at_80_columns_escapes_are_visible(hostile: Path) -> None:
    """The installed command, stdout a pipe: what reaches the terminal has no ESC byte."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")
    }
    env.update(COLUMNS="80", LINES="50", ACCOUNTABILITY_DEBUG="")
    for args, code in (
        (["assess", str(hostile), "--year", "2024", "--as-of", AS_OF], 0),
        (["validate", str(hostile), "--as-of", AS_OF], 1),
    ):
        done = subprocess.run(
            [*_entry_point(), *args], capture_output=True, env=env, timeout=120, check=False
        )
        out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
        assert done.returncode == code, err
        assert "Traceback" not in out + err
        assert b"\x1b" not in done.stdout + done.stderr
        assert b"\r" not in done.stdout + done.stderr and b"\x07" not in done.stdout
        no_raw_controls(out + err)
        shown = "益阳\\x1b[2J\\x1b[H市" if args[0] == "assess" else "\\x1b]0;title\\x07县"
        assert shown in out
