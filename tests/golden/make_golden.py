"""Write the pinned results of the Yiyang fixture's 2024 assessment.

The files here are the library's results as they stood before the rule registry
(default rulebook and `examples/hunan-city.toml`); `tests/test_golden.py` checks
that every later version gives the same scores, grades, ranks, vetoes, yellow cards,
classes, steps, compliance and the (subject, rule id, points) of every non-zero line
item.  Regenerate only with a change an issue names, and say so in CHANGELOG.md:

    python tests/golden/make_golden.py
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import accountability as acc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
AS_OF = "2025-01-31"
RULEBOOKS = {"default": None, "hunan-city": ROOT / "examples" / "hunan-city.toml"}

# The columns that carry a decision; reason and basis texts may change.
PINNED: dict[str, list[str]] = {
    "regions": [
        "region_code", "score", "grade", "vetoed", "yellow_card", "grade_capped",
        "incomplete", "rank", "A", "B", "C", "D", "E",
    ],
    "enterprises": ["enterprise_id", "score", "risk_class", "dishonest", "inspections_per_year"],
    "officials": ["official_id", "fulfilment", "step"],
    "departments": ["region_code", "department", "fulfilment", "step"],
    "cases": [
        "case_id", "requires_measure", "compliant",
        "required_close", "required_penalty", "required_suspend", "required_accountability",
        "taken_close", "taken_penalty", "taken_suspend", "taken_accountability",
    ],
}  # fmt: skip


def pinned(result: acc.Assessment) -> dict[str, pl.DataFrame]:
    """The decision columns of every frame, and the non-zero line items."""
    frames = {name: getattr(result, name).select(cols) for name, cols in PINNED.items()}
    frames["line_items"] = (
        result.line_items.filter(pl.col("points") != 0)
        .select("subject_type", "subject_id", "rule_id", "points")
        .sort(pl.all())
    )
    return frames


def assessment(name: str) -> acc.Assessment:
    path = RULEBOOKS[name]
    rules = acc.rulebook() if path is None else acc.load_rulebook(path)
    return acc.assess(acc.load_dataset(FIXTURE, as_of=AS_OF), rules, year=2024)


def main() -> None:
    for name in RULEBOOKS:
        for frame_name, frame in pinned(assessment(name)).items():
            frame.write_parquet(HERE / f"{name}.{frame_name}.parquet", statistics=False)


if __name__ == "__main__":
    main()
