"""The rulebook: dated, cited parameters; overrides; errors that name file, line and key;
the fingerprint; and the rule that no scoring number lives in code."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.accidents import grade_accidents
from accountability.errors import RulebookError
from accountability.rulebook import DEFAULT_PATH, load_rulebook, rulebook
from accountability.rulebook.diff import diff_rulebooks
from accountability.rulebook.loader import _locate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hunan-city.toml"
HEAD = 'extends = "default"\n'


def write(directory: Path, text: str, name: str = "city.toml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def load_error(directory: Path, text: str) -> tuple[Path, str]:
    path = write(directory, text)
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    return path, str(info.value)


# -- the default rulebook -------------------------------------------------------


def test_default_loads_and_every_parameter_is_labelled_and_cited():
    rules = rulebook()
    assert len(rules.parameters) > 50
    for key, param in rules.parameters.items():
        assert param.basis.strip(), key
        assert param.label.strip(), key
        assert param.source and param.source.startswith(str(DEFAULT_PATH)), key
    assert re.fullmatch(r"[0-9a-f]{64}", rules.fingerprint)
    assert rules.sources == (str(DEFAULT_PATH.resolve()),)


def test_default_holds_the_numbers_of_the_rubric():
    r = rulebook().for_year(2024)
    assert r["annual.section_weights"] == {"A": 40.0, "B": 20.0, "C": 15.0, "D": 15.0, "E": 10.0}
    assert [b["min"] for b in r["annual.grade_bands"]] == [90.0, 80.0, 60.0, 0.0]
    assert r["annual.b2_coverage_target"] == 0.3
    assert r["annual.veto_city"] == {
        "grade_counts": {"特别重大": 1, "重大": 2},
        "concealed": 1,
        "reporting": [],
        "exempt_without_local_responsibility": False,
    }
    assert r["four_musts.repeat_windows"] == [{"days": 180, "fines": 3}, {"days": 365, "fines": 4}]
    assert [b["deaths"] for b in r["accident_grading.bands"]] == [30, 10, 3]
    assert r.basis("accident_grading.bands") == "国务院令第493号第三条"


def test_the_word_default_loads_the_builtin_rulebook():
    assert load_rulebook("default").fingerprint == rulebook().fingerprint


# -- errors name file, line and key --------------------------------------------

# (case, rule file, key in the message, text on the line the message must name)
ERRORS = [
    (
        "toml syntax",
        HEAD + '[annual.b2_coverage_target]\nvalue = = 0.4\nbasis = "x"\n',
        "annual.b2_coverage_target",
        "value = = 0.4",
    ),
    (
        "unknown key",
        HEAD + '[annual.b2_coverage_targt]\nvalue = 0.4\nbasis = "x"\n',
        "annual.b2_coverage_targt",
        "[annual.b2_coverage_targt]",
    ),
    (
        "unknown field",
        HEAD + '[annual.b2_coverage_target]\nvalue = 0.4\nbasis = "x"\nunits = "比例"\n',
        "annual.b2_coverage_target",
        "units =",
    ),
    (
        "wrong type",
        HEAD + '[annual.b2_coverage_target]\nbasis = "x"\nvalue = "0.4"\n',
        "annual.b2_coverage_target",
        'value = "0.4"',
    ),
    (
        "wrong unit",
        HEAD + '[annual.b2_coverage_target]\nvalue = 0.4\nunit = "%"\nbasis = "x"\n',
        "annual.b2_coverage_target",
        'unit = "%"',
    ),
    (
        "unit where none",
        HEAD + '[annual.veto_effect]\nvalue = "zero"\nunit = "分"\nbasis = "x"\n',
        "annual.veto_effect",
        'unit = "分"',
    ),
    (
        "record loses a field",
        HEAD + '[four_musts.repeat_windows]\nbasis = "x"\nvalue = [{ days = 180 }]\n',
        "four_musts.repeat_windows",
        "value = [",
    ),
    (
        "band entry misspells min",
        HEAD + '[annual.grade_bands]\nbasis = "x"\nvalue = [\n'
        '  { grade = "优秀", min = 90 },\n  { grade = "良好", mn = 80 },\n'
        '  { grade = "合格", min = 60 },\n  { grade = "不合格", min = 0 },\n]\n',
        "annual.grade_bands",
        "mn = 80",
    ),
    (
        "count not whole",
        HEAD + '[four_musts.repeat_windows]\nbasis = "x"\nvalue = [{ days = 180, fines = 2.5 }]\n',
        "four_musts.repeat_windows",
        "fines = 2.5",
    ),
    (
        "negative value",
        HEAD + '[annual.a1_points_per_death]\nbasis = "x"\nvalue = -2\n',
        "annual.a1_points_per_death",
        "value = -2",
    ),
    (
        "negative weight",
        HEAD + '[annual.section_weights]\nbasis = "x"\n'
        "value = { A = 60, B = -10, C = 20, D = 20, E = 10 }\n",
        "annual.section_weights",
        "value =",
    ),
    (
        "weights not 100",
        HEAD + '[annual.section_weights]\nbasis = "x"\n'
        "value = { A = 40, B = 20, C = 15, D = 15, E = 5 }\n",
        "annual.section_weights",
        "value =",
    ),
    (
        "unordered grade bands",
        HEAD + '[annual.grade_bands]\nbasis = "x"\nvalue = [\n'
        '  { grade = "优秀", min = 90 },\n  { grade = "良好", min = 95 },\n'
        '  { grade = "合格", min = 60 },\n  { grade = "不合格", min = 0 },\n]\n',
        "annual.grade_bands",
        "min = 95",
    ),
    (
        "unordered risk classes",
        HEAD + '[enterprise.risk_classes]\nbasis = "x"\nvalue = [\n'
        '  { class = "A", min = 90 },\n  { class = "B", min = 60 },\n'
        '  { class = "C", min = 75 },\n  { class = "D", min = 0 },\n]\n',
        "enterprise.risk_classes",
        "min = 75",
    ),
    (
        "unordered accident bands",
        HEAD + '[accident_grading.bands]\nbasis = "x"\nvalue = [\n'
        '  { grade = "特别重大", deaths = 30, serious_injuries'
        " = 100, direct_loss_10k_yuan = 10000 },\n"
        '  { grade = "重大", deaths = 10, serious_injuries = 50, direct_loss_10k_yuan = 5000 },\n'
        '  { grade = "较大", deaths = 12, serious_injuries'
        " = 10, direct_loss_10k_yuan = 1000 },\n]\n",
        "accident_grading.bands",
        "deaths = 12",
    ),
    (
        "same from twice",
        HEAD + '[annual.a1_points_per_death]\nbasis = "x"\nvalues = [\n'
        "  { from = 2024-01-01, value = 2.0 },\n  { from = 2024-01-01, value = 3.0 },\n]\n",
        "annual.a1_points_per_death",
        "value = 3.0",
    ),
    (
        "basis missing",
        HEAD + "[annual.a1_points_per_death]\nvalue = 3.0\n",
        "annual.a1_points_per_death",
        "[annual.a1_points_per_death]",
    ),
    (
        "basis empty",
        HEAD + '[annual.a1_points_per_death]\nvalue = 3.0\nbasis = "  "\n',
        "annual.a1_points_per_death",
        'basis = "  "',
    ),
    (
        "unknown accident grade",
        HEAD + '[annual.veto_county]\nbasis = "x"\n'
        'value = { grade_counts = { "重 大" = 1 }, concealed = 1 }\n',
        "annual.veto_county",
        "value =",
    ),
    (
        "grade cap not a band",
        HEAD + '[annual.grade_cap]\nbasis = "x"\nvalue = "良"\n',
        "annual.grade_cap",
        'value = "良"',
    ),
    (
        "veto effect",
        HEAD + '[annual.veto_effect]\nbasis = "x"\nvalue = "zeros"\n',
        "annual.veto_effect",
        'value = "zeros"',
    ),
    (
        "unknown sector",
        HEAD + '[sectors.road]\nbasis = "x"\nvalue = ["公路"]\n',
        "sectors.road",
        "value = [",
    ),
    (
        "not finite",
        HEAD + '[annual.a2_points_rise]\nbasis = "x"\nvalue = nan\n',
        "annual.a2_points_rise",
        "value = nan",
    ),
    ("top-level typo", 'extend = "default"\n', "extend", 'extend = "default"'),
    ("meta field", HEAD + '[meta]\nnmae = "市"\n', "meta.nmae", "nmae ="),
    (
        "dated values differ in type",
        HEAD + '[annual.a1_points_per_death]\nbasis = "x"\n'
        "values = [\n  { from = 2024-01-01, value = 2.0"
        ' },\n  { from = 2025-01-01, value = "3" },\n]\n',
        "annual.a1_points_per_death",
        'value = "3"',
    ),
    (
        "later dated value negative",
        HEAD + '[annual.a1_points_per_death]\nbasis = "x"\n'
        "values = [\n  { from = 2025-01-01, value = -1.0"
        " },\n  { from = 2024-01-01, value = 2.0 },\n]\n",
        "annual.a1_points_per_death",
        "value = -1.0",
    ),
    ("extends a missing file", 'extends = "province.toml"\n', "extends", "extends ="),
]


@pytest.mark.parametrize(("case", "text", "key", "needle"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_names_file_line_and_key(tmp_path, case, text, key, needle):
    path, message = load_error(tmp_path, text)
    assert f"{path}:{line_of(text, needle)}:" in message, message
    assert key in message, message
    assert "Traceback" not in message


def test_unknown_key_and_field_suggest_the_right_one(tmp_path):
    _, message = load_error(
        tmp_path, HEAD + '[annual.b2_coverage_targt]\nvalue = 0.4\nbasis = "x"\n'
    )
    assert "annual.b2_coverage_target" in message.split("did you mean")[1]
    _, message = load_error(
        tmp_path,
        HEAD + '[annual.veto_city]\nbasis = "x"\n'
        "value = { grade_counts = {}, concealed = 1, conceald = 1 }\n",
    )
    assert "did you mean concealed" in message


def test_circular_extends_is_an_error_naming_the_extends_line(tmp_path):
    a = write(tmp_path, '# a\nextends = "b.toml"\n', "a.toml")
    b = write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(RulebookError) as info:
        load_rulebook(a)
    message = str(info.value)
    assert f"{b}:1: extends:" in message and "循环" in message


def test_self_extends_is_a_cycle(tmp_path):
    _, message = load_error(tmp_path, 'extends = "city.toml"\n')
    assert "extends" in message and "循环" in message


def test_a_missing_rule_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(RulebookError, match="找不到规则文件"):
        load_rulebook(tmp_path / "none.toml")


def test_a_standalone_file_with_a_malformed_value_is_an_error(tmp_path):
    text = '[annual.grade_bands]\nbasis = "x"\nvalue = [{ grade = "优秀" }]\n'
    path, message = load_error(tmp_path, text)
    assert f"{path}:3:" in message and "annual.grade_bands" in message


# -- where a key is written: every form TOML allows ----------------------------


def test_locate_finds_headers_fields_and_dotted_keys():
    text = (
        'extends = "default"\n'  # 1
        "enterprise.base.value = 100.0\n"  # 2: dotted at top level
        "[annual]\n"  # 3
        "b2_coverage_target.value = 0.35  # comment\n"  # 4: dotted under [annual]
        "b2_coverage_target.basis = 'x'\n"  # 5
        "[annual.grade_bands]\n"  # 6
        'basis = "x"\n'  # 7
        "value = [\n"  # 8
        '  { grade = "优秀", min = 90.0 },\n'  # 9
        '  { grade = "不合格", min = 0.0 },\n'  # 10
        "]\n"  # 11
        "[ annual . veto_city ]\n"  # 12: spaces in a header
        'value = { grade_counts = { "重大" = 2 }, concealed = 1 }\n'  # 13
    )
    assert tomllib.loads(text)["annual"]["veto_city"]["value"]["concealed"] == 1  # valid TOML
    assert _locate(text, "enterprise.base.value") == 2
    assert _locate(text, "enterprise.base") == 2
    assert _locate(text, "annual.b2_coverage_target") == 4
    assert _locate(text, "annual.b2_coverage_target.basis") == 5
    assert _locate(text, "annual.grade_bands") == 6
    assert _locate(text, "annual.grade_bands.value") == 8
    assert _locate(text, "annual.grade_bands.value.1.min") == 10
    assert _locate(text, "annual.veto_city") == 12
    assert _locate(text, "annual.veto_city.value.grade_counts.重大") == 13
    assert _locate(text, "annual.nothing") == 3  # the nearest written parent


@pytest.mark.parametrize(
    "text",
    [
        HEAD + '[annual]\nb2_coverage_target.basis = "x"\nb2_coverage_target.value = "high"\n',
        HEAD + 'annual.b2_coverage_target.basis = "x"\nannual.b2_coverage_target.value = "high"\n',
        HEAD + '[annual.b2_coverage_target]\nbasis = "x"\nvalue = "high"\n',
    ],
    ids=["dotted under [annual]", "dotted at top level", "table header"],
)
def test_errors_point_at_the_value_line_in_every_form(tmp_path, text):
    path, message = load_error(tmp_path, text)
    assert f"{path}:{line_of(text, 'high')}: annual.b2_coverage_target:" in message


# -- overrides ------------------------------------------------------------------


def test_override_replaces_the_whole_parameter_and_keeps_label_and_unit(tmp_path):
    text = HEAD + (
        '[annual.grade_bands]\nbasis = "市细则"\nvalue = [\n'
        '  { grade = "优秀", min = 85 },\n  { grade = "良好", min = 70 },\n'
        '  { grade = "不合格", min = 0 },\n]\n'
    )
    rules = load_rulebook(write(tmp_path, text))
    param = rules["annual.grade_bands"]
    assert param.values[0].value == [
        {"grade": "优秀", "min": 85.0},
        {"grade": "良好", "min": 70.0},
        {"grade": "不合格", "min": 0.0},
    ]
    assert param.basis == "市细则"
    assert param.label == rulebook()["annual.grade_bands"].label
    assert param.unit == "分"
    assert param.source == f"{tmp_path / 'city.toml'}:2"
    assert rules["annual.base"] == rulebook()["annual.base"]  # the rest is the parent's


def test_numbers_take_the_parents_kind(tmp_path):
    rules = load_rulebook(
        write(tmp_path, HEAD + '[annual.a1_points_per_death]\nvalue = 3\nbasis = "x"\n')
    )
    value = rules.for_year(2024)["annual.a1_points_per_death"]
    assert value == 3.0 and isinstance(value, float)
    rules = load_rulebook(
        write(tmp_path, HEAD + '[dual_duty.summons_fatal_accidents]\nvalue = 4.0\nbasis = "x"\n')
    )
    value = rules.for_year(2024)["dual_duty.summons_fatal_accidents"]
    assert value == 4 and isinstance(value, int)


def test_free_keyed_tables_may_change_their_keys(tmp_path):
    text = HEAD + (
        '[annual.veto_city]\nbasis = "x"\nvalue = { grade_counts'
        ' = { "重大" = 1 }, concealed = 1 }\n'
        '[sectors.departments]\nbasis = "x"\nvalue ='
        ' { "应急管理局" = ["煤矿"], "交通运输局" = ["道路交通"] }\n'
    )
    r = load_rulebook(write(tmp_path, text)).for_year(2024)
    assert r["annual.veto_city"]["grade_counts"] == {"重大": 1}
    assert r["sectors.departments"] == {"应急管理局": ["煤矿"], "交通运输局": ["道路交通"]}


def test_extends_chains_by_relative_path(tmp_path):
    write(
        tmp_path,
        HEAD + '[annual.b2_coverage_target]\nvalue = 0.4\nbasis = "省细则"\n'
        '[annual.e1_target_share]\nvalue = 0.9\nbasis = "省细则"\n',
        "province/hunan.toml",
    )
    city = write(
        tmp_path,
        'extends = "../province/hunan.toml"\n'
        '[annual.b2_coverage_target]\nvalue = 0.35\nbasis = "市细则"\n',
        "city/yiyang.toml",
    )
    # the province's file lies outside the city's folder: the caller allows it
    rules = load_rulebook(city, allow=(tmp_path / "province",))
    r = rules.for_year(2024)
    assert (
        r["annual.b2_coverage_target"] == 0.35 and r.basis("annual.b2_coverage_target") == "市细则"
    )
    assert r["annual.e1_target_share"] == 0.9 and r.basis("annual.e1_target_share") == "省细则"
    assert r["annual.c1_points"] == 7.0
    assert [Path(s).name for s in rules.sources] == ["default.toml", "hunan.toml", "yiyang.toml"]
    assert rules.name == "yiyang"  # its own meta name or file name, never the parent's


# -- dates ----------------------------------------------------------------------


def test_the_example_uses_the_value_in_force_on_31_december():
    rules = load_rulebook(EXAMPLE)
    key = "annual.a1_points_per_death"
    assert rules.for_year(2024)[key] == 2.0
    assert rules.for_year(2025)[key] == 3.0
    assert rules.at("2024-01-01")[key] == 2.0  # the first day of the first value
    assert rules.at("2024-12-31")[key] == 2.0  # the day before the boundary
    assert rules.at("2025-01-01")[key] == 3.0  # the boundary itself
    assert rules.at(dt.date(2030, 6, 1))[key] == 3.0
    with pytest.raises(RulebookError, match=key):
        rules.at("2023-12-31")[key]  # before the first `from`
    with pytest.raises(RulebookError, match=key):
        rules.for_year(2023)[key]
    assert rules.for_year(2023)["annual.b2_coverage_target"] == 0.35  # undated: always


@settings(max_examples=25, deadline=None)
@given(
    starts=st.lists(
        st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), min_size=1, max_size=5, unique=True
    ),
    day=st.dates(dt.date(1999, 1, 1), dt.date(2041, 1, 1)),
)
def test_at_picks_the_last_value_started_on_or_before_the_day(tmp_path_factory, starts, day):
    entries = ",\n".join(
        f"  {{ from = {s.isoformat()}, value = {i}.0 }}" for i, s in enumerate(starts)
    )
    path = write(
        tmp_path_factory.mktemp("dated"),
        HEAD + f'[annual.a1_points_per_death]\nbasis = "x"\nvalues = [\n{entries}\n]\n',
    )
    rules = load_rulebook(path)
    started = [(s, i) for i, s in enumerate(starts) if s <= day]
    if not started:
        with pytest.raises(RulebookError):
            rules.at(day)["annual.a1_points_per_death"]
    else:
        assert rules.at(day)["annual.a1_points_per_death"] == float(max(started)[1])
    for s in starts:  # both sides of every boundary
        assert rules.at(s)["annual.a1_points_per_death"] == float(starts.index(s))
        before = s - dt.timedelta(days=1)
        earlier = [(t, i) for i, t in enumerate(starts) if t <= before]
        if earlier:
            assert rules.at(before)["annual.a1_points_per_death"] == float(max(earlier)[1])


# -- the fingerprint -----------------------------------------------------------

NUMBER_KEYS = sorted(  # the values drawn run up to 10: shares (比例) stay within [0, 1]
    k
    for k, p in rulebook().parameters.items()
    if isinstance(p.values[0].value, float) and p.unit != "比例"
)


def render(
    params: dict[str, float],
    order: list[int],
    style: str,
    blank: str,
    comment: bool,
    whole_as_int: bool,
) -> str:
    """One rule file, written in one of the forms TOML allows for the same data."""
    keys = [sorted(params)[i] for i in order]

    def number(x: float) -> str:
        return str(int(x)) if whole_as_int and x.is_integer() else repr(x)

    out = ["# a city" if comment else "", HEAD.strip(), blank]
    if style == "tables":
        for k in keys:
            fields = [f"value = {number(params[k])}", f'basis = "细则 {k}"']
            if len(k) % 2:  # field order varies too
                fields.reverse()
            out += [f"[{k}]", *fields, blank]
    elif style == "inline":
        for k in keys:
            out.append(f'{k} = {{ basis = "细则 {k}", value = {number(params[k])} }}')
    else:  # dotted keys at top level
        for k in keys:
            out += [
                f"{k}.value = {number(params[k])}" + ("  # why" if comment else ""),
                f'{k}.basis = "细则 {k}"',
            ]
    return "\n".join(out) + "\n"


files = st.dictionaries(
    st.sampled_from(NUMBER_KEYS),
    st.integers(1, 40).map(lambda n: n / 4),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25, deadline=None)
@given(params=files, data=st.data())
def test_fingerprint_ignores_formatting_and_key_order(tmp_path_factory, params, data):
    directory = tmp_path_factory.mktemp("fp")
    variants = []
    for name in ("a.toml", "b.toml"):
        order = data.draw(st.permutations(range(len(params))))
        style = data.draw(st.sampled_from(["tables", "inline", "dotted"]))
        blank = data.draw(st.sampled_from(["", "   ", "\n"]))
        text = render(
            params, list(order), style, blank, data.draw(st.booleans()), data.draw(st.booleans())
        )
        variants.append(load_rulebook(write(directory, text, name)).fingerprint)
    assert variants[0] == variants[1]


@settings(max_examples=25, deadline=None)
@given(params=files, data=st.data())
def test_fingerprint_changes_when_any_value_or_basis_changes(tmp_path_factory, params, data):
    directory = tmp_path_factory.mktemp("fp")
    order = list(range(len(params)))
    text = render(params, order, "tables", "", False, False)
    base = load_rulebook(write(directory, text)).fingerprint
    key = data.draw(st.sampled_from(sorted(params)))
    changed = {**params, key: params[key] + 0.25}
    text = render(changed, order, "tables", "", False, False)
    assert load_rulebook(write(directory, text, "v.toml")).fingerprint != base
    text = render(params, order, "tables", "", False, False).replace(
        f"细则 {key}", f"细则 {key} 修订"
    )
    assert load_rulebook(write(directory, text, "b.toml")).fingerprint != base


def test_fingerprint_covers_units_and_dates_but_not_labels(tmp_path):
    text = (
        '[s.p]\nlabel = "甲"\nunit = "分"\nbasis = "x"\nvalues'
        " = [{ from = 2024-01-01, value = 1 }]\n"
    )
    base = load_rulebook(write(tmp_path, text)).fingerprint
    assert load_rulebook(write(tmp_path, text.replace("甲", "乙"), "l.toml")).fingerprint == base
    assert (
        load_rulebook(write(tmp_path, text.replace('"分"', '"起"'), "u.toml")).fingerprint != base
    )
    assert (
        load_rulebook(
            write(tmp_path, text.replace("2024-01-01", "2024-01-02"), "d.toml")
        ).fingerprint
        != base
    )
    assert (
        load_rulebook(
            write(tmp_path, text.replace("value = 1", "value = 1.0"), "f.toml")
        ).fingerprint
        == base
    )


def test_an_override_that_restates_the_default_keeps_the_fingerprint(tmp_path):
    default = rulebook()["annual.a1_points_per_death"]
    text = HEAD + f'[annual.a1_points_per_death]\nvalue = 2\nbasis = "{default.basis}"\n'
    assert load_rulebook(write(tmp_path, text)).fingerprint == rulebook().fingerprint


# -- no scoring number in code ------------------------------------------------


def test_accident_grades_come_from_the_rulebook(tmp_path):
    """较大 starts at 3 deaths in the default; a rulebook that says 4 grades 3 deaths 一般."""
    text = HEAD + (
        '[accident_grading.bands]\nbasis = "国务院令第493号第三条"\nvalue = [\n'
        '  { grade = "特别重大", deaths = 30, serious_injuries'
        " = 100, direct_loss_10k_yuan = 10000 },\n"
        '  { grade = "重大", deaths = 10, serious_injuries = 50, direct_loss_10k_yuan = 5000 },\n'
        '  { grade = "较大", deaths = 3, serious_injuries = 10, direct_loss_10k_yuan = 1000 },\n]\n'
    )
    moved = text.replace("deaths = 3,", "deaths = 4,")
    frame = pl.DataFrame(
        {
            "occurred_on": [dt.date(2024, 5, 1)] * 2,
            "deaths": [3, 4],
            "missing": [0, 0],
            "serious_injuries": [0, 0],
            "direct_loss_10k_yuan": [0.0, 0.0],
        }
    )
    same = load_rulebook(write(tmp_path, text, "same.toml"))
    assert same.fingerprint == rulebook().fingerprint  # the default restated
    assert grade_accidents(frame, same)["grade"].to_list() == ["较大", "较大"]
    custom = load_rulebook(write(tmp_path, moved, "moved.toml"))
    assert custom.fingerprint != rulebook().fingerprint
    assert grade_accidents(frame, custom)["grade"].to_list() == ["一般", "较大"]
    assert grade_accidents(frame, custom.for_year(2024))["grade"].to_list() == ["一般", "较大"]


# -- diff -----------------------------------------------------------------------


def test_diff_of_the_example_against_the_default():
    changes = diff_rulebooks(rulebook(), load_rulebook(EXAMPLE))
    assert [c.key for c in changes] == [
        "annual.a1_points_per_death",
        "annual.b2_coverage_target",
        "annual.e1_target_share",
        "annual.veto_effect",
    ]
    assert {c.kind for c in changes} == {"changed"}
    # E1's target keeps the default's value; the city gives it its own basis
    fields = {c.key: set(c.fields) for c in changes}
    assert "values" not in fields.pop("annual.e1_target_share")
    assert all({"values", "basis"} <= f for f in fields.values())
    assert diff_rulebooks(load_rulebook(EXAMPLE), load_rulebook(EXAMPLE)) == []


def test_diff_reports_added_and_removed(tmp_path):
    a = load_rulebook(
        write(tmp_path, '[s.p]\nbasis = "x"\nvalue = 1\n[s.q]\nbasis = "x"\nvalue = 1\n', "a.toml")
    )
    b = load_rulebook(
        write(
            tmp_path, '[s.p]\nbasis = "y"\nvalue = 1.0\n[s.r]\nbasis = "x"\nvalue = 1\n', "b.toml"
        )
    )
    kinds = {c.key: (c.kind, c.fields) for c in diff_rulebooks(a, b)}
    assert kinds == {
        "s.p": ("changed", ("basis",)),
        "s.q": ("removed", ("values", "unit", "basis")),
        "s.r": ("added", ("values", "unit", "basis")),
    }


# -- the published rubric is the one the code runs -----------------------------


def _gen_module():
    # As mkdocs loads a hook: its folder on sys.path while it runs, for its siblings.
    spec = importlib.util.spec_from_file_location("gen_rulebook", ROOT / "docs" / "gen_rulebook.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "docs"))
    return module


def test_docs_pages_list_every_parameter_with_its_basis():
    pages = _gen_module().pages()
    text = "\n".join(pages.values())
    for key, param in rulebook().parameters.items():
        page = pages[f"rulebook/{param.section}.md"]
        assert f"`{key}`" in page
        assert param.basis.replace("_", "\\_") in page, key
    assert rulebook().fingerprint in text
