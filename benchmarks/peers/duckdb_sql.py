"""The DuckDB SQL peer: the default rulebook's annual region assessment as set-based SQL.

年度目标管理考核 of every region for one year, computed by DuckDB over the Parquet files
of a dataset (``<folder>/<table>.parquet``, the library's canonical columns): sections
A–E with their inputs — accident grading, the 四个一律 compliance of the year's cases
(repeat-fine windows, the coal findings window, the statutory fine ceilings, closure
on a 重大 accident), the 一岗双责 duty fulfilment of officials — then the section caps,
the rescale of unassessed sections, committee adjustments, the clip, grade bands, the
grade cap, veto, yellow card and ranks among siblings.

Only the numbers come from the library: the default rulebook's values in force on the
period's last day (each accident graded, and each case's fine ceiling and repeat
windows taken, by the values in force on its own date — the windows as
`windows_in_force` reads them from the rulebook), and the optional columns' defaults
of the input vocabulary (`TABLES`).  Every count, share, roll-up and decision is SQL;
no scorer of the library runs.

Readings the library holds and this peer follows:

- A region's figures include every region below it (the hierarchy's closure, at most 8
  levels up); targets and region statistics are the region's own row.  Rows of a
  region code the regions table does not hold count nowhere.
- A rule whose denominator is empty deducts nothing (no case requiring a measure, no
  hazard due, no enterprise, no official with a duty requirement, no work item with a
  target above 0).  An official with no duty records has fulfilment 0; a role the
  rulebook requires nothing of is left out of D1.
- A section is assessed when every table it needs is present (a file with no rows is
  present); otherwise the score is rescaled to the assessed weights, and with no
  section assessed a region has no score, grade or rank.
- The score is the base plus each rule's points in the registry's order (A1 … E2), each
  cap, the rescale, the adjustments (in their canonical order), the clip and the veto's
  zero computed as "target total − running total": the same float operations as the
  library, so that scores agree to the last bits where the sums do.  Grade bands and
  rank ties read the score rounded to 6 decimals, half to even, as polars rounds.

Left out, because the default rulebook gives them no points (a guard raises if a
rulebook ever does): B3 (应移送未移送) and the hazard metrics C5–C7; C8 only reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from accountability.columns import TABLES
from accountability.errors import DatasetError
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.four_musts import RepeatWindow, windows_in_force
from accountability.rules.model import Context
from benchmarks.peers import COLUMNS, GRADES, SECTION_TABLES, SECTIONS

__all__ = ["region_results"]

# The rules that add points, by section, in the order their points are added.
SECTION_RULES: dict[str, tuple[str, ...]] = {
    "A": ("A1", "A2", "A3", "A4", "A5"),
    "B": ("B1", "B2"),
    "C": ("C1", "C2", "C3", "C4"),
    "D": ("D1",),
    "E": ("E1", "E2"),
}
# A3: target indicator, sector group parameter (None: every sector), factor, denominator.
A3_INDICATORS: tuple[tuple[str, str | None, float, str], ...] = (
    ("deaths_per_100m_gdp", None, 1.0, "gdp_100m_yuan"),
    ("industry_deaths_per_100k", "sectors.industry_trade", 100_000.0, "industry_employees"),
    ("road_deaths_per_10k_vehicles", "sectors.road", 10_000.0, "motor_vehicles"),
    ("coal_deaths_per_mt", "sectors.coal", 1.0, "coal_output_mt"),
)
STANDARDIZATION_LEVELS: tuple[str, ...] = ("一级", "二级", "三级")
LEVEL_KEYS: dict[str, str] = {"省": "province", "市": "city", "县": "county"}
# Rules of the default rulebook that add no line item while their points are 0.
ZERO_POINT_RULES: dict[str, str] = {
    "B3": "annual.b3_points_per_gap",
    "C5": "annual.c5_points_per_hazard",
    "C6": "annual.c6_points_per_hazard",
    "C7": "annual.c7_points",
}
# The dated tables and the column that places a row in a period ("year": keyed by year).
DATED: dict[str, str] = {
    "accidents": "occurred_on",
    "cases": "found_on",
    "inspections": "inspected_on",
    "hazards": "found_on",
    "duty_records": "year",
    "work_items": "year",
    "targets": "year",
    "region_stats": "year",
}
# Columns whose names DuckDB reserves or reads as functions.
_QUOTED = {"limit", "count", "level", "year", "missing"}


# --- SQL literals --------------------------------------------------------------------------


def _q(name: str) -> str:
    """An identifier, quoted where DuckDB would read it otherwise."""
    return f'"{name}"' if name in _QUOTED else name


def _s(text: str) -> str:
    """A string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _f(value: float) -> str:
    """A DOUBLE literal (a bare ``2.5`` would be DECIMAL arithmetic in DuckDB)."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def _d(day: dt.date) -> str:
    """A DATE literal."""
    return f"DATE '{day.isoformat()}'"


def _value(p: Any, book: Rulebook, key: str, default: Any) -> Any:
    """A parameter's value in force, or `default` where the rulebook lacks it (as the
    library reads it)."""
    return p[key] if key in book else default


def _strings(values: Iterable[str]) -> str:
    """A list of string literals, for IN (…) and list functions."""
    items = [_s(v) for v in values]
    return ", ".join(items) if items else "NULL"


def _sql_type(dtype: pl.DataType) -> str:
    """The DuckDB type of a canonical column's polars dtype."""
    if isinstance(dtype, pl.List):
        return f"{_sql_type(dtype.inner)}[]"
    if isinstance(dtype, pl.Enum | pl.Categorical) or dtype == pl.String:
        return "VARCHAR"
    names = {pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Float64: "DOUBLE",
             pl.Boolean: "BOOLEAN", pl.Date: "DATE"}  # fmt: skip
    for polars_type, name in names.items():
        if dtype == polars_type:
            return name
    raise TypeError(f"no DuckDB type for {dtype}")


def _default(value: object, dtype: pl.DataType) -> str:
    """An optional column's default as a typed SQL value."""
    if value is None:
        literal = "NULL"
    elif isinstance(value, bool):
        literal = "TRUE" if value else "FALSE"
    elif isinstance(value, str):
        literal = _s(value)
    else:
        literal = repr(value)
    return f"CAST({literal} AS {_sql_type(dtype)})"


def _dated(book: Rulebook, key: str, build: Callable[[Any], str], day: str) -> str:
    """A CASE applying the value of `key` in force on each row's date `day` (NULL
    before the parameter's first date)."""
    branches: list[str] = []
    otherwise = "NULL"
    for dated in reversed(book[key].values):
        if dated.start is None:
            otherwise = build(dated.value)
            break
        branches.append(f"WHEN {day} >= {_d(dated.start)} THEN {build(dated.value)}")
    return f"CASE {' '.join(branches)} ELSE {otherwise} END" if branches else otherwise


# --- the tables ----------------------------------------------------------------------------


def _register(con: duckdb.DuckDBPyConnection, folder: Path) -> set[str]:
    """One view per input table, in canonical columns: a present file with its absent
    optional columns at their defaults, an absent table as an empty view.  Returns the
    names of the tables present."""
    present: set[str] = set()
    for name, spec in TABLES.items():
        path = folder / f"{name}.parquet"
        if path.exists():
            present.add(name)
            source = f"read_parquet({_s(str(path))})"
            have = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            extra = [
                f"{_default(c.default, c.dtype)} AS {_q(c.name)}"
                for c in spec.columns
                if c.name not in have
            ]
            columns = ", ".join(["*", *extra])
            con.execute(f"CREATE VIEW {name} AS SELECT {columns} FROM {source}")
        else:
            typed = ", ".join(
                f"CAST(NULL AS {_sql_type(c.dtype)}) AS {_q(c.name)}" for c in spec.columns
            )
            con.execute(f"CREATE VIEW {name} AS SELECT {typed} WHERE FALSE")
    return present


def _hierarchy() -> list[str]:
    """`region` (code, parent, level) and `up` (region_code, rollup_code): each region
    with itself and every region above it, at most 8 levels up."""
    return [
        """CREATE TEMP TABLE region AS
        SELECT CAST(region_code AS VARCHAR) AS region_code,
               CAST(parent_code AS VARCHAR) AS parent_code, CAST("level" AS VARCHAR) AS lvl
        FROM regions""",
        """CREATE TEMP TABLE up AS
        WITH RECURSIVE chain(region_code, rollup_code, depth) AS (
            SELECT region_code, region_code, 0 FROM region
            UNION ALL
            SELECT c.region_code, r.parent_code, c.depth + 1
            FROM chain c JOIN region r ON r.region_code = c.rollup_code
            WHERE r.parent_code IS NOT NULL AND c.depth < 8
        )
        SELECT DISTINCT region_code, rollup_code FROM chain""",
    ]


def _rolled(name: str, own: str, columns: Sequence[str]) -> str:
    """`name`: every region with the sums of `columns` of the `own` per-region table
    over itself and every region below it (0 where none)."""
    sums = ", ".join(f"sum(o.{c}) AS {c}" for c in columns)
    filled = ", ".join(f"COALESCE(x.{c}, 0) AS {c}" for c in columns)
    return f"""CREATE TEMP TABLE {name} AS
        SELECT r.region_code, {filled}
        FROM region r LEFT JOIN (
            SELECT u.rollup_code AS region_code, {sums}
            FROM {own} o JOIN up u ON u.region_code = o.region_code
            GROUP BY u.rollup_code
        ) x ON x.region_code = r.region_code"""


def _sorted_sum(value: str) -> str:
    """The sum of a group's `value`s added in ascending order, one by one — the float sum
    the library takes (a sorted list's sum), to the last bit."""
    return f"COALESCE(list_sum(list_sort(list({value}))), {_f(0)})"


def _rolled_values(name: str, rows: str, value: str, count: str, total: str) -> str:
    """`name`: every region with the number of `rows` (`count`) and the sorted sum of
    their `value` (`total`) over itself and every region below it (0 where none)."""
    return f"""CREATE TEMP TABLE {name} AS
        SELECT r.region_code, COALESCE(x.n, 0) AS {count},
               COALESCE(x.total, {_f(0)}) AS {total}
        FROM region r LEFT JOIN (
            SELECT u.rollup_code AS region_code, count(*) AS n,
                   {_sorted_sum("o." + value)} AS total
            FROM {rows} o JOIN up u ON u.region_code = o.region_code
            GROUP BY u.rollup_code
        ) x ON x.region_code = r.region_code"""


def _population(flags: Sequence[str]) -> str:
    """Accidents of a population: every flag true (an empty flag counts as true)."""
    known = set(TABLES["accidents"].column_names)
    parts = [f"COALESCE({flag}, TRUE)" if flag in known else "TRUE" for flag in flags]
    return " AND ".join(parts) if parts else "TRUE"


def _graded(book: Rulebook, flags: Sequence[str]) -> str:
    """The accidents of a population with counted deaths `d` (missing persons with
    deaths while the switch is on) and grade index `g` (0 一般 … 3 特别重大), each by
    the values in force on the accident's date."""

    def deaths(on: Any) -> str:
        return 'deaths + "missing"' if on else "deaths"

    def bands(value: Any) -> str:
        whens = " ".join(
            f"WHEN d >= {_f(b['deaths'])} OR serious_injuries >= {_f(b['serious_injuries'])}"
            f" OR direct_loss_10k_yuan >= {_f(b['direct_loss_10k_yuan'])}"
            f" THEN {GRADES.index(b['grade'])}"
            for b in value
        )
        return f"CASE {whens} ELSE 0 END" if whens else "0"

    counted = _dated(book, "accident_grading.count_missing_as_deaths", deaths, "occurred_on")
    grade = _dated(book, "accident_grading.bands", bands, "occurred_on")
    return f"""SELECT *, {grade} AS g FROM (
            SELECT *, CAST({counted} AS BIGINT) AS d FROM accidents WHERE {_population(flags)}
        )"""


# --- section A and the accident figures ----------------------------------------------------


def _accident_figures(book: Rulebook, ctx: Context, p: Any) -> list[str]:
    """`fig`: per region and below, the period's (and the previous period's) accidents
    of the annual population — counts, deaths, A3 numerators, grade-or-worse counts,
    concealed, late; `has_prev`: whether the accidents table has rows dated in the
    previous period (any accident)."""
    prev = ctx.previous()
    flags = _value(p, book, "annual.accident_population", ["liability"])
    cur = f"occurred_on BETWEEN {_d(ctx.start)} AND {_d(ctx.end)}"
    before = f"occurred_on BETWEEN {_d(prev.start)} AND {_d(prev.end)}"
    a4_min = GRADES.index(str(p["annual.a4_min_grade"]))
    columns: dict[str, str] = {
        "n_cur": "count(*) FILTER (WHERE cur)",
        "n_prev": "count(*) FILTER (WHERE prv)",
        "deaths_cur": "sum(d) FILTER (WHERE cur)",
        "deaths_prev": "sum(d) FILTER (WHERE prv)",
        "inj_cur": "sum(serious_injuries) FILTER (WHERE cur)",
        "inj_prev": "sum(serious_injuries) FILTER (WHERE prv)",
        "loss_cur": "sum(CAST(direct_loss_10k_yuan AS DOUBLE)) FILTER (WHERE cur)",
        "loss_prev": "sum(CAST(direct_loss_10k_yuan AS DOUBLE)) FILTER (WHERE prv)",
        # the tables' `concealed` key counts 瞒报 or 谎报
        "concealed_n": "count(*) FILTER (WHERE cur AND (COALESCE(concealed, FALSE) "
        "OR COALESCE(falsely_reported, FALSE)))",
        "a4_n": f"count(*) FILTER (WHERE cur AND g >= {a4_min})",
        "a5_n": "count(*) FILTER (WHERE cur AND COALESCE(reported_late, FALSE))",
    }
    for key, group, _factor, _denominator in A3_INDICATORS:
        sectors = "TRUE" if group is None else f"CAST(sector AS VARCHAR) IN ({_strings(p[group])})"
        columns[f"num_{key}"] = f"sum(d) FILTER (WHERE cur AND {sectors})"
    for i in range(len(GRADES)):
        columns[f"ge_{i}"] = f"count(*) FILTER (WHERE cur AND g >= {i})"
    body = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    return [
        f"""CREATE TEMP TABLE acc_own AS
        SELECT CAST(region_code AS VARCHAR) AS region_code, {body}
        FROM (SELECT *, {cur} AS cur, {before} AS prv FROM ({_graded(book, flags)}))
        WHERE cur OR prv
        GROUP BY ALL""",
        _rolled("fig", "acc_own", list(columns)),
        f"""CREATE TEMP TABLE has_prev AS
        SELECT count(*) > 0 AS on_ FROM accidents WHERE {before}""",
    ]


def _section_a(ctx: Context, p: Any) -> list[str]:
    """`sec_a`: A1 (deaths over the target), A2 (year on year), A3 (rate indicators),
    A4 (较大 or worse accidents), A5 (late reports), per region."""
    indicators = ["deaths", *[key for key, *_ in A3_INDICATORS]]
    limits = ", ".join(
        f'max("limit") FILTER (WHERE CAST(indicator AS VARCHAR) = {_s(k)}) AS limit_{k}'
        for k in indicators
    )
    denominators = ", ".join(f"CAST({den} AS DOUBLE) AS {den}" for *_, den in A3_INDICATORS)
    rise, flat = _f(p["annual.a2_points_rise"]), _f(p["annual.a2_points_flat"])

    def year_on_year(cur: str, prev: str) -> str:
        return (
            f"CASE WHEN {cur} > {prev} THEN {rise} "
            f"WHEN {cur} = {prev} AND {cur} <> 0 THEN {flat} ELSE {_f(0)} END"
        )

    loss_cur, loss_prev = "pround(f.loss_cur, 6)", "pround(f.loss_prev, 6)"
    a2 = _tree_sum(
        [
            year_on_year(c, v)
            for c, v in (
                ("CAST(f.n_cur AS DOUBLE)", "CAST(f.n_prev AS DOUBLE)"),
                ("CAST(f.deaths_cur AS DOUBLE)", "CAST(f.deaths_prev AS DOUBLE)"),
                ("CAST(f.inj_cur AS DOUBLE)", "CAST(f.inj_prev AS DOUBLE)"),
                (loss_cur, loss_prev),
            )
        ]
    )
    ok, over = [], []
    for key, _group, factor, den in A3_INDICATORS:
        limit = f"t.limit_{key}"
        applies = f"COALESCE({limit} IS NOT NULL AND s.{den} IS NOT NULL AND s.{den} > 0, FALSE)"
        rate = f"CAST(f.num_{key} AS DOUBLE) * {_f(factor)} / s.{den}"
        ok.append(f"CAST({applies} AS BIGINT)")
        over.append(
            f"CAST(CASE WHEN {applies} THEN COALESCE(pround({rate}, 9) > {limit}, FALSE)"
            " ELSE FALSE END AS BIGINT)"
        )
    deaths = "CAST(f.deaths_cur AS DOUBLE)"
    per_death = _f(p["annual.a1_points_per_death"])
    total = _f(p["annual.a3_points_total"])
    return [
        f"""CREATE TEMP TABLE own_targets AS
        SELECT CAST(region_code AS VARCHAR) AS region_code, {limits}
        FROM targets WHERE "year" = {ctx.year} GROUP BY ALL""",
        f"""CREATE TEMP TABLE own_stats AS
        SELECT CAST(region_code AS VARCHAR) AS region_code, {denominators}
        FROM region_stats WHERE "year" = {ctx.year}""",
        f"""CREATE TEMP TABLE sec_a AS
        SELECT region_code, A1, A2, CASE WHEN n_app > 0
                   THEN ded({total} / n_app * n_over) ELSE {_f(0)} END AS A3, A4, A5
        FROM (
            SELECT f.region_code,
                CASE WHEN t.limit_deaths IS NOT NULL AND {deaths} > t.limit_deaths
                     THEN ded(({deaths} - t.limit_deaths) * {per_death}) ELSE {_f(0)} END AS A1,
                CASE WHEN h.on_ THEN ded({a2}) ELSE {_f(0)} END AS A2,
                {" + ".join(ok)} AS n_app,
                {" + ".join(over)} AS n_over,
                ded(f.a4_n * {_f(p["annual.a4_points_per_accident"])}) AS A4,
                ded(f.a5_n * {_f(p["annual.a5_points_per_late_report"])}) AS A5
            FROM fig f CROSS JOIN has_prev h
            LEFT JOIN own_targets t ON t.region_code = f.region_code
            LEFT JOIN own_stats s ON s.region_code = f.region_code
        )""",
    ]


# --- section B: 四个一律 and inspection coverage ----------------------------------------------


def _window_counts(windows: Sequence[RepeatWindow], has_hazards: bool) -> list[str]:
    """`win`: for each case of the year, one count per window column — the enterprise's
    penalised major-hazard cases (`pev`) or distinct 重大 finding days (`fev`) from the
    window's first day to the case's day, both included."""
    columns: dict[str, RepeatWindow] = {}
    for w in windows:
        columns.setdefault(w.column, w)
    statements: list[str] = []
    selects = ["SELECT rid FROM yc"]
    for counting, events in (("penalties", "pev"), ("findings", "fev")):
        group = [w for w in columns.values() if w.counting == counting]
        if not group or (counting == "findings" and not has_hazards):
            continue

        def first_day(w: RepeatWindow) -> str:
            if w.unit == "months":
                return f"CAST(c.found_on - INTERVAL {int(w.span)} MONTH AS DATE)"
            return f"c.found_on - {int(w.span)}"

        counts = ", ".join(
            f"count(*) FILTER (WHERE e.day >= {first_day(w)}) AS {w.column}" for w in group
        )
        earliest = f"least({', '.join(first_day(w) for w in group)})"
        statements.append(
            f"""CREATE TEMP TABLE win_{events} AS
            SELECT c.rid, {counts}
            FROM yc c JOIN {events} e
              ON e.enterprise_id = c.enterprise_id AND e.day <= c.found_on
             AND e.day >= {earliest}
            GROUP BY c.rid"""
        )
        selects.append(events)
    joins = " ".join(f"LEFT JOIN win_{events} USING (rid)" for events in selects[1:])
    known = [
        w.column
        for w in columns.values()
        if w.counting == "penalties" or (w.counting == "findings" and has_hazards)
    ]
    values = [f"COALESCE({c}, 0) AS {c}" for c in known]
    absent = [f"CAST(NULL AS BIGINT) AS {c}" for c in columns if c not in known]
    body = ", ".join(["rid", *values, *absent])
    statements.append(f"CREATE TEMP TABLE win AS SELECT {body} FROM yc {joins}")
    return statements


def _window_fired(windows: Sequence[RepeatWindow]) -> str:
    """Whether any window in force on the case's day reached its count (`c`: the case
    with its window counts and its enterprise's sector `esector`)."""
    fired = []
    for w in windows:
        parts = [f"COALESCE(c.{w.column} >= {int(w.count)}, FALSE)"]
        if w.sector != "*":
            parts.append(f"COALESCE(c.esector = {_s(w.sector)}, FALSE)")
        if w.since is not None:
            parts.append(f"c.found_on >= {_d(w.since)}")
        if w.until is not None:
            parts.append(f"c.found_on < {_d(w.until)}")
        fired.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(fired) if fired else "FALSE"


def _fine_ranges(book: Rulebook) -> tuple[list[tuple[int, str, float]], list[dt.date | None]]:
    """The statutory ceilings (segment, article text, max_yuan) — each key as itself and
    an article without a tier as its first tier where that article is no key — and the
    segments' first days (None: from the beginning), in date order."""
    key = "four_musts.fine_ranges"
    if key not in book:
        return [], []
    values = sorted(book[key].values, key=lambda d: d.start or dt.date.min)
    rows: list[tuple[int, str, float]] = []
    for i, dated in enumerate(values):
        table: Mapping[str, Any] = dated.value or {}
        keys = {str(k) for k in table}
        for name, entry in table.items():
            name = str(name)
            rows.append((i, name, float(entry["max_yuan"])))
            article = name.removesuffix("-1")
            if article != name and "-" not in article and article not in keys:
                rows.append((i, article, float(entry["max_yuan"])))
    return rows, [d.start for d in values]


def _four_musts(book: Rulebook, ctx: Context, p: Any, present: set[str]) -> list[str]:
    """`fm`: each case found in the period with `requires_measure` and `compliant`
    (四个一律): closure (illegal, failed rectification, a 重大 accident caused lacking
    safe conditions, a refused suspension, a repeat window) satisfied by closed or a
    closure proposed by the period's end; the heaviest penalty satisfied by a fine at
    the ceiling (the case's, else the statute's for its article on its day); suspension
    where unlawful and closure is not required, satisfied by suspended or closed;
    accountability where criminal, satisfied by transferred."""
    start, end = ctx.start, ctx.end
    windows = windows_in_force(book, start, end)
    kinds = list(_value(p, book, "four_musts.repeat_penalty_kinds", ["罚款"]))
    fined = ["COALESCE(list_has_any(CAST(penalty_kinds AS VARCHAR[]), "
             f"[{_strings(kinds)}]::VARCHAR[]), FALSE)"]  # fmt: skip
    if "罚款" in kinds:
        fined.append("COALESCE(fine_yuan > 0, FALSE)")
    has_hazards = "hazards" in present
    sector_known = "enterprises" in present
    needs_sector = sector_known and any(w.sector != "*" for w in windows)
    flags = _value(p, book, "four_musts.accident_population", ["liability"])
    assumed = bool(_value(p, book, "four_musts.close_on_major_accident", False))
    rows, starts = _fine_ranges(book)
    segment = " ".join(
        f"WHEN c.found_on {'IS NOT NULL' if s is None else '>= ' + _d(s)} THEN {i}"
        for i, s in reversed(list(enumerate(starts)))
    )
    segment = f"CASE {segment} ELSE NULL END" if segment else "CAST(NULL AS INTEGER)"
    ranges = (
        "SELECT * FROM (VALUES "
        + ", ".join(f"({i}, {_s(text)}, {_f(top)})" for i, text, top in rows)
        + ") v(seg, article, max_yuan)"
        if rows
        else "SELECT CAST(NULL AS INTEGER) AS seg, CAST(NULL AS VARCHAR) AS article,"
        " CAST(NULL AS DOUBLE) AS max_yuan WHERE FALSE"
    )
    # polars' strip_chars(): Unicode white space off both ends; empty text is no article
    space = r"[\s\p{Z}\x{85}\x{0B}]"
    stripped = f"regexp_replace(c.penalty_article, '^{space}+|{space}+$', '', 'g')"
    article = f"NULLIF({stripped}, '')"
    sector = (
        "CREATE TEMP TABLE esec AS SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id,"
        " min(CAST(sector AS VARCHAR)) AS sector FROM enterprises GROUP BY 1"
        if needs_sector
        else "CREATE TEMP TABLE esec AS SELECT CAST(NULL AS VARCHAR) AS enterprise_id,"
        " CAST(NULL AS VARCHAR) AS sector WHERE FALSE"
    )
    cases = f"""CREATE TEMP TABLE yc AS
        SELECT row_number() OVER () AS rid, CAST(case_id AS VARCHAR) AS case_id,
               CAST(enterprise_id AS VARCHAR) AS enterprise_id,
               CAST(region_code AS VARCHAR) AS region_code, found_on, illegal, unlawful,
               failed_rectification, criminal, suspended, closed, fine_yuan, fine_max_yuan,
               transferred, penalty_article, closure_proposed_on, suspension_refused
        FROM cases WHERE found_on BETWEEN {_d(start)} AND {_d(end)}"""
    return [
        cases,
        f"""CREATE TEMP TABLE pev AS
        SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id, found_on AS day FROM cases
        WHERE found_on <= {_d(end)} AND major_hazard AND enterprise_id IS NOT NULL
          AND ({" OR ".join(fined)})""",
        """CREATE TEMP TABLE fev AS
        SELECT DISTINCT CAST(enterprise_id AS VARCHAR) AS enterprise_id, found_on AS day
        FROM hazards WHERE CAST("level" AS VARCHAR) = '重大' AND enterprise_id IS NOT NULL""",
        *_window_counts(windows, has_hazards),
        sector,
        f"CREATE TEMP TABLE fine_ranges AS {ranges}",
        f"""CREATE TEMP TABLE major_acc AS
        SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id, min(occurred_on) AS first_on
        FROM ({_graded(book, flags)})
        WHERE g >= {GRADES.index("重大")} AND enterprise_id IS NOT NULL
          AND ({"TRUE" if assumed else "FALSE"} OR COALESCE(lacked_conditions, FALSE))
        GROUP BY 1""",
        f"""CREATE TEMP TABLE fm AS
        WITH base AS (
            SELECT c.*, w.* EXCLUDE (rid), e.sector AS esector,
                   COALESCE(c.fine_max_yuan, r.max_yuan) AS ceiling,
                   COALESCE(c.closure_proposed_on BETWEEN c.found_on AND {_d(end)}, FALSE)
                       AS proposed,
                   COALESCE(m.first_on <= c.found_on, FALSE) AS major_accident
            FROM yc c JOIN win w ON w.rid = c.rid
            LEFT JOIN esec e ON e.enterprise_id = c.enterprise_id
            LEFT JOIN fine_ranges r ON r.seg = {segment} AND r.article = {article}
            LEFT JOIN major_acc m ON m.enterprise_id = c.enterprise_id
        ), required AS (
            SELECT c.*, c.closed OR c.proposed AS taken_close,
                   c.illegal OR c.failed_rectification OR c.major_accident
                       OR c.suspension_refused OR ({_window_fired(windows)}) AS rc,
                   c.illegal OR c.unlawful AS rp, c.criminal AS ra,
                   c.fine_yuan >= c.ceiling AS taken_penalty
            FROM base c
        ), suspend AS (
            SELECT *, unlawful AND NOT rc AS rs FROM required
        )
        SELECT case_id, region_code, rc OR rp OR rs OR ra AS requires_measure,
               (NOT rc OR taken_close) AND (NOT rp OR COALESCE(taken_penalty, FALSE))
                   AND (NOT rs OR suspended OR closed) AND (NOT ra OR transferred) AS compliant
        FROM suspend""",
    ]


def _section_b(ctx: Context, p: Any) -> list[str]:
    """`sec_b`: B1 (四个一律 compliance of the year's cases) and B2 (inspection coverage
    of the enterprises in operation against its target), per region; `ent_own` also
    holds E1's counts (licence-requiring enterprises, those at the level or better)."""
    min_level = str(p["annual.e1_min_level"])
    good = STANDARDIZATION_LEVELS[: STANDARDIZATION_LEVELS.index(min_level) + 1]
    b1, b2 = _f(p["annual.b1_points"]), _f(p["annual.b2_points"])
    # polars divides by a literal as a product with its reciprocal: so here, to the bit
    per_target = _f(1 / float(p["annual.b2_coverage_target"]))
    return [
        """CREATE TEMP TABLE fm_own AS
        SELECT region_code,
               count(*) FILTER (WHERE COALESCE(requires_measure, FALSE)) AS b1_n,
               count(*) FILTER (WHERE COALESCE(requires_measure, FALSE)
                                  AND COALESCE(compliant, FALSE)) AS b1_k
        FROM fm GROUP BY 1""",
        _rolled("fm_up", "fm_own", ["b1_n", "b1_k"]),
        f"""CREATE TEMP TABLE ent_own AS
        WITH operating AS (
            SELECT CAST(enterprise_id AS VARCHAR) AS enterprise_id,
                   CAST(region_code AS VARCHAR) AS region_code, license_required,
                   CAST(standardization_level AS VARCHAR) AS standardization_level
            FROM enterprises
            WHERE NOT COALESCE(CAST(status AS VARCHAR) = '关闭'
                               AND closed_on < {_d(ctx.start)}, FALSE)
        ), inspected AS (
            SELECT DISTINCT CAST(enterprise_id AS VARCHAR) AS enterprise_id, TRUE AS hit
            FROM inspections
            WHERE inspected_on BETWEEN {_d(ctx.start)} AND {_d(ctx.end)}
        )
        SELECT o.region_code, count(*) AS b2_n, count(*) FILTER (WHERE i.hit) AS b2_k,
               count(*) FILTER (WHERE COALESCE(o.license_required, FALSE)) AS e1_n,
               count(*) FILTER (WHERE COALESCE(o.license_required, FALSE)
                   AND COALESCE(o.standardization_level IN ({_strings(good)}), FALSE)) AS e1_k
        FROM operating o LEFT JOIN inspected i ON i.enterprise_id = o.enterprise_id
        GROUP BY 1""",
        _rolled("ent_up", "ent_own", ["b2_n", "b2_k", "e1_n", "e1_k"]),
        f"""CREATE TEMP TABLE sec_b AS
        SELECT r.region_code,
            CASE WHEN f.b1_n > 0 THEN ded({b1} * (1 - CAST(f.b1_k AS DOUBLE) / f.b1_n))
                 ELSE {_f(0)} END AS B1,
            CASE WHEN e.b2_n > 0 THEN ded({b2} * greatest({_f(0)},
                     1 - CAST(e.b2_k AS DOUBLE) / e.b2_n * {per_target}))
                 ELSE {_f(0)} END AS B2
        FROM region r JOIN fm_up f USING (region_code) JOIN ent_up e USING (region_code)""",
    ]


# --- sections C, D, E --------------------------------------------------------------------


def _section_c(ctx: Context, p: Any, book: Rulebook) -> list[str]:
    """`sec_c`: C1 (一般 hazards due in the period rectified by their deadline), C2 (重大
    found in the period with 五落实), C3 (listed 重大 due in the period closed by their
    deadline; or, under the old measure, the listed share of 重大 found), C4 (重大 due by
    the period's end and not rectified by then), per region."""
    start, end = _d(ctx.start), _d(ctx.end)
    deadline = (
        "CASE WHEN COALESCE(extension_approved, FALSE) AND extended_to IS NOT NULL"
        " THEN extended_to ELSE due_on END"
    )
    closed_on = "COALESCE(verified_on, rectified_on)"
    old_c3 = "annual.c3_measure" in book and p["annual.c3_measure"] == "挂牌率"
    major, general = "\"level\" = '重大'", "\"level\" = '一般'"
    c2_counted = f"{major} AND found_on BETWEEN {start} AND {end}"
    if old_c3:
        c3_counted, c3_met = c2_counted, "COALESCE(listed, FALSE)"
    else:
        c3_counted = f"{major} AND COALESCE(listed, FALSE) AND dl BETWEEN {start} AND {end}"
        c3_met = f"{closed_on} IS NOT NULL AND {closed_on} <= dl"
    c1_counted = f"{general} AND dl BETWEEN {start} AND {end}"
    counts = {
        "c1_n": c1_counted,
        "c1_k": f"({c1_counted}) AND rectified_on IS NOT NULL AND rectified_on <= dl",
        "c2_n": c2_counted,
        "c2_k": f"({c2_counted}) AND COALESCE(five_in_place, FALSE)",
        "c3_n": c3_counted,
        "c3_k": f"({c3_counted}) AND ({c3_met})",
        "c4_n": f"{major} AND dl <= {end} AND (rectified_on IS NULL OR rectified_on > {end})",
    }
    body = ", ".join(f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in counts.items())

    def share(n: str, k: str, points: str) -> str:
        return (
            f"CASE WHEN {n} > 0 THEN ded({_f(p[points])} * (1 - CAST({k} AS DOUBLE) / {n}))"
            f" ELSE {_f(0)} END"
        )

    return [
        f"""CREATE TEMP TABLE hz_own AS
        SELECT region_code, {body}
        FROM (SELECT CAST(region_code AS VARCHAR) AS region_code,
                     CAST("level" AS VARCHAR) AS "level", found_on, rectified_on, listed,
                     five_in_place, verified_on, {deadline} AS dl
              FROM hazards)
        GROUP BY 1""",
        _rolled("hz_up", "hz_own", list(counts)),
        f"""CREATE TEMP TABLE sec_c AS
        SELECT region_code,
            {share("c1_n", "c1_k", "annual.c1_points")} AS C1,
            {share("c2_n", "c2_k", "annual.c2_points")} AS C2,
            {share("c3_n", "c3_k", "annual.c3_points")} AS C3,
            ded(c4_n * {_f(p["annual.c4_points_per_hazard"])}) AS C4
        FROM hz_up""",
    ]


def _section_d(ctx: Context, p: Any) -> list[str]:
    """`sec_d`: D1, the mean duty fulfilment of the officials of the region and below —
    per official the mean over the role's required activities of min(1, done ÷
    required) from the year's duty records (no record: 0)."""
    rows = [
        (role, activity, int(n))
        for role, acts in p["dual_duty.duty_requirements"].items()
        for activity, n in acts.items()
        if n > 0
    ]
    required = (
        "SELECT * FROM (VALUES "
        + ", ".join(f"({_s(r)}, {_s(a)}, {n})" for r, a, n in rows)
        + ") v(role, activity, required)"
        if rows
        else "SELECT CAST(NULL AS VARCHAR) AS role, CAST(NULL AS VARCHAR) AS activity,"
        " CAST(NULL AS BIGINT) AS required WHERE FALSE"
    )
    points = _f(p["annual.d1_points"])
    return [
        f"CREATE TEMP TABLE duty_required AS {required}",
        f"""CREATE TEMP TABLE fulfilment AS
        WITH done AS (
            SELECT CAST(official_id AS VARCHAR) AS official_id,
                   CAST(activity AS VARCHAR) AS activity, sum("count") AS done
            FROM duty_records WHERE "year" = {ctx.year} GROUP BY 1, 2
        ), ratios AS (
            SELECT o.official_id, o.region_code,
                   least(CAST(COALESCE(d.done, 0) AS DOUBLE) / q.required, {_f(1)}) AS ratio
            FROM (SELECT CAST(official_id AS VARCHAR) AS official_id,
                         CAST(region_code AS VARCHAR) AS region_code,
                         CAST(role AS VARCHAR) AS role FROM officials) o
            JOIN duty_required q ON q.role = o.role
            LEFT JOIN done d ON d.official_id = o.official_id AND d.activity = q.activity
        )
        SELECT official_id, region_code, {_sorted_sum("ratio")} / count(*) AS f
        FROM ratios GROUP BY 1, 2""",
        _rolled_values("off_up", "fulfilment", "f", "d1_n", "d1_total"),
        f"""CREATE TEMP TABLE sec_d AS
        SELECT region_code,
            CASE WHEN d1_n > 0 THEN ded({points} * (1 - d1_total / d1_n)) ELSE {_f(0)} END AS D1
        FROM off_up""",
    ]


def _section_e(ctx: Context, p: Any) -> list[str]:
    """`sec_e`: E1 (licence-requiring enterprises at the standardization level or
    better, against its target) and E2 (mean of min(1, achieved ÷ target) over the
    year's work items with a target above 0), per region."""
    e1, e2 = _f(p["annual.e1_points"]), _f(p["annual.e2_points"])
    # as in B2: the product with the target's reciprocal, polars' division by a literal
    per_target = _f(1 / float(p["annual.e1_target_share"]))
    return [
        f"""CREATE TEMP TABLE work_done AS
        SELECT CAST(region_code AS VARCHAR) AS region_code,
               least({_f(1)}, achieved / target) AS done
        FROM work_items WHERE "year" = {ctx.year} AND target > 0""",
        _rolled_values("wi_up", "work_done", "done", "e2_n", "e2_total"),
        f"""CREATE TEMP TABLE sec_e AS
        SELECT r.region_code,
            CASE WHEN e.e1_n > 0 THEN ded({e1} * greatest({_f(0)},
                     1 - CAST(e.e1_k AS DOUBLE) / e.e1_n * {per_target}))
                 ELSE {_f(0)} END AS E1,
            CASE WHEN w.e2_n > 0 THEN ded({e2} * (1 - w.e2_total / w.e2_n))
                 ELSE {_f(0)} END AS E2
        FROM region r JOIN ent_up e USING (region_code) JOIN wi_up w USING (region_code)""",
    ]


# --- finishing -----------------------------------------------------------------------------


def _decisions(p: Any, book: Rulebook, kind: str) -> str:
    """Whether a region is vetoed (`kind` "veto") or given a yellow card ("yellow_card"):
    its level's grade-or-worse and concealed counts reach the rulebook's numbers."""
    parts = []
    for level, suffix in LEVEL_KEYS.items():
        key = f"annual.{kind}_{suffix}"
        if key not in book:
            continue
        value = p[key]
        for grade, count in (value.get("grade_counts") or {}).items():
            if int(count) > 0:
                parts.append(
                    f"(r.lvl = {_s(level)} AND f.ge_{GRADES.index(grade)} >= {int(count)})"
                )
        concealed = int(value.get("concealed", 0) or 0)
        if concealed > 0:
            parts.append(f"(r.lvl = {_s(level)} AND f.concealed_n >= {concealed})")
    return "COALESCE(" + " OR ".join(parts) + ", FALSE)" if parts else "FALSE"


def _finish(ctx: Context, p: Any, book: Rulebook, assessed: Sequence[str]) -> str:
    """The regions: section caps, rescale, adjustments, clip, veto's zero, grade bands,
    grade cap, veto, yellow card and ranks among siblings, one SELECT.

    The running total `t` is carried through one nested SELECT per step, each adding
    its points with the library's float operations."""
    base = _f(p["annual.base"])
    weights = {s: float(w) for s, w in p["annual.section_weights"].items()}
    run = f"SELECT region_code, {base} AS t FROM region"
    for s in assessed:
        w = _f(weights[s])
        rules = SECTION_RULES[s]
        raw = _left_sum(["prev.t", *[f"x.{rule}" for rule in rules]])
        listed = ", ".join(f"x.{rule}" for rule in rules)
        run = f"""SELECT q.* EXCLUDE (t, raw, total),
                CASE WHEN q.total < -{w} THEN q.raw + ((q.t - {w}) - q.raw) ELSE q.raw END AS t,
                {w} + greatest(q.total, -{w}) AS {s}
            FROM (SELECT prev.*, {raw} AS raw, list_sum(list_sort([{listed}])) AS total
                  FROM ({run}) prev JOIN sec_{s.lower()} x USING (region_code)) q"""
    unassessed = [s for s in SECTIONS if s not in assessed]
    if unassessed and assessed:
        got = _tree_sum(list(assessed))
        # "× base ÷ assessed weight", the division as polars does it: by the reciprocal
        per_weight = _f(1 / sum(weights[s] for s in assessed))
        run = f"""SELECT prev.* EXCLUDE (t), t + ({got} * {base} * {per_weight} - t) AS t
            FROM ({run}) prev"""
    if assessed:
        run = f"""SELECT prev.* EXCLUDE (t),
                -- list_sum adds left to right: t, then each adjustment in turn
                CASE WHEN a.points IS NULL THEN t
                     ELSE list_sum(list_prepend(t, a.points)) END AS t
            FROM ({run}) prev LEFT JOIN adjusted a USING (region_code)"""
        run = f"""SELECT prev.* EXCLUDE (t),
                CASE WHEN t > {base} THEN t + ({base} - t) WHEN t < 0 THEN t + (-t)
                     ELSE t END AS t
            FROM ({run}) prev"""
    sections = ", ".join(
        f"run.{s}" if s in assessed else f"CAST(NULL AS DOUBLE) AS {s}" for s in SECTIONS
    )
    if not assessed:
        score = "CAST(NULL AS DOUBLE)"
    elif p["annual.veto_effect"] == "zero":
        score = "CASE WHEN d.vetoed THEN run.t + (-run.t) ELSE run.t END"
    else:
        score = "run.t"
    bands = p["annual.grade_bands"]
    names = [str(b["grade"]) for b in bands]
    band = " ".join(
        f"WHEN pround(score, 6) >= {_f(b['min'])} THEN {i}" for i, b in enumerate(bands)
    )
    last = len(bands) - 1
    cap_index = names.index(str(p["annual.grade_cap"]))
    cap_grade = GRADES.index(str(p["annual.grade_cap_accident_grade"]))
    return f"""
        WITH run AS ({run}),
        decided AS (
            SELECT r.region_code, r.parent_code, f.ge_{cap_grade} > 0 AS cap_applies,
                   {_decisions(p, book, "veto")} AS vetoed,
                   {_decisions(p, book, "yellow_card")} AS yellow_card
            FROM region r JOIN fig f USING (region_code)
        ),
        scored AS (
            SELECT d.*, {score} AS score, {sections}
            FROM decided d JOIN run USING (region_code)
        ),
        graded AS (
            SELECT *,
                CASE WHEN vetoed THEN {last}
                     WHEN score IS NOT NULL AND cap_applies AND gi < {cap_index}
                     THEN {cap_index} ELSE gi END AS final_gi
            FROM (SELECT *, CASE {band} ELSE {last} END AS gi FROM scored)
        )
        SELECT region_code, score, A, B, C, D, E,
            CASE WHEN score IS NOT NULL THEN [{_strings(names)}][final_gi + 1] END AS grade,
            vetoed, yellow_card,
            CASE WHEN score IS NOT NULL THEN CAST(rank() OVER (
                PARTITION BY COALESCE(parent_code, ''), score IS NOT NULL
                ORDER BY vetoed, pround(score, 6) DESC) AS BIGINT) END AS "rank"
        FROM graded
        ORDER BY region_code"""


def _tree_sum(terms: Sequence[str]) -> str:
    """A sum the way polars' sum_horizontal adds its columns: the first half's sum plus
    the second half's, recursively (a + (b + c); (a + b) + (c + d))."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_tree_sum(terms[:half])} + {_tree_sum(terms[half:])})"


def _left_sum(columns: Sequence[str]) -> str:
    """((a + b) + c) …: a sum added left to right."""
    total = columns[0]
    for column in columns[1:]:
        total = f"({total} + {column})"
    return total


def _adjustments(ctx: Context) -> str:
    """`adjusted`: each region's committee adjustments of the year, in the order the
    library adds them (by their reason text, points, basis)."""
    magnitude = "regexp_replace(CAST(pround(abs(points), 2) AS VARCHAR), '\\.0$', '')"
    reason = (
        "(CASE WHEN points > 0 THEN '委员会加分' ELSE '委员会核减' END) || ' ' || "
        f"{magnitude} || ' 分：' || COALESCE(CAST(reason AS VARCHAR), '')"
    )
    return f"""CREATE TEMP TABLE adjusted AS
        SELECT CAST(subject_id AS VARCHAR) AS region_code,
               list(CAST(points AS DOUBLE) ORDER BY {reason}, points,
                    COALESCE(CAST(basis AS VARCHAR), '')) AS points
        FROM adjustments
        WHERE CAST(subject_type AS VARCHAR) = 'region' AND "year" = {ctx.year}
          AND CAST(subject_id AS VARCHAR) IN (SELECT region_code FROM region)
        GROUP BY 1"""


_MACROS = (
    # a deduction's magnitude as points (never -0.0)
    f"CREATE TEMP MACRO ded(m) AS CASE WHEN m = 0 THEN {_f(0)} ELSE -m END",
    # polars' round: scaled, rounded half to even, scaled back
    "CREATE TEMP MACRO pround(x, n) AS round_even(x * pow(10, n), 0) / pow(10, n)",
)


def _covered(con: duckdb.DuckDBPyConnection, ctx: Context, present: set[str]) -> bool:
    """Whether some dated table present has a row in the period (or none is present):
    the library refuses to rank a year no dated row falls in."""
    period = f"BETWEEN {_d(ctx.start)} AND {_d(ctx.end)}"
    tests = [
        f"EXISTS (SELECT 1 FROM {name} WHERE {_q(column)} "
        + (f"= {ctx.year})" if column == "year" else f"{period})")
        for name, column in DATED.items()
        if name in present
    ]
    if not tests:
        return True
    return bool(con.execute(f"SELECT {' OR '.join(tests)}").fetchone()[0])


def _unsupported(p: Any, book: Rulebook) -> list[str]:
    """Rules this peer leaves out that the rulebook gives points to."""
    return [rule for rule, key in ZERO_POINT_RULES.items() if key in book and float(p[key]) != 0]


def _frame(result: Mapping[str, np.ndarray]) -> pl.DataFrame:
    """The fetched columns as a polars frame of `COLUMNS`: masked entries are nulls."""
    series = []
    for name, dtype in COLUMNS.items():
        values = result[name]
        masked = isinstance(values, np.ma.MaskedArray)
        # a masked array's tolist() has None where masked; text comes as objects
        data = values.tolist() if masked or values.dtype == object else values
        series.append(pl.Series(name, data, dtype=dtype))
    return pl.DataFrame(series)


def region_results(folder: Path, year: int, *, threads: int = 2) -> pl.DataFrame:
    """Every region's result for `year` under the default rulebook (`COLUMNS`: score,
    sections A–E, grade, vetoed, yellow card, rank among siblings), from the Parquet
    files in `folder`, computed by DuckDB with `threads` threads."""
    folder = Path(folder)
    book = rulebook()
    ctx = Context.for_year(book, year)
    p = ctx.rules
    left_out = _unsupported(p, book)
    if left_out:
        raise NotImplementedError(f"the DuckDB peer does not score {', '.join(left_out)}")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET threads = {int(threads)}")
        present = _register(con, folder)
        if "regions" not in present:
            raise FileNotFoundError(f"{folder / 'regions.parquet'} is needed")
        if not _covered(con, ctx, present):
            raise DatasetError(f"no dated table has a row in the period of {year}")
        assessed = [s for s in SECTIONS if all(t in present for t in SECTION_TABLES[s])]
        statements = [
            *_MACROS,
            *_hierarchy(),
            *_accident_figures(book, ctx, p),
            *_section_a(ctx, p),
            *_four_musts(book, ctx, p, present),
            *_section_b(ctx, p),
            *_section_c(ctx, p, book),
            *_section_d(ctx, p),
            *_section_e(ctx, p),
            _adjustments(ctx),
        ]
        for statement in statements:
            con.execute(statement)
        return _frame(con.execute(_finish(ctx, p, book, assessed)).fetchnumpy())
    finally:
        con.close()
