"""分级分类: which class scheme rates an enterprise, and the classes set directly.

A province grades enterprises by sector: 煤矿 by score, 危险化学品 by its
安全生产标准化 grade, 非煤矿山 by its 安全风险等级, and caps the inspections a year
each category may receive (国办发〔2024〕54号: published per-enterprise caps).  The
rulebook's ``enterprise.class_schemes`` holds one scheme per sector (key "*" for the
other sectors, "非高危" for enterprises whose ``high_risk`` is false); without a "*"
scheme the others are graded as before: by score under ``enterprise.risk_classes``,
with ``enterprise.inspections_per_year`` as the minimum and no cap.

Every scheme maps its categories onto the risk classes in order (a worse category
never has a better class), so ``risk_class`` stays A–D whatever the scheme, and
``class_basis`` carries the category's own label (二级, 较大, 长期停产停建 …).

``enterprise.class_overrides`` lists the grounds that set a class directly (a fatal
liability accident in the last months, an overdue 重大 hazard), each with a switch;
the class is then the worse of the scheme's and the override's.

>>> from accountability.rulebook import rulebook
>>> from accountability.rules.model import Context
>>> p = Context.for_year(rulebook(), 2024).rules
>>> [(s.key, s.by, [c.label for c in s.categories]) for s in class_schemes(p)]
[('*', 'score', ['A', 'B', 'C', 'D'])]
>>> [o.ground for o in class_overrides(p) if o.on]
[]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import polars as pl

from accountability.codes import DEFAULT_SCHEME, LONG_IDLE, NON_HIGH_RISK, UNRATED
from accountability.errors import RulebookError
from accountability.rulebook import RulesAt
from accountability.rules.parameters import scheme_labels

__all__ = [
    "CATEGORY_SCHEMA",
    "Category",
    "ClassOverride",
    "ClassScheme",
    "categories_frame",
    "class_order",
    "class_overrides",
    "class_schemes",
    "scheme_key",
    "scheme_label",
]

SCHEMES = "enterprise.class_schemes"
OVERRIDES = "enterprise.class_overrides"

CATEGORY_SCHEMA: dict[str, pl.DataType] = {
    "_scheme": pl.String(),
    "class_basis": pl.String(),
    "_category_class": pl.String(),
    "_category_min": pl.Int64(),
    "_category_max": pl.Int64(),
}


@attrs.frozen
class Category:
    """One category of a scheme: its label (一级, 较大, A …), the risk class it maps to,
    and the inspections a year it must receive (`inspections_min`) and may receive at
    most (`inspections_max`, None for no cap)."""

    label: str
    risk_class: str
    inspections_min: int
    inspections_max: int | None = None


@attrs.frozen
class ClassScheme:
    """The class scheme of one sector (`key`: a sector, "*" or "非高危"): what it grades
    by (score, standardization, risk_level), its categories from best to worst, and
    its basis."""

    key: str
    by: str
    categories: tuple[Category, ...]
    basis: str

    def has(self, label: str) -> bool:
        return any(c.label == label for c in self.categories)


@attrs.frozen
class ClassOverride:
    """A ground that sets the class directly: `fatal_accident` (a fatal liability
    accident within `months` months ending on the period's last day) or
    `major_hazard_overdue` (a 重大 hazard overdue at the period's end)."""

    ground: str
    risk_class: str
    on: bool
    months: int
    basis: str


def class_order(p: RulesAt) -> list[str]:
    """The risk classes from best to worst (by ``enterprise.risk_classes``' floors).

    >>> from accountability.rulebook import rulebook
    >>> from accountability.rules.model import Context
    >>> class_order(Context.for_year(rulebook(), 2024).rules)
    ['A', 'B', 'C', 'D']
    """
    bands = sorted(p["enterprise.risk_classes"], key=lambda c: -float(c["min"]))
    return [str(c["class"]) for c in bands]


def _fault(key: str, message: str) -> RulebookError:
    return RulebookError(problems=[f"{SCHEMES}: {key}: {message}"])


def _scheme(key: str, raw: dict[str, Any], classes: list[str]) -> ClassScheme:
    categories = tuple(
        Category(
            label=str(c["label"]),
            risk_class=str(c["class"]),
            inspections_min=int(c["inspections_min"]),
            inspections_max=None if "inspections_max" not in c else int(c["inspections_max"]),
        )
        for c in raw["categories"]
    )
    by = str(raw["by"])
    unknown = [c.risk_class for c in categories if c.risk_class not in classes]
    if unknown:
        raise _fault(key, f"类别的风险等级 {unknown} 不在 enterprise.risk_classes {classes} 之中")
    missing = [k for k in classes if k not in {c.risk_class for c in categories}]
    if missing:
        raise _fault(key, f"风险等级 {missing} 没有对应的类别：每一风险等级须有其检查次数")
    labels = [c.label for c in categories if c.label != LONG_IDLE]
    order = scheme_labels(by) or tuple(classes)
    if by == "score" and set(labels) != set(classes):
        raise _fault(key, f"按得分分级时，类别须为各风险等级 {classes}，实为 {labels}")
    ranks = [classes.index(c.risk_class) for c in sorted(
        (c for c in categories if c.label != LONG_IDLE), key=lambda c: order.index(c.label)
    )]  # fmt: skip
    if ranks != sorted(ranks):
        raise _fault(
            key,
            f"类别须依 {list(order)} 的次序对应由好到差的风险等级（较差的类别不能定为较好的等级）",
        )
    return ClassScheme(key=key, by=by, categories=categories, basis=str(raw["basis"]))


def class_schemes(p: RulesAt) -> tuple[ClassScheme, ...]:
    """The schemes in force: the rulebook's, plus the default "*" scheme by score when
    the rulebook writes none.  Raises RulebookError for a scheme whose classes are not
    the risk classes, miss one, or are out of order."""
    classes = class_order(p)
    written = dict(p[SCHEMES]) if SCHEMES in p.rulebook else {}
    schemes = [_scheme(str(k), dict(v), classes) for k, v in written.items()]
    if DEFAULT_SCHEME not in written:
        per_class = {str(k): int(v) for k, v in dict(p["enterprise.inspections_per_year"]).items()}
        schemes.append(
            ClassScheme(
                key=DEFAULT_SCHEME,
                by="score",
                categories=tuple(Category(c, c, per_class[c]) for c in classes),
                basis=p.rulebook["enterprise.inspections_per_year"].basis,
            )
        )
    return tuple(schemes)


def class_overrides(p: RulesAt) -> tuple[ClassOverride, ...]:
    """The rulebook's direct-class grounds (empty when it has none)."""
    if OVERRIDES not in p.rulebook:
        return ()
    classes = class_order(p)
    out = tuple(
        ClassOverride(
            ground=str(r["ground"]),
            risk_class=str(r["class"]),
            on=bool(r["on"]),
            months=int(r["months"]),
            basis=str(r["basis"]),
        )
        for r in p[OVERRIDES]
    )
    unknown = [o.risk_class for o in out if o.risk_class not in classes]
    if unknown:
        raise RulebookError(
            problems=[
                f"{OVERRIDES}: 风险等级 {unknown} 不在 enterprise.risk_classes {classes} 之中"
            ]
        )
    return out


def categories_frame(schemes: Sequence[ClassScheme]) -> pl.DataFrame:
    """One row per (scheme, category): _scheme, class_basis (the label),
    _category_class, _category_min, _category_max (null: no cap)."""
    rows = [
        (s.key, c.label, c.risk_class, c.inspections_min, c.inspections_max)
        for s in schemes
        for c in s.categories
    ]
    return pl.DataFrame(rows, schema=CATEGORY_SCHEMA, orient="row")


def scheme_key(schemes: Sequence[ClassScheme]) -> pl.Expr:
    """The key of the scheme that rates each enterprise: "非高危" for an enterprise
    whose ``high_risk`` is false (when that scheme exists), else its sector's, else "*"."""
    keys = [s.key for s in schemes]
    sectors = [k for k in keys if k not in (DEFAULT_SCHEME, NON_HIGH_RISK)]
    sector = pl.col("sector").cast(pl.String())
    expr = (
        pl.when(sector.is_in(sectors).fill_null(False))
        .then(sector)
        .otherwise(pl.lit(DEFAULT_SCHEME))
    )
    if NON_HIGH_RISK in keys:
        not_high_risk = pl.col("high_risk").not_().fill_null(False)
        expr = pl.when(not_high_risk).then(pl.lit(NON_HIGH_RISK)).otherwise(expr)
    return expr


def scheme_label(schemes: Sequence[ClassScheme], score_class: pl.Expr) -> pl.Expr:
    """Each enterprise's category label under its scheme (`_scheme` must be a column):
    the score class, the standardization grade or the risk level (未定级 when empty),
    or 长期停产停建 where the enterprise is ``long_idle`` and its scheme has that
    category."""
    by_label = {
        "score": score_class,
        "standardization": pl.col("standardization_level").cast(pl.String()).fill_null(UNRATED),
        "risk_level": pl.col("risk_level").cast(pl.String()).fill_null(UNRATED),
    }
    expr: Any = pl
    for scheme in schemes:
        own = by_label[scheme.by]
        if scheme.has(LONG_IDLE):
            own = (
                pl.when(pl.col("long_idle").fill_null(False)).then(pl.lit(LONG_IDLE)).otherwise(own)
            )
        expr = expr.when(pl.col("_scheme") == scheme.key).then(own)
    return expr.otherwise(pl.lit(None, pl.String()))
