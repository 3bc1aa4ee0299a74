"""Results pinned before the rule registry: the Yiyang fixture's 2024 assessment.

Scores, grades, ranks, vetoes, yellow cards, classes, steps, compliance and the
(subject, rule id, points) of every non-zero line item must stay exactly as they
were (`tests/golden/make_golden.py` wrote them).  Reason and basis texts may change,
and 0-point line items may be added, so those are not pinned here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from make_golden import HERE, PINNED, RULEBOOKS, assessment, pinned


@pytest.fixture(scope="module", params=list(RULEBOOKS))
def results(request) -> tuple[str, dict[str, pl.DataFrame]]:
    return request.param, pinned(assessment(request.param))


@pytest.mark.parametrize("frame_name", [*PINNED, "line_items"])
def test_results_unchanged(results, frame_name: str) -> None:
    name, frames = results
    expected = pl.read_parquet(HERE / f"{name}.{frame_name}.parquet")
    assert_frame_equal(frames[frame_name], expected, check_exact=True)
