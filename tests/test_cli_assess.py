"""`accountability assess`, `explain` and `demo`.

Two layers: the command mechanics (output kinds, errors, exit codes) against a
stand-in `accountability.assessment` module, so they hold whatever the scorers
compute; then the real thing on the bundled Yiyang fixture.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import types
from pathlib import Path

import attrs
import fastexcel
import polars as pl
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from accountability.assessment import Assessment
from accountability.cli import app
from accountability.cli import assess as cli_assess
from accountability.dataset import REJECTED_SCHEMA
from accountability.lineitems import LINE_ITEM_SCHEMA

runner = CliRunner()
FIXTURE = cli_assess.fixture_path()
HAVE_FIXTURE = (FIXTURE / "regions.csv").exists()


# --- a stand-in assessment module ---------------------------------------------------------


@attrs.frozen
class FakeAssessment(Assessment):
    """The real result type with a stand-in explanation, for the command mechanics."""

    def explain(self, subject_id, subject_type=None, *, width=None) -> str:
        items = self.line_items.filter(pl.col("subject_id") == subject_id)
        if subject_type is not None:
            items = items.filter(pl.col("subject_type") == subject_type)
        if items.height == 0:
            raise KeyError(f"没有对象 {subject_id}")
        lines = [
            f"{r['rule_id']} {r['points']:+g} {r['reason']}" for r in items.iter_rows(named=True)
        ]
        return f"[{subject_id}] 说明\n" + "\n".join(lines)


def fake_result(year: int, fingerprint: str) -> FakeAssessment:
    regions = pl.DataFrame(
        {
            "region_code": ["430900", "430902", "430903"],
            "name": ["益阳市", "资阳区", '=HYPERLINK("http://x")'],
            "level": ["市", "县", "县"],
            "parent_code": [None, "430900", "430900"],
            "score": [90.0, 80.0, 95.0],
            "grade": ["优秀", "良好", "优秀"],
            "vetoed": [False, False, False],
            "veto_reasons": [[], [], []],
            "yellow_card": [False, True, False],
            "yellow_card_reasons": [[], ["较大事故 2 起"], []],
            "rank": [1, 2, 1],
        }
    )
    line_items = pl.DataFrame(
        {
            "subject_type": ["region"] * 4,
            "subject_id": ["430900", "430902", "430903", "430902"],
            "scorer": ["annual"] * 4,
            "rule_id": ["A4", "A4", "A5", "yellow_card"],
            "points": [-10.0, -20.0, -5.0, 0.0],
            "reason": ["较大事故", "较大事故 2 起", "迟报 1 起", "较大事故 2 起"],
            "basis": ["参考值"] * 4,
            "evidence": [["ACC-1"], ["ACC-2", "ACC-3"], ["ACC-4"], ["ACC-2", "ACC-3"]],
        },
        schema=LINE_ITEM_SCHEMA,
    )
    empty = pl.DataFrame(schema=REJECTED_SCHEMA)
    return FakeAssessment(
        year, regions, pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), pl.DataFrame(),
        line_items, empty, empty, fingerprint, "default", "0.1.0", dt.date(2025, 1, 15), "1",
    )  # fmt: skip


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Replace accountability.assessment by a stand-in; returns the calls it received."""
    calls: list[dict] = []

    def assess(data, rules=None, *, year, progress=None):
        calls.append({"data": data, "rules": rules, "year": year})
        return fake_result(year, rules.fingerprint)

    module = types.ModuleType("accountability.assessment")
    module.assess = assess  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "accountability.assessment", module)
    return calls


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "regions.csv").write_text(
        "region_code,name,parent_code,level\n430900,益阳市,,市\n430902,资阳区,430900,县\n"
        "430903,赫山区,430900,县\n",
        encoding="utf-8",
    )
    return d


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


# --- command mechanics ----------------------------------------------------------------


def test_assess_prints_the_ranking_table(fake: list[dict], folder: Path, monkeypatch) -> None:
    import importlib

    console = importlib.import_module("accountability.cli.app").console
    monkeypatch.setattr(console, "_width", 120)  # wide enough for the table
    result = run("assess", folder, "--year", "2024")
    assert result.exit_code == 0, result.output
    for header in ("排名", "区划代码", "名称", "得分", "等次", "一票否决", "黄牌警告", "说明"):
        assert header in result.stdout
    assert "资阳区" in result.stdout and "黄牌警告：" in result.stdout
    codes = [c for c in ("430900", "430903", "430902") if c in result.stdout]
    assert sorted(codes, key=result.stdout.index) == ["430900", "430903", "430902"]  # city first
    assert fake[0]["year"] == 2024
    assert fake[0]["data"].table("regions").height == 3


def test_assess_prints_a_block_per_region_when_the_table_is_too_wide(
    fake: list[dict], folder: Path
) -> None:
    result = run("assess", folder, "--year", "2024")  # 80 columns: the long name does not fit
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert lines.index("市级地区（1 个）") < lines.index("1 益阳市 430900")
    assert "  黄牌警告  是" in lines and "  说明      注1" in lines


def test_assess_writes_excel(fake: list[dict], folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "result.xlsx"
    result = run("assess", folder, "--year", "2024", "--out", out)
    assert result.exit_code == 0, result.output
    sheets = fastexcel.read_excel(str(out)).sheet_names
    assert sheets[:3] == ["封面", "汇总", "地区考核"]
    regions = fastexcel.read_excel(str(out)).load_sheet_by_name("地区考核").to_polars()
    assert regions["名称"].to_list()[1] == '=HYPERLINK("http://x")'


def test_assess_writes_regions_csv_with_chinese_headers_escaped(
    fake: list[dict], folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "regions.csv"
    assert run("assess", folder, "--year", "2024", "--out", out).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(out, infer_schema=False)
    assert back.columns[:4] == ["比较组", "排名", "区划代码", "名称"]  # as the workbook's sheet
    assert '\'=HYPERLINK("http://x")' in back["名称"].to_list()


def test_assess_writes_parquet_to_a_directory(
    fake: list[dict], folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "parquet"
    assert run("assess", folder, "--year", "2023", "--out", out).exit_code == 0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["year"] == 2023
    assert pl.read_parquet(out / "regions.parquet").height == 3


def test_assess_writes_every_table_as_csv_to_a_directory_with_format_csv(
    fake: list[dict], folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tables"
    result = run("assess", folder, "--year", "2024", "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    written = sorted(p.name for p in out.glob("*.csv"))
    assert written == sorted(f["file"] for f in meta["frames"].values())
    regions = pl.read_csv(out / "regions.csv", infer_schema=False)
    assert regions.height == meta["frames"]["regions"]["rows"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "--format 需要与 --out DIR 一起使用"),
        (["--out", "r.xlsx", "--format", "csv"], "--format 只用于输出目录"),
        (["--out", "d", "--format", "xml"], "未知的 --format 'xml'"),
    ],
)
def test_assess_format_is_for_an_output_directory_only(
    fake: list[dict], folder: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a in ("r.xlsx", "d") else a for a in args]
    result = run("assess", folder, "--year", "2024", *args)
    assert result.exit_code == 2
    assert message in result.output
    no_traceback(result)


def test_assess_writes_markdown(fake: list[dict], folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.md"
    assert run("assess", folder, "--year", "2024", "--out", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 2024 年度安全生产目标管理考核结果")
    assert "| 排名 | 区划代码 |" in text


def test_unsupported_output_fails_before_assessing(fake: list[dict], folder: Path) -> None:
    result = run("assess", folder, "--year", "2024", "--out", "result.json")
    assert result.exit_code == 2
    assert "不支持的输出文件类型" in result.stderr
    assert fake == []
    no_traceback(result)


def test_missing_folder_is_a_message_and_exit_2(fake: list[dict], tmp_path: Path) -> None:
    result = run("assess", tmp_path / "nope", "--year", "2024")
    assert result.exit_code == 2
    assert "DatasetError" in result.stderr and "nope" in result.stderr
    no_traceback(result)


def test_bad_rule_file_is_a_message_and_exit_2(
    fake: list[dict], folder: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "city.toml"
    rules.write_text(
        'extends = "default"\n[annual.nonsense]\nvalue = 1\nbasis = "x"\n', encoding="utf-8"
    )
    result = run("assess", folder, "--year", "2024", "--rules", rules)
    assert result.exit_code == 2
    assert "RulebookError" in result.stderr and "annual.nonsense" in result.stderr
    no_traceback(result)
    result = run(
        "explain", folder, "430902", "--year", "2024", "--rules", tmp_path / "missing.toml"
    )
    assert result.exit_code == 2 and "RulebookError" in result.stderr


def test_a_local_rule_file_is_used(fake: list[dict], folder: Path, tmp_path: Path) -> None:
    from accountability.rulebook import rulebook

    rules = tmp_path / "city.toml"
    rules.write_text(
        'extends = "default"\n[annual.b2_coverage_target]\nvalue = 0.4\nbasis = "市细则"\n',
        encoding="utf-8",
    )
    assert run("assess", folder, "--year", "2024", "--rules", rules).exit_code == 0
    assert fake[0]["rules"].fingerprint != rulebook().fingerprint


def test_bad_as_of_is_a_message(fake: list[dict], folder: Path) -> None:
    result = run("assess", folder, "--year", "2024", "--as-of", "2024-13-01")
    assert result.exit_code == 2 and "as_of" in result.stderr
    no_traceback(result)


def test_explain_prints_the_explanation(fake: list[dict], folder: Path) -> None:
    result = run("explain", folder, "430902", "--year", "2024", "--type", "region")
    assert result.exit_code == 0, result.output
    assert "[430902] 说明" in result.stdout  # printed literally, not as rich markup
    assert "A4 -20 较大事故 2 起" in result.stdout


def test_explain_unknown_subject_or_type(fake: list[dict], folder: Path) -> None:
    result = run("explain", folder, "999999", "--year", "2024")
    assert result.exit_code == 2 and "999999" in result.stderr  # unknown subject: usage
    no_traceback(result)
    result = run("explain", folder, "430902", "--year", "2024", "--type", "county")
    assert result.exit_code == 2 and "county" in result.stderr


def test_most_deducted_county_prefers_counties() -> None:
    result = fake_result(2024, "f" * 64)
    assert cli_assess.most_deducted_county(result) == "430902"
    no_county = attrs.evolve(result, regions=result.regions.filter(pl.col("level") == "市"))
    assert cli_assess.most_deducted_county(no_county) == "430900"


def test_demo_without_the_fixture_says_so(
    fake: list[dict], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli_assess, "fixture_path", lambda: tmp_path / "yiyang-2024")
    result = run("demo")
    assert result.exit_code == 2
    assert "找不到内置示例数据" in result.stderr
    no_traceback(result)


@pytest.mark.skipif(not HAVE_FIXTURE, reason="fixtures/yiyang-2024 not generated")
def test_demo_mechanics_on_the_fixture(fake: list[dict]) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert fake[0]["year"] == 2024
    assert "扣分最多的县级地区 430902" in result.stdout
    assert "A4 -20 较大事故 2 起" in result.stdout


# --- the real assessment on the bundled fixture ---------------------------------------

real = pytest.mark.skipif(not HAVE_FIXTURE, reason="needs fixtures/yiyang-2024")


@real
def test_demo_runs_the_yiyang_fixture() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "排名" in result.stdout and "益阳市" in result.stdout
    assert "430981" in result.stdout  # 沅江市, the 10·5 water accident
    assert "扣分最多的县级地区" in result.stdout


@real
def test_assess_the_fixture_writes_parquet(tmp_path: Path) -> None:
    out = tmp_path / "yiyang"
    result = run("assess", FIXTURE, "--year", "2024", "--out", out)
    assert result.exit_code == 0, result.output
    assert "沅江市" in result.stdout
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["year"] == 2024 and meta["frames"]["regions"]["rows"] == 9
    regions = pl.read_parquet(out / "regions.parquet")
    assert regions.filter(pl.col("region_code") == "430981")["grade"].item() != "优秀"


@pytest.fixture(scope="module")
def yiyang():
    from accountability.assessment import assess
    from accountability.tables import load_dataset

    return assess(load_dataset(FIXTURE), year=2024)


@real
def test_the_real_assessment_goes_to_excel_html_and_the_ranking(yiyang, tmp_path: Path) -> None:
    from rich.console import Console

    from accountability import report

    # every frame, trimmed so the test stays quick: the real dtypes reach the writer
    small = attrs.evolve(yiyang, **{n: getattr(yiyang, n).head(30) for n in report.SHEETS})
    path = small.to_excel(tmp_path / "yiyang.xlsx")
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == list(report.WORKBOOK_SHEETS)
    regions = reader.load_sheet_by_name("地区考核").to_polars()
    assert regions.height == 9 and regions["得分"].dtype == pl.Float64
    assert set(regions["一票否决"].to_list()) <= {"是", "否"}
    for name in report.SHEETS:  # every output column has a Chinese header
        unlabelled = [c for c in getattr(yiyang, name).columns if report.column_label(c, name) == c]
        assert unlabelled == [], (name, unlabelled)
    html = yiyang._repr_html_()
    assert "沅江市" in html and yiyang.fingerprint[:12] in html
    console = Console(record=True, width=200)
    console.print(report.format_ranking(yiyang))
    assert "430981" in console.export_text()


@real
def test_assess_with_a_province_scheme_shows_its_departments_and_enterprises() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "hunan-2017.toml"
    result = run("assess", FIXTURE, "--year", "2024", "--rules", example)
    assert result.exit_code == 0, result.output
    assert "部门和国有企业考核" in result.stdout
    assert "沅江正邦船务" in result.stdout and "先进单位" in result.stdout
    assert "先进县市区" in result.stdout  # the counties' awards, in the ranking's notes
    # the default rulebook decides nothing for units: no such table
    plain = run("assess", FIXTURE, "--year", "2024")
    assert "部门和国有企业考核" not in plain.stdout


@real
def test_explain_of_an_official_shows_events_windows_evidence_and_what_stands_behind() -> None:
    result = run("explain", FIXTURE, "GB43090004", "--type", "official", "--year", "2024")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "约谈通报事件：" in out
    assert "2024-07-22 约谈 [约谈：较大及以上事故] 窗口 2024-01-01 至 2024-07-22" in out
    assert "证据：SG202400111" in out
    # his 通报 rests on the investigation of the 10·5 shipwreck, not on attribution alone
    assert "问责步骤 通报" in out and "步骤依据：调查认定" in out
