"""Rule files against hostile and careless users: `extends` stays in the rule file's
folder (or paths the caller allows), messages never quote another file's content, and
deep nesting, odd value types and huge files are one RulebookError, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import console, err_console
from accountability.errors import RulebookError
from accountability.rulebook import load_rulebook, rulebook
from accountability.rulebook.loader import MAX_BYTES, MAX_DEPTH

HEAD = 'extends = "default"\n'
OVERRIDE = '[annual.b2_coverage_target]\nvalue = 0.4\nbasis = "省细则"\n'
SECRET = "API_TOKEN=hunter2-do-not-print"
CONFINED = "extends 只能指向 default、本文件所在目录或其子目录中的规则文件，或调用方允许的路径"

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setattr(console, "width", 250)
    monkeypatch.setattr(err_console, "width", 250)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **kwargs: object) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        load_rulebook(path, **kwargs)  # type: ignore[arg-type]
    return info.value


def cli_check(path: Path):
    result = runner.invoke(app, ["rules", "check", str(path)])
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    return result, output


# -- extends stays where the rule file is ---------------------------------------


def test_extends_to_proc_self_environ_is_refused_without_quoting_it(tmp_path):
    environ = Path("/proc/self/environ")
    if not environ.exists():
        pytest.skip("no /proc/self/environ here")
    city = write(tmp_path / "city.toml", f'# 市\nextends = "{environ}"\n')
    error = error_of(city)
    assert str(error).startswith(f"{city}:2: extends: {CONFINED}")
    assert str(environ) in str(error)
    home = os.environ.get("HOME", "")
    assert "PATH=" not in str(error) and (not home or f"HOME={home}" not in str(error))


def test_extends_to_a_secret_outside_the_folder_never_prints_it(tmp_path):
    secret = write(tmp_path / "secrets" / "token.env", SECRET + "\n")
    city = write(tmp_path / "rules" / "city.toml", 'extends = "../secrets/token.env"\n')
    message = str(error_of(city))
    assert message.startswith(f"{city}:1: extends: {CONFINED}")
    assert str(secret) in message
    assert "hunter2" not in message and "API_TOKEN" not in message


def test_a_non_toml_file_reached_through_extends_is_not_quoted(tmp_path):
    write(tmp_path / "token.env", SECRET + "\n")
    city = write(tmp_path / "city.toml", 'extends = "token.env"\n')
    message = str(error_of(city))
    assert "不是规则文件 (not a rule file)" in message and str(tmp_path / "token.env") in message
    assert "hunter2" not in message and "API_TOKEN" not in message


def test_extends_to_a_sibling_and_to_a_subfolder_works(tmp_path):
    write(tmp_path / "shared" / "province.toml", HEAD + OVERRIDE)
    write(tmp_path / "sibling.toml", 'extends = "shared/province.toml"\n')
    city = write(tmp_path / "city.toml", 'extends = "sibling.toml"\n')
    book = load_rulebook(city)
    assert book.for_year(2024)["annual.b2_coverage_target"] == 0.4
    assert [Path(s).name for s in book.sources] == [
        "default.toml",
        "province.toml",
        "sibling.toml",
        "city.toml",
    ]


def test_allow_admits_a_folder_or_a_file_the_caller_trusts(tmp_path):
    province = write(tmp_path / "province" / "hunan.toml", HEAD + OVERRIDE)
    city = write(tmp_path / "city" / "yiyang.toml", 'extends = "../province/hunan.toml"\n')
    assert CONFINED in str(error_of(city))
    for trusted in (tmp_path / "province", province, str(province)):
        book = load_rulebook(city, allow=(trusted,))
        assert book.for_year(2024)["annual.b2_coverage_target"] == 0.4
    assert CONFINED in str(error_of(city, allow=(tmp_path / "city",)))


def test_a_symlink_in_the_folder_that_leaves_it_is_refused(tmp_path):
    outside = write(tmp_path / "outside" / "province.toml", HEAD + OVERRIDE)
    link = tmp_path / "rules" / "province.toml"
    link.parent.mkdir()
    try:
        link.symlink_to(outside)
    except OSError:
        pytest.skip("cannot create symbolic links here")
    city = write(tmp_path / "rules" / "city.toml", 'extends = "province.toml"\n')
    message = str(error_of(city))
    assert message.startswith(f"{city}:1: extends: {CONFINED}") and str(outside) in message
    assert load_rulebook(city, allow=(outside,)).for_year(2024)["annual.b2_coverage_target"] == 0.4


# -- nesting, value types, size ---------------------------------------------------


DEEP = "x = " + "[" * 3000 + "]" * 3000 + "\n"


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        "x = " + "{ a = " * 3000 + "1" + " }" * 3000 + "\n",
        HEAD + "[annual.base]\nbasis = 'x'\nvalue = " + "[" * 40 + "]" * 40 + "\n",
        "a" + ".a" * 3000 + " = 1\n",
    ],
    ids=["arrays", "inline tables", "40 levels", "dotted keys"],
)
def test_deep_nesting_is_a_rulebook_error_not_a_recursion_error(tmp_path, text):
    path = write(tmp_path / "deep.toml", text)
    (problem,) = error_of(path).problems
    assert problem.startswith(f"{path}:")
    assert f"嵌套层数过深: 超过 {MAX_DEPTH} 层 (nested too deep" in problem


def test_deep_nesting_via_the_cli_is_one_line_and_no_traceback(tmp_path):
    path = write(tmp_path / "deep.toml", DEEP)
    result, output = cli_check(path)
    assert result.exit_code in (1, 2), output
    assert "Traceback" not in output and not isinstance(result.exception, RecursionError)
    assert f"{path}:1: x: 嵌套层数过深" in output


@pytest.mark.parametrize(
    ("value", "kind"),
    [("07:32:00", "时间 (time)"), ("2024-01-01T08:00:00+08:00", "日期时间 (date-time)")],
)
def test_a_time_value_is_an_error_naming_the_key(tmp_path, value, kind):
    path = write(tmp_path / "city.toml", HEAD + f'[annual.base]\nbasis = "x"\nvalue = {value}\n')
    (problem,) = error_of(path).problems
    assert problem.startswith(f"{path}:4: annual.base: value 取值类型不受支持: {kind}")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("wb") as handle:  # sparse: nothing is written
        handle.truncate(MAX_BYTES + 1024 * 1024)
    (problem,) = error_of(path).problems
    assert problem == (
        f"{path}: 规则文件过大，上限 16 MB，未读取"
        " (rule file larger than the 16 MB limit; not read)"
    )
    result, output = cli_check(path)
    assert result.exit_code in (1, 2) and "16 MB" in output and "Traceback" not in output


# -- done elsewhere, kept green ------------------------------------------------------


def test_an_empty_file_and_a_zero_base_stay_errors(tmp_path):
    assert "规则文件为空" in str(error_of(write(tmp_path / "empty.toml", "")))
    zero = write(tmp_path / "zero.toml", HEAD + '[annual.base]\nvalue = 0\nbasis = "x"\n')
    assert "annual.base" in str(error_of(zero))
    assert rulebook().for_year(2024)["annual.base"] > 0
