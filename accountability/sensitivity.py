"""Rank robustness under the rulebook's choices: a Monte Carlo over rulebook parameters.

`sensitivity(data, rules, year, vary=…, n=…, seed=…)` draws `n` rulebooks around
`rules`, scores every region under each exactly as `assess` would, and summarises per
region (median rank, 5–95 % rank interval, share of draws at each grade, whether the
grade is stable, whether the score is near a band edge) and per parameter (its share
of the rank variance).

**The variation** (`vary`) names rulebook parameter keys, each with one of:

- ``factor = [lo, hi]``: the value in force times a uniform draw from [lo, hi];
- ``shift = [lo, hi]``: the value in force plus a uniform draw from [lo, hi];
- ``range = [lo, hi]``: a uniform draw from [lo, hi] itself (absolute);
- ``choices = [a, b, …]``: one of the values, each as likely.

A factor, shift or range applies to each number of the value on its own: each section
weight of ``annual.section_weights``, each entry of ``annual.a6_points``, each band's
``min`` of ``annual.grade_bands`` (the lowest band stays at 0).  Each such number is one
*component* of the draw (``annual.section_weights.A``, ``annual.grade_bands.优秀``), and
the per-parameter results are per component.  A choice replaces the whole value.

As a TOML file (the command line's ``--vary``), written like a rule file::

    [annual.section_weights]
    factor = [0.75, 1.25]

    [annual.grade_bands]
    shift = [-2, 2]

    [annual.b1_points]
    range = [7, 21]

    [annual.veto_effect]
    choices = ["grade", "zero"]

**The default** (`default_vary`): section weights ±25 % (``factor = [0.75, 1.25]``),
grade band edges ±2 points (``shift = [-2, 2]``), and every points parameter of the
annual sections A–E that is not 0 in the rulebook ×[0.5, 1.5] (``factor``).

**Each draw is a valid rulebook**: the section weights are renormalised to their sum in
the rulebook (100), band edges are put back in order (the names keep theirs, best
first), and every draw's rulebook passes the rulebook's own checks; a drawn value holds
on every day (it replaces the parameter's dated values).  `SensitivityResult.rulebook_of`
gives the rulebook of any draw.

**Scoring**.  Section weights, band edges and the points of the annual rules take the
fast path over values cached once:

- a rule whose points are its points parameter times a count or share of the data
  (``Count``, ``Share``, A1, D2) is probed once with that parameter at 1, giving the
  factor per region; a draw's points are ``−(factor × value)``, the very product the
  rule computes;
- a rule that reads a varied key some other way (A2, A3, A6, a ``Share``'s target) is
  re-evaluated for each draw over the cached input tables (`rerun_rules`);
- the finishing steps are re-applied per draw and region, in the annual scorer's
  order, with its expressions: the line items in canonical order, each section's cap
  at its drawn weight, the rescale to the assessed weights, committee adjustments, the
  clip to [0, base], the grade from the drawn bands on the score rounded to 6
  decimals, the grade cap, the committee's lowering, the veto (and ``veto_if_grade``,
  ``veto_effect = "zero"``), and the rank among siblings (vetoed last).

The fast path first scores the rulebook itself and checks it equal to `assess`
(score, grade, rank of every region); any other key (a veto table, the accident
grading, the base…) runs `assess` once per draw (`fast_path` is then false and
`notes` says why).

**The summaries**: `rank_p05` and `rank_p95` (and `score_p05`, `score_p95`) are the
5 % and 95 % quantiles of the draws, taken as observed values (the lower for 5 %, the
higher for 95 %); `grade_stable` is true when the modal grade holds in at least 95 %
of the draws; `near_threshold` when the 5–95 % score interval (scores rounded to 6
decimals) contains a band edge of the rulebook (a band's ``min``, the lowest band's
0 excepted).  A parameter's `variance_share` is its first-order index by binning: the
draws are cut into 10 bins of equal count by the component's value (by the choice for
``choices``), and the variance of the regions' mean rank across bins is divided by the
variance of their rank, summed over the regions; with n draws its noise floor is
about 9 ÷ n.

>>> import accountability as acc
>>> data = acc.load_dataset("fixtures/yiyang-2024")  # doctest: +SKIP
>>> result = acc.sensitivity(data, year=2024, n=200, seed=1)  # doctest: +SKIP
>>> result.regions.select("name", "rank", "rank_p05", "rank_p95", "grade_stable")  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import math
import random
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.assessment import assess
from accountability.dataset import Dataset
from accountability.engine import ENGINE
from accountability.errors import RulebookError
from accountability.progress import Progress, report_step
from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook
from accountability.rulebook.checks import problems_of
from accountability.rulebook.model import DatedValue
from accountability.rulebook.positions import key_positions, locate
from accountability.rules.annual import MetricFormula
from accountability.rules.model import Context, Count, Registry, Rule, Share
from accountability.rules.parameters import param_spec
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual import assessed_sections
from accountability.scorers.annual.compile import compile_rule, empty_items, section_items
from accountability.scorers.annual.finishing import (
    SECTIONS,
    _fold,
    _grade_downs,
    as_items,
    grade_and_rank,
    order_index,
)
from accountability.scorers.annual.inputs import accident_inputs, frames
from accountability.wording import deduction

__all__ = [
    "HOW",
    "SensitivityResult",
    "Vary",
    "check_vary",
    "default_vary",
    "parse_vary",
    "read_vary",
    "sensitivity",
]

HOW: tuple[str, ...] = ("factor", "shift", "range", "choices")
WEIGHTS = "annual.section_weights"
BANDS = "annual.grade_bands"
STABLE_SHARE = 0.95
BINS = 10
# A Formula rule whose points are its one points parameter times a figure of the data,
# as its formula says ("a1_points_per_death × max(0, 死亡人数 − 控制指标)").
_LINEAR_FORMULAS: dict[str, str] = {"A1": "annual.a1_points_per_death"}
_POINTS_ROLE = "分值"
_BATCH = 32


# --- the variation --------------------------------------------------------------------------


@attrs.frozen
class Vary:
    """How one rulebook parameter varies across the draws: `how` is one of `HOW`,
    with `low` and `high` for a factor, shift or range and `choices` for a choice;
    `where` is the file and line it was written at ("" when given in code).

    >>> Vary("annual.b1_points", "factor", 0.5, 1.5)
    Vary(key='annual.b1_points', how='factor', low=0.5, high=1.5, choices=(), where='')
    """

    key: str
    how: str = attrs.field(validator=attrs.validators.in_(HOW))
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    where: str = ""

    def text(self) -> str:
        """The variation as a person reads it: "×[0.5, 1.5]", "±2", "∈ {grade, zero}"."""
        if self.how == "choices":
            return "∈ {" + ", ".join(str(c) for c in self.choices) + "}"
        lo, hi = _num(self.low), _num(self.high)
        if self.how == "factor":
            return f"×[{lo}, {hi}]"
        if self.how == "shift":
            return f"±{hi}" if self.low == -(self.high or 0) else f"+[{lo}, {hi}]"
        return f"[{lo}, {hi}]"


def _num(value: float | None) -> str:
    return f"{value:g}" if value is not None else "—"


def _problem(where: str, key: str, message: str) -> RulebookError:
    return RulebookError(f"{where + ': ' if where else ''}{key}: {message}")


def parse_vary(spec: Mapping[str, Any], *, source: str = "", text: str = "") -> tuple[Vary, ...]:
    """The variation of a mapping: flat keys (``{"annual.b1_points": {"factor": [0.5,
    1.5]}}``) or nested tables as TOML reads them.  `source` and `text` (the file's
    name and text) let an error name the line.  A malformed entry is a `RulebookError`
    naming the key and what is wrong with it.

    >>> parse_vary({"annual": {"grade_bands": {"shift": [-2, 2]}}})
    (Vary(key='annual.grade_bands', how='shift', low=-2.0, high=2.0, choices=(), where=''),)
    """
    positions = key_positions(text) if text else {}

    def where(key: str) -> str:
        line = locate(positions, key) if positions else None
        return f"{source}:{line}" if source and line else source

    found: list[Vary] = []

    def walk(prefix: str, table: Any) -> None:
        if not isinstance(table, Mapping):
            raise _problem(
                where(prefix),
                prefix or "vary",
                f"须为表，写明 {'、'.join(HOW)} 之一 "
                f"(expected a table with one of {', '.join(HOW)})",
            )
        words = [w for w in table if w in HOW]
        if not words:
            if not table:
                raise _problem(
                    where(prefix),
                    prefix or "vary",
                    f"未写明变化方式 {'、'.join(HOW)} (no variation given)",
                )
            for name, sub in table.items():
                walk(f"{prefix}.{name}" if prefix else str(name), sub)
            return
        others = [w for w in table if w not in HOW]
        if len(words) > 1 or others:
            extra = words[1:] + others
            raise _problem(
                where(prefix),
                prefix,
                f"只能写一种变化方式 {'、'.join(HOW)}，多出 {', '.join(map(str, extra))} "
                f"(exactly one of {', '.join(HOW)}; unexpected {', '.join(map(str, extra))})",
            )
        if not prefix or "." not in prefix:
            raise _problem(
                where(prefix),
                prefix or "vary",
                "须写在规则库参数键下，如 [annual.b1_points] "
                "(put it under a rulebook key such as [annual.b1_points])",
            )
        found.append(_entry(prefix, words[0], table[words[0]], where(prefix)))

    if spec:  # an empty mapping: nothing varies (every draw is the rulebook itself)
        walk("", spec)
    keys = [v.key for v in found]
    for key in keys:
        if keys.count(key) > 1:
            raise _problem(where(key), key, "重复给出 (given twice)")
    return tuple(found)


def _entry(key: str, how: str, value: Any, where: str) -> Vary:
    if how == "choices":
        if not isinstance(value, list | tuple) or not value:
            raise _problem(
                where, key, "choices 须为非空数组，如 [1, 2] (choices must be a non-empty array)"
            )
        return Vary(key, how, choices=tuple(value), where=where)
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise _problem(
            where,
            key,
            f"{how} 须为两个数 [下限, 上限]，而不是 {value!r} "
            f"({how} must be two numbers [low, high], not {value!r})",
        )
    low, high = float(value[0]), float(value[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise _problem(where, key, f"{how} 须为有限数 (finite numbers expected)")
    if low > high:
        raise _problem(
            where,
            key,
            f"{how} 的下限 {low:g} 大于上限 {high:g} (low {low:g} is above high {high:g})",
        )
    if how == "factor" and low < 0:
        raise _problem(where, key, f"factor 不能为负数，实为 {low:g} (a factor cannot be negative)")
    return Vary(key, how, low, high, where=where)


def read_vary(path: str | Path) -> tuple[Vary, ...]:
    """The variation written in a TOML file (see the module's docstring); an unreadable
    file or a malformed entry is a `RulebookError` naming the file, line and key.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "vary.toml"
    >>> _ = p.write_text("[annual.b1_points]\\nfactor = [0.5, 1.5]\\n")
    >>> read_vary(p)[0].how
    'factor'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulebookError(f"{path}: 找不到抽样设置文件 (no such vary file)") from None
    except IsADirectoryError:
        raise RulebookError(f"{path}: 是一个目录，不是抽样设置文件 (is a directory)") from None
    except UnicodeDecodeError:
        raise RulebookError(f"{path}: 须为 UTF-8 编码的 TOML 文件 (not UTF-8 text)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{path}: TOML 语法错误：{exc} (TOML syntax error)") from None
    if not data:
        raise RulebookError(f"{path}: 没有给出任何参数的变化 (no parameter is varied)")
    return parse_vary(data, source=str(path), text=text)


def _points_keys(book: Rulebook, registry: Registry = REGISTRY) -> list[str]:
    """The points parameters of the annual sections' rules, in the registry's order."""
    keys: list[str] = []
    for rule in registry.of("annual"):
        if rule.section is None or rule.kind == "cap":
            continue
        for key in rule.params:
            spec = param_spec(key)
            if (
                spec is not None
                and spec.role == _POINTS_ROLE
                and key != WEIGHTS
                and key in book
                and key not in keys
            ):
                keys.append(key)
    return keys


def default_vary(rules: Rulebook | None = None, year: int = 2024) -> tuple[Vary, ...]:
    """The default variation: section weights ×[0.75, 1.25] (renormalised), grade band
    edges ±2, and each points parameter of sections A–E that is not 0 in the rulebook
    ×[0.5, 1.5].

    >>> [v.key for v in default_vary()][:3]
    ['annual.section_weights', 'annual.grade_bands', 'annual.a1_points_per_death']
    """
    book = as_rulebook(rules, "default_vary")
    at = book.for_year(year)
    found = [Vary(WEIGHTS, "factor", 0.75, 1.25), Vary(BANDS, "shift", -2.0, 2.0)]
    for key in _points_keys(book):
        value = at[key]
        numbers = list(value.values()) if isinstance(value, dict) else [value]
        if any(float(v) != 0 for v in numbers):
            found.append(Vary(key, "factor", 0.5, 1.5))
    return tuple(found)


# --- the components of a draw ---------------------------------------------------------------


@attrs.frozen
class _Component:
    """One number drawn per draw (or one choice): `part` is the entry of a table (a
    section, an A6 indicator) or the band's index, None for the whole value."""

    name: str
    vary: Vary
    part: str | int | None
    base: Any


def _components(book: Rulebook, year: int, vary: Sequence[Vary]) -> list[_Component]:
    at = book.for_year(year)
    known = list(book)
    found: list[_Component] = []
    for v in vary:
        if v.key not in book:
            close = difflib.get_close_matches(v.key, known, n=1)
            hint = f"，是否应为 {close[0]}？(did you mean {close[0]}?)" if close else ""
            raise _problem(v.where, v.key, f"规则库中没有这个参数 (unknown parameter){hint}")
        base = at[v.key]
        if v.how == "choices":
            found.append(_Component(v.key, v, None, base))
            continue
        if v.key == BANDS:
            for i, band in enumerate(base[:-1]):
                found.append(_Component(f"{v.key}.{band['grade']}", v, i, float(band["min"])))
        elif isinstance(base, dict) and base and all(_is_number(x) for x in base.values()):
            found.extend(_Component(f"{v.key}.{k}", v, str(k), float(x)) for k, x in base.items())
        elif _is_number(base):
            found.append(_Component(v.key, v, None, float(base)))
        else:
            raise _problem(
                v.where,
                v.key,
                f"取值不是数（{type(base).__name__}），只能用 choices 列出取值 "
                f"(not a number: use choices)",
            )
    return found


def check_vary(
    vary: Sequence[Vary], rules: Rulebook | None = None, year: int = 2024
) -> tuple[str, ...]:
    """The components `vary` draws under `rules` for `year`, once it is known that each
    names a parameter of the rulebook, varies it in a way its value allows, and gives a
    valid rulebook at the ends of its ranges and with each of its choices; else a
    `RulebookError` naming the key and the problem.

    >>> check_vary(parse_vary({"annual.section_weights": {"factor": [0.8, 1.2]}}))[:2]
    ('annual.section_weights.A', 'annual.section_weights.B')
    >>> check_vary(parse_vary({"annual.b1_points": {"shift": [-20, 0]}}))
    Traceback (most recent call last):
    ...
    accountability.errors.RulebookError: annual.b1_points: 在 shift 的下限处规则库无效：...
    """
    book = as_rulebook(rules, "check_vary")
    components = _components(book, year, vary)
    known = set(_problems(book))
    ranged = [c for c in components if c.vary.how != "choices"]
    trials: list[tuple[_Component | None, str, list[float]]] = []
    for end, label in ((0, "下限"), (1, "上限")):
        for c in ranged:
            numbers = [_corner(k, end) if k is c else _corner(k, 0.5) for k in components]
            trials.append((c, f"在 {c.vary.how} 的{label}处", numbers))
    for c in components:
        if c.vary.how == "choices":
            for i, choice in enumerate(c.vary.choices):
                numbers = [float(i) if k is c else _corner(k, 0.5) for k in components]
                trials.append((c, f"取 choices 的第 {i + 1} 项 {choice!r} 时", numbers))
    for c, label, numbers in trials:
        drawn = _with_values(book, _resolved(book, year, components, numbers))
        problems = [p for p in _problems(drawn) if p not in known]
        if problems and c is not None:
            raise _problem(c.vary.where, c.vary.key, f"{label}规则库无效：{problems[0]}")
    return tuple(c.name for c in components)


def _problems(book: Rulebook) -> list[str]:
    """The rulebook's faults as "key: message" (a drawn value has no file or line)."""
    return [f"{p.key}: {p.message}" for p in problems_of(book)]


def _corner(c: _Component, end: float) -> float:
    """The component's value at the low end (0), the middle (0.5) or the high end (1) of
    its range; a choice's first one."""
    v = c.vary
    if v.how == "choices":
        return 0.0
    u = v.low + (v.high - v.low) * end  # type: ignore[operator]
    return c.base * u if v.how == "factor" else c.base + u if v.how == "shift" else u


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _like(base: Any, value: Any) -> Any:
    """`value` with whole numbers made decimals where the rulebook's value has decimals."""
    if isinstance(base, float) and _is_number(value):
        return float(value)
    if isinstance(base, dict) and isinstance(value, dict):
        return {k: _like(base.get(k), v) for k, v in value.items()}
    if isinstance(base, list) and isinstance(value, list) and base:
        return [_like(base[min(i, len(base) - 1)], v) for i, v in enumerate(value)]
    return value


def _draw_numbers(components: Sequence[_Component], n: int, seed: int) -> list[list[float]]:
    """Per draw, one number per component: the drawn value, or a choice's index."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row = []
        for c in components:
            v = c.vary
            if v.how == "choices":
                row.append(float(rng.randrange(len(v.choices))))
                continue
            u = rng.uniform(v.low, v.high)  # type: ignore[arg-type]
            row.append(c.base * u if v.how == "factor" else c.base + u if v.how == "shift" else u)
        rows.append(row)
    return rows


def _resolved(
    book: Rulebook, year: int, components: Sequence[_Component], numbers: Sequence[float]
) -> dict[str, Any]:
    """The value of each varied key in one draw: weights renormalised, bands ordered."""
    at = book.for_year(year)
    values: dict[str, Any] = {}
    for c, x in zip(components, numbers, strict=True):
        key = c.vary.key
        if c.vary.how == "choices":
            values[key] = _like(c.base, c.vary.choices[int(x)])
        elif c.part is None:
            values[key] = x
        elif key == BANDS:
            bands = values.setdefault(key, [dict(b) for b in at[key]])
            bands[int(c.part)]["min"] = x
        else:
            table = values.setdefault(key, dict(at[key]))
            table[c.part] = x
    if WEIGHTS in values and any(c.vary.key == WEIGHTS and c.part for c in components):
        weights = values[WEIGHTS]
        total = math.fsum(float(w) for w in at[WEIGHTS].values())
        drawn = math.fsum(float(w) for w in weights.values())
        if drawn > 0 and drawn != total:
            values[WEIGHTS] = {k: float(w) * total / drawn for k, w in weights.items()}
    if BANDS in values and any(c.vary.key == BANDS and c.part is not None for c in components):
        bands = values[BANDS]
        edges = sorted((float(b["min"]) for b in bands[:-1]), reverse=True)
        for band, edge in zip(bands[:-1], edges, strict=True):
            band["min"] = edge
    return values


def _with_values(book: Rulebook, values: Mapping[str, Any]) -> Rulebook:
    """`book` with each key of `values` holding that value on every day."""
    parameters = dict(book.parameters)
    for key, value in values.items():
        parameters[key] = attrs.evolve(parameters[key], values=(DatedValue(None, value),))
    return attrs.evolve(book, parameters=parameters)


# --- the result -----------------------------------------------------------------------------


@attrs.frozen(eq=False)
class SensitivityResult:
    """What `sensitivity` found.

    - `regions`: one row per region: region_code, name, level, parent_code, score, grade and
      rank under the rulebook itself; median_rank, rank_p05, rank_p95, score_p05,
      score_p95; ``share_<grade>`` for each grade (best first); modal_grade,
      modal_share, grade_stable, near_threshold.  Sorted by region_code.
    - `parameters`: one row per component drawn: component, key, how, variance_share,
      largest first.
    - `draws`: one row per draw and region: draw, region_code, score, grade, rank,
      vetoed.
    - `values`: one row per draw and component: draw, component, value (a choice's
      index for ``choices``).
    - `vary`, `n`, `seed`, `year`: what was drawn; `fast_path`: whether the draws were
      scored over cached values (else `assess` ran per draw), `rerun_rules`: the rules
      re-evaluated per draw on the fast path; `notes`: why the fast path was not taken.
    """

    regions: pl.DataFrame
    parameters: pl.DataFrame
    draws: pl.DataFrame
    values: pl.DataFrame
    vary: tuple[Vary, ...]
    n: int
    seed: int
    year: int
    fast_path: bool
    rerun_rules: tuple[str, ...]
    notes: tuple[str, ...]
    grade_names: tuple[str, ...]
    band_edges: tuple[float, ...]
    rules: Rulebook = attrs.field(repr=False)

    def rulebook_of(self, draw: int) -> Rulebook:
        """The rulebook of one draw (0 … n − 1): `assess` under it gives that draw's
        scores, grades and ranks."""
        if not 0 <= draw < self.n:
            raise IndexError(f"draw {draw} is not in 0 … {self.n - 1}")
        components = _components(self.rules, self.year, self.vary)
        row = self.values.filter(pl.col("draw") == draw)
        by_name = dict(zip(row["component"], row["value"], strict=True))
        numbers = [by_name[c.name] for c in components]
        return _with_values(self.rules, _resolved(self.rules, self.year, components, numbers))

    def __repr__(self) -> str:
        path = "fast path" if self.fast_path else "assess per draw"
        return (
            f"SensitivityResult({self.year}, {self.n} draws, seed {self.seed}, {path}, "
            f"{self.regions.height} regions, {self.parameters.height} components)"
        )


# --- scoring the draws ----------------------------------------------------------------------


@attrs.frozen
class _Plan:
    """How the varied keys are scored: keys read in the finishing steps, rules probed
    for their factor, rules re-evaluated per draw, keys that need `assess`."""

    finishing: tuple[str, ...]
    linear: dict[str, str]  # rule id -> its points key
    rerun: tuple[str, ...]
    slow: tuple[str, ...]


def _section_rules(registry: Registry) -> list[Rule]:
    return [r for s in SECTIONS for r in registry.section(s) if r.compute is not None]


def _linear_key(rule: Rule) -> str | None:
    spec = rule.compute
    if isinstance(spec, Count | Share | MetricFormula):
        return spec.points
    return _LINEAR_FORMULAS.get(rule.id)


def _rule_keys(rule: Rule) -> set[str]:
    """The keys a rule alone reads and that the fast path may vary: its points, and a
    share's target."""
    keys = {k for k in rule.params if (s := param_spec(k)) is not None and s.role == _POINTS_ROLE}
    keys.discard(WEIGHTS)
    spec = rule.compute
    if isinstance(spec, Count | Share | MetricFormula):
        keys.add(spec.points)
    if isinstance(spec, Share) and spec.target is not None:
        keys.add(spec.target)
    return keys


def _plan(vary: Sequence[Vary], book: Rulebook, year: int, registry: Registry) -> _Plan:
    varied = {v.key: v for v in vary}
    rules = _section_rules(registry)
    finishing, slow = [], []
    for key, v in varied.items():
        if key == WEIGHTS or (key == BANDS and _same_band_names(v, book, year)):
            finishing.append(key)
        elif not any(key in _rule_keys(r) for r in rules):
            slow.append(key)
    linear: dict[str, str] = {}
    rerun: list[str] = []
    for rule in rules:
        read = _rule_keys(rule) & set(varied)
        if not read:
            continue
        key = _linear_key(rule)
        if read == {key}:
            linear[rule.id] = key  # type: ignore[assignment]
        else:
            rerun.append(rule.id)
    return _Plan(tuple(finishing), linear, tuple(rerun), tuple(slow))


def _same_band_names(v: Vary, book: Rulebook, year: int) -> bool:
    names = [b["grade"] for b in book.for_year(year)[BANDS]]
    if v.how != "choices":
        return True
    return all(
        isinstance(c, list) and [b.get("grade") for b in c if isinstance(b, dict)] == names
        for c in v.choices
    )


@attrs.frozen
class _Inputs:
    """What the annual scorer reads, computed once: the input tables in the form the
    rules read them (collected), the baseline's section line items, and per region
    what the finishing steps read besides the points."""

    tables: dict[str, pl.LazyFrame]
    links: Hierarchy
    ctx: Context
    assessed: tuple[str, ...]
    items: pl.DataFrame
    regions: pl.DataFrame  # region_code, name, level, parent_code, veto0, cap_applies, down
    adjustments: pl.DataFrame  # region_code, adj (list, canonical order)


def _inputs(data: Dataset, book: Rulebook, year: int, base: Any, registry: Registry) -> _Inputs:
    """The annual scorer's inputs as `annual` builds them when `assess` runs it (the
    four_musts cases, officials, 约谈 events and 应移送未移送 of the assessment)."""
    ctx = Context.for_year(book, year)
    regions = data.table("regions", needed_by="sensitivity")
    links = Hierarchy.of(regions)
    assessed, _ = assessed_sections(data, registry)
    raw = data.get("accidents")
    prepared, figures = accident_inputs(raw, book, links, ctx)
    lazy = frames(
        book, ctx, links,
        accidents=raw, prepared=prepared, figures=figures,
        targets=data.get("targets"), stats=data.get("region_stats"),
        cases=base.cases, inspections=data.get("inspections"),
        enterprises=data.get("enterprises"), hazards=data.get("hazards"),
        officials=base.officials, work_items=data.get("work_items"),
        referral_gaps=base.referral_gaps, summons_events=base.summons_events,
    )  # fmt: skip
    names = list(lazy)
    tables = {
        k: f.lazy()
        for k, f in zip(names, pl.collect_all(list(lazy.values()), engine=ENGINE), strict=True)
    }
    parts = [as_items(section_items(s, registry, tables, links, ctx)) for s in assessed]
    items = (pl.concat(parts) if parts else as_items(empty_items())).collect(engine=ENGINE)

    p = ctx.rules
    cap_grade = str(p["annual.grade_cap_accident_grade"])
    region_items = base.line_items.filter(pl.col("subject_type") == "region")
    vetoed = region_items.filter(pl.col("rule_id") == "veto").select(
        pl.col("subject_id").alias("region_code"), pl.lit(True).alias("veto0")
    )
    codes = links.codes.select("region_code")
    info = (
        regions.lazy()
        .select(
            pl.col("region_code").cast(pl.String),
            pl.col("name").cast(pl.String),
            pl.col("level").cast(pl.String),
            pl.col("parent_code").cast(pl.String),
        )
        .join(
            tables["figures"].select("region_code", f"ge_{cap_grade}"), on="region_code", how="left"
        )
        .join(vetoed.lazy().unique(), on="region_code", how="left")
        .join(
            _grade_downs(data.get("adjustments"), codes, year).select("region_code", "down"),
            on="region_code",
            how="left",
        )
        .select(
            "region_code",
            "name",
            "level",
            "parent_code",
            pl.col("veto0").fill_null(False),
            (pl.col(f"ge_{cap_grade}") > 0).fill_null(False).alias("cap_applies"),
            pl.col("down").fill_null(0),
        )
        .collect(engine=ENGINE)
    )
    adjustments = (
        region_items.filter(pl.col("rule_id") == "adjustment")
        .sort("subject_id", "reason", "points", "basis")
        .group_by("subject_id", maintain_order=True)
        .agg(pl.col("points").alias("adj"))
        .rename({"subject_id": "region_code"})
    )
    return _Inputs(tables, links, ctx, assessed, items, info, adjustments)


def _draw_frame(
    values: Sequence[Mapping[str, Any]], book: Rulebook, year: int, plan: _Plan
) -> pl.DataFrame:
    """One row per draw (draw 0 is the rulebook itself, then 1 … n): each section's
    weight, each band's edge, each probed key's value."""
    at = book.for_year(year)
    rows: dict[str, list[Any]] = {"draw": list(range(len(values)))}
    for s in SECTIONS:
        rows[f"w_{s}"] = [float(v.get(WEIGHTS, at[WEIGHTS])[s]) for v in values]
    n_bands = len(at[BANDS])
    for i in range(n_bands):
        rows[f"e_{i}"] = [float(v.get(BANDS, at[BANDS])[i]["min"]) for v in values]
    for key in sorted(set(plan.linear.values())):
        rows[key] = [float(v.get(key, at[key])) for v in values]
    return pl.DataFrame(rows)


def _draw_items(
    inputs: _Inputs,
    plan: _Plan,
    draws: pl.DataFrame,
    contexts: Sequence[Context],
    book: Rulebook,
    year: int,
    registry: Registry,
) -> pl.LazyFrame:
    """The section line items of every draw (draw, region_code, rule_id, points, reason,
    basis): unvaried rules as they are, probed rules from their factor, re-evaluated
    rules per draw."""
    fixed = set(plan.linear) | set(plan.rerun)
    all_draws = draws.select("draw").lazy()
    static = (
        inputs.items.lazy()
        .filter(~pl.col("rule_id").is_in(sorted(fixed)))
        .join(all_draws, how="cross")
        .select("draw", "region_code", "rule_id", "points", "reason", "basis")
    )
    parts = [static]
    if plan.linear:
        probe = _with_values(book, {key: 1.0 for key in set(plan.linear.values())})
        probe_ctx = Context.for_year(probe, year)
        rules = [registry[rule_id] for rule_id in plan.linear]
        factors = pl.concat(
            [
                compile_rule(rule, inputs.tables, inputs.links, probe_ctx).with_columns(
                    pl.lit(plan.linear[rule.id]).alias("key")
                )
                for rule in rules
            ]
        ).select("region_code", "rule_id", "reason", "basis", "key", (-pl.col("points")).alias("f"))
        long = draws.lazy().unpivot(
            index="draw", on=sorted(set(plan.linear.values())), variable_name="key"
        )
        metric = [r.id for r in rules if r.kind == "metric"]
        parts.append(
            factors.join(long, on="key")
            # a metric rule adds line items only while its points are not 0
            .filter(~(pl.col("rule_id").is_in(metric) & (pl.col("value") == 0)))
            .select(
                "draw",
                "region_code",
                "rule_id",
                deduction(pl.col("f") * pl.col("value")).alias("points"),
                "reason",
                "basis",
            )
        )
    if plan.rerun:
        rules = [registry[rule_id] for rule_id in plan.rerun]
        plans = [
            compile_rule(rule, inputs.tables, inputs.links, ctx).with_columns(
                pl.lit(draw, dtype=pl.Int64).alias("draw")
            )
            for draw, ctx in enumerate(contexts)
            for rule in rules
            if rule.kind != "metric" or ctx[rule.compute.points] != 0
        ]
        if plans:
            # in batches: one collect_all over thousands of plans is much slower
            batches = [plans[i : i + _BATCH] for i in range(0, len(plans), _BATCH)]
            rerun = pl.concat(
                [f for batch in batches for f in pl.collect_all(batch, engine=ENGINE)]
            )
            parts.append(
                as_items(rerun.lazy())
                .with_columns(rerun["draw"].alias("draw"))
                .select("draw", "region_code", "rule_id", "points", "reason", "basis")
            )
    return pl.concat([p.with_columns(pl.col("draw").cast(pl.Int64)) for p in parts], how="vertical")


def _score(
    items: pl.LazyFrame,
    draws: pl.DataFrame,
    inputs: _Inputs,
    registry: Registry,
) -> pl.DataFrame:
    """Every draw's regions (draw, region_code, score, grade, rank, vetoed): the annual
    scorer's finishing steps (`accountability.scorers.annual.finishing.finish_plan`)
    per draw, each with its own weights and band edges."""
    p = inputs.ctx.rules
    base = float(p["annual.base"])
    assessed = inputs.assessed
    unassessed = [s for s in SECTIONS if s not in assessed]
    section_of = {rule.id: rule.section for rule in registry.of("annual")}
    in_section = pl.col("rule_id").replace_strict(section_of, default=None, return_dtype=pl.String)
    per = (
        items.sort("draw", "region_code", order_index(registry), "reason", "points", "basis")
        .group_by("draw", "region_code", maintain_order=True)
        .agg(
            *[pl.col("points").filter(in_section == s).alias(f"seq_{s}") for s in assessed],
            *[pl.col("points").filter(in_section == s).sort().alias(f"sum_{s}") for s in assessed],
        )
        .with_columns([pl.col(f"sum_{s}").list.sum() for s in assessed])
    )
    codes = inputs.links.codes.select("region_code")
    run = (
        draws.lazy()
        .join(codes, how="cross")
        .join(per, on=["draw", "region_code"], how="left")
        .with_columns(pl.lit(base).alias("t"))
    )
    t = pl.col("t")
    for s in assessed:
        w, total = pl.col(f"w_{s}"), pl.col(f"sum_{s}")
        run = run.with_columns(_fold(t, pl.col(f"seq_{s}")).alias("t_raw"))
        run = run.with_columns(
            pl.when(total < -w).then((t - w) - pl.col("t_raw")).alias(f"cap_{s}"),
            pl.col("t_raw").alias("t"),
            (w + total.fill_null(0.0).clip(lower_bound=-w)).alias(s),
        ).with_columns(
            pl.when(pl.col(f"cap_{s}").is_not_null()).then(t + pl.col(f"cap_{s}")).otherwise(t)
        )
    if unassessed and assessed:
        assessed_w = pl.col(f"w_{assessed[0]}")
        for s in assessed[1:]:
            assessed_w = assessed_w + pl.col(f"w_{s}")
        got = pl.sum_horizontal([pl.col(s) for s in assessed])
        # the scorer divides by the assessed weight as a literal, which polars computes
        # as a product with its reciprocal: so here too, to the last bit
        rescaled = got * base * (pl.lit(1.0) / assessed_w)
        run = run.with_columns((rescaled - t).alias("rescale")).with_columns(
            pl.when(pl.col("rescale").is_not_null()).then(t + pl.col("rescale")).otherwise(t)
        )
    if assessed:
        run = run.join(inputs.adjustments.lazy(), on="region_code", how="left").with_columns(
            _fold(t, pl.col("adj")).alias("t")
        )
    run = run.with_columns(
        pl.when(t > base).then(pl.lit(base) - t).when(t < 0).then(-t).alias("clip")
    ).with_columns(pl.when(pl.col("clip").is_not_null()).then(t + pl.col("clip")).otherwise(t))
    score = t if assessed else pl.lit(None, dtype=pl.Float64)

    names = [str(b["grade"]) for b in p[BANDS]]
    veto_grades = (
        [str(g) for g in p["annual.veto_if_grade"]] if "annual.veto_if_grade" in p.rulebook else []
    )
    rounded = pl.col("score").round(6)
    band: Any = pl  # each draw's own band edges e_0, e_1, …
    for i in range(len(names)):
        band = band.when(rounded >= pl.col(f"e_{i}")).then(pl.lit(i))
    band = band.otherwise(pl.lit(len(names) - 1))
    frame = (
        run.select(
            "draw", *[f"e_{i}" for i in range(len(names))], "region_code", score.alias("score")
        )
        .join(inputs.regions.lazy(), on="region_code", how="left")
        .with_columns(pl.col("veto0").alias("vetoed"))
    )
    return (
        grade_and_rank(
            frame,
            band=band,
            names=names,
            cap_grade=str(p["annual.grade_cap"]),
            veto_grades=veto_grades,
            zero_on=pl.lit(bool(assessed) and p["annual.veto_effect"] == "zero"),
            rank_within=("draw",),
        )
        .select("draw", "region_code", "score", "grade", "rank", "vetoed")
        .sort("draw", "region_code")
        .collect(engine=ENGINE)
    )


def _by_assess(
    data: Dataset, books: Sequence[Rulebook], year: int, progress: Progress | None
) -> pl.DataFrame:
    """Every draw's regions by `assess` under its rulebook (the slow path)."""
    frames_ = []
    for draw, book in enumerate(books):
        report_step(progress, "考核", f"第 {draw + 1}/{len(books)} 次抽样")
        frames_.append(
            assess(data, book, year=year)
            .regions.select("region_code", "score", "grade", "rank", "vetoed")
            .with_columns(pl.lit(draw, dtype=pl.Int64).alias("draw"))
        )
    return pl.concat(frames_).select("draw", "region_code", "score", "grade", "rank", "vetoed")


# --- the summaries --------------------------------------------------------------------------


def _region_summary(
    draws: pl.DataFrame, point: pl.DataFrame, names: Sequence[str], edges: Sequence[float]
) -> pl.DataFrame:
    """Per region: rank and score intervals, grade shares, modal grade, stability, and
    whether the score interval holds a band edge."""
    n = draws["draw"].n_unique()
    stats = draws.group_by("region_code").agg(
        pl.col("rank").median().alias("median_rank"),
        pl.col("rank").quantile(0.05, "lower").cast(pl.Int64).alias("rank_p05"),
        pl.col("rank").quantile(0.95, "higher").cast(pl.Int64).alias("rank_p95"),
        pl.col("score").round(6).quantile(0.05, "lower").alias("score_p05"),
        pl.col("score").round(6).quantile(0.95, "higher").alias("score_p95"),
        *[((pl.col("grade") == g).sum() / n).alias(f"share_{g}") for g in names],
    )
    shares = pl.concat_list([pl.col(f"share_{g}") for g in names])
    best = shares.list.arg_max()
    edge_in = pl.any_horizontal(
        [(pl.col("score_p05") <= e) & (pl.col("score_p95") >= e) for e in edges] or [pl.lit(False)]
    )
    has_grade = shares.list.max() > 0
    return (
        point.join(stats, on="region_code", how="left")
        .with_columns(
            pl.when(has_grade)
            .then(best.replace_strict(list(range(len(names))), list(names), return_dtype=pl.String))
            .alias("modal_grade"),
            pl.when(has_grade).then(shares.list.max()).alias("modal_share"),
        )
        .with_columns(
            (pl.col("modal_share") >= STABLE_SHARE).fill_null(False).alias("grade_stable"),
            edge_in.fill_null(False).alias("near_threshold"),
        )
        .sort("region_code")
    )


def _variance_shares(
    draws: pl.DataFrame, values: pl.DataFrame, components: Sequence[_Component]
) -> pl.DataFrame:
    """Each component's first-order share of the rank variance, by binning its values
    into `BINS` bins of equal count (a choice: one bin per choice)."""
    schema = {"component": pl.String(), "key": pl.String(), "how": pl.String(),
              "variance_share": pl.Float64()}  # fmt: skip
    if not components:
        return pl.DataFrame(schema=schema)
    n = values["draw"].n_unique()
    how = {c.name: c.vary.how for c in components}
    binned = values.with_columns(
        pl.when(pl.col("component").replace_strict(how, default="") == "choices")
        .then(pl.col("value").cast(pl.Int64))
        .otherwise(
            ((pl.col("value").rank("ordinal").over("component") - 1) * BINS // n).cast(pl.Int64)
        )
        .alias("bin")
    ).select("draw", "component", "bin")
    ranks = draws.filter(pl.col("rank").is_not_null()).select(
        "draw", "region_code", pl.col("rank").cast(pl.Float64)
    )
    # sums of whole ranks are exact in any order; what is summed over regions and bins
    # is summed in a fixed order, so that a seed gives the same shares to the last bit
    per_region = (
        ranks.group_by("region_code")
        .agg(pl.col("rank").sum().alias("s1"), (pl.col("rank") ** 2).sum().alias("s2"), pl.len())
        .sort("region_code")
        .with_columns((pl.col("s1") / pl.col("len")).alias("mu"))
    )
    total = per_region.select((pl.col("s2") - pl.col("s1") ** 2 / pl.col("len")).sum()).item()
    between = (
        ranks.join(binned, on="draw")
        .group_by("component", "region_code", "bin")
        .agg(pl.col("rank").sum().alias("sb"), pl.len().alias("nb"))
        .join(per_region.select("region_code", "mu"), on="region_code")
        .sort("component", "region_code", "bin")
        .group_by("component", maintain_order=True)
        .agg(
            (pl.col("nb") * (pl.col("sb") / pl.col("nb") - pl.col("mu")) ** 2)
            .sum()
            .alias("between")
        )
    )
    order = {c.name: i for i, c in enumerate(components)}
    out = pl.DataFrame(
        {
            "component": [c.name for c in components],
            "key": [c.vary.key for c in components],
            "how": [c.vary.how for c in components],
        }
    ).join(between, on="component", how="left")
    constant = values.group_by("component").agg(pl.col("value").n_unique() == 1).filter("value")
    share = pl.when(pl.col("component").is_in(constant["component"].implode())).then(0.0)
    share = share.otherwise(
        pl.col("between") / total if total and total > 0 else pl.lit(0.0, dtype=pl.Float64)
    )
    return (
        out.with_columns(share.fill_null(0.0).alias("variance_share"))
        .with_columns(pl.col("component").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort(["variance_share", "_o"], descending=[True, False])
        .select(list(schema))
    )


# --- the entry point ------------------------------------------------------------------------


def _as_vary(vary: Any) -> tuple[Vary, ...] | None:
    if vary is None:
        return None
    if isinstance(vary, str | Path):
        return read_vary(vary)
    if isinstance(vary, Mapping):
        return parse_vary(vary)
    items = tuple(vary)
    if not all(isinstance(v, Vary) for v in items):
        raise TypeError(
            "vary 须为 Vary 列表、映射或 TOML 文件路径 "
            "(vary must be Vary entries, a mapping or a TOML file path)"
        )
    return items


def sensitivity(
    data: Dataset | str | Path,
    rules: Rulebook | str | Path | None = None,
    *,
    year: int,
    vary: Sequence[Vary] | Mapping[str, Any] | str | Path | None = None,
    n: int = 500,
    seed: int = 0,
    registry: Registry = REGISTRY,
    progress: Progress | None = None,
) -> SensitivityResult:
    """How robust each region's rank and grade are to the rulebook's choices: `n`
    rulebooks drawn by `vary` (default `default_vary`), seeded by `seed`, each scored as
    `assess` would (see the module's docstring).  The same seed gives the same result.

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> data = Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1))
    >>> sensitivity(data, year=2024, n=5).regions.select("region_code", "rank").row(0)
    ('430900', None)
    """
    data = as_dataset(data, "sensitivity")
    book = as_rulebook(rules, "sensitivity")
    year = as_year(year)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n 须为正整数，而不是 {n!r} (n must be a positive whole number)")
    entries = _as_vary(vary)
    entries = default_vary(book, year) if entries is None else entries
    check_vary(entries, book, year)
    components = _components(book, year, entries)
    report_step(progress, "抽样", f"{n} 次")
    numbers = _draw_numbers(components, n, seed)
    resolved = [_resolved(book, year, components, row) for row in numbers]
    books = []
    known = set(_problems(book))
    for draw, values in enumerate(resolved):
        drawn = _with_values(book, values) if values else book
        problems = [p for p in _problems(drawn) if p not in known] if values else []
        if problems:
            raise RulebookError(
                f"第 {draw} 次抽样的规则库无效，请缩小变化范围 (draw {draw} is not a valid "
                f"rulebook: narrow the variation)：{problems[0]}"
            )
        books.append(drawn)
    values_frame = pl.DataFrame(
        {
            "draw": [d for d in range(n) for _ in components],
            "component": [c.name for _ in range(n) for c in components],
            "value": [x for row in numbers for x in row],
        },
        schema={"draw": pl.Int64(), "component": pl.String(), "value": pl.Float64()},
    )

    report_step(progress, "考核", "规则库本身")
    base = assess(data, book, year=year)
    point = base.regions.select(
        "region_code", "name", "level", "parent_code", "score", "grade", "rank", "vetoed"
    )
    plan = _plan(entries, book, year, registry)
    notes: list[str] = []
    fast = not plan.slow
    if plan.slow:
        notes.append(
            f"参数 {'、'.join(plan.slow)} 不在快速路径上，每次抽样重新运行 assess "
            f"(keys {', '.join(plan.slow)} re-run assess for every draw)"
        )
    scored: pl.DataFrame | None = None
    if fast:
        report_step(progress, "计分", f"{n} 次抽样（快速路径）")
        inputs = _inputs(data, book, year, base, registry)
        table = _draw_frame([{}, *resolved], book, year, plan)
        contexts = [inputs.ctx, *[Context.for_year(b, year) for b in books]]
        items = _draw_items(inputs, plan, table, contexts, book, year, registry)
        every = _score(items, table, inputs, registry)
        itself = every.filter(pl.col("draw") == 0).drop("draw")
        if _agrees(itself, point):
            scored = every.filter(pl.col("draw") > 0).with_columns(pl.col("draw") - 1)
        else:
            fast = False
            notes.append(
                "快速路径与 assess 的结果不一致，改为每次抽样重新运行 assess "
                "(the fast path disagreed with assess: assess re-run for every draw)"
            )
    if scored is None:
        scored = _by_assess(data, books, year, progress)

    at = book.for_year(year)
    names = tuple(str(b["grade"]) for b in at[BANDS])
    edges = tuple(float(b["min"]) for b in at[BANDS][:-1])
    regions = _region_summary(scored, point.drop("vetoed"), names, edges)
    return SensitivityResult(
        regions=regions,
        parameters=_variance_shares(scored, values_frame, components),
        draws=scored,
        values=values_frame,
        vary=tuple(entries),
        n=n,
        seed=seed,
        year=year,
        fast_path=fast,
        rerun_rules=plan.rerun if fast else (),
        notes=tuple(notes),
        grade_names=names,
        band_edges=edges,
        rules=book,
    )


def _agrees(fast: pl.DataFrame, point: pl.DataFrame) -> bool:
    """Whether the fast path's scoring of the rulebook itself is `assess`'s, exactly."""
    cols = ["region_code", "score", "grade", "rank", "vetoed"]
    a = fast.select(cols).sort("region_code")
    b = point.select(cols).sort("region_code")
    return a.equals(b)
