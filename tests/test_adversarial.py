"""The loader against hostile and messy input: nothing lost, nothing crashes.

Each case of `tests/adversarial/make_corpus.py` (one folder of `tests/adversarial/corpus`)
ends in a `DatasetError` with the named message, or in a dataset whose rejected rows
and warnings carry the named rules; in every loaded case the rows of each file —
counted here from the file itself, with the csv module or the workbook's XML — are
the rows kept plus the rows rejected.  Cases that could crash or exhaust the
interpreter (workbooks) run in a child process with a 4 GiB address-space limit,
which must exit cleanly within a peak RSS of 1 GiB.  A hypothesis test writes valid
tables in any row order, encoding and line ending and checks that neither the kept
rows nor the assessment change.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from builders import frame
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability import loading
from accountability.assessment import assess
from accountability.columns import TABLES
from accountability.errors import DatasetError
from accountability.tables import load_dataset

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "make_corpus", HERE / "adversarial" / "make_corpus.py"
)
assert _spec is not None and _spec.loader is not None
make_corpus = importlib.util.module_from_spec(_spec)
sys.modules["make_corpus"] = make_corpus
_spec.loader.exec_module(make_corpus)

CORPUS = make_corpus.CORPUS
CASES = {case.name: case for case in make_corpus.CASES}
AS_OF = "2025-01-01"
MEMORY_BOUND = 1024**3  # bytes of peak RSS for a child
ADDRESS_LIMIT = 4 * 1024**3  # a child that tries to take more aborts instead of the machine


# --- counting rows without the loader -------------------------------------------------------


def _csv_rows(path: Path) -> int:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    sep = max((",", ";", "\t"), key=text[:4096].count)
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    records = [r for r in records if any(v.strip() for v in r)]
    header = next(i for i, r in enumerate(records) if sum(bool(v.strip()) for v in r) >= 2)
    return len(records) - header - 1


def _xlsx_rows(path: Path, table: str) -> int:
    """Data rows of the sheets holding the table: every visible sheet whose first row
    names the table's first key column (the hidden ones when no visible one does)."""
    key = TABLES[table].key[0] if TABLES[table].key else TABLES[table].columns[0].name
    with zipfile.ZipFile(path) as book:
        workbook = book.read("xl/workbook.xml").decode()
        counts: dict[bool, int] = {True: 0, False: 0}
        for i, tag in enumerate(re.findall(r"<sheet\b[^>]*>", workbook), start=1):
            visible = "state=" not in tag
            xml = book.read(f"xl/worksheets/sheet{i}.xml").decode()
            rows = [
                r
                for r in re.findall(r"<row\b[^>]*>(.*?)</row>", xml)
                if re.search(r"<(v|t)\b[^>]*>[^<]", r)
            ]
            if rows and f">{key}<" in rows[0]:
                counts[visible] += len(rows) - 1
    return counts[True] or counts[False]


def rows_in_files(folder: Path) -> dict[str, int]:
    """Rows per table, counted from the files of a folder."""
    out: dict[str, int] = {}
    for path in folder.iterdir():
        table = loading.TABLE_FILE_NAMES.get(loading._norm_name(path.name.split(".")[0]))
        if table is None or not path.is_file():
            continue
        suffix = path.suffix.lower()
        out[table] = _xlsx_rows(path, table) if suffix == ".xlsx" else _csv_rows(path)
    return out


# --- running a case ---------------------------------------------------------------------------

_CHILD = """
import json, sys
from accountability.errors import DatasetError
from accountability.tables import load_dataset
try:
    data = load_dataset(sys.argv[1], as_of=sys.argv[2])
except DatasetError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"result": {
        "kept": {t: f.height for t, f in data.tables.items()},
        "rows_read": dict(data.rows_read),
        "rejected": data.rejected.to_dicts(),
        "warnings": data.warnings.to_dicts(),
    }}))
"""

# Runs the child and reports its exit code, output and peak RSS: a process of its own,
# so that RUSAGE_CHILDREN measures that child alone.
_WRAPPER = """
import json, resource, subprocess, sys
limit = int(sys.argv[1])
def bound():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
run = subprocess.run([sys.executable, "-c", sys.argv[2], *sys.argv[3:]], capture_output=True,
                     text=True, preexec_fn=bound, timeout=120)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"code": run.returncode, "out": run.stdout, "err": run.stderr[-3000:],
                  "rss": rss}))
"""


def _in_child(folder: Path) -> dict:
    wrapper = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(ADDRESS_LIMIT), _CHILD, str(folder), AS_OF],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=HERE.parent,
    )
    assert wrapper.returncode == 0, wrapper.stderr
    report = json.loads(wrapper.stdout)
    assert report["code"] == 0, f"child exited {report['code']}: {report['err']}"
    assert "Traceback" not in report["err"], report["err"]
    assert report["rss"] < MEMORY_BOUND, f"peak RSS {report['rss'] / 2**20:.0f} MiB"
    return json.loads(report["out"])


def _in_process(folder: Path) -> dict:
    try:
        data = load_dataset(folder, as_of=AS_OF)
    except DatasetError as exc:
        return {"error": str(exc)}
    return {
        "result": {
            "kept": {t: f.height for t, f in data.tables.items()},
            "rows_read": dict(data.rows_read),
            "rejected": data.rejected.to_dicts(),
            "warnings": data.warnings.to_dicts(),
        }
    }


@pytest.mark.parametrize(
    "name", list(CASES), ids=[f"{n}: {c.description}" for n, c in CASES.items()]
)
def test_case(name: str) -> None:
    case = CASES[name]
    folder = CORPUS / name
    outcome = _in_child(folder) if case.child else _in_process(folder)
    if case.error is not None:
        assert "error" in outcome, f"expected a DatasetError, got {outcome}"
        assert re.search(case.error, outcome["error"], re.S), outcome["error"]
        assert str(folder) in outcome["error"] or folder.name in outcome["error"]
        return
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    rejected, warnings = result["rejected"], result["warnings"]
    found_rejected = {(r["table"], r["rule"]) for r in rejected}
    found_warnings = {(w["table"], w["rule"]) for w in warnings}
    assert case.rejected <= found_rejected, found_rejected
    assert case.warnings <= found_warnings, found_warnings
    for table, n in case.kept.items():
        assert result["kept"][table] == n, (table, result["kept"])
    # Nothing lost: the rows of each file are kept or rejected, each row once.
    counted = rows_in_files(folder)
    for table, read in result["rows_read"].items():
        distinct = {(r["source"], r["row"]) for r in rejected if r["table"] == table}
        assert counted[table] == read == result["kept"][table] + len(distinct), table
    for issue in rejected:
        assert issue["source"] and issue["rule"] and issue["message"], issue
    for issue in warnings:
        assert issue["source"] and issue["rule"] and issue["message"], issue


def test_the_committed_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    fresh = make_corpus.make(tmp_path / "corpus")

    def tree(root: Path) -> dict[str, object]:
        out: dict[str, object] = {}
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = ("link", str(path.readlink()))
            elif path.is_dir():
                out[rel] = "dir"
            elif path.suffix == ".xlsx" and zipfile.is_zipfile(path):
                # Parts, sizes and checksums: independent of the zlib build.
                with zipfile.ZipFile(path) as book:
                    out[rel] = [(i.filename, i.file_size, i.CRC) for i in book.infolist()]
            else:
                out[rel] = path.read_bytes()
        return out

    assert tree(CORPUS) == tree(fresh), "run: python tests/adversarial/make_corpus.py"
    total = sum(p.lstat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert total < 1024**2


# --- limits and arguments ---------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch) -> None:
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 100)
    with pytest.raises(DatasetError, match=r"accidents\.csv: 文件大小 .* MAX_FILE_BYTES = 100"):
        load_dataset(CORPUS / "csv_cr_only", as_of=AS_OF)


def test_date_window_argument() -> None:
    folder = CORPUS / "dates_out_of_window"
    narrow = load_dataset(folder, as_of=AS_OF, date_window=("2024-04-01", "2024-12-31"))
    outside = narrow.rejected.filter(pl.col("rule") == "date_out_of_window")
    # SG001 (2024-03-05) is now before the window; deadlines keep their own bound.
    assert ("accidents", 1) in set(outside.select("table", "row").iter_rows())
    first = outside.filter((pl.col("table") == "accidents") & (pl.col("row") == 1))
    assert "2024-04-01 至 2024-12-31" in first["message"].item()
    for bad in (("2024-12-31", "2024-01-01"), "2024", ("2024-01-01",), ("x", "2024-01-01")):
        with pytest.raises(DatasetError, match="date_window"):
            load_dataset(folder, as_of=AS_OF, date_window=bad)  # type: ignore[arg-type]


def test_split_sheets_name_their_sheet_in_source() -> None:
    data = load_dataset(CORPUS / "xlsx_split_over_sheets", as_of=AS_OF)
    assert data.rejected.select("source", "row", "rule").rows() == [("事故.xlsx!二季度", 2, "type")]
    assert data.table("accidents")["accident_id"].to_list() == ["SG001", "SG002", "SG003"]


# --- row order, encoding and line ends change nothing -----------------------------------------

COUNTIES = ["430902", "430903", "430921", "430922", "430923"]
SECTORS = ["道路交通", "建筑施工", "煤矿", "危险化学品"]


def _regions() -> pl.DataFrame:
    rows = [
        {"region_code": "430000", "name": "湖南省", "level": "省"},
        {"region_code": "430900", "name": "益阳市", "parent_code": "430000", "level": "市"},
    ]
    rows += [
        {"region_code": c, "name": f"县{c}", "parent_code": "430900", "level": "县"}
        for c in COUNTIES
    ]
    return frame("regions", rows)


accident_rows = st.lists(
    st.fixed_dictionaries(
        {
            "region_code": st.sampled_from(COUNTIES),
            "sector": st.sampled_from(SECTORS),
            "occurred_on": st.dates(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
            "deaths": st.integers(0, 12),
            "missing": st.integers(0, 2),
            "serious_injuries": st.integers(0, 20),
            "direct_loss_10k_yuan": st.sampled_from([0.0, 12.5, 300.0, 1500.25, 6000.0]),
            "reported_late": st.booleans(),
            "concealed": st.booleans(),
        }
    ),
    min_size=1,
    max_size=49,
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write(folder: Path, table: str, rows: pl.DataFrame, encoding: str, end: str) -> None:
    lines = [rows.columns, *([_text(v) for v in r] for r in rows.iter_rows())]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerows(lines)
    (folder / f"{table}.csv").write_bytes(buffer.getvalue().encode(encoding))


def _load(folder: Path, tables: dict[str, pl.DataFrame], encoding: str, end: str):
    folder.mkdir()
    for table, rows in tables.items():
        _write(folder, table, rows, encoding, end)
    data = load_dataset(folder, as_of=AS_OF)
    assert data.rejected.height == 0, data.rejected
    return data


@settings(max_examples=10, deadline=None)
@given(
    rows=accident_rows,
    seed=st.randoms(use_true_random=False),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_row_order_encoding_and_line_ends_change_nothing(
    tmp_path_factory, rows, seed, encoding, end
) -> None:
    # One accident in 2024 at least: assess refuses a year no dated table covers.
    june = {"region_code": COUNTIES[0], "sector": "煤矿", "occurred_on": dt.date(2024, 6, 1)}
    numbered = [{"accident_id": f"SG{i:03d}", **r} for i, r in enumerate([*rows, june])]
    accidents = frame("accidents", numbered)
    tables = {"regions": _regions(), "accidents": accidents}
    shuffled = {}
    for table, rows_ in tables.items():
        order = list(range(rows_.height))
        seed.shuffle(order)
        shuffled[table] = rows_[order]
    root = tmp_path_factory.mktemp("order")
    plain = _load(root / "plain", tables, "utf-8", "\n")
    other = _load(root / "other", shuffled, encoding, end)
    for table, spec in TABLES.items():
        if plain.has(table):
            key = list(spec.key)
            assert plain.table(table).sort(key).equals(other.table(table).sort(key)), table
    first, second = assess(plain, year=2024), assess(other, year=2024)
    assert first.regions.equals(second.regions)
    assert first.line_items.equals(second.line_items)


def test_validate_prints_each_tables_date_range(monkeypatch) -> None:
    from typer.testing import CliRunner

    from accountability.cli import app
    from accountability.cli.app import console

    monkeypatch.setattr(console, "width", 200)

    result = CliRunner().invoke(
        app, ["validate", str(CORPUS / "dates_out_of_window"), "--as-of", AS_OF]
    )
    assert result.exit_code == 1, result.output
    text = result.output.replace("\n", " ")
    assert "日期范围" in text and "2024-03-05 – 2024-03-05" in text  # accidents kept: SG001
