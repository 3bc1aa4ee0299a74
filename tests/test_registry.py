"""The rule registry: one record per rule, everything else derived from the records.

A rule that counts something new is one record (and its parameter); the annual scorer,
the section caps, the order of the line items, `explain` and the reports take it up
with no other change.  Every decision (veto, yellow card, grade cap) is a line item,
and every output states it as the rule file does.  Every parameter a line item reads
is cited in its basis, an override's basis included.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from pathlib import Path

import attrs
import fastexcel
import polars as pl
import pytest
from builders import frame
from typer.testing import CliRunner

import accountability as acc
from accountability.cli import app
from accountability.report import markdown_report
from accountability.rulebook.model import DatedValue, Parameter
from accountability.rules.conditions import rectified_on_time
from accountability.rules.model import Context, Count, Rule
from accountability.rules.parameters import param_spec
from accountability.rules.registry import REGISTRY, rule_title
from accountability.scorers.annual import ITEM_ORDER, SECTION_TABLES, annual, section_c

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
CITY, Z, H = "430900", "430902", "430903"
REGIONS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
    {"region_code": H, "name": "赫山区", "parent_code": CITY, "level": "县"},
]


def hazard(hid: str, level: str, due: dt.date, done: dt.date | None = None) -> dict:
    return {"hazard_id": hid, "region_code": Z, "sector": "工矿商贸其他", "level": level,
            "found_on": D(2023, 6, 1), "due_on": due, "rectified_on": done}  # fmt: skip


# --- a rule added in one record -----------------------------------------------------------


def _general_overdue(ctx: Context) -> pl.Expr:
    """A 一般 hazard due by the period's end and not rectified by then."""
    level = pl.col("level").cast(pl.String) == "一般"
    open_at_end = pl.col("rectified_on").is_null() | (pl.col("rectified_on") > pl.lit(ctx.end))
    return level & ctx.by_end("due_on") & open_at_end


C9 = Rule(
    id="C9", scorer="annual", subject="region", section="C",
    label="到期未整改一般隐患",
    definition="整改期限在本年年底及以前、到年底仍未整改的一般隐患，每项扣分。",
    formula="c9_points_per_hazard × 项数",
    params=("annual.c9_points_per_hazard",),
    tables=("hazards",),
    compute=Count(table="hazards", when=_general_overdue, id_column="hazard_id",
                  points="annual.c9_points_per_hazard", what="到期未整改的一般隐患",
                  unit="项", none="无到期未整改的一般隐患，不扣分"),
)  # fmt: skip
TEST_REGISTRY = REGISTRY.with_rules(C9)


def with_c5_points(points: float) -> acc.Rulebook:
    book = acc.rulebook()
    param = Parameter(
        key="annual.c9_points_per_hazard", label="C9 每项到期未整改一般隐患扣分",
        basis="测试细则第五条", values=(DatedValue(None, points),), unit="分/项",
    )  # fmt: skip
    return attrs.evolve(book, parameters={**book.parameters, param.key: param})


def test_a_new_rule_is_one_record_placed_in_its_section():
    order = TEST_REGISTRY.order("annual")
    assert order[order.index("C9") + 1] == "C.cap"  # last in its section, before the cap
    assert [r.id for r in TEST_REGISTRY.section("C")][-1] == "C9"
    assert "C9" not in REGISTRY  # the default registry is untouched


def test_a_new_rule_counts_rolls_up_and_cites_its_basis():
    hz = frame("hazards", [
        hazard("G1", "一般", D(2024, 3, 1)),                    # never rectified: counts
        hazard("G2", "一般", D(2024, 3, 1), D(2025, 1, 2)),     # rectified after the year
        hazard("G3", "一般", D(2024, 3, 1), D(2024, 12, 31)),   # rectified in time: no
        hazard("G4", "一般", D(2025, 2, 1)),                    # due after the year: no
    ])  # fmt: skip
    items = section_c(hz, frame("regions", REGIONS), with_c5_points(0.5), 2024,
                      registry=TEST_REGISTRY).collect()  # fmt: skip
    c5 = items.filter(pl.col("rule_id") == "C9").sort("region_code")
    assert c5["points"].to_list() == [-1.0, -1.0, 0.0]  # the city includes its county
    z = c5.filter(pl.col("region_code") == Z).row(0, named=True)
    assert z["reason"] == "到期未整改的一般隐患 2 项，每项扣 0.5 分，扣 1 分"
    assert z["evidence"] == ["G1", "G2"] and z["basis"] == "测试细则第五条"
    assert rectified_on_time() is not None  # shared conditions stay importable


def test_a_new_rule_takes_part_in_the_cap_the_score_and_explain():
    hz = [hazard(f"G{i}", "一般", D(2024, 3, 1)) for i in range(40)]
    data = acc.Dataset(tables={"regions": frame("regions", REGIONS),
                               "hazards": frame("hazards", hz)}, as_of=D(2025, 3, 1))  # fmt: skip
    book = with_c5_points(0.5)
    result = annual(data, book, year=2024, registry=TEST_REGISTRY)
    z = result.line_items.filter(pl.col("subject_id") == Z)
    c5 = z.filter(pl.col("rule_id") == "C9").row(0, named=True)
    assert c5["points"] == -20.0
    # C1 deducts 7 (nothing on time) and C9 20: the C section's cap gives back 12
    assert z.filter(pl.col("rule_id") == "C.cap")["points"].item() == pytest.approx(12.0)
    score = result.regions.filter(pl.col("region_code") == Z)["score"].item()
    order = {rule: i for i, rule in enumerate(TEST_REGISTRY.order("annual"))}
    points = z.sort(pl.col("rule_id").replace_strict(order, return_dtype=pl.Int64), "reason")
    assert functools.reduce(operator.add, points["points"].to_list(), 100.0) == score
    assert rule_title("C9", TEST_REGISTRY) == "C9 到期未整改一般隐患"


# --- everything derives from the records --------------------------------------------------


def test_order_sections_and_tables_derive_from_the_records():
    assert REGISTRY.order("annual") == ITEM_ORDER
    assert SECTION_TABLES["B"] == ("cases", "inspections", "enterprises")
    assert SECTION_TABLES["D"] == ("officials", "duty_records")
    for rule in REGISTRY:
        assert rule.definition.endswith("。"), rule.id
        assert rule.label, rule.id


def test_every_parameter_a_record_reads_is_in_the_rulebook_with_a_unit():
    book = acc.rulebook()
    for rule in REGISTRY:
        for key in rule.params:
            assert key in book, (rule.id, key)
            assert param_spec(key) is not None, (rule.id, key)


def test_every_line_item_names_a_rule_of_the_registry(yiyang_2024):
    ids = yiyang_2024.line_items["rule_id"].unique().to_list()
    assert [rid for rid in ids if REGISTRY.find(rid) is None] == []


# --- a decision states the cap as the rule file says -------------------------------------

CAP_FILE = """extends = "default"

[annual.grade_cap]
value = "不合格"
basis = "某省考核办法（示例）：发生较大事故的地区定为不合格"
"""


LARGER_ACCIDENT = {"accident_id": "L1", "region_code": Z, "sector": "工矿商贸其他",
                   "occurred_on": D(2024, 5, 1), "deaths": 3}  # fmt: skip


@pytest.fixture
def capped(tmp_path: Path) -> tuple[acc.Assessment, Path, Path]:
    """资阳区 scores 96 with one 较大 accident, under a file that caps such a region
    at 不合格; the data also written as CSV files for the command line."""
    tables = {
        "regions": frame("regions", REGIONS),
        "accidents": frame("accidents", [LARGER_ACCIDENT]),
    }
    folder = tmp_path / "data"
    folder.mkdir()
    for name, table in tables.items():
        table.write_csv(folder / f"{name}.csv")
    rules = tmp_path / "province.toml"
    rules.write_text(CAP_FILE, encoding="utf-8")
    data = acc.load_dataset(folder, as_of="2025-03-01")
    return acc.assess(data, acc.load_rulebook(rules), year=2024), folder, rules


def test_a_grade_cap_from_a_province_file_reaches_every_output(capped, tmp_path: Path):
    result, folder, rules = capped
    said = "等次上限：发生较大及以上事故 1 起（L1），等次由优秀限为不合格"
    z = result.regions.filter(pl.col("region_code") == Z).row(0, named=True)
    assert z["grade"] == "不合格" and z["grade_capped"]
    assert said in result.explain(Z)
    markdown = markdown_report(result)
    assert said in markdown and "良好" not in markdown.split("## 各地区得分明细")[0]
    sheet = fastexcel.read_excel(str(result.to_excel(tmp_path / "r.xlsx")))
    items = sheet.load_sheet_by_name("扣分明细").to_polars()
    cap = items.filter(pl.col("规则") == "等次上限").row(0, named=True)
    assert cap["说明"] == said.split("：", 1)[1]
    assert "某省考核办法（示例）" in cap["依据"]
    out = CliRunner().invoke(
        app, ["assess", str(folder), "--year", "2024", "--rules", str(rules)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert said in re.sub(r"\n *", "", out.stdout)  # the console may wrap the note


# --- every parameter a line item reads is cited --------------------------------------------


def test_every_overridden_parameter_is_cited_where_it_is_read(yiyang_data):
    path = ROOT / "examples" / "hunan-city.toml"
    book = acc.load_rulebook(path)
    result = acc.assess(yiyang_data, book, year=2024)
    from_file = {k for k, p in book.parameters.items() if str(p.source or "").startswith(str(path))}
    overridden = sorted(from_file)
    assert {"annual.b2_coverage_target", "annual.e1_target_share"} <= set(overridden)
    for key in overridden:
        basis = book[key].basis
        readers = [r.id for r in REGISTRY if key in r.params]
        items = result.line_items.filter(pl.col("rule_id").is_in(readers))
        assert items.height > 0 or key == "annual.veto_effect", key
        missing = items.filter(~pl.col("basis").str.contains(basis, literal=True))
        assert missing.height == 0, (key, missing.head(3))
    b2 = result.explain("430900")
    assert "市安委会年度执法检查计划（示例）" in b2 and "第八条" in b2
