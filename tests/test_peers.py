"""Peer groups: every output heads the regions ranked together with one title."""

from __future__ import annotations

import io
import re

import polars as pl
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from accountability import charts, notebook, report
from accountability.grouped_table import GroupedTable
from accountability.html_report import render_html
from accountability.peers import peer_groups, region_order, with_peer_groups


def regions(**columns) -> pl.DataFrame:
    base = {
        "region_code": ["430000", "430900", "431000", "430902", "430903", "431002"],
        "name": ["湖南省", "益阳市", "郴州市", "资阳区", "赫山区", "北湖区"],
        "level": ["省", "市", "市", "县", "县", "县"],
        "parent_code": [None, "430000", "430000", "430900", "430900", "431000"],
        "rank": [1, 2, 1, 2, 1, 1],
    }
    return pl.DataFrame({**base, **columns})


def titles(frame: pl.DataFrame, parents: pl.DataFrame | None = None) -> list[str]:
    return [title for title, _ in peer_groups(frame, parents)]


# -- the title ---------------------------------------------------------------------------


def test_a_group_under_a_parent_is_named_by_the_parent_its_level_and_its_size() -> None:
    assert titles(regions()) == [
        "省级地区（1 个）",
        "湖南省所辖市级地区（2 个）",
        "益阳市所辖县级地区（2 个）",
        "郴州市所辖县级地区（1 个）",
    ]


def test_upper_levels_first_then_by_parent_and_rank() -> None:
    ordered = region_order(regions())["region_code"].to_list()
    assert ordered == ["430000", "431000", "430900", "430903", "430902", "431002"]
    assert with_peer_groups(regions())["region_code"].to_list() == ordered


def test_a_parent_without_a_name_is_named_by_its_code() -> None:
    frame = regions(name=["湖南省", "", "郴州市", "资阳区", "赫山区", "北湖区"])
    assert "430900所辖县级地区（2 个）" in titles(frame)


def test_two_parents_of_one_name_are_told_apart_by_their_codes() -> None:
    frame = regions(name=["湖南省", "新区", "新区", "资阳区", "赫山区", "北湖区"])
    assert titles(frame)[2:] == [
        "新区（430900）所辖县级地区（2 个）",
        "新区（431000）所辖县级地区（1 个）",
    ]


def test_without_a_level_the_regions_are_just_regions() -> None:
    frame = regions().drop("level")
    expected = {"地区（1 个）", "湖南省所辖地区（2 个）", "益阳市所辖地区（2 个）"}
    assert expected <= set(titles(frame))


def test_a_part_of_the_regions_takes_its_parents_names_from_the_whole() -> None:
    part = regions().filter(pl.col("parent_code") == "430900")
    assert titles(part) == ["430900所辖县级地区（2 个）"]
    assert titles(part, regions()) == ["益阳市所辖县级地区（2 个）"]


# -- every output shows the same titles ----------------------------------------------------


def test_every_output_heads_the_fixtures_groups_with_the_same_titles(yiyang_2024, tmp_path):
    expected = [title for title, _ in peer_groups(yiyang_2024.regions)]
    assert expected == ["市级地区（1 个）", "益阳市所辖县级地区（8 个）"]
    buffer = io.StringIO()
    Console(file=buffer, width=80).print(report.format_ranking(yiyang_2024))
    terminal = buffer.getvalue().splitlines()
    assert [line for line in terminal if line in expected] == expected
    markdown = report.write_markdown(yiyang_2024, tmp_path / "r.md").read_text("utf-8")
    assert re.findall(r"^## (.*地区（\d+ 个）)$", markdown, re.M) == expected
    page = render_html(yiyang_2024)
    assert re.findall(r"<h3>([^<]*地区（\d+ 个）)</h3>", page) == expected
    assert (
        notebook.peer_groups(yiyang_2024.regions)["peer_group"]
        .unique(maintain_order=True)
        .to_list()
        == expected
    )
    assert [title for title, _ in charts.peer_groups(yiyang_2024.regions)] == expected
    sheet = report.people_frames(yiyang_2024)["regions"]
    assert sheet["peer_group"].unique(maintain_order=True).to_list() == expected


# -- the terminal table --------------------------------------------------------------------


def grouped() -> GroupedTable:
    rows = [
        ("市级地区（1 个）", [("1", "益阳市", "68.48", "是")]),
        (
            "益阳市所辖县级地区（2 个）",
            [("1", "资阳区", "98.74", ""), ("2", "益阳高新区", "85.98", "")],
        ),
    ]
    return GroupedTable(
        columns=(("排名", "right"), ("名称", "left"), ("得分", "right"), ("一票否决", "center")),
        groups=tuple((t, tuple(tuple(Text(c) for c in r) for r in rs)) for t, rs in rows),
        heading=(0, 1),
    )


def printed(renderable, width: int) -> list[str]:
    buffer = io.StringIO()
    Console(file=buffer, width=width).print(renderable)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def test_each_title_is_a_line_of_its_own_and_the_columns_line_up_across_groups() -> None:
    lines = printed(grouped(), 80)
    assert "市级地区（1 个）" in lines and "益阳市所辖县级地区（2 个）" in lines
    scores = [line for line in lines if re.search(r"\d\d\.\d\d", line)]
    ends = {
        cell_len(line[: line.index(m) + 5])
        for line in scores
        for m in re.findall(r"\d\d\.\d\d", line)
    }
    assert len(ends) == 1  # every score ends in the same column, in both groups


def test_too_narrow_for_the_columns_each_row_is_a_block_nothing_cut() -> None:
    lines = printed(grouped(), 24)
    assert max(cell_len(line) for line in lines) <= 24
    assert lines[:4] == ["市级地区（1 个）", "1 益阳市", "  得分      68.48", "  一票否决  是"]
    assert "2 益阳高新区" in lines and "  得分      85.98" in lines
    assert "  一票否决" not in lines  # an empty field is left out


def test_a_title_with_control_characters_is_printed_with_them_written_out() -> None:
    table = GroupedTable(
        columns=(("排名", "right"), ("名称", "left")),
        groups=(("\x1b[2J新区所辖县级地区（1 个）", ((Text("1"), Text("资阳区")),)),),
    )
    for width in (80, 8):  # the table, and the blocks
        lines = printed(table, width)
        assert "\\x1b[2J新区所辖县级地区（1 个）" in "".join(lines)
        assert "\x1b" not in "".join(lines)
