"""Reports say when the data is from, never when they were written (issue 18): the
cover sheet and the Markdown header show the assessment period and the as_of day, and
writing the same assessment under two different clocks gives the same bytes.

The clocks are faked the way freezegun does it, without touching the standard
library: in every loaded `accountability` module and in xlsxwriter (which stamps the
current time into a workbook unless told otherwise), `datetime` and its `date` and
`datetime` classes are replaced by stand-ins whose ``today()``/``now()`` answer the
fake time and which still recognise real dates.  (Patching the `datetime` module
itself would leak into polars, which caches the classes it maps to its dtypes.)
"""

from __future__ import annotations

import datetime as dt
import sys
import types
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import pytest
import xlsxwriter
from test_report import stand_in, with_decisions

from accountability import report

REAL_DATE, REAL_DATETIME = dt.date, dt.datetime
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


class _DateMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, REAL_DATE)


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, REAL_DATETIME)


def fake_clock(now: dt.datetime) -> tuple[type, type]:
    """A `date` and a `datetime` class whose today()/now() return `now`."""

    class FakeDate(REAL_DATE, metaclass=_DateMeta):
        @classmethod
        def today(cls) -> dt.date:
            return now.date()

    class FakeDatetime(REAL_DATETIME, metaclass=_DatetimeMeta):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return now if tz is None else now.replace(tzinfo=tz)

        @classmethod
        def utcnow(cls) -> dt.datetime:
            return now

        @classmethod
        def today(cls) -> dt.datetime:
            return now

    return FakeDate, FakeDatetime


@contextmanager
def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> Iterator[None]:
    fake_date, fake_datetime = fake_clock(now)
    proxy = types.ModuleType("datetime")
    proxy.__dict__.update(vars(dt))
    proxy.date, proxy.datetime = fake_date, fake_datetime
    swap = {id(dt): proxy, id(REAL_DATE): fake_date, id(REAL_DATETIME): fake_datetime}
    with monkeypatch.context() as m:
        for name, module in list(sys.modules.items()):
            if name == "accountability" or name.startswith(("accountability.", "xlsxwriter")):
                for attr, value in list(vars(module).items()):
                    if id(value) in swap:  # the very object: dt, date or datetime
                        m.setattr(module, attr, swap[id(value)])
        yield


CLOCKS = (REAL_DATETIME(2025, 1, 20, 9, 30), REAL_DATETIME(2031, 7, 4, 23, 59, 59))


def assessment():
    return attrs.evolve(with_decisions(stand_in()), period=PERIOD)


def test_the_fake_clock_reaches_xlsxwriter(monkeypatch, tmp_path: Path) -> None:
    """The control: a workbook written without a fixed creation time differs between
    the two clocks, so the test below would see a leak."""
    written = []
    for i, now in enumerate(CLOCKS):
        with clock(monkeypatch, now):
            assert report.dt.date.today() == now.date()  # the library's clock is faked too
            path = tmp_path / f"plain{i}.xlsx"
            book = xlsxwriter.Workbook(str(path))
            book.add_worksheet().write_string(0, 0, "x")
            book.close()
        with zipfile.ZipFile(path) as z:
            written.append(z.read("docProps/core.xml").decode())
    assert "2025-01-20T09:30:00Z" in written[0] and "2031-07-04T23:59:59Z" in written[1]


def test_excel_and_markdown_are_identical_under_two_clocks(monkeypatch, tmp_path: Path) -> None:
    a = assessment()  # the data, built once; only the clock of the run differs
    excel, markdown = [], []
    for i, now in enumerate(CLOCKS):
        with clock(monkeypatch, now):
            excel.append(report.write_excel(a, tmp_path / f"r{i}.xlsx").read_bytes())
            markdown.append(report.markdown_report(a))
    assert excel[0] == excel[1]
    assert markdown[0] == markdown[1]
    with zipfile.ZipFile(tmp_path / "r0.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
    assert "2025-01-15T00:00:00Z" in core  # the as_of day, not either clock
    for text in (core, markdown[0]):
        assert "2025-01-20" not in text and "2031" not in text


def test_headers_show_the_period_and_as_of_never_the_run_date(monkeypatch, tmp_path: Path) -> None:
    a = assessment()
    with clock(monkeypatch, CLOCKS[1]):
        text = report.markdown_report(a, explain=False)
        facts = dict(report.header_facts(a))
    assert "- 考核期：2024-01-01 至 2024-12-31" in text
    assert "- 数据截止日（as_of）：2025-01-15" in text
    assert "2031" not in text
    assert facts["考核期"] == "2024-01-01 至 2024-12-31"
    assert facts["数据截止日（as_of）"] == dt.date(2025, 1, 15)
    assert "数据日期范围" not in facts  # the stand-in carries no event dates


def test_assess_records_the_data_date_range(yiyang_2024) -> None:
    """The fixture's earliest and latest event dates, never the as_of or the run date."""
    first, last = yiyang_2024.data_dates
    assert first < dt.date(2024, 1, 1) <= last <= yiyang_2024.as_of
    facts = dict(report.header_facts(yiyang_2024))
    assert facts["数据日期范围"] == f"{first} 至 {last}"


def test_the_data_date_range_is_shown_when_the_assessment_carries_it() -> None:
    carrying = attrs.evolve(assessment(), data_dates=(dt.date(2023, 1, 1), dt.date(2024, 12, 28)))
    facts = report.header_facts(carrying)
    labels = [label for label, _ in facts]
    assert labels[:4] == ["考核年度", "考核期", "数据日期范围", "数据截止日（as_of）"]
    assert dict(facts)["数据日期范围"] == "2023-01-01 至 2024-12-28"


def test_the_cover_shows_the_same_facts(tmp_path: Path) -> None:
    import fastexcel
    import polars as pl

    path = report.write_excel(assessment(), tmp_path / "r.xlsx")
    cover = fastexcel.read_excel(str(path)).load_sheet_by_name("封面", header_row=None)
    rows = {str(k): v for k, v in cover.to_polars().select(pl.all().cast(pl.String)).iter_rows()}
    assert rows["考核期"] == "2024-01-01 至 2024-12-31"
    assert rows["数据截止日（as_of）"].startswith("2025-01-15")
