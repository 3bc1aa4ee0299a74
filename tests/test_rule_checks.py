"""Rule files checked by units: every parameter has a spec (unit, role, range), and a
rule file's every problem is reported in one run, each with its file, line, key and
a suggested fix."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import console, err_console
from accountability.errors import RulebookError
from accountability.rulebook import DEFAULT_PATH, load_rulebook, rulebook
from accountability.rulebook.checks import check_rulebook, rulebook_problems
from accountability.rulebook.model import DatedValue, Parameter, Rulebook
from accountability.rules.parameters import (
    PARAMETERS,
    ROLES,
    UNITS,
    WRITTEN_UNITS,
    param_spec,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hunan-city.toml"
HEAD = 'extends = "default"\n'


def write(directory: Path, text: str, name: str = "city.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def problems(directory: Path, text: str) -> tuple[Path, tuple[str, ...]]:
    path = write(directory, text)
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    assert str(info.value) == "\n".join(info.value.problems)
    return path, info.value.problems


# A city's file with six different mistakes.
SIX_MISTAKES = HEAD + (
    "\n"
    "# B2: the city meant 35%\n"
    "[annual.b2_coverage_target]\n"
    "value = 35\n"
    'basis = "市执法检查计划"\n'
    "\n"
    "[annual.c4_points_per_hazrd]\n"
    "value = 1.5\n"
    'basis = "市细则"\n'
    "\n"
    "[annual.a1_points_per_death]\n"
    "value = -3.0\n"
    'basis = "市细则"\n'
    "\n"
    "[annual.grade_bands]\n"
    'basis = "市细则"\n'
    "value = [\n"
    '  { grade = "优秀", min = 90.0 },\n'
    '  { grade = "良好", min = 95.0 },\n'
    '  { grade = "合格", min = 60.0 },\n'
    '  { grade = "不合格", min = 0.0 },\n'
    "]\n"
    "\n"
    "[annual.c1_points]\n"
    "value = 8.0\n"
    "\n"
    "[dual_duty.summons_fatal_accidents]\n"
    "value = 2.5\n"
    'basis = "市细则"\n'
)

# (key, text on the line named, text in the message): one per mistake, in file order.
EXPECTED = [
    ("annual.b2_coverage_target", "value = 35", "是否应为 0.35？(did you mean 0.35?)"),
    ("annual.c4_points_per_hazrd", "[annual.c4_points_per_hazrd]", "annual.c4_points_per_hazard"),
    ("annual.a1_points_per_death", "value = -3.0", "取值不能为负"),
    ("annual.grade_bands", "min = 95.0", "分数线须从高到低严格排列"),
    ("annual.c1_points", "[annual.c1_points]", "缺少依据 basis"),
    ("dual_duty.summons_fatal_accidents", "value = 2.5", "是否应为 2 或 3？"),
]


def test_every_mistake_of_a_file_is_reported_in_one_run(tmp_path):
    path, found = problems(tmp_path, SIX_MISTAKES)
    assert len(found) == len(EXPECTED), "\n".join(found)
    for problem, (key, needle, text) in zip(found, EXPECTED, strict=True):
        assert problem.startswith(f"{path}:{line_of(SIX_MISTAKES, needle)}: {key}: "), problem
        assert text in problem, problem


def test_rules_check_prints_every_problem_and_their_count(tmp_path, monkeypatch):
    monkeypatch.setattr(console, "width", 80)  # one problem a line, however narrow
    monkeypatch.setattr(err_console, "width", 80)
    path = write(tmp_path, SIX_MISTAKES)
    result = CliRunner().invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for key, needle, text in EXPECTED:
        head = f"{path}:{line_of(SIX_MISTAKES, needle)}: {key}: "
        assert any(line.startswith(head) and text in line for line in lines), result.output
    assert lines[-1] == "共 6 处问题 (6 problems)"
    assert "Traceback" not in result.output


def test_rules_check_counts_a_single_error_too(tmp_path):
    path = write(tmp_path, HEAD + "[annual.base\n")
    result = CliRunner().invoke(app, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:" in result.output
    assert result.output.splitlines()[-1] == "共 1 处问题 (1 problem)"


# -- the rulebooks we ship are sound -------------------------------------------


def test_the_default_rulebook_and_the_example_have_no_problems():
    assert rulebook_problems(rulebook()) == []
    assert rulebook_problems(load_rulebook(EXAMPLE)) == []


# -- every parameter has a spec --------------------------------------------------


def test_every_parameter_of_the_default_has_a_spec_and_every_spec_a_parameter():
    data = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    keys = {f"{s}.{n}" for s, body in data.items() if s != "meta" for n in body}
    assert keys == set(PARAMETERS)
    for key, spec in PARAMETERS.items():
        assert param_spec(key) is spec and spec.key == key
        assert spec.unit in UNITS and spec.role in ROLES


def test_a_unit_written_in_the_default_is_its_specs_unit():
    for key, param in rulebook().parameters.items():
        spec = PARAMETERS[key]
        if spec.unit in WRITTEN_UNITS:
            assert param.unit == spec.unit, key


# -- one example per check ------------------------------------------------------

# (case, the override, key, text in the message)
CHECKS = [
    # 比例: a share lies in [0, 1]; a target is more than 0
    ("share above 1", "[annual.e1_target_share]\nvalue = 80", "annual.e1_target_share", "0.8？"),
    (
        "target of 0",
        "[annual.b2_coverage_target]\nvalue = 0",
        "annual.b2_coverage_target",
        "大于 0",
    ),
    # 分: points are not negative; a base is more than 0
    ("annual base 0", "[annual.base]\nvalue = 0", "annual.base", "取值须大于 0"),
    ("enterprise base 0", "[enterprise.base]\nvalue = 0", "enterprise.base", "取值须大于 0"),
    ("negative points", "[enterprise.no_license]\nvalue = -60", "no_license", "是否应为 60？"),
    # 倍: a ratio is more than 0
    ("ratio of 0", "[dual_duty.sector_rise_ratio]\nvalue = 0", "sector_rise_ratio", "大于 0"),
    # 起 / 人: whole counts
    ("count of 2.5", "[enterprise.dishonest_larger_count]\nvalue = 2.5", "larger_count", "整数"),
    ("deaths of 4.5", "[dual_duty.sector_rise_min_deaths]\nvalue = 4.5", "min_deaths", "整数"),
    # 月 / 天: at least 1
    ("window of 0 months", "[enterprise.dishonest_window_months]\nvalue = 0", "months", "至少为 1"),
    (
        "window of 0 days",
        "[four_musts.repeat_windows]\nvalue = [{ days = 0, fines = 3 }]",
        "four_musts.repeat_windows",
        "days 须至少为 1",
    ),
    (
        "two windows of the same days",
        "[four_musts.repeat_windows]\n"
        "value = [{ days = 180, fines = 3 }, { days = 180, fines = 4 }]",
        "four_musts.repeat_windows",
        "窗口天数重复",
    ),
    # 分: weights of the sections A–E sum to 100
    (
        "weights of 95",
        "[annual.section_weights]\nvalue = { A = 40, B = 20, C = 15, D = 15, E = 5 }",
        "annual.section_weights",
        "差 5 分",
    ),
    # 分数线: strictly falling, the lowest at 0, names distinct
    (
        "lowest band above 0",
        "[enterprise.risk_classes]\nvalue = [\n"
        '  { class = "A", min = 90 }, { class = "B", min = 75 },\n'
        '  { class = "C", min = 60 }, { class = "D", min = 10 },\n]',
        "enterprise.risk_classes",
        "最低一档的分数线须为 0",
    ),
    (
        "two bands of one name",
        "[annual.grade_bands]\nvalue = [\n"
        '  { grade = "优秀", min = 90 }, { grade = "良好", min = 80 },\n'
        '  { grade = "良好", min = 60 }, { grade = "不合格", min = 0 },\n]',
        "annual.grade_bands",
        "等次名称重复",
    ),
    # 表: accident grades 特别重大, 重大, 较大 in that order
    (
        "accident grades swapped",
        "[accident_grading.bands]\nvalue = [\n"
        '{ grade = "重大", deaths = 30, serious_injuries = 100, direct_loss_10k_yuan = 1e4 },\n'
        '{ grade = "特别重大", deaths = 10, serious_injuries = 50, direct_loss_10k_yuan = 5e3 },\n'
        '{ grade = "较大", deaths = 3, serious_injuries = 10, direct_loss_10k_yuan = 1e3 },\n]',
        "accident_grading.bands",
        "事故等级须依次为",
    ),
    # 等级 / 标准化等级 / 行业领域 / 职务 / 履职事项: known names
    ("unknown grade", '[annual.a4_min_grade]\nvalue = "较 大"', "a4_min_grade", "是否应为 较大？"),
    ("unknown level", '[annual.e1_min_level]\nvalue = "四级"', "e1_min_level", "未知标准化等级"),
    (
        "unknown sector of a department",
        '[sectors.departments]\nvalue = { "应急管理局" = ["煤炭"] }',
        "sectors.departments",
        "未知行业领域",
    ),
    (
        "unknown role",
        '[dual_duty.duty_requirements]\nvalue = { "党委负责人" = { "研究部署" = 4 } }',
        "dual_duty.duty_requirements",
        "未知职务类别",
    ),
    (
        "unknown activity",
        '[dual_duty.duty_requirements]\nvalue = { "分管负责人" = { "检查" = 4 } }',
        "dual_duty.duty_requirements",
        "未知履职事项",
    ),
    # duties by region level (《地方党政领导干部安全生产责任制规定》第二章)
    (
        "unknown level of a duty",
        '[dual_duty.duty_requirements]\nvalue = { "分管负责人" = { "区" = { "研究部署" = 4 } } }',
        "dual_duty.duty_requirements",
        "未知地区层级",
    ),
    (
        "unknown activity at a level",
        '[dual_duty.duty_requirements]\nvalue = { "分管负责人" = { "县" = { "检查" = 4 } } }',
        "dual_duty.duty_requirements",
        "未知履职事项",
    ),
    (
        "duty shapes mixed within a role",
        "[dual_duty.duty_requirements]\n"
        'value = { "分管负责人" = { "研究部署" = 2, "县" = { "研究部署" = 4 } } }',
        "dual_duty.duty_requirements",
        "不能混写",
    ),
    (
        "unknown level of a bonus",
        '[enterprise.standardization_bonus]\nvalue = { "特级" = 10.0 }',
        "enterprise.standardization_bonus",
        "未知标准化等级",
    ),
    # across parameters: names from the bands
    (
        "cap not a band",
        '[annual.grade_cap]\nvalue = "中等"',
        "annual.grade_cap",
        "不是 annual.grade",
    ),
    (
        "frequency of a class missing",
        "[enterprise.inspections_per_year]\nvalue = { A = 1, B = 2, C = 4 }",
        "enterprise.inspections_per_year",
        "须为 enterprise.risk_classes 的每一等级给出取值",
    ),
    (
        "dishonest class not a class",
        '[enterprise.dishonest_class]\nvalue = "E"',
        "enterprise.dishonest_class",
        "不是 enterprise.risk_classes 中的等级",
    ),
]


@pytest.mark.parametrize(("case", "override", "key", "text"), CHECKS, ids=[c[0] for c in CHECKS])
def test_each_check_names_its_line_key_and_fault(tmp_path, case, override, key, text):
    header, value = override.split("\n", 1)
    rule_file = f'{HEAD}{header}\nbasis = "市细则"\n{value}\n'
    path, found = problems(tmp_path, rule_file)
    assert len(found) == 1, "\n".join(found)
    assert f"{path}:" in found[0] and key in found[0] and text in found[0], found[0]


def test_duties_may_be_written_per_role_and_region_level(tmp_path):
    """`{ 职务类别 = { 层级 = { 履职事项 = 次数 } } }` loads beside the flat shape, for the
    roles of today and the two the 规定 adds."""
    text = HEAD + (
        "[dual_duty.duty_requirements]\n"
        'basis = "市细则"\n'
        "[dual_duty.duty_requirements.value]\n"
        '"党委主要负责人" = { "省" = { "研究部署" = 1 }, "市" = { "研究部署" = 4 }, '
        '"县" = { "研究部署" = 4 } }\n'
        '"部门负责人" = { "督导检查" = 12 }\n'
        '"政府分管安全生产的领导干部" = { "县" = { "督导检查" = 4 } }\n'
    )
    book = load_rulebook(write(tmp_path, text))
    value = book.for_year(2024)["dual_duty.duty_requirements"]
    assert value["党委主要负责人"]["省"] == {"研究部署": 1}
    assert value["部门负责人"] == {"督导检查": 12}
    assert value["政府分管安全生产的领导干部"] == {"县": {"督导检查": 4}}


def test_a_count_written_as_a_fraction_suggests_the_whole_numbers(tmp_path):
    """In a file of its own, a count is checked by its unit (起) and the fix is offered."""
    text = '[enterprise.dishonest_larger_count]\nvalue = 2.5\nbasis = "x"\n'
    path, found = problems(tmp_path, text)
    assert found == (
        f"{path}:2: enterprise.dishonest_larger_count: 起数须为整数，实为 2.5"
        " (a whole number expected)（建议：是否应为 2 或 3？(did you mean 2 or 3?)）",
    )


# -- empty files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "# 只有注释\n\n", '[meta]\nname = "市"\n'], ids=["empty", "comments", "meta only"]
)
def test_an_empty_rule_file_is_an_error(tmp_path, text):
    path, found = problems(tmp_path, text)
    assert found == (f"{path}: 规则文件为空 (empty rule file)",)


def test_a_file_that_only_extends_is_its_parent(tmp_path):
    assert load_rulebook(write(tmp_path, HEAD)).fingerprint == rulebook().fingerprint


# -- the loader collects every fault of a parameter table -----------------------------


def test_the_loader_reports_every_fault_not_the_first(tmp_path):
    text = HEAD + (
        "[annual.a1_points_per_death]\n"
        'basis = "市细则"\n'
        'units = "分/人"\n'  # unknown field
        "values = [\n"
        "  { from = 2024-01-01, value = 2.0 },\n"
        "  { from = 2024-01-01, value = 3.0 },\n"  # the same from twice
        "]\n"
        "[annual.b1_points]\n"
        "value = 14.0\n"  # no basis
        '[annual.veto_city]\nbasis = "x"\nvalue = { grade_counts = {}, concealed = 1, x = 1 }\n'
        "[meta]\n"
        'nmae = "市"\n'
    )
    path, found = problems(tmp_path, text)
    assert [p.split(": ")[0] for p in found] == [
        f"{path}:{line_of(text, needle)}"
        for needle in ("units =", "value = 3.0", "[annual.b1_points]", "x = 1", "nmae")
    ]


def test_problems_are_sorted_by_file_then_line(tmp_path):
    write(tmp_path, HEAD + '[annual.b2_points]\nvalue = -6.0\nbasis = "省"\n', "province.toml")
    city = write(
        tmp_path,
        'extends = "province.toml"\n[annual.c2_points]\nvalue = 4.0\n'
        '[annual.c1_points]\nvalue = -7.0\nbasis = "市"\n',
        "xcity.toml",
    )
    with pytest.raises(RulebookError) as info:
        load_rulebook(city)
    places = [p.split(": ")[0] for p in info.value.problems]
    assert places == [f"{tmp_path / 'province.toml'}:3", f"{city}:2", f"{city}:5"]


# -- check_rulebook on a rulebook built in code -----------------------------------


def param(key: str, value: object, basis: str = "x") -> Parameter:
    return Parameter(key=key, label="", basis=basis, values=(DatedValue(None, value),))


def test_check_rulebook_raises_once_with_every_problem():
    book = Rulebook(
        "in code",
        {
            "annual.base": param("annual.base", 0.0),
            "annual.e1_target_share": param("annual.e1_target_share", 80.0),
        },
    )
    with pytest.raises(RulebookError) as info:
        check_rulebook(book)
    assert len(info.value.problems) == 2
    assert str(info.value).splitlines() == list(info.value.problems)
    assert info.value.problems == tuple(rulebook_problems(book))


def test_a_parameter_without_a_spec_is_checked_for_basis_and_numbers_only():
    """A test-only registry may add parameters built in code: they must not crash."""
    book = Rulebook(
        "in code",
        {
            "custom.points": param("custom.points", {"a": -1, "b": [2, float("inf")]}, basis=""),
            "custom.word": param("custom.word", "anything"),
            "custom.share": param("custom.share", 35),
        },
    )
    assert [p.split(": ", 1)[1] for p in rulebook_problems(book)] == [
        "custom.points: 缺少依据 basis (basis missing)",
        "custom.points: 取值不能为负: value.a = -1 (negative value)",
        "custom.points: 取值须为有限数，实为 inf (not a finite number)",
    ]


def test_a_malformed_value_is_a_problem_not_a_crash():
    book = Rulebook("in code", {"annual.grade_bands": param("annual.grade_bands", [{"min": 0}])})
    (problem,) = rulebook_problems(book)
    assert "annual.grade_bands: 取值的形状不正确 (malformed value)" in problem


# -- loading stays linear in the size of the file ----------------------------------


def test_a_one_megabyte_rule_file_loads_in_well_under_seconds(tmp_path):
    entries = [f'[s.p{i}]\nunit = "分"\nbasis = "参考值"\nvalue = {i}.5\n' for i in range(22_000)]
    text = "".join(entries)
    assert len(text.encode()) > 900_000
    path = write(tmp_path, text, "big.toml")
    start = time.perf_counter()
    book = load_rulebook(path)
    assert len(book.parameters) == 22_000
    assert time.perf_counter() - start < 4.0  # a quadratic scan would take minutes
