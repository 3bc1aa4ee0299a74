"""Rulebook test cases (`accountability rules test`) and rule coverage
(`accountability rules check --coverage`).

A case file certifies rules with worked examples: a few input rows inline, the line
items and results worked out by hand.  The default rulebook ships one file per family
with at least one case per registry rule; examples/hunan-city.cases.toml certifies the
parameters hunan-city.toml overrides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import console, err_console
from accountability.rulebook import load_rulebook
from accountability.rulecases import (
    DEFAULT_CASES,
    CaseFileError,
    load_cases,
    neutral_value,
    rule_coverage,
    run_cases,
)
from accountability.rules.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
HUNAN_CASES = ROOT / "examples" / "hunan-city.cases.toml"

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """A wide console, so that every line of the report is printed whole."""
    monkeypatch.setattr(console, "width", 250)
    monkeypatch.setattr(err_console, "width", 250)


def run(*args: str):
    return runner.invoke(app, ["rules", *args])


HEAD = """year = 2024

[tables]
regions = [
  { region_code = "430900", name = "益阳市", level = "市" },
  { region_code = "430902", name = "资阳区", parent_code = "430900", level = "县" },
]
targets = [{ region_code = "430902", year = 2024, indicator = "deaths", limit = 2 }]
"""

A1_CASE = """
[[case]]
name = "A1 超 1 人"
rules = ["A1"]
explanation = "控制指标 2 人，死亡 3 人，超 1 人 × 2 分 = −2；得分按已评的 A 部分折算"
[[case.tables.accidents]]
accident_id = "S1"
region_code = "430902"
sector = "建筑施工"
occurred_on = 2024-03-01
deaths = 1
[[case.tables.accidents]]
accident_id = "S2"
region_code = "430902"
sector = "道路交通"
occurred_on = 2024-08-15
deaths = 2
[[case.expect.line_items]]
subject = "430902"
rule = "A1"
points = POINTS
[[case.expect.regions]]
subject = "430902"
grade = "GRADE"
"""


def case_file(tmp_path: Path, body: str, name: str = "city.cases.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


# -- the shipped cases pass -----------------------------------------------------------


@pytest.fixture(scope="module")
def default_report():
    """Every case of the default rulebook, run once (the slowest part: ~100 cases)."""
    return run_cases(load_cases(DEFAULT_CASES))


def test_every_default_case_passes(default_report):
    assert default_report.results, "no default case ran"
    failed = "\n".join(r.case.name for r in default_report.failures)
    assert default_report.passed, f"failing default cases:\n{default_report.to_text()}\n{failed}"


def test_every_case_names_known_rules_and_shows_its_sum():
    for case in load_cases(DEFAULT_CASES):
        assert all(REGISTRY.find(r) is not None for r in case.rules), case.name
        # worked arithmetic: the explanation states numbers, not just words
        assert re.search(r"\d", case.explanation), case.name


def test_hunan_city_cases_pass_on_the_command_line():
    result = run("test", str(HUNAN_CASES))
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    names = [c.name for c in load_cases(HUNAN_CASES)]
    assert lines[:-1] == [f"✓ {n}（hunan-city.cases.toml）" for n in names]
    assert lines[-1] == f"{len(names)} 个案例：{len(names)} 个通过，0 个未通过"


def test_hunan_city_cases_certify_its_overrides():
    """Each parameter hunan-city.toml overrides is read by a rule its cases certify."""
    book = load_rulebook(ROOT / "examples" / "hunan-city.toml")
    overridden = {k for k, p in book.parameters.items() if p.source and "hunan-city" in p.source}
    certified = {p for c in load_cases(HUNAN_CASES) for r in c.rules for p in REGISTRY[r].params}
    assert overridden and overridden <= certified


def test_hunan_city_cases_fail_under_the_default_rulebook():
    """--rules runs every case under one rulebook: the city's cases then fail."""
    result = run("test", str(HUNAN_CASES), "--rules", "default")
    assert result.exit_code == 1
    assert (
        "扣分项 430902 A1 分值：期望 -3，实得 -2"
        in result.output.splitlines()[
            result.output.splitlines().index(
                "✗ A1 2025 年起：每超 1 人扣 3 分（hunan-city.cases.toml）"
            )
            + 2
        ]
    )


# -- a wrong case fails with a readable difference -----------------------------------


def test_a_wrong_case_lists_expected_got_and_the_items(tmp_path):
    path = case_file(tmp_path, A1_CASE.replace("POINTS", "-4.0").replace("GRADE", "良好"))
    result = run("test", str(path))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == "✗ A1 超 1 人（city.cases.toml）"
    assert lines[1].startswith("    规则：A1；控制指标 2 人")
    assert lines[2] == "    扣分项 430902 A1 分值：期望 -4，实得 -2"
    assert lines[3] == "    regions 430902 grade：期望 良好，实得 优秀"
    assert lines[4] == "    实得的非零扣分项（对象、规则、分值、事由）："
    items = [line.split(None, 3) for line in lines[5:-1]]
    assert ["430902", "A1", "−2"] in [i[:3] for i in items]
    assert lines[-1] == "1 个案例：0 个通过，1 个未通过"


def test_the_right_case_passes(tmp_path):
    path = case_file(tmp_path, A1_CASE.replace("POINTS", "-2.0").replace("GRADE", "优秀"))
    result = run("test", str(path))
    assert result.exit_code == 0, result.output


def test_report_records_each_difference(tmp_path):
    path = case_file(tmp_path, A1_CASE.replace("POINTS", "-4.0").replace("GRADE", "良好"))
    (result,) = run_cases(load_cases(path)).results
    assert [(d.where, d.field, d.expected, d.got) for d in result.differences] == [
        ("扣分项 430902 A1", "分值", -4.0, -2.0),
        ("regions 430902", "grade", "良好", "优秀"),
    ]
    assert result.items.filter(result.items["rule_id"] == "A1")["points"].to_list() == [-2.0]


def test_yaml_cases_read_like_toml(tmp_path):
    path = tmp_path / "city.cases.yaml"
    path.write_text(
        """year: 2024
case:
  - name: A5 迟报一起
    rules: [A5]
    explanation: 迟报 1 起 × 3 分 = −3
    tables:
      regions:
        - {region_code: "430900", name: 益阳市, level: 市}
      accidents:
        - {accident_id: S1, region_code: "430900", sector: 建筑施工,
           occurred_on: 2024-03-01, deaths: 1, reported_late: true}
    expect:
      line_items:
        - {subject: "430900", rule: A5, points: -3}
      regions:
        - {subject: "430900", vetoed: false}
""",
        encoding="utf-8",
    )
    report = run_cases(load_cases(path))
    assert report.passed, report.to_text()


def test_a_case_may_set_parameters(tmp_path):
    # 5 points per death over: A 40 − 5 = 35 of the 40 assessed, × 100 ÷ 40 = 87.5, 良好
    body = A1_CASE.replace("POINTS", "-5.0").replace("GRADE", "良好")
    body = body.replace(
        '[[case.tables.accidents]]\naccident_id = "S1"',
        '[case.parameters]\n"annual.a1_points_per_death" = 5.0\n'
        '[[case.tables.accidents]]\naccident_id = "S1"',
    )
    report = run_cases(load_cases(case_file(tmp_path, body)))
    assert report.passed, report.to_text()


# -- an invalid case file is exit 2, naming what is wrong ----------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('[[case.tables.accidents]]\naccident_id = "S1"', "[[case.tables.incidents]]\n"),
            "tables.incidents: 未知的数据表，是否应为 accidents？",
        ),
        (("deaths = 2\n", "dead = 2\n"), "tables.accidents 第 2 行: 未知列 'dead'"),
        (('rules = ["A1"]', 'rules = ["A7"]'), "rules: 未知规则 'A7'"),
        (('rule = "A1"', 'rule = "A11"'), "expect.line_items[1]: 未知规则 'A11'"),
        (
            ("occurred_on = 2024-03-01", 'occurred_on = "2024-13-45"'),
            "tables.accidents 第 1 行 列 occurred_on",
        ),
        (('subject = "430902"\ngrade', 'subject = "430902"\nmark'), "regions 没有列 'mark'"),
    ],
)
def test_an_invalid_case_file_is_exit_2(tmp_path, change, message):
    body = A1_CASE.replace("POINTS", "-2.0").replace("GRADE", "优秀").replace(*change)
    path = case_file(tmp_path, body)
    result = run("test", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    first = result.output.strip().splitlines()[0]
    assert first.startswith(f"{path}: case 'A1 超 1 人'") or first.startswith(
        "city.cases.toml: case 'A1 超 1 人'"
    ), first
    assert message in first, first
    assert result.output.strip().splitlines()[-1].startswith("案例文件有 1 处问题")


def test_every_problem_of_a_file_is_listed(tmp_path):
    body = A1_CASE.replace("POINTS", "-2.0").replace("GRADE", "优秀")
    body = body.replace('rules = ["A1"]', 'rules = ["A7"]').replace("deaths = 2\n", "dead = 2\n")
    with pytest.raises(CaseFileError) as caught:
        load_cases(case_file(tmp_path, body))
    assert len(caught.value.problems) == 2


def test_a_missing_case_file_is_exit_2(tmp_path):
    result = run("test", str(tmp_path / "none.cases.toml"))
    assert result.exit_code == 2
    assert "找不到案例文件" in result.output


def test_bad_toml_is_exit_2(tmp_path):
    path = tmp_path / "bad.cases.toml"
    path.write_text("[[case]\nname = 1\n", encoding="utf-8")
    result = run("test", str(path))
    assert result.exit_code == 2
    assert "TOML 语法错误" in result.output


def test_omitted_columns_take_neutral_values():
    assert neutral_value("accidents", "missing") == 0
    assert neutral_value("accidents", "liability") is True
    assert neutral_value("enterprises", "status") == "在营"
    assert neutral_value("hazards", "rectified_on") is None


# -- coverage: every rule has a case and a basis -------------------------------------


def test_every_registry_rule_has_a_case_and_a_basis():
    cover = rule_coverage(cases=load_cases(DEFAULT_CASES))
    assert cover["rule_id"].to_list() == [r.id for r in REGISTRY]
    without_case = cover.filter(~cover["has_case"])["rule_id"].to_list()
    without_basis = cover.filter(~cover["has_basis"])["rule_id"].to_list()
    assert without_case == [], f"rules without a test case: {without_case}"
    assert without_basis == [], f"rules without a basis: {without_basis}"


def test_coverage_lists_the_rules_without_a_case(tmp_path):
    path = case_file(tmp_path, A1_CASE.replace("POINTS", "-2.0").replace("GRADE", "优秀"))
    result = run("check", "default", "--coverage", "--cases", str(path))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[1].startswith(f"规则覆盖：{len(REGISTRY)} 条规则，1 条有测试案例，")
    listed = [line.split(" ", 1)[0] for line in lines[2:-1]]
    assert listed == [r.id for r in REGISTRY if r.id != "A1"]
    assert "A2 事故四项指标同比：无测试案例" in lines
    assert lines[-1] == f"共 {len(listed)} 条规则缺少测试案例或依据"


def test_coverage_names_the_basis_of_each_rule():
    cover = rule_coverage()
    basis = dict(zip(cover["rule_id"], cover["basis_from"], strict=True))
    assert basis["A1"] == "参数"  # the rulebook's bases of its parameters
    assert basis["four_musts.suspend"] == "法条"  # the law its record cites
    assert basis["adjustment"] == "数据"  # each adjustment row's own basis


# -- the docs page of each rule shows its case ----------------------------------------


def test_rule_page_shows_its_case():
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "docs"))
    try:
        gen = importlib.import_module("gen_rules")
    finally:
        sys.path.remove(str(ROOT / "docs"))
    case = next(c for c in load_cases(DEFAULT_CASES) if c.rules == ("C4",))
    page = gen.family_page(
        "annual", load_rulebook("default"), __import__("datetime").date(2025, 1, 1)
    )
    block = page[page.index("{#C4}") : page.index("{#C5}")]
    assert f"**案例：{case.name}**（2024 年度）" in block
    lines = block.splitlines()
    start = lines.index("输入 事故隐患（`hazards`）：") + 2
    header = [c.strip(" `") for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)))
    assert [r["hazard_id"] for r in rows] == ["H1", "H2", "H3", "H4"]
    assert rows[3]["rectified_on"] == "2024-07-15" and rows[0]["rectified_on"] == ""
    expected = lines[lines.index("期望结果：") + 4 :]
    assert expected[0] == "| 扣分项 `C4` | 430902 | points | -2 |"
    assert expected[1] == "| regions | 430902 | score | 98 |"
