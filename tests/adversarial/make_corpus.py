"""Write the adversarial corpus: one folder per hostile or messy input, each a dataset
folder as a regulator might hand one over, and what the loader must make of it.

    .venv/bin/python tests/adversarial/make_corpus.py [OUT]   # default: tests/adversarial/corpus

`CASES` lists every case with a one-line description and its expectation: a
`DatasetError` whose message matches `error`, or the (table, rule) pairs that must
appear among the rejected rows and the warnings.  `tests/test_adversarial.py` runs
them all (the crash-prone ones in a child process) and checks that the committed
corpus is what this script writes.  Workbooks are written by hand (a few XML parts in
a zip with fixed timestamps), so that a case can hold exactly the oddity it tests:
a stray cell at XFD1048576, a dimension that lies, a hidden sheet, a formula whose
cached value is 0.  Everything is small: the whole corpus is well under 1 MB.
"""

from __future__ import annotations

import shutil
import struct
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

# --- table texts ------------------------------------------------------------------------

REGIONS = [
    ["region_code", "name", "parent_code", "level"],
    ["430000", "湖南省", "", "省"],
    ["430900", "益阳市", "430000", "市"],
    ["430902", "资阳区", "430900", "县"],
    ["430903", "赫山区", "430900", "县"],
]
ACC_HEADER = [
    "accident_id",
    "region_code",
    "enterprise_id",
    "sector",
    "occurred_on",
    "deaths",
    "missing",
    "serious_injuries",
    "direct_loss_10k_yuan",
    "reported_late",
    "concealed",
]


def acc(aid: str, **cells: str) -> list[str]:
    """An accident row: valid unless `cells` say otherwise."""
    row = {
        "accident_id": aid,
        "region_code": "430902",
        "enterprise_id": "",
        "sector": "建筑施工",
        "occurred_on": "2024-03-05",
        "deaths": "1",
        "missing": "0",
        "serious_injuries": "0",
        "direct_loss_10k_yuan": "12.5",
        "reported_late": "否",
        "concealed": "否",
    }
    row.update(cells)
    return [row[c] for c in ACC_HEADER]


HAZ_HEADER = [
    "hazard_id",
    "enterprise_id",
    "region_code",
    "sector",
    "level",
    "found_on",
    "due_on",
    "rectified_on",
    "listed",
    "five_in_place",
]
ACCIDENTS = [ACC_HEADER, acc("SG001"), acc("SG002", region_code="430903"), acc("SG003")]


def csv_text(rows: Sequence[Sequence[str]], sep: str = ",", end: str = "\n") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v) else v

    return "".join(sep.join(cell(v) for v in row) + end for row in rows)


def write(folder: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> None:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    (folder / name).write_bytes(data)


def regions_csv(folder: Path) -> None:
    write(folder, "regions.csv", csv_text(REGIONS))


# --- a hand-made .xlsx ------------------------------------------------------------------

_STAMP = (1980, 1, 1, 0, 0, 0)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Formula:
    """A formula cell with its cached value, date-formatted."""

    text: str
    cached: float


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: Sequence[Sequence[object]]
    state: str = "visible"
    # "auto": the used range; None: no <dimension> element; else the ref written.
    dimension: str | None = "auto"
    # Cells beyond the table: (reference such as "XFD1048576", text).
    stray: Sequence[tuple[str, str]] = ()


def _col(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _split(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return int(ref[len(letters) :]), n


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        return f'<c r="{ref}" s="1"><f>{_esc(value.text)}</f><v>{value.cached:g}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value:g}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_esc(str(value))}</t></is></c>'


def _sheet_xml(sheet: Sheet) -> str:
    rows: dict[int, list[str]] = {}
    last_row, last_col = 1, 1
    for r, values in enumerate(sheet.rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = _cell(f"{_col(c)}{r}", value)
            if cell:
                rows.setdefault(r, []).append(cell)
                last_row, last_col = max(last_row, r), max(last_col, c)
    for ref, value in sheet.stray:
        r, c = _split(ref)
        rows.setdefault(r, []).append(_cell(ref, value))
        last_row, last_col = max(last_row, r), max(last_col, c)
    dim = ""
    if sheet.dimension == "auto":
        dim = f'<dimension ref="A1:{_col(last_col)}{last_row}"/>'
    elif sheet.dimension is not None:
        dim = f'<dimension ref="{sheet.dimension}"/>'
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>{dim}'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def xlsx_parts(sheets: Sequence[Sheet]) -> list[tuple[str, bytes]]:
    """The parts of a minimal workbook holding `sheets`."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    entries = "".join(
        f'<sheet name="{_esc(s.name)}" sheetId="{i}"'
        + ("" if s.state == "visible" else f' state="{s.state}"')
        + f' r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_R_NS}>'
        f"<sheets>{entries}</sheets></workbook>"
    )
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG}">'
        f'{links}<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" '
        'Target="styles.xml"/></Relationships>'
    )
    parts = [
        ("[Content_Types].xml", types),
        ("_rels/.rels", root),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/styles.xml", _STYLES),
    ]
    parts += [(f"xl/worksheets/sheet{i}.xml", _sheet_xml(s)) for i, s in enumerate(sheets, 1)]
    return [(name, text.encode("utf-8")) for name, text in parts]


def write_zip(path: Path, parts: Sequence[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            book.writestr(info, data, compresslevel=9)


def xlsx(path: Path, *sheets: Sheet) -> None:
    write_zip(path, xlsx_parts(sheets))


def declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size a zip declares for `member` (central directory and
    local header) without changing its data: a zip that claims to unpack to `size`."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        n = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + n]) == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at += 4
    path.write_bytes(bytes(data))


# --- the cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    build: Callable[[Path], None]
    # A DatasetError whose message matches this regular expression …
    error: str | None = None
    # … or a dataset whose rejected rows and warnings include these (table, rule) pairs.
    rejected: frozenset[tuple[str | None, str]] = frozenset()
    warnings: frozenset[tuple[str | None, str]] = frozenset()
    # Kept rows expected per table.
    kept: dict[str, int] = field(default_factory=dict)
    # Could crash or exhaust the interpreter: run in a child process.
    child: bool = False


def _pairs(*pairs: tuple[str | None, str]) -> frozenset[tuple[str | None, str]]:
    return frozenset(pairs)


def _stray(ref: str, dimension: str | None = "auto") -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        regions_csv(folder)
        xlsx(
            folder / "事故.xlsx",
            Sheet("Sheet1", ACCIDENTS, dimension=dimension, stray=[(ref, "x")]),
        )

    return build


def _zip_bomb(folder: Path) -> None:
    regions_csv(folder)
    parts = xlsx_parts([Sheet("Sheet1", ACCIDENTS)])
    parts.append(("xl/media/padding.bin", b"0" * (20 * 1024 * 1024)))
    write_zip(folder / "accidents.xlsx", parts)


def _declared_huge(folder: Path) -> None:
    regions_csv(folder)
    xlsx(folder / "accidents.xlsx", Sheet("Sheet1", ACCIDENTS))
    declare_size(folder / "accidents.xlsx", "xl/worksheets/sheet1.xml", 3 * 1024**3 // 2)


def _csv_endings(end: str | Sequence[str]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        write(folder, "regions.csv", csv_text(REGIONS, end="\r"))
        ends = [end] * len(ACCIDENTS) if isinstance(end, str) else list(end)
        text = "".join(",".join(r) + e for r, e in zip(ACCIDENTS, ends, strict=True))
        write(folder, "accidents.csv", text)

    return build


def _split_sheets(folder: Path) -> None:
    regions_csv(folder)
    xlsx(
        folder / "事故.xlsx",
        Sheet("填表说明", [["请按事故编号填写，每个工作表一个季度"]]),
        Sheet("一季度", [ACC_HEADER, acc("SG001"), acc("SG002")]),
        Sheet("二季度", [ACC_HEADER, acc("SG003"), acc("SG004", deaths="x")]),
    )


def _hidden_sheet(folder: Path) -> None:
    regions_csv(folder)
    xlsx(
        folder / "事故.xlsx",
        Sheet("旧数据", [ACC_HEADER, acc("SG001", deaths="9"), acc("SG009")], state="hidden"),
        Sheet("数据", ACCIDENTS),
        Sheet("更旧", [ACC_HEADER, acc("SG001", deaths="7")], state="veryHidden"),
    )


def _only_hidden(folder: Path) -> None:
    regions_csv(folder)
    xlsx(
        folder / "accidents.xlsx",
        Sheet("说明", [["见隐藏工作表"]]),
        Sheet("data", ACCIDENTS, state="hidden"),
    )


def _named_like(entry: str, data: bytes | None = b"x") -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        regions_csv(folder)
        if data is None:  # a folder
            (folder / entry).mkdir()
            write(folder / entry, "2024-01.csv", csv_text(ACCIDENTS))
        else:
            write(folder, entry, data)

    return build


def _extra_files(folder: Path) -> None:
    regions_csv(folder)
    write(folder, "accidents.csv", csv_text(ACCIDENTS))
    write(folder, "README.md", "数据说明\n")
    write(folder, "generate.py", "print('x')\n")
    write(folder, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(folder, "~$regions.xlsx", b"lock")
    (folder / "old").mkdir()
    write(folder / "old", "accidents.csv", csv_text(ACCIDENTS))


def _symlink_outside(folder: Path) -> None:
    regions_csv(folder)
    (folder / "accidents.csv").symlink_to(Path("..") / "csv_cr_only" / "accidents.csv")


def _symlink_inside(folder: Path) -> None:
    write(folder, "regions.csv", csv_text(REGIONS))
    (folder / "data").mkdir()
    write(folder / "data", "accidents-2024.csv", csv_text(ACCIDENTS))
    (folder / "accidents.csv").symlink_to(Path("data") / "accidents-2024.csv")


def _dates(folder: Path) -> None:
    regions_csv(folder)
    rows = [
        ACC_HEADER,
        acc("SG001"),
        acc("SG002", occurred_on="24-10-5"),
        acc("SG003", occurred_on="0001-01-01"),
        acc("SG004", occurred_on="1899-12-30"),
        acc("SG005", occurred_on="2030-01-01"),
        acc("SG006", occurred_on="２４/３/５"),
    ]
    write(folder, "accidents.csv", csv_text(rows))
    write(
        folder,
        "hazards.csv",
        csv_text(
            [
                HAZ_HEADER,
                ["YH1", "", "430902", "煤矿", "重大", "2024-03-01", "2024-06-30", "", "是", "是"],
                ["YH2", "", "430902", "煤矿", "重大", "2024-03-01", "2099-06-30", "", "是", "是"],
                ["YH3", "", "430902", "煤矿", "一般", "2024-03-01", "1899-12-31", "", "否", "是"],
            ]
        ),
    )


def _formula_zero(folder: Path) -> None:
    regions_csv(folder)
    rows = [ACC_HEADER, acc("SG001")]
    zero = acc("SG002")
    bad: list[object] = list(zero)
    bad[ACC_HEADER.index("occurred_on")] = Formula('IF(A3="","",0)', 0)
    good: list[object] = list(acc("SG003"))
    good[ACC_HEADER.index("occurred_on")] = Formula("DATE(2024,3,5)", 45356)
    xlsx(folder / "accidents.xlsx", Sheet("Sheet1", [*rows, bad, good]))


def _decimal_comma(folder: Path) -> None:
    write(folder, "regions.csv", csv_text(REGIONS, sep=";"))
    rows = [
        ACC_HEADER,
        acc("SG001", direct_loss_10k_yuan="1234,5"),
        acc("SG002", direct_loss_10k_yuan="1.234,5"),
        acc("SG003", direct_loss_10k_yuan="1,234"),
        acc("SG004", direct_loss_10k_yuan="1,234,567"),
        acc("SG005", direct_loss_10k_yuan="12"),
        acc("SG006", deaths="1,5"),
    ]
    write(folder, "accidents.csv", csv_text(rows, sep=";"))


def _comma_in_comma_csv(folder: Path) -> None:
    regions_csv(folder)
    rows = [
        ACC_HEADER,
        acc("SG001", direct_loss_10k_yuan="1,234.5"),
        acc("SG002", direct_loss_10k_yuan="1234,5"),
        acc("SG003", direct_loss_10k_yuan="12,34"),
    ]
    write(folder, "accidents.csv", csv_text(rows))


def _invisible(folder: Path) -> None:
    rows = [list(r) for r in REGIONS]
    rows[3][0] = "4309\u200b02"
    write(folder, "regions.csv", csv_text(rows))
    acc_rows = [
        ACC_HEADER,
        acc("SG001"),
        acc("SG\u200b001"),  # the same accident, once with a zero-width space
        acc("SG002\u00a0", region_code="\ufeff430903"),
        acc("S\u00adG003", deaths="\u20601"),
    ]
    write(folder, "accidents.csv", csv_text(acc_rows))


def _numbers(folder: Path) -> None:
    regions_csv(folder)
    rows = [
        ACC_HEADER,
        acc("SG001"),
        acc("SG002", deaths="1000000"),
        acc("SG003", direct_loss_10k_yuan="1e308"),
        acc("SG004", direct_loss_10k_yuan="nan"),
        acc("SG005", direct_loss_10k_yuan="inf"),
    ]
    write(folder, "accidents.csv", csv_text(rows))
    head = ["subject_type", "subject_id", "year", "points", "reason", "basis"]
    write(
        folder,
        "adjustments.csv",
        csv_text(
            [
                head,
                ["region", "430902", "2024", "2", "表彰", "文件"],
                ["region", "430903", "2024", "1e308", "表彰", "文件"],
                ["region", "430903", "2024", "-inf", "核减", "文件"],
                ["region", "430903", "20240", "1", "表彰", "文件"],
            ]
        ),
    )


def _duplicates(folder: Path) -> None:
    regions_csv(folder)
    rows = [
        ACC_HEADER,
        acc("SG001"),
        acc("SG002"),
        acc("SG001", deaths="3"),  # conflicts with row 1
        acc("SG002"),  # a copy of row 2
        acc("SG003"),
        acc("SG002"),  # another copy
    ]
    write(folder, "accidents.csv", csv_text(rows))


def _county_under_province(folder: Path) -> None:
    rows = [
        *REGIONS,
        ["420000", "湖北省", "", "省"],
        ["429004", "仙桃市", "420000", "县"],  # xx90xx: directly under the province
        ["430921", "南县", "430000", "县"],  # a county of 益阳市 put under the province
    ]
    write(folder, "regions.csv", csv_text(rows))


def _rejected_parent(folder: Path) -> None:
    rows = [list(r) for r in REGIONS]
    rows[2][3] = "地级市"  # 益阳市: level not 省/市/县 → rejected; its counties stay
    write(folder, "regions.csv", csv_text(rows))
    write(folder, "accidents.csv", csv_text(ACCIDENTS))


def _bad_cells(folder: Path) -> None:
    regions_csv(folder)
    rows = [
        ACC_HEADER,
        acc("SG001"),
        acc("SG002", occurred_on="2024/4/31"),
        acc("SG003", sector="建筑", reported_late="有"),
        acc("SG004", deaths="-1"),
        acc("SG005", region_code="430999"),
        acc("SG006", concealed=""),
        acc("SG007", deaths="1.5"),
        acc("SG008", occurred_on="2025-06-01"),
    ]
    write(folder, "accidents.csv", csv_text(rows))


def _gbk_title_blank(folder: Path) -> None:
    labels = ["区划代码", "名称", "上级区划代码", "级别"]
    text = "益阳市行政区划表\r\n" + csv_text([labels, *REGIONS[1:]], end="\r\n") + ",,,\r\n"
    write(folder, "行政区划.csv", text, encoding="gbk")


def _utf16_tab(folder: Path) -> None:
    write(folder, "regions.csv", csv_text(REGIONS, sep="\t", end="\r\n"), encoding="utf-16")


CASES: tuple[Case, ...] = (
    # 1. workbooks that would kill the interpreter
    Case(
        "xlsx_stray_cell_xfd",
        "a 6 KB workbook with one stray cell at XFD1048576 (the reader would need hundreds of GiB)",
        _stray("XFD1048576"),
        error=r"事故\.xlsx.*'Sheet1'.*A1:XFD1048576.*MAX_SHEET_COLUMNS",
        child=True,
    ),
    Case(
        "xlsx_stray_cell_ao",
        "a stray cell at AO1048576: 43 million cells for three rows",
        _stray("AO1048576"),
        error=r"事故\.xlsx.*'Sheet1'.*A1:AO1048576.*MAX_SHEET_CELLS",
        child=True,
    ),
    Case(
        "xlsx_lying_dimension",
        "the sheet declares A1:K4 but holds a cell at ZZ1048576",
        _stray("ZZ1048576", dimension="A1:K4"),
        error=r"'Sheet1'.*A1:K4.*A1:ZZ1048576",
        child=True,
    ),
    Case(
        "xlsx_no_dimension_stray",
        "no <dimension> element and a stray cell at AO1048576",
        _stray("AO1048576", dimension=None),
        error=r"'Sheet1'.*no dimension.*A1:AO1048576",
        child=True,
    ),
    Case(
        "xlsx_no_dimension",
        "a workbook without a <dimension> element is read (only the header's columns)",
        lambda f: (
            regions_csv(f),
            xlsx(f / "accidents.xlsx", Sheet("S", ACCIDENTS, dimension=None)),
        ),
        kept={"accidents": 3},
        child=True,
    ),
    Case(
        "xlsx_zip_bomb_ratio",
        "a workbook member of 20 MiB compressed 1000:1",
        _zip_bomb,
        error=r"accidents\.xlsx.*padding\.bin.*MAX_COMPRESSION_RATIO",
        child=True,
    ),
    Case(
        "xlsx_declares_1_5_gib",
        "a workbook whose sheet declares 1.5 GiB uncompressed",
        _declared_huge,
        error=r"accidents\.xlsx.*MAX_UNZIPPED_BYTES",
        child=True,
    ),
    Case(
        "xlsx_not_a_zip",
        "a file named .xlsx that is not a zip",
        _named_like("accidents.xlsx", b"PK\x03\x04 not really a zip"),
        error=r"accidents\.xlsx.*Excel",
        child=True,
    ),
    Case(
        "xlsx_empty",
        "a zero-byte .xlsx",
        _named_like("accidents.xlsx", b""),
        error=r"accidents\.xlsx: 文件为空",
    ),
    # 2. rows lost with no error
    Case(
        "csv_cr_only",
        "CSV files with CR-only line ends (old Mac Excel)",
        _csv_endings("\r"),
        kept={"regions": 4, "accidents": 3},
    ),
    Case(
        "csv_mixed_endings",
        "a CSV mixing CRLF, CR and LF line ends",
        _csv_endings(["\r\n", "\r", "\n", "\r"]),
        kept={"accidents": 3},
    ),
    Case(
        "xlsx_split_over_sheets",
        "a table split over two sheets with the same header, after an instructions sheet",
        _split_sheets,
        rejected=_pairs(("accidents", "type")),
        warnings=_pairs(("accidents", "sheet")),
        kept={"accidents": 3},
    ),
    Case(
        "xlsx_hidden_stale_sheets",
        "hidden and very hidden stale sheets with the table's header beside the visible one",
        _hidden_sheet,
        warnings=_pairs(("accidents", "hidden_sheet")),
        kept={"accidents": 3},
    ),
    Case(
        "xlsx_only_hidden_sheet",
        "the table only in a hidden sheet: read, with a warning",
        _only_hidden,
        warnings=_pairs(("accidents", "hidden_sheet")),
        kept={"accidents": 3},
    ),
    Case(
        "csv_gz_named_like_table",
        "accidents.csv.gz beside regions.csv",
        _named_like("accidents.csv.gz", b"\x1f\x8b\x08\x00"),
        error=r"accidents\.csv\.gz.*'accidents'.*\.csv",
    ),
    Case(
        "xlsb_named_like_table",
        "事故.xlsb (a binary workbook)",
        _named_like("事故.xlsb", b"PK\x03\x04"),
        error=r"事故\.xlsb.*\.xlsx",
    ),
    Case(
        "ods_named_like_table",
        "accidents.ods",
        _named_like("accidents.ods", b"PK\x03\x04"),
        error=r"accidents\.ods",
    ),
    Case(
        "json_named_like_table",
        "accidents.json",
        _named_like("accidents.json", b"[]"),
        error=r"accidents\.json",
    ),
    Case(
        "folder_named_like_table",
        "a folder named accidents holding monthly CSV files",
        _named_like("accidents", None),
        error=r"accidents: .*是目录",
    ),
    Case(
        "extra_files",
        "README, script, hidden file, Excel lock file and a sub-folder beside the tables",
        _extra_files,
        warnings=_pairs((None, "file_not_read")),
        kept={"regions": 4, "accidents": 3},
    ),
    Case(
        "symlink_outside",
        "accidents.csv is a symbolic link to a file outside the dataset folder",
        _symlink_outside,
        error=r"accidents\.csv.*符号链接.*outside",
    ),
    Case(
        "symlink_inside",
        "accidents.csv is a symbolic link to a file inside the dataset folder",
        _symlink_inside,
        warnings=_pairs((None, "file_not_read")),
        kept={"accidents": 3},
    ),
    # 3. doubtful values
    Case(
        "dates_out_of_window",
        "two-digit years, years 0001 and 1899, a future date, a deadline in 2099",
        _dates,
        rejected=_pairs(
            ("accidents", "two_digit_year"),
            ("accidents", "date_out_of_window"),
            ("accidents", "future_date"),
            ("hazards", "date_out_of_window"),
        ),
        kept={"accidents": 1, "hazards": 1},
    ),
    Case(
        "xlsx_formula_cached_zero",
        "a date formula whose cached value is 0 (Excel's day 0)",
        _formula_zero,
        rejected=_pairs(("accidents", "date_out_of_window")),
        kept={"accidents": 2},
    ),
    Case(
        "decimal_comma_semicolon",
        "decimal commas in a semicolon-separated file; 1,234 is ambiguous",
        _decimal_comma,
        rejected=_pairs(("accidents", "ambiguous_number"), ("accidents", "type")),
        warnings=_pairs(("accidents", "decimal_comma")),
        kept={"accidents": 4},
    ),
    Case(
        "comma_in_comma_csv",
        "1234,5 in a comma-separated file is not 12345",
        _comma_in_comma_csv,
        rejected=_pairs(("accidents", "ambiguous_number")),
        kept={"accidents": 1},
    ),
    Case(
        "invisible_characters",
        "zero-width space, BOM, NBSP, word joiner and soft hyphen inside ids and codes",
        _invisible,
        rejected=_pairs(("accidents", "identical_duplicate")),
        warnings=_pairs(("accidents", "invisible_characters"), ("regions", "invisible_characters")),
        kept={"regions": 4, "accidents": 3},
    ),
    Case(
        "unbounded_numbers",
        "1e308, NaN and inf in amounts and points, a million deaths, year 20240",
        _numbers,
        rejected=_pairs(("accidents", "out_of_range"), ("adjustments", "out_of_range")),
        kept={"accidents": 1, "adjustments": 1},
    ),
    # 4. duplicate keys
    Case(
        "duplicate_keys",
        "a conflicting duplicate and two identical copies of an accident",
        _duplicates,
        rejected=_pairs(
            ("accidents", "conflicting_duplicate"), ("accidents", "identical_duplicate")
        ),
        kept={"accidents": 2},
    ),
    # 5. structural doubts
    Case(
        "county_under_province",
        "a 县 directly under its 省 without an xx90xx code (and 仙桃市 429004 with one)",
        _county_under_province,
        warnings=_pairs(("regions", "county_under_province")),
        kept={"regions": 7},
    ),
    Case(
        "rejected_parent_region",
        "a city rejected for its level: its counties are kept with a warning naming it",
        _rejected_parent,
        rejected=_pairs(("regions", "enum")),
        warnings=_pairs(("regions", "reference_rejected")),
        kept={"regions": 3, "accidents": 3},
    ),
    # the loader's existing bad inputs
    Case("empty_csv", "a zero-byte CSV", _named_like("accidents.csv", b""), error=r"文件为空"),
    Case(
        "binary_csv",
        "PNG bytes named accidents.csv",
        _named_like("accidents.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        error=r"accidents\.csv",
    ),
    Case(
        "unknown_table_name",
        "a CSV named foo.csv",
        _named_like("foo.csv", csv_text(REGIONS).encode()),
        error=r"foo\.csv.*accidents \(生产安全事故\)",
    ),
    Case(
        "missing_column",
        "accidents without the sector column",
        _named_like(
            "accidents.csv",
            csv_text([[v for i, v in enumerate(r) if i != 3] for r in ACCIDENTS]).encode(),
        ),
        error=r"accidents\.csv.*sector.*行业领域",
    ),
    Case(
        "header_given_twice",
        "the column 名称 given twice",
        _named_like(
            "regions.csv", "区划代码,名称,上级区划代码,级别,名称\n430900,益阳市,,市,益阳\n".encode()
        ),
        error=r"regions\.csv.*'名称' 出现 2 次",
    ),
    Case(
        "row_with_extra_values",
        "a row with more values than the header",
        _named_like(
            "accidents.csv", (csv_text(ACCIDENTS) + ",".join(acc("SG9")) + ",多余\n").encode()
        ),
        error=r"accidents\.csv: 第 4 行.*'多余'",
    ),
    Case(
        "same_table_twice",
        "regions.csv and 区划.csv in one folder",
        _named_like("区划.csv", csv_text(REGIONS).encode()),
        error=r"regions",
    ),
    Case(
        "text_like_suffix",
        "accidents.txt",
        _named_like("accidents.txt", csv_text(ACCIDENTS).encode()),
        error=r"accidents\.txt.*\.csv",
    ),
    Case(
        "no_table_files",
        "a folder holding only a README",
        lambda f: write(f, "README.txt", "说明"),
        error=r"没有数据表文件.*README\.txt",
    ),
    Case(
        "bad_cells",
        "bad cells: no such day, unknown sector, 有 as a flag, -1, unknown region, empty flag, 1.5",
        _bad_cells,
        rejected=_pairs(
            ("accidents", "type"),
            ("accidents", "enum"),
            ("accidents", "non_negative"),
            ("accidents", "unknown_region"),
            ("accidents", "not_null"),
            ("accidents", "future_date"),
        ),
        kept={"accidents": 1},
    ),
    Case(
        "gbk_title_and_blank_rows",
        "a GBK CSV with a Chinese name, a title line, Chinese headers and a blank row",
        _gbk_title_blank,
        warnings=_pairs(("regions", "title_rows"), ("regions", "blank_rows")),
        kept={"regions": 4},
    ),
    Case(
        "utf16_tab",
        "a UTF-16 tab-separated file (Excel's Unicode text)",
        _utf16_tab,
        kept={"regions": 4},
    ),
)


def make(out: Path = CORPUS) -> Path:
    """Write every case's folder under `out` (emptied first)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for case in CASES:
        folder = out / case.name
        folder.mkdir()
        case.build(folder)
    return out


if __name__ == "__main__":
    print(make(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS))
