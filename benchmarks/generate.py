"""Benchmark datasets written to disk: national-shaped, seeded, at three scales, in the
formats users hand to `accountability.load_dataset(folder)`.

    python benchmarks/generate.py --scale M [--formats parquet,csv,csv-gbk] [--out DIR]
                                  [--seed N] [--force] [--check]

Layout (``benchmarks/data/`` is git-ignored)::

    <out>/<scale>/manifest.json            seed, generator version, counts, rows per table
    <out>/<scale>/parquet/<table>.parquet  canonical column names and dtypes
    <out>/<scale>/csv/<table>.csv          the same rows as text, UTF-8
    <out>/<scale>/csv-gbk/<table>.csv      the same text in GBK

Scales:

- **S** — the bundled fixture ``fixtures/yiyang-2024`` (益阳市, year 2024): its CSV files
  as they are, the same transcoded to GBK, and the tables `load_dataset` makes of them
  written with `benchmarks.peers.write_tables` (typed Parquet).
- **M** — a province-sized load: 2,889 regions, 500,000 enterprises, 2,000,000 hidden
  hazards, 600,000 inspection rows, 80,000 cases, 40,000 accidents.
- **L** — national: 2,900 counties with their 333 cities and 31 provinces, 5,000,000
  enterprises, 20,000,000 hazards, 5,000,000 inspection rows, 2,000,000 cases,
  300,000 accidents.  Big tables are generated and written in chunks
  (`Counts.chunk_rows`), so the peak memory stays a few GB.  Its hazards CSV (2.7 GB,
  2.5 GB in GBK) is larger than the loader's `MAX_FILE_BYTES` (2 GiB): at L,
  `load_dataset` reads the Parquet folder only.

For M, L and any custom `Counts`, the other tables follow from the regions and
enterprises: 10–11 officials a region (two heads, deputies with portfolios, six
department heads, a few replaced during a year) and their duty records, 3–5 work
items a region and year, region statistics (counties drawn, cities and provinces the
sums of their parts), control targets for deaths and the four rates set from each
region's 2023 figures (2024's tighter), committee adjustments for about 2 % of regions
and credit listings.
Everything covers 2023 and 2024, so that year-on-year rules apply to 2024.

The data is valid (`load_dataset` rejects no row: GB 32100 check characters, GB/T
2260-shaped codes under their parents, dates up to `AS_OF`, closed lists) and
exercises the default rules as real data would: each county has a latent quality that
drives its hazards rectified on time, inspection coverage, measures taken on cases,
duty records, work items and standardization, and its accidents rise or fall year on
year with it.  Drawn on top, for a share of counties: 较大 accidents (grade cap, yellow
cards at two, vetoes at three), 重大 ones (vetoes; two in one city veto the city),
concealed ones, a 特别重大 one, accidents without liability; 四个一律 cases of every
kind, enterprises fined three times in 180 days or four in 365 on major hazards, coal
mines with 重大 hazards found on two days within three months and a case after them.

Random draws come from numpy PCG64 streams seeded by (seed, table, chunk), so the
same seed and counts give the same bytes in every format.  A scale's folder is
reused while its manifest matches the seed and `GENERATOR_VERSION`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from accountability import assess, load_dataset
from accountability.codes import (
    ILLEGAL_KINDS,
    SECTORS,
    USCC_ALPHABET,
    uscc_check_character,
)
from accountability.columns import TABLES
from accountability.tables import TABLE_ORDER

try:
    import fixtures.generate as fixture
    from benchmarks.peers import write_tables
except ImportError:  # pragma: no cover - run as a script without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fixtures.generate as fixture
    from benchmarks.peers import write_tables

# The fixture's vocabulary: sector shares and licences, departments (管行业必须管安全),
# names, duty requirements and portfolios.
SECTOR_SHARES = fixture.SECTOR_SHARES
LICENSED_SECTORS = fixture.LICENSED_SECTORS
DEPARTMENTS = fixture.DEPARTMENTS
DEPARTMENT_OF = fixture.DEPARTMENT_OF
NAME_WORDS, NAME_TRADES = fixture.NAME_WORDS, fixture.NAME_TRADES
SURNAMES, GIVEN = fixture.SURNAMES, fixture.GIVEN
DUTY_REQUIRED = fixture.DUTY_REQUIRED
PORTFOLIOS_CITY, PORTFOLIOS_COUNTY = fixture.PORTFOLIOS_CITY, fixture.PORTFOLIOS_COUNTY

__all__ = [
    "AS_OF",
    "DATA",
    "DEFAULT_SEED",
    "FIXTURE",
    "FORMATS",
    "GENERATOR_VERSION",
    "SCALES",
    "YEAR",
    "Counts",
    "build_tables",
    "canonical",
    "check",
    "dates",
    "generate",
    "ids",
    "main",
    "write_dataset",
]

#: Bump when the generated data changes for the same seed and counts: folders written
#: by another version are regenerated.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20241231
FORMATS: tuple[str, ...] = ("parquet", "csv", "csv-gbk")
#: The data's cut-off day: no event is dated after 2024-12-31, so load with this.
AS_OF = dt.date(2025, 1, 31)
#: The year the benchmarks assess; 2023 is there for year-on-year rules.
YEAR = 2024
YEARS = (2023, 2024)
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
MANIFEST = "manifest.json"

EPOCH = dt.date(1970, 1, 1)
FIRST_DAY = (dt.date(2023, 1, 1) - EPOCH).days
LAST_DAY = (dt.date(2024, 12, 31) - EPOCH).days  # no event after it
JAN_1_2024 = (dt.date(2024, 1, 1) - EPOCH).days
DAYS = LAST_DAY - FIRST_DAY + 1


# GB/T 2260 provinces, autonomous regions and municipalities.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("11", "北京市"), ("12", "天津市"), ("13", "河北省"), ("14", "山西省"),
    ("15", "内蒙古自治区"), ("21", "辽宁省"), ("22", "吉林省"), ("23", "黑龙江省"),
    ("31", "上海市"), ("32", "江苏省"), ("33", "浙江省"), ("34", "安徽省"), ("35", "福建省"),
    ("36", "江西省"), ("37", "山东省"), ("41", "河南省"), ("42", "湖北省"), ("43", "湖南省"),
    ("44", "广东省"), ("45", "广西壮族自治区"), ("46", "海南省"), ("50", "重庆市"),
    ("51", "四川省"), ("52", "贵州省"), ("53", "云南省"), ("54", "西藏自治区"),
    ("61", "陕西省"), ("62", "甘肃省"), ("63", "青海省"), ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Counts:
    """The size of a generated dataset: the region tree (provinces, cities, counties,
    spread evenly) and the rows of the big tables over 2023–2024; every other table
    follows from these.  `chunk_rows`: rows generated and written at a time."""

    provinces: int
    cities: int
    counties: int
    enterprises: int
    hazards: int
    inspection_rows: int
    cases: int
    accidents: int
    chunk_rows: int = 1_000_000

    def __post_init__(self) -> None:
        if not 1 <= self.provinces <= len(PROVINCES):
            raise ValueError(f"provinces: 1 to {len(PROVINCES)}")
        if not self.provinces <= self.cities <= 89 * self.provinces:
            raise ValueError("cities: at least one and at most 89 a province")
        if not self.cities <= self.counties <= 99 * self.cities:
            raise ValueError("counties: at least one and at most 99 a city")
        if self.enterprises < self.counties:
            raise ValueError("enterprises: at least one a county")
        if min(self.hazards, self.inspection_rows, self.cases, self.accidents) < 0:
            raise ValueError("row counts must not be negative")
        if self.chunk_rows < 1:
            raise ValueError("chunk_rows must be positive")

    @property
    def regions(self) -> int:
        return self.provinces + self.cities + self.counties


#: The generated scales (S is the bundled fixture).
SCALES: dict[str, Counts] = {
    "M": Counts(
        provinces=31, cities=300, counties=2_558, enterprises=500_000, hazards=2_000_000,
        inspection_rows=600_000, cases=80_000, accidents=40_000,
    ),
    "L": Counts(
        provinces=31, cities=333, counties=2_900, enterprises=5_000_000, hazards=20_000_000,
        inspection_rows=5_000_000, cases=2_000_000, accidents=300_000,
    ),
}  # fmt: skip

# Two different ones make a place name: 3,540 distinct names per level.
SYLLABLES = (
    "安宁平永兴长新丰福清华阳山江河湖南北东西城桥泉溪源川林石云龙"
    "凤德和顺昌盛宝金玉泰定远乐康庆海湘临青白沙岭田峰梅松桃竹茶花"
)
assert len(set(SYLLABLES)) == 60
WORK_ITEMS: tuple[tuple[str, float], ...] = (
    ("安全生产宣传教育活动(场次)", 12.0),
    ("应急演练(次)", 6.0),
    ("企业安全生产标准化达标(家)", 40.0),
    ("安全管理人员培训人数", 700.0),
    ("特种作业人员培训人数", 1_800.0),
    ("打非治违专项行动(次)", 4.0),
)
# Fine ceilings (元) and the 《安全生产法》 article and tier whose maximum each is.
FINE_CEILINGS: tuple[tuple[float, str], ...] = (
    (30_000.0, "96"),
    (50_000.0, "99-1"),
    (100_000.0, "97-1"),
    (200_000.0, "97-2"),
    (500_000.0, "98-1"),
    (1_000_000.0, "98-2"),
)
HIGH_RISK = ("煤矿", "非煤矿山", "危险化学品", "烟花爆竹")
# 应急管理部令第11号 第二条: the sectors where 严重失信 applies.
DISHONEST_SCOPE = ("煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "工矿商贸其他")
ADJUSTMENT_REASONS: tuple[tuple[float, str, str], ...] = (
    (1.0, "事故应急处置及时有效，获省安委会通报表扬", "第十二条 加分项"),
    (2.0, "安全生产工作经验在全省推广", "第十二条 加分项"),
    (0.5, "安全生产信息化建设成效明显", "第十二条 加分项"),
    (-0.5, "安全生产信息报送不及时，经安委会核减", "第十三条 核减项"),
    (-1.0, "重大事故隐患督办整改进度滞后，经安委会核减", "第十三条 核减项"),
)

_SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}


# --- small helpers shared with the other benchmarks -------------------------------------


def canonical(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame`'s columns of `table`, in the table's column order and canonical dtypes
    (strict casts: a value outside a closed list is an error here, not in the data)."""
    return frame.select(
        pl.col(c).cast(t) for c, t in TABLES[table].dtypes.items() if c in frame.columns
    )


def ids(prefix: str, numbers: np.ndarray | pl.Series, width: int) -> pl.Series:
    """`prefix` followed by each number zero-padded to `width` digits."""
    return prefix + pl.Series(numbers).cast(pl.String).str.zfill(width)


def _where(mask: np.ndarray, values: pl.Series | pl.Expr) -> pl.Series:
    """`values` where `mask` holds, null elsewhere."""
    return pl.select(pl.when(pl.Series(np.asarray(mask, dtype=bool))).then(values)).to_series()


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Days since 1970-01-01 as a Date series; null where `valid` is False."""
    series = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    if valid is None:
        return series
    return _where(np.asarray(valid), series)


def _rng(seed: int, part: str, chunk: int = 0) -> np.random.Generator:
    """The random stream of one part of the data (a table, a chunk of it)."""
    return np.random.default_rng([seed, zlib.crc32(part.encode()), chunk])


def _pick(
    rng: np.random.Generator, options: Sequence[object], p: Sequence[float], n: int
) -> np.ndarray:
    """`n` positions in `options`, drawn with the weights `p`."""
    return rng.choice(len(options), n, p=np.asarray(p) / np.sum(p))


def _gather(values: Sequence[str] | pl.Series, index: np.ndarray) -> pl.Series:
    """`values[index]` as a String series (no per-row Python)."""
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    return series.gather(np.asarray(index, dtype=np.int64))


def _even(total: int, parts: int) -> np.ndarray:
    """`total` split into `parts` integers differing by at most one, larger first."""
    return np.full(parts, total // parts) + (np.arange(parts) < total % parts)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` in proportion to `weights`."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    if short:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _within(rng: np.random.Generator, first: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A uniform index in [first, first + size) for each row."""
    return first + np.minimum((rng.random(len(first)) * size).astype(np.int64), size - 1)


def _two_digits(numbers: np.ndarray) -> pl.Series:
    """Numbers as two-digit text (a code's city or county part)."""
    return pl.Series(numbers).cast(pl.String).str.zfill(2)


def _clip_day(days: np.ndarray) -> np.ndarray:
    """Days moved back to the data's last day where they are after it."""
    return np.minimum(days, LAST_DAY)


def _year_of(days: np.ndarray) -> np.ndarray:
    return np.where(days >= JAN_1_2024, 2024, 2023)


def _serial_ids(prefix: str, days: np.ndarray, width: int) -> pl.Series:
    """Ids numbered within each year in row order: <prefix><year><serial> (rows sorted
    by day, so serials follow the dates)."""
    year = _year_of(days)
    first_2024 = int(np.searchsorted(days, JAN_1_2024))
    serial = np.arange(len(days)) + 1
    serial = np.where(year == 2024, serial - first_2024, serial)
    return (
        prefix
        + pl.Series(year).cast(pl.String)
        + pl.Series(serial).cast(pl.String).str.zfill(width)
    )


# --- the generator --------------------------------------------------------------------------


class _Country:
    """One generated dataset: the shared arrays (regions, enterprises, inspections …)
    drawn once, and each table built from them as chunks of canonical frames."""

    def __init__(self, counts: Counts, seed: int) -> None:
        self.counts, self.seed = counts, seed
        self._regions()
        self._enterprises()
        self._accidents()
        self._inspections()
        self._stories()
        self._cases()

    # -- regions --------------------------------------------------------------------------

    def _regions(self) -> None:
        c = self.counts
        rng = _rng(self.seed, "regions")
        prov_codes = [code for code, _ in PROVINCES[: c.provinces]]
        cities_per = _even(c.cities, c.provinces)
        city_prov = np.repeat(np.arange(c.provinces), cities_per)
        city_no = np.arange(c.cities) - np.repeat(np.cumsum(cities_per) - cities_per, cities_per)
        city_codes = _gather(prov_codes, city_prov) + _two_digits(city_no + 1) + "00"
        counties_per = _even(c.counties, c.cities)
        county_city = np.repeat(np.arange(c.cities), counties_per)
        county_no = np.arange(c.counties) - np.repeat(
            np.cumsum(counties_per) - counties_per, counties_per
        )
        county_codes = city_codes.str.slice(0, 4).gather(county_city) + _two_digits(county_no + 1)
        p, t, k = c.provinces, c.cities, c.counties
        codes = pl.concat([pl.Series(prov_codes) + "0000", city_codes, county_codes])
        self.codes = codes
        # parent of every region (-1 for a province), as positions in `codes`
        self.parent = np.concatenate([np.full(p, -1), city_prov, p + county_city])
        self.county_city = p + county_city  # the city of each county (position)
        self.county_prov = city_prov[county_city]  # the province of each county
        self.county_codes = county_codes
        self.first_county = p + t
        names = self._place_names(p, t, k, county_no)
        self.short_names = names["short"]
        self.region_frame = canonical(
            "regions",
            pl.DataFrame(
                {
                    "region_code": codes,
                    "name": names["name"],
                    "parent_code": _where(
                        self.parent >= 0, _gather(codes, np.maximum(self.parent, 0))
                    ),
                    "level": ["省"] * p + ["市"] * t + ["县"] * k,
                }
            ),
        )
        # latent quality of every region's work (higher is better), and coal counties
        self.quality = rng.beta(2.6, 1.5, p + t + k)
        self.q = self.quality[self.first_county :]
        self.coal_county = rng.random(k) < 0.12
        self.coal_county[rng.integers(0, k)] = True  # at least one
        self.county_weight = rng.gamma(2.0, 1.0, k)

    @staticmethod
    def _place_names(p: int, t: int, k: int, county_no: np.ndarray) -> dict[str, pl.Series]:
        """Two-syllable names: provinces real, cities …市, counties …区/县/市."""
        size = len(SYLLABLES)

        def two(n: int, offset: int) -> pl.Series:
            i = np.arange(n) + offset
            a = i % size
            b = (a + 1 + (i // size) % (size - 1)) % size  # never the same syllable twice
            return _gather(list(SYLLABLES), a) + _gather(list(SYLLABLES), b)

        city_short, county_short = two(t, 2_000), two(k, 0)
        suffix = np.where(county_no < 2, "区", np.where(county_no % 9 == 8, "市", "县"))
        province_names = pl.Series([name for _, name in PROVINCES[:p]], dtype=pl.String)
        return {
            "name": pl.concat(
                [province_names, city_short + "市", county_short + pl.Series(suffix)]
            ),
            "short": county_short,
        }

    # -- enterprises -----------------------------------------------------------------------

    def _enterprises(self) -> None:
        c, rng = self.counts, _rng(self.seed, "enterprises")
        n, k = c.enterprises, c.counties
        size = 1 + _allocate(n - k, self.county_weight)
        self.e_first = np.cumsum(size) - size
        self.e_size = size
        self.e_county = np.repeat(np.arange(k), size).astype(np.int32)
        sectors = [s for s, _ in SECTOR_SHARES]
        shares = np.array([w for _, w in SECTOR_SHARES])
        sector = np.array([_SECTOR_INDEX[s] for s in sectors])[_pick(rng, sectors, shares, n)]
        coal, other = _SECTOR_INDEX["煤矿"], _SECTOR_INDEX["工矿商贸其他"]
        in_coal_county = self.coal_county[self.e_county]
        # coal mines only in coal counties, where they are 3 % of enterprises
        sector = np.where(sector == coal, other, sector)
        sector = np.where(in_coal_county & (rng.random(n) < 0.03), coal, sector)
        self.e_sector = sector.astype(np.int8)
        self.e_required = np.isin(self.e_sector, [_SECTOR_INDEX[s] for s in LICENSED_SECTORS])
        self.e_licensed = self.e_required & (rng.random(n) >= 0.005)
        u = rng.random(n)
        self.e_status = np.where(u < 0.006, 2, np.where(u > 0.99, 1, 0)).astype(np.int8)
        self.e_closed_on = np.where(
            self.e_status == 2, rng.integers(FIRST_DAY + 14, LAST_DAY - 10, n), -1
        )
        q = self.q[self.e_county]
        graded = rng.random(n) < np.where(self.e_required, 0.5 + 0.45 * q, 0.15)
        v = rng.random(n)
        self.e_level = np.where(graded, np.where(v < 0.03, 1, np.where(v < 0.2, 2, 3)), 0)
        self.e_employees = np.clip(np.round(rng.lognormal(3.2, 1.1, n)), 3, 20_000).astype(np.int64)
        self.e_word = rng.integers(0, len(NAME_WORDS), n)
        self.e_trade = rng.integers(0, 1_000, n)
        self.e_suffix = rng.random(n) < 0.8
        self.e_ids = self._uscc(rng)

    def _uscc(self, rng: np.random.Generator) -> pl.Series:
        """Unified social credit codes (GB 32100): 9 1 + the county's code + a 9-character
        organisation code unique to each enterprise + the check character."""
        n = self.counts.enterprises
        modulus = 31**9
        org = (np.arange(n, dtype=np.int64) * 2_654_435_761 + int(rng.integers(0, modulus))) % (
            modulus
        )
        digits = np.empty((n, 17), dtype=np.int64)
        digits[:, 0], digits[:, 1] = 9, 1
        county = self.county_codes.cast(pl.Int64).to_numpy()[self.e_county]
        for i in range(6):
            digits[:, 7 - i] = county % 10
            county //= 10
        for i in range(9):
            digits[:, 16 - i] = org % 31
            org //= 31
        weights = np.array([pow(3, i, 31) for i in range(17)])
        check = (31 - (digits * weights).sum(axis=1) % 31) % 31
        alphabet = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
        chars = np.ascontiguousarray(alphabet[np.hstack([digits, check[:, None]])])
        codes = pl.Series(chars.view("S18").ravel()).cast(pl.String)
        assert uscc_check_character(codes[0][:17]) == codes[0][17]
        return codes

    def enterprises(self) -> Iterator[pl.DataFrame]:
        """The enterprises table, a chunk at a time (names are built per chunk)."""
        trades = [t for s in SECTORS for t in NAME_TRADES[s]]
        offset = np.cumsum([0] + [len(NAME_TRADES[s]) for s in SECTORS])[:-1]
        count = np.array([len(NAME_TRADES[s]) for s in SECTORS])
        levels = [None, "一级", "二级", "三级"]
        for lo, hi in _chunks(self.counts.enterprises, self.counts.chunk_rows):
            s = self.e_sector[lo:hi]
            county = self.e_county[lo:hi]
            name = (
                self.short_names.gather(county)
                + _gather(NAME_WORDS, self.e_word[lo:hi])
                + _gather(trades, offset[s] + self.e_trade[lo:hi] % count[s])
                + pl.Series(np.where(self.e_suffix[lo:hi], "有限公司", "有限责任公司"))
            )
            yield canonical(
                "enterprises",
                pl.DataFrame(
                    {
                        "enterprise_id": self.e_ids.slice(lo, hi - lo),
                        "name": name,
                        "region_code": _gather(self.county_codes, county),
                        "sector": _gather(SECTORS, s),
                        "employees": self.e_employees[lo:hi],
                        "license_required": self.e_required[lo:hi],
                        "licensed": self.e_licensed[lo:hi],
                        "standardization_level": pl.Series(levels).gather(self.e_level[lo:hi]),
                        "status": _gather(("在营", "停产", "关闭"), self.e_status[lo:hi]),
                        "closed_on": dates(self.e_closed_on[lo:hi], self.e_closed_on[lo:hi] >= 0),
                    }
                ),
            )

    def _enterprise_in(self, rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
        """A random enterprise of each given county (every county has one)."""
        return _within(rng, self.e_first[county], self.e_size[county])

    # -- accidents -------------------------------------------------------------------------

    def _accidents(self) -> None:
        """Generic accidents in every county (2024 up or down with its quality) and the
        story accidents that decide vetoes, yellow cards and grade caps."""
        c, rng = self.counts, _rng(self.seed, "accidents")
        k = c.counties
        perm = rng.permutation(k)
        used = np.zeros(k, dtype=bool)

        def take(n: int, pool: np.ndarray | None = None) -> np.ndarray:
            pool = perm if pool is None else pool
            free = pool[~used[pool]][: max(0, n)]
            used[free] = True
            return free

        def share(fraction: float, least: int) -> int:
            return max(least, round(fraction * k))

        # 重大 accidents (county veto, city yellow card); two in one city veto the city
        majors = take(share(0.003, 1))
        if k >= 50:
            city = self.county_city[majors[0]]
            majors = np.append(majors, take(1, np.flatnonzero(self.county_city == city)))
        concealed = take(share(0.004, 1))
        three = take(share(0.004, 1 if k >= 8 else 0))  # 3 较大: veto and yellow card
        two = take(share(0.015, 1))  # 2 较大: yellow card
        one = take(share(0.03, 0))  # 1 较大: no 优秀
        huge = take(1 if k >= 100 else 0)  # 特别重大
        no_liability = take(1 if k >= 100 else 0)  # a 重大 accident without liability
        stories = [  # (counties, accidents each, kind, year)
            (majors, 1, "重大", 2024),
            (concealed, 1, "concealed", 2024),
            (three, 3, "较大", 2024),
            (two, 2, "较大", 2024),
            (one, 1, "较大", 2024),
            (huge, 1, "特别重大", 2024),
            (no_liability, 1, "no_liability", 2024),
            (rng.choice(k, share(0.03, 0)), 1, "较大", 2023),
            (rng.choice(k, share(0.002, 0)), 1, "concealed", 2023),
        ]
        s_county = np.concatenate([np.repeat(cs, each) for cs, each, _, _ in stories])
        s_kind = np.concatenate([np.full(len(cs) * each, kind) for cs, each, kind, _ in stories])
        s_year = np.concatenate([np.full(len(cs) * each, y) for cs, each, _, y in stories])
        n_story = len(s_county)
        n_generic = max(0, c.accidents - n_story)
        if n_story > c.accidents:
            s_county, s_kind, s_year = (a[: c.accidents] for a in (s_county, s_kind, s_year))
            n_story = c.accidents

        # generic accidents: counties by size, 2024 against 2023 by quality
        base = self.e_size.astype(float) ** 0.7
        trend = (1.3 - 0.6 * self.q) * np.exp(rng.normal(0, 0.1, k))
        cells = _allocate(n_generic, np.concatenate([base, base * trend]))
        g_cell = np.repeat(np.arange(2 * k), cells)
        g_county, g_year = g_cell % k, np.where(g_cell >= k, 2024, 2023)

        county = np.concatenate([g_county, s_county]).astype(np.int64)
        year = np.concatenate([g_year, s_year])
        kind = np.concatenate([np.full(n_generic, "generic"), s_kind])
        m = len(county)
        start = np.where(year == 2024, JAN_1_2024, FIRST_DAY)
        length = np.where(year == 2024, 366, 365)
        day = start + (rng.random(m) * length).astype(np.int64)

        # what happened: an enterprise's accident, or on a road or water
        way = _pick(rng, ("enterprise", "road", "water"), (0.55, 0.38, 0.07), m)
        enterprise = np.where(way == 0, self._enterprise_in(rng, county), -1)
        sector = np.where(
            way == 0,
            self.e_sector[np.maximum(enterprise, 0)],
            np.where(way == 1, _SECTOR_INDEX["道路交通"], _SECTOR_INDEX["水上交通"]),
        )
        generic = kind == "generic"
        deaths = np.select(
            [kind == "较大", kind == "concealed", kind == "特别重大"],
            [rng.integers(3, 8, m), rng.integers(1, 3, m), rng.integers(30, 37, m)],
            np.where(
                generic, _pick(rng, (0, 1, 2), (0.42, 0.47, 0.11), m), rng.integers(10, 15, m)
            ),
        )
        missing = np.where(generic, (deaths <= 1) & (rng.random(m) < 0.02), rng.random(m) < 0.2)
        injuries = np.where(
            generic,
            np.array([0, 1, 2, 3, 5])[_pick(rng, range(5), (0.55, 0.3, 0.1, 0.04, 0.01), m)],
            rng.integers(0, 9, m),
        )
        loss = np.round(np.minimum(rng.gamma(1.2, 15.0, m) * np.where(generic, 1, 8), 950), 2)
        late_p = np.where(generic, 0.015 * (1 - self.q[county]), 0.05)
        severe = np.isin(kind, ["重大", "特别重大"]) & (enterprise >= 0)
        self.accident_frame = (
            pl.DataFrame(
                {
                    "day": day.astype(np.int32),
                    "region_code": _gather(self.county_codes, county),
                    "enterprise_id": _where(
                        enterprise >= 0, self.e_ids.gather(np.maximum(enterprise, 0))
                    ),
                    "sector": _gather(SECTORS, sector),
                    "deaths": deaths,
                    "missing": missing.astype(np.int64),
                    "serious_injuries": injuries,
                    "direct_loss_10k_yuan": loss,
                    "reported_late": rng.random(m) < late_p,
                    "concealed": kind == "concealed",
                    "liability": np.where(
                        kind == "no_liability", False, ~generic | (rng.random(m) < 0.97)
                    ),
                    "concealed_by": _where(kind == "concealed", pl.lit("企业")),
                    "fine_multiplier": pl.Series(
                        np.where(severe, np.round(rng.uniform(2, 3, m), 1), np.nan)
                    ).fill_nan(None),
                    "principal_absconded": severe & (rng.random(m) < 0.3),
                    "tie": rng.random(m),
                }
            )
            .sort("day", "tie")
            .with_columns(occurred_on=pl.col("day").cast(pl.Date))
        )
        days_sorted = self.accident_frame["day"].to_numpy()
        self.accident_frame = canonical(
            "accidents",
            self.accident_frame.with_columns(accident_id=_serial_ids("SG", days_sorted, 6)),
        )

    def accidents(self) -> Iterator[pl.DataFrame]:
        """The accidents of both years, in date order."""
        yield self.accident_frame

    # -- region statistics and targets -----------------------------------------------------

    def _rolled(self, frame: pl.DataFrame, values: list[str]) -> pl.DataFrame:
        """County figures (region_code, year, values…) with every city's and province's
        the sums of their counties."""
        up = pl.DataFrame(
            {
                "region_code": self.county_codes,
                "city": self.codes.gather(self.county_city),
                "province": self.codes.gather(self.county_prov),
            }
        )
        joined = frame.join(up, on="region_code")
        parts = [frame.select("region_code", "year", *values)]
        for level in ("city", "province"):
            parts.append(
                joined.group_by(level, "year")
                .agg(pl.col(values).sum())
                .rename({level: "region_code"})
                .select("region_code", "year", *values)
            )
        return pl.concat(parts)

    def region_stats(self) -> Iterator[pl.DataFrame]:
        """GDP, industry employees, vehicles and coal output: counties drawn, cities and
        provinces the sums of their counties."""
        rng, k = _rng(self.seed, "region_stats"), self.counts.counties
        rel = self.e_size / self.e_size.mean()
        gdp = np.maximum(5.0, rng.gamma(2.2, 110.0, k) * np.sqrt(rel))
        employees = 60_000 * rel * rng.uniform(0.6, 1.4, k)
        vehicles = gdp * rng.uniform(300, 700, k)
        coal = np.where(self.coal_county, rng.uniform(0.3, 6.0, k), 0.0)
        growth = rng.uniform(1.02, 1.08, k)
        county = pl.DataFrame(
            {
                "region_code": pl.concat([self.county_codes, self.county_codes]),
                "year": np.repeat(np.array(YEARS, dtype=np.int32), k),
                "gdp_100m_yuan": np.round(np.concatenate([gdp, gdp * growth]), 1),
                "industry_employees": np.round(
                    np.concatenate([employees, employees * 1.01])
                ).astype(np.int64),
                "motor_vehicles": np.round(np.concatenate([vehicles, vehicles * 1.06])).astype(
                    np.int64
                ),
                "coal_output_mt": np.round(np.concatenate([coal, coal * growth]), 3),
            }
        )
        stats = self._rolled(county, ["gdp_100m_yuan", "industry_employees", "motor_vehicles",
                                      "coal_output_mt"])  # fmt: skip
        self.stats = stats.with_columns(
            pl.col("gdp_100m_yuan").round(1),
            pl.col("coal_output_mt").round(3).replace(0.0, None),
        ).sort("region_code", "year")
        yield canonical("region_stats", self.stats)

    def targets(self) -> Iterator[pl.DataFrame]:
        """Control targets for both years, set from 2023's own figures (2024's a little
        tighter), so that regions whose accidents rose exceed them."""
        rng = _rng(self.seed, "targets")
        acc = self.accident_frame.filter(pl.col("liability"))
        d = pl.col("deaths") + pl.col("missing")
        industry = ["煤矿", "非煤矿山", "建筑施工", "危险化学品", "烟花爆竹", "工矿商贸其他"]
        county = (
            acc.filter(pl.col("occurred_on").dt.year() == 2023)
            .group_by("region_code")
            .agg(
                deaths=d.sum(),
                industry=d.filter(pl.col("sector").cast(pl.String).is_in(industry)).sum(),
                road=d.filter(pl.col("sector") == "道路交通").sum(),
                coal=d.filter(pl.col("sector") == "煤矿").sum(),
            )
        )
        county = (
            pl.DataFrame({"region_code": self.county_codes})
            .join(county, on="region_code", how="left")
            .fill_null(0)
            .with_columns(year=pl.lit(2023, pl.Int32))
        )
        base = self._rolled(county, ["deaths", "industry", "road", "coal"]).drop("year")
        frame = pl.concat([base.with_columns(year=pl.lit(y, pl.Int32)) for y in YEARS]).join(
            self.stats, on=["region_code", "year"]
        )
        n, year = frame.height, frame["year"].to_numpy()
        slack = np.where(year == 2023, rng.uniform(1.0, 1.25, n), rng.uniform(0.92, 1.1, n))
        frame = frame.with_columns(slack=pl.Series(slack))
        limit = ((pl.col("deaths") * pl.col("slack")).round(0)).clip(lower_bound=1)

        def rate(num: str, denominator: str, unit: float) -> pl.Expr:
            return ((pl.col(num) + 0.5) * pl.col("slack") / pl.col(denominator) * unit).round(4)

        wide = frame.select(
            "region_code",
            "year",
            deaths=limit,
            deaths_per_100m_gdp=rate("deaths", "gdp_100m_yuan", 1.0),
            industry_deaths_per_100k=rate("industry", "industry_employees", 1e5),
            road_deaths_per_10k_vehicles=rate("road", "motor_vehicles", 1e4),
            coal_deaths_per_mt=rate("coal", "coal_output_mt", 1.0),
        )
        yield canonical(
            "targets",
            wide.unpivot(
                index=["region_code", "year"], variable_name="indicator", value_name="limit"
            )
            .drop_nulls("limit")
            .sort("region_code", "year", "indicator"),
        )

    # -- officials and their duty records --------------------------------------------------

    def _posts(self) -> pl.DataFrame:
        """Every post of every region: two heads, deputies with portfolios (three in a
        province or city, two in a county), six department heads."""
        rows = []
        for level, portfolios in (("upper", PORTFOLIOS_CITY), ("county", PORTFOLIOS_COUNTY)):
            posts = [("党委主要负责人", None, None), ("政府主要负责人", None, None)]
            posts += [("分管负责人", None, p) for p in portfolios]
            posts += [("部门负责人", d, None) for d in DEPARTMENTS]
            rows += [(level, i + 1, *post) for i, post in enumerate(posts)]
        return pl.DataFrame(
            rows, schema=["tier", "slot", "role", "department", "portfolio"], orient="row"
        )

    def officials_frame(self) -> pl.DataFrame:
        """Officials: the posts of every region, and for about 5 % of posts a predecessor
        who left during 2023 or 2024 and a successor who took over a little later."""
        if hasattr(self, "_officials"):
            return self._officials
        rng = _rng(self.seed, "officials")
        r = len(self.codes)
        regions = pl.DataFrame(
            {
                "region_code": self.codes,
                "tier": np.where(np.arange(r) >= self.first_county, "county", "upper"),
                "q": self.quality,
            }
        )
        posts = regions.join(self._posts(), on="tier").sort("region_code", "slot")
        n = posts.height
        changed = rng.random(n) < 0.05
        left = np.where(
            rng.random(n) < 0.3,
            rng.integers(FIRST_DAY + 30, FIRST_DAY + 335, n),
            rng.integers(FIRST_DAY + 396, LAST_DAY - 30, n),
        )
        started = np.where(rng.random(n) < 0.6, rng.integers(FIRST_DAY - 1_800, FIRST_DAY, n), -1)
        incumbents = posts.with_columns(
            official_id=pl.format(
                "GB{}{}", "region_code", pl.col("slot").cast(pl.String).str.zfill(2)
            ),
            start_on=dates(started, started >= 0),
            end_on=dates(left, changed),
        )
        successors = posts.filter(pl.Series(changed)).with_columns(
            official_id=pl.format("GB{}{}", "region_code", (pl.col("slot") + 20).cast(pl.String)),
            start_on=dates(left[changed] + rng.integers(1, 21, int(changed.sum()))),
            end_on=pl.lit(None, pl.Date),
        )
        frame = pl.concat([incumbents, successors]).sort("official_id")
        m = frame.height
        given = list(GIVEN) + [""] * 15
        name = (
            _gather(SURNAMES, rng.integers(0, len(SURNAMES), m))
            + _gather(GIVEN, rng.integers(0, len(GIVEN), m))
            + _gather(given, rng.integers(0, len(given), m))
        )
        self._officials = frame.with_columns(
            name=name, portfolio=pl.col("portfolio").str.split(";")
        )
        return self._officials

    def officials(self) -> Iterator[pl.DataFrame]:
        """The officials table (see `officials_frame`)."""
        yield canonical("officials", self.officials_frame())

    def duty_records(self) -> Iterator[pl.DataFrame]:
        """Each official's duty records of each year in office: the role's required
        activities done about as often as the region's quality says (some not at all,
        some officials with nothing recorded), an activity sometimes recorded in two
        rows, and now and then one the role does not require."""
        rng = _rng(self.seed, "duty_records")
        required = pl.DataFrame(
            [(role, act, n) for role, acts in DUTY_REQUIRED.items() for act, n in acts.items()],
            schema=["role", "activity", "required"],
            orient="row",
        )
        spans = self.officials_frame().with_columns(
            first=pl.col("start_on").fill_null(dt.date(2000, 1, 1)),
            last=pl.col("end_on").fill_null(dt.date(2099, 12, 31)),
        )
        years = pl.DataFrame({"year": np.array(YEARS, dtype=np.int32)})
        served = (
            spans.join(years, how="cross")
            .filter(
                (pl.col("first") <= pl.date(pl.col("year"), 12, 31))
                & (pl.col("last") >= pl.date(pl.col("year"), 1, 1))
            )
            .select("official_id", pl.col("role").cast(pl.String), "year", "q")
        )
        n = served.height
        served = served.with_columns(
            ratio=pl.Series(np.clip(rng.normal(0.72, 0.25, n), 0, 2.5)) + 0.45 * pl.col("q"),
            silent=pl.Series(rng.random(n) < 0.03),
            extra=pl.Series(rng.random(n) < 0.2),
        ).filter(~pl.col("silent"))
        rows = served.join(required, on="role").sort("official_id", "year", "activity")
        m = rows.height
        done = np.round(rows["required"].to_numpy() * rows["ratio"].to_numpy() * rng.uniform(
            0.8, 1.2, m)).astype(np.int64)  # fmt: skip
        split = (done >= 4) & (rng.random(m) < 0.25)
        first = np.where(split, done // 2, done)
        rows = rows.select("official_id", "year", "activity").with_columns(count=pl.Series(first))
        halves = rows.filter(pl.Series(split)).with_columns(
            count=pl.Series(done[split] - first[split])
        )
        extras = served.filter(pl.col("extra")).select(
            "official_id",
            "year",
            activity=pl.lit("隐患督办"),
            count=pl.Series(rng.integers(1, 4, int(served["extra"].sum()))).cast(pl.Int64),
        )
        extras = extras.join(
            rows.select("official_id", "year", "activity"),
            on=["official_id", "year", "activity"],
            how="anti",
        )
        yield canonical(
            "duty_records",
            pl.concat([rows, halves, extras]).sort(
                "official_id", "year", "activity", "count", maintain_order=True
            ),
        )

    def work_items(self) -> Iterator[pl.DataFrame]:
        """Three to five work items a region and year (targets larger higher up), achieved
        about as well as the region's quality says."""
        rng = _rng(self.seed, "work_items")
        r = len(self.codes)
        level = np.where(
            np.arange(r) >= self.first_county, 1.0, np.where(self.parent < 0, 10.0, 3.0)
        )
        how_many = rng.integers(3, 6, r)
        first_item = rng.integers(0, len(WORK_ITEMS), r)
        region = np.repeat(np.arange(r), how_many)
        within = np.arange(len(region)) - np.repeat(np.cumsum(how_many) - how_many, how_many)
        item = (first_item[region] + within) % len(WORK_ITEMS)
        region, item = np.tile(region, 2), np.tile(item, 2)
        year = np.repeat(np.array(YEARS, dtype=np.int32), len(region) // 2)
        target = np.round(np.array([t for _, t in WORK_ITEMS])[item] * level[region])
        ratio = np.clip(rng.normal(0.8 + 0.25 * self.quality[region], 0.12), 0.3, 1.3)
        yield canonical(
            "work_items",
            pl.DataFrame(
                {
                    "region_code": _gather(self.codes, region),
                    "year": year,
                    "item": _gather([i for i, _ in WORK_ITEMS], item),
                    "target": target,
                    "achieved": np.round(target * ratio),
                }
            ).sort("region_code", "year", "item"),
        )

    # -- inspections ------------------------------------------------------------------------

    def _inspections(self) -> None:
        """Inspections (a day, a department, an inspecting region) each visiting 1–6
        enterprises of one county; counties inspect more the better their quality."""
        c, rng = self.counts, _rng(self.seed, "inspections")
        rows = c.inspection_rows
        visits = 1 + _pick(rng, range(6), (0.3, 0.25, 0.2, 0.12, 0.08, 0.05), rows)
        weight = self.e_size * (0.15 + 1.7 * self.q**1.5)
        county = rng.choice(c.counties, rows, p=weight / weight.sum())
        visits = np.minimum(visits, self.e_size[county])  # distinct enterprises
        # as many inspections as reach `rows` visits, the last one cut to fit
        cut = int(np.searchsorted(np.cumsum(visits), rows)) + 1 if rows else 0
        visits, county = visits[:cut], county[:cut]
        if cut:
            visits[-1] -= int(visits.sum()) - rows
        day = np.sort(FIRST_DAY + rng.integers(0, DAYS, cut))
        n = cut
        # most inspect from the county; some from its city or province
        level = _pick(rng, ("county", "city", "province"), (0.88, 0.1, 0.02), n)
        where = np.select(
            [level == 1, level == 2],
            [self.county_city[county], self.county_prov[county]],
            self.first_county + county,
        )
        start = (rng.random(n) * self.e_size[county]).astype(np.int64)
        row_insp = np.repeat(np.arange(n), visits)
        step = np.arange(len(row_insp)) - np.repeat(np.cumsum(visits) - visits, visits)
        c_of_row = county[row_insp]
        self.i_ent = self.e_first[c_of_row] + (start[row_insp] + step) % self.e_size[c_of_row]
        self.i_no = row_insp
        self.i_day = day
        first_sector = self.e_sector[self.e_first[county] + start]
        department = np.array([DEPARTMENTS.index(DEPARTMENT_OF[s]) for s in SECTORS])[first_sector]
        police = np.isin(first_sector, [_SECTOR_INDEX["道路交通"], _SECTOR_INDEX["校车"]]) & (
            rng.random(n) < 0.3
        )
        self.i_department = np.where(police, DEPARTMENTS.index("公安局"), department)
        self.i_where = where
        self.i_ids = _serial_ids("JC", day, 7)

    def inspections(self) -> Iterator[pl.DataFrame]:
        """One row per enterprise an inspection visited, in date order, a chunk at a time."""
        for lo, hi in _chunks(len(self.i_ent), self.counts.chunk_rows):
            no = self.i_no[lo:hi]
            yield canonical(
                "inspections",
                pl.DataFrame(
                    {
                        "inspection_id": self.i_ids.gather(no),
                        "enterprise_id": self.e_ids.gather(self.i_ent[lo:hi]),
                        "region_code": _gather(self.codes, self.i_where[no]),
                        "department": _gather(DEPARTMENTS, self.i_department[no]),
                        "inspected_on": dates(self.i_day[no]),
                    }
                ),
            )

    # -- stories: repeat fines on major hazards, coal mines ---------------------------------

    def _stories(self) -> None:
        """Enterprises fined three times within 180 days or four within 365 for major
        hazards, and coal mines with 重大 hazards found on two days within three months
        followed by a case (煤矿安全生产条例第七十条)."""
        c, rng = self.counts, _rng(self.seed, "stories")
        scope = np.flatnonzero(
            np.isin(self.e_sector, [_SECTOR_INDEX[s] for s in DISHONEST_SCOPE])
            & (self.e_status == 0)
        )
        coal = np.flatnonzero((self.e_sector == _SECTOR_INDEX["煤矿"]) & (self.e_status == 0))
        # within the table sizes asked for: two hazards and a case a mine, 3–4 cases a cluster
        mines = min(len(coal), max(1, round(len(coal) * 0.15)), c.hazards // 2, c.cases)
        clusters = min(len(scope), max(1, round(c.cases * 0.003 / 3.5)), (c.cases - mines) // 4)
        who = rng.choice(scope, clusters, replace=False) if clusters else np.zeros(0, np.int64)
        four = np.arange(clusters) % 2 == 1  # 4 within 365 days (never 3 within 180)
        size = np.where(four, 4, 3)
        enterprise = np.repeat(who, size)
        nth = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
        gap = np.where(np.repeat(four, size), 100, rng.integers(30, 70, size.sum()))
        last = rng.integers(LAST_DAY - 280, LAST_DAY - 5, clusters)
        day = np.repeat(last, size) - (np.repeat(size, size) - 1 - nth) * gap
        self.r_enterprise, self.r_day = enterprise, day
        self.r_last = nth == np.repeat(size, size) - 1

        self.k_enterprise = rng.choice(coal, mines, replace=False)
        first = rng.integers(
            (dt.date(2024, 5, 1) - EPOCH).days, (dt.date(2024, 10, 15) - EPOCH).days, mines
        )
        second = first + rng.integers(7, 61, mines)
        self.k_hazard_days = np.stack([first, second], axis=1)
        self.k_case_day = _clip_day(second + rng.integers(0, 26, mines))

    # -- cases -------------------------------------------------------------------------------

    def _cases(self) -> None:
        """Enforcement cases: most found at an inspection (its enterprise, department and
        day), the rest on complaints; measures taken about as often as the county's
        quality says; plus the story cases."""
        c, rng = self.counts, _rng(self.seed, "cases")
        story = len(self.r_enterprise) + len(self.k_enterprise)
        n_generic = max(0, c.cases - story)
        n_rows = len(self.i_ent)
        # the inspection row a case came from (a dummy row at the end when there is none)
        row = rng.integers(0, n_rows, n_generic) if n_rows else np.zeros(n_generic, np.int64)
        linked = (rng.random(n_generic) < 0.7) & (n_rows > 0)
        found_at = np.append(self.i_no, 0)[row]
        enterprise = np.where(
            linked, np.append(self.i_ent, 0)[row], rng.integers(0, c.enterprises, n_generic)
        )
        day = np.where(
            linked,
            _clip_day(np.append(self.i_day, FIRST_DAY)[found_at] + rng.integers(0, 4, n_generic)),
            FIRST_DAY + rng.integers(0, DAYS, n_generic),
        )
        inspection = np.where(linked, found_at, -1)
        # unregistered operators (非法): no enterprise, no inspection
        nobody = ~linked & (rng.random(n_generic) < 0.02)
        illegal = nobody | (rng.random(n_generic) < 0.05)
        unlawful = ~illegal & (rng.random(n_generic) < 0.47)
        failed = ~illegal & (rng.random(n_generic) < 0.02)
        criminal = rng.random(n_generic) < 0.015
        major = rng.random(n_generic) < 0.2

        # story cases: repeat fines on major hazards, then the coal mines
        r, k = len(self.r_enterprise), len(self.k_enterprise)
        enterprise = np.concatenate([enterprise, self.r_enterprise, self.k_enterprise])
        day = np.concatenate([day, self.r_day, self.k_case_day])
        inspection = np.concatenate([inspection, np.full(r + k, -1)])
        nobody = np.concatenate([nobody, np.zeros(r + k, bool)])
        illegal = np.concatenate([illegal, np.zeros(r + k, bool)])
        unlawful = np.concatenate([unlawful, np.ones(r + k, bool)])
        failed = np.concatenate([failed, np.zeros(r + k, bool)])
        criminal = np.concatenate([criminal, np.zeros(r + k, bool)])
        major = np.concatenate([major, np.ones(r + k, bool)])
        closing = np.concatenate([np.zeros(n_generic, bool), self.r_last, np.ones(k, bool)])
        n = len(day)

        county = self.e_county[enterprise]
        q = self.q[county]

        def takes() -> np.ndarray:
            """Whether a measure is taken: the better the county, the more often."""
            return rng.random(n) < 0.72 + 0.27 * q

        close_needed = illegal | failed | closing
        closed = np.where(close_needed, takes() & (rng.random(n) < 0.85), rng.random(n) < 0.01)
        proposed = close_needed & ~closed & (rng.random(n) < 0.3)
        proposal_day = np.where(proposed, day + rng.integers(5, 40, n), -1)
        proposal_day = np.where(proposal_day > LAST_DAY, -1, proposal_day)
        suspended = np.where(unlawful, takes(), rng.random(n) < 0.05)
        penalty = illegal | unlawful
        ceiling_at = rng.integers(0, len(FINE_CEILINGS), n)
        ceiling = np.array([x for x, _ in FINE_CEILINGS])[ceiling_at]
        full = takes()
        fine = np.where(
            penalty,
            np.where(full, ceiling, ceiling * rng.choice([0.3, 0.5, 0.8], n)),
            np.where(rng.random(n) < 0.3, ceiling * 0.5, 0.0),
        )
        story_rows = np.arange(n) >= n_generic
        fine = np.where(story_rows, ceiling, fine)  # the repeat rule counts fines
        fine_known = story_rows | (rng.random(n) >= 0.005)
        ceiling_known = story_rows | (rng.random(n) >= 0.01)
        transferred = np.where(criminal, takes(), rng.random(n) < 0.02)
        fined = fine_known & (fine > 0)
        kinds = (
            pl.DataFrame(
                {
                    "fine": _where(fined, pl.lit("罚款")),
                    "suspension": _where(suspended, pl.lit("责令停产停业整顿")),
                }
            )
            .select(k=pl.concat_list(pl.all()).list.drop_nulls())
            .select(pl.when(pl.col("k").list.len() > 0).then("k").otherwise(pl.lit(["警告"])))
            .to_series()
        )
        article_of = [a for _, a in FINE_CEILINGS]
        department = np.array([DEPARTMENTS.index(DEPARTMENT_OF[s]) for s in SECTORS])[
            self.e_sector[enterprise]
        ]
        department = np.where(
            inspection >= 0, np.append(self.i_department, 0)[np.maximum(inspection, 0)], department
        )
        detained = np.where(criminal & transferred, rng.integers(1, 4, n), 0)
        self.case_frame = (
            pl.DataFrame(
                {
                    "day": day.astype(np.int32),
                    "inspection_id": _where(
                        inspection >= 0,
                        self.i_ids.extend_constant(None, 1).gather(np.maximum(inspection, 0)),
                    ),
                    "enterprise_id": _where(~nobody, self.e_ids.gather(enterprise)),
                    "region_code": _gather(self.county_codes, county),
                    "department": _gather(DEPARTMENTS, department),
                    "illegal": illegal,
                    "unlawful": unlawful,
                    "failed_rectification": failed,
                    "criminal": criminal,
                    "major_hazard": major,
                    "suspended": suspended,
                    "closed": closed,
                    "fine_yuan": pl.Series(np.where(fine_known, fine, np.nan)).fill_nan(None),
                    "fine_max_yuan": pl.Series(np.where(ceiling_known, ceiling, np.nan)).fill_nan(
                        None
                    ),
                    "transferred": transferred,
                    "persons_detained": detained,
                    "persons_transferred": np.where(
                        criminal & transferred, np.maximum(detained, 1), 0
                    ),
                    "officials_accountable": np.where(criminal & (rng.random(n) < 0.2), 1, 0),
                    "penalty_kinds": kinds,
                    "penalty_article": _where(
                        fined & (rng.random(n) < 0.4), _gather(article_of, ceiling_at)
                    ),
                    "closure_proposed_on": dates(proposal_day, proposal_day >= 0),
                    "illegal_kind": _where(
                        illegal, _gather(ILLEGAL_KINDS, rng.integers(0, len(ILLEGAL_KINDS), n))
                    ),
                    "tie": rng.random(n),
                }
            )
            .sort("day", "tie")
            .with_columns(found_on=pl.col("day").cast(pl.Date))
        )
        self.case_frame = self.case_frame.with_columns(
            case_id=_serial_ids("AJ", self.case_frame["day"].to_numpy(), 7)
        )

    def cases(self) -> Iterator[pl.DataFrame]:
        """The enforcement cases in date order, a chunk at a time."""
        for lo, hi in _chunks(self.case_frame.height, self.counts.chunk_rows):
            yield canonical("cases", self.case_frame.slice(lo, hi - lo))

    # -- hidden hazards ----------------------------------------------------------------------

    def hazards(self) -> Iterator[pl.DataFrame]:
        """Hidden hazards, a contiguous stretch of days per chunk (so the table runs in
        date order), then the coal mines' 重大 hazards of the story."""
        c = self.counts
        story = 2 * len(self.k_enterprise)
        total = max(0, c.hazards - story)
        chunks = max(1, -(-total // c.chunk_rows))
        per_chunk = _even(total, chunks)
        bounds = FIRST_DAY + np.round(np.linspace(0, DAYS, chunks + 1)).astype(np.int64)
        serial = 0
        for i in range(chunks):
            rng = _rng(self.seed, "hazards", i)
            n = int(per_chunk[i])
            enterprise = rng.integers(0, c.enterprises, n)
            found = np.sort(rng.integers(bounds[i], max(bounds[i + 1], bounds[i] + 1), n))
            yield self._hazard_rows(rng, serial, enterprise, found, np.zeros(n, bool))
            serial += n
        rng = _rng(self.seed, "hazards", chunks)
        enterprise = np.repeat(self.k_enterprise, 2)
        found = self.k_hazard_days.ravel()
        yield self._hazard_rows(rng, serial, enterprise, found, np.ones(len(found), bool))

    def _hazard_rows(
        self,
        rng: np.random.Generator,
        serial: int,
        enterprise: np.ndarray,
        found: np.ndarray,
        major: np.ndarray,
    ) -> pl.DataFrame:
        """Hazards numbered from `serial` + 1, of the given enterprises, found on the given
        days (`major`: 重大 whatever the draw): level, deadline and extension,
        rectification (on time as often as the county's quality says; after the cut-off
        it has not happened yet), verification, listing, 五落实."""
        n = len(found)
        sector = self.e_sector[enterprise]
        q = self.q[self.e_county[enterprise]]
        risky = np.isin(sector, [_SECTOR_INDEX[s] for s in HIGH_RISK])
        major = major | (rng.random(n) < np.where(risky, 0.04, 0.012))
        due = found + np.where(major, rng.integers(30, 181, n), rng.integers(3, 46, n))
        extended = rng.random(n) < 0.04
        extended_to = np.where(extended, due + rng.integers(15, 61, n), -1)
        approved = extended & (rng.random(n) < 0.8)
        deadline = np.where(approved, extended_to, due)
        on_time = rng.random(n) < np.where(major, 0.85 + 0.14 * q, 0.86 + 0.135 * q)
        never = ~on_time & (rng.random(n) < np.where(major, 0.12, 0.15))
        rectified = np.where(
            on_time,
            found + (rng.random(n) * (deadline - found + 1)).astype(np.int64),
            deadline + rng.integers(1, 61, n),
        )
        rectified = np.where(never | (rectified > LAST_DAY), -1, rectified)
        verified = np.where(
            (rectified >= 0) & (major | (rng.random(n) < 0.5)),
            rectified + rng.integers(0, 21, n),
            -1,
        )
        verified = np.where(verified > LAST_DAY, -1, verified)
        listed = np.where(major, rng.random(n) < 0.55, rng.random(n) < 0.005)
        finder = _pick(rng, range(5), (0.6, 0.25, 0.07, 0.05, 0.03), n)
        higher = finder == 2
        listed_level = _pick(rng, range(3), (0.1, 0.3, 0.6), n)
        levels = ("省", "市", "县")
        departments = np.array([DEPARTMENTS.index(DEPARTMENT_OF[s]) for s in SECTORS])[sector]
        stop = _pick(rng, range(3), (0.5, 0.35, 0.15), n)
        return canonical(
            "hazards",
            pl.DataFrame(
                {
                    "hazard_id": ids("YH", serial + 1 + np.arange(n), 10),
                    "enterprise_id": self.e_ids.gather(enterprise),
                    "region_code": _gather(self.county_codes, self.e_county[enterprise]),
                    "sector": _gather(SECTORS, sector),
                    "level": pl.Series(np.where(major, "重大", "一般")),
                    "found_on": dates(found),
                    "due_on": dates(due),
                    "rectified_on": dates(rectified, rectified >= 0),
                    "listed": listed,
                    "five_in_place": major & (rng.random(n) < 0.78 + 0.21 * q),
                    "found_by": _gather(
                        ("企业自查", "属地检查", "上级检查", "暗访", "举报"), finder
                    ),
                    "found_by_level": _where(
                        higher, _gather(levels, np.where(rng.random(n) < 0.8, 1, 0))
                    ),
                    "verified_on": dates(verified, verified >= 0),
                    "extended_to": dates(extended_to, extended),
                    "extension_approved": approved,
                    "listed_level": _where(listed, _gather(levels, listed_level)),
                    "supervising_department": _where(listed, _gather(DEPARTMENTS, departments)),
                    "stop_production": _where(major, _gather(("无", "局部", "全部"), stop)),
                }
            ),
        )

    # -- adjustments and credit listings ------------------------------------------------------

    def adjustments(self) -> Iterator[pl.DataFrame]:
        """Committee adjustments (加分/核减) for about 2 % of regions a year."""
        rng = _rng(self.seed, "adjustments")
        r = len(self.codes)
        n = max(1, round(0.02 * r))
        region = rng.choice(r, n, replace=False)
        year = np.where(rng.random(n) < 0.7, 2024, 2023).astype(np.int32)
        which = rng.integers(0, len(ADJUSTMENT_REASONS), n)
        province = np.where(self.parent[region] < 0, region, self.parent[region])
        province = np.where(self.parent[province] < 0, province, self.parent[province])
        yield canonical(
            "adjustments",
            pl.DataFrame(
                {
                    "subject_type": "region",
                    "subject_id": _gather(self.codes, region),
                    "year": year,
                    "points": np.array([p for p, _, _ in ADJUSTMENT_REASONS])[which],
                    "reason": _gather([t for _, t, _ in ADJUSTMENT_REASONS], which),
                    "basis": self.region_frame["name"].gather(province)
                    + "安全生产考核细则("
                    + pl.Series(year).cast(pl.String)
                    + ")"
                    + _gather([b for _, _, b in ADJUSTMENT_REASONS], which),
                }
            ).sort("subject_type", "subject_id", "year"),
        )

    def credit_listings(self) -> Iterator[pl.DataFrame]:
        """严重失信 listings: enterprises operating without a required licence and those
        with 重大 or concealed accidents, in the sectors where listing applies; some
        removed early after a year."""
        rng = _rng(self.seed, "credit_listings")
        scope = np.isin(self.e_sector, [_SECTOR_INDEX[s] for s in DISHONEST_SCOPE])
        unlicensed = np.flatnonzero(scope & self.e_required & ~self.e_licensed)
        wanted = max(1, round(self.counts.enterprises * 0.0002))
        pick = rng.choice(unlicensed, min(wanted, len(unlicensed)), replace=False)
        accident_ids = (
            self.accident_frame.filter(
                (pl.col("concealed") | (pl.col("deaths") >= 10))
                & pl.col("enterprise_id").is_not_null()
                & pl.col("sector").cast(pl.String).is_in(DISHONEST_SCOPE)
            )
            .select("enterprise_id", listed=pl.col("occurred_on").cast(pl.Int32) + 30)
            .filter(pl.col("listed") <= LAST_DAY)
        )
        n = len(pick)
        listed = rng.integers(FIRST_DAY + 60, LAST_DAY - 30, n)
        frame = pl.concat(
            [
                pl.DataFrame(
                    {"enterprise_id": self.e_ids.gather(pick), "listed": listed.astype(np.int32)}
                ),
                accident_ids,
            ]
        ).unique("enterprise_id", keep="first", maintain_order=True)
        m = frame.height
        removed = frame["listed"].to_numpy() + rng.integers(366, 500, m)
        removed = np.where((rng.random(m) < 0.4) & (removed <= LAST_DAY), removed, -1)
        yield canonical(
            "credit_listings",
            frame.with_columns(
                listed_on=pl.col("listed").cast(pl.Date),
                removed_on=dates(removed, removed >= 0),
                authority=_gather(("县应急管理局", "市应急管理局"), rng.integers(0, 2, m)),
            ).sort("enterprise_id", "listed_on"),
        )

    def assessed_enterprises(self) -> Iterator[pl.DataFrame]:
        """State-owned enterprises a city government assesses (about 1 in 2,000), a
        third of them on their own sector only."""
        rng = _rng(self.seed, "assessed_enterprises")
        n = self.counts.enterprises
        pick = np.sort(rng.choice(n, max(1, round(n * 0.0005)), replace=False))
        own = rng.random(len(pick)) < 1 / 3
        sectors = pl.Series(
            [[SECTORS[s]] if o else None for s, o in zip(self.e_sector[pick], own, strict=True)],
            dtype=pl.List(pl.String),
        )
        yield canonical(
            "assessed_enterprises",
            pl.DataFrame(
                {
                    "enterprise_id": self.e_ids.gather(pick),
                    "region_code": _gather(self.codes, self.county_city[self.e_county[pick]]),
                    "sectors": sectors,
                }
            ).sort("enterprise_id"),
        )

    def summons_history(self) -> Iterator[pl.DataFrame]:
        """No recorded summonses: the benchmark times the summons engine on the
        accidents; the history only adds escalation candidates."""
        yield pl.DataFrame(schema=TABLES["summons_history"].dtypes)

    def responsibility_findings(self) -> Iterator[pl.DataFrame]:
        """No investigation findings: every step rests on attribution (归责预筛)."""
        yield pl.DataFrame(schema=TABLES["responsibility_findings"].dtypes)

    def regions(self) -> Iterator[pl.DataFrame]:
        """The region tree: provinces (roots), their cities, the cities' counties."""
        yield self.region_frame

    def tables(self) -> Iterator[tuple[str, Iterator[pl.DataFrame]]]:
        """Every table, in the loader's reference order, as an iterator of chunks."""
        for name in TABLE_ORDER:
            yield name, getattr(self, name)()


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """(first, end) row ranges of at most `size` rows; one empty range for no rows."""
    if total == 0:
        yield 0, 0
    for lo in range(0, total, size):
        yield lo, min(total, lo + size)


# --- writing ---------------------------------------------------------------------------------


def _csv_text(frame: pl.DataFrame, *, header: bool) -> str:
    """A chunk as CSV text the loader reads: ISO dates, true/false, empty cells for
    nulls, lists (portfolios, penalty kinds) joined with ';'."""
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    text = frame.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join(";") for c in lists)
    return text.write_csv(include_header=header, line_terminator="\n", null_value="")


class _Writer:
    """Writes tables given as chunks into the format folders of one scale: CSV (UTF-8
    and GBK) appended chunk by chunk, Parquet staged per chunk and joined into one file
    by a streaming sink, so that no table is ever whole in memory."""

    def __init__(self, folder: Path, formats: Sequence[str]) -> None:
        self.folder, self.formats = folder, tuple(formats)
        self.staging = folder / ".staging"

    def write(self, name: str, chunks: Iterable[pl.DataFrame]) -> int:
        """Write one table; returns its rows."""
        texts = {
            fmt: (self.folder / fmt / f"{name}.csv").open("wb")
            for fmt in ("csv", "csv-gbk")
            if fmt in self.formats
        }
        parts: list[Path] = []
        rows = 0
        try:
            for i, chunk in enumerate(chunks):
                rows += chunk.height
                if "parquet" in self.formats:
                    part = self.staging / name / f"part-{i:05d}.parquet"
                    part.parent.mkdir(parents=True, exist_ok=True)
                    chunk.write_parquet(part)
                    parts.append(part)
                if texts:
                    text = _csv_text(chunk, header=i == 0)
                    for fmt, out in texts.items():
                        out.write(text.encode("gbk" if fmt == "csv-gbk" else "utf-8"))
                del chunk
        finally:
            for out in texts.values():
                out.close()
        if parts:
            final = self.folder / "parquet" / f"{name}.parquet"
            if len(parts) == 1:
                parts[0].replace(final)
            else:
                pl.scan_parquet(parts).sink_parquet(final)
            shutil.rmtree(self.staging / name)
        return rows

    def close(self) -> None:
        """Remove the staging folder (also after an error)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """The formats asked for ("parquet,csv" or a sequence), in the order of FORMATS."""
    wanted = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = [f.strip() for f in wanted if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats: {unknown or 'none'}; choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def _read_manifest(folder: Path) -> dict:
    """The scale folder's manifest (empty when there is none or it cannot be read)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _start(folder: Path, key: dict, formats: Sequence[str]) -> list[str]:
    """Prepare `folder` for writing `formats` under `key` (the manifest's identity):
    empty their folders, and drop every format a manifest of another key listed.
    Returns the formats already there that stay valid."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(folder)
    same = {k: manifest.get(k) for k in key} == key
    kept = [f for f in manifest.get("formats", []) if same and f not in formats]
    for fmt in FORMATS:
        if fmt in formats or (fmt not in kept and (folder / fmt).exists()):
            shutil.rmtree(folder / fmt, ignore_errors=True)
    for fmt in formats:
        (folder / fmt).mkdir()
    # until the writing is done, the manifest lists only what stays valid
    _write_manifest(folder, {**key, "formats": kept, "rows": manifest.get("rows", {})})
    return kept


def _write_manifest(folder: Path, manifest: dict) -> None:
    """The manifest as stable JSON (sorted keys, no time stamps: same data, same bytes)."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def _key(counts: Counts, seed: int) -> dict:
    """What makes a generated folder: generator version, seed and counts."""
    return {"version": GENERATOR_VERSION, "seed": seed, "counts": dataclasses.asdict(counts)}


def write_dataset(
    counts: Counts,
    out: str | Path,
    formats: str | Iterable[str] = FORMATS,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Generate the dataset of `counts` from `seed` and write it into `out` (one folder
    per format, and `manifest.json`); returns `out`.  The formats asked for are always
    rewritten; other formats of the same seed, counts and version are kept."""
    folder, formats = Path(out), _formats(formats)
    key = _key(counts, seed)
    kept = _start(folder, key, formats)
    writer = _Writer(folder, formats)
    rows: dict[str, int] = {}
    try:
        for name, chunks in _Country(counts, seed).tables():
            rows[name] = writer.write(name, chunks)
    finally:
        writer.close()
    formats_now = [f for f in FORMATS if f in kept or f in formats]
    _write_manifest(
        folder, {**key, "as_of": AS_OF.isoformat(), "formats": formats_now, "rows": rows}
    )
    return folder


def build_tables(counts: Counts, seed: int = DEFAULT_SEED) -> dict[str, pl.DataFrame]:
    """The dataset of `counts` in memory (canonical dtypes, every chunk of a table
    concatenated): the frames `write_dataset` writes, for benchmarks that skip files."""
    return {name: pl.concat(list(chunks)) for name, chunks in _Country(counts, seed).tables()}


def _fixture_key() -> dict:
    """What makes scale S: generator version and a digest of the fixture's files."""
    digest = hashlib.sha256()
    for path in sorted(FIXTURE.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return {"version": GENERATOR_VERSION, "fixture": digest.hexdigest()}


def _write_fixture(folder: Path, formats: Sequence[str], key: dict) -> None:
    """Scale S: the fixture's CSV files as they are, the same in GBK, and the tables
    `load_dataset` makes of them as typed Parquet."""
    kept = _start(folder, key, formats)
    files = sorted(FIXTURE.glob("*.csv"))
    rows = {path.stem: path.read_bytes().count(b"\n") - 1 for path in files}
    for path in files:
        if "csv" in formats:
            shutil.copyfile(path, folder / "csv" / path.name)
        if "csv-gbk" in formats:
            text = path.read_bytes().decode("utf-8")
            (folder / "csv-gbk" / path.name).write_bytes(text.encode("gbk"))
    if "parquet" in formats:
        data = load_dataset(FIXTURE, as_of=AS_OF)
        write_tables(dict(data.tables), folder / "parquet")
        rows = {name: frame.height for name, frame in data.tables.items()}
    formats_now = [f for f in FORMATS if f in kept or f in formats]
    _write_manifest(
        folder, {**key, "as_of": AS_OF.isoformat(), "formats": formats_now, "rows": rows}
    )


def generate(
    scale: str,
    out: str | Path = DATA,
    formats: str | Iterable[str] = FORMATS,
    *,
    seed: int = DEFAULT_SEED,
    force: bool = False,
) -> Path:
    """Make sure `<out>/<scale>/<format>/` holds the scale's dataset in each format, and
    return `<out>/<scale>`.  Formats already written by this generator version with the
    same seed (for S: from the same fixture files) are skipped unless `force`."""
    if scale != "S" and scale not in SCALES:
        raise ValueError(f"scale {scale!r}: choose from S, {', '.join(SCALES)}")
    folder, formats = Path(out) / scale, _formats(formats)
    key = _fixture_key() if scale == "S" else _key(SCALES[scale], seed)
    manifest = _read_manifest(folder)
    same = {k: manifest.get(k) for k in key} == key
    done = set(manifest.get("formats", [])) if same and not force else set()
    todo = [f for f in formats if f not in done or not (folder / f).is_dir()]
    if todo:
        if scale == "S":
            _write_fixture(folder, todo, key)
        else:
            write_dataset(SCALES[scale], folder, todo, seed)
    return folder


# --- checking ----------------------------------------------------------------------------


def check(
    folder: str | Path, formats: str | Iterable[str] = FORMATS, year: int = YEAR
) -> list[dict]:
    """Load each format of a scale's folder with `load_dataset` and assess `year`; one
    summary per format (seconds to load and assess, rows kept and rejected, warnings,
    grades, vetoes, yellow cards), with whether its regions equal the first format's."""
    summaries: list[dict] = []
    first: pl.DataFrame | None = None
    for fmt in _formats(formats):
        t0 = time.perf_counter()
        data = load_dataset(Path(folder) / fmt, as_of=AS_OF)
        t1 = time.perf_counter()
        result = assess(data, year=year)
        t2 = time.perf_counter()
        regions = result.regions
        grades = dict(regions["grade"].cast(pl.String).value_counts().iter_rows())
        summaries.append(
            {
                "format": fmt,
                "load_s": round(t1 - t0, 2),
                "assess_s": round(t2 - t1, 2),
                "rows": {name: frame.height for name, frame in data.tables.items()},
                "rejected": data.rejected.height,
                "warnings": dict(data.warnings["rule"].value_counts().iter_rows()),
                "regions": regions.height,
                "grades": {g: grades.get(g, 0) for g in ("优秀", "良好", "合格", "不合格")},
                "vetoed": int(regions["vetoed"].sum()),
                "yellow_card": int(regions["yellow_card"].sum()),
                "same_regions_as_first": True if first is None else regions.equals(first),
            }
        )
        first = regions if first is None else first
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", required=True, choices=("S", *SCALES))
    parser.add_argument("--formats", default=",".join(FORMATS), help="parquet,csv,csv-gbk")
    parser.add_argument("--out", default=str(DATA), help="folder of the scales")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument(
        "--check", action="store_true", help="then load_dataset and assess each format"
    )
    args = parser.parse_args(argv)
    try:
        formats = _formats(args.formats)
    except ValueError as exc:
        parser.error(str(exc))
    t0 = time.perf_counter()
    folder = generate(args.scale, args.out, formats, seed=args.seed, force=args.force)
    manifest = _read_manifest(folder)
    print(f"{folder}: {', '.join(manifest['formats'])} in {time.perf_counter() - t0:.1f}s")
    for name, rows in manifest["rows"].items():
        print(f"  {name:<16}{rows:>12,}")
    if args.check:
        for summary in check(folder, formats):
            print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
