"""RESULTS.md keeps every scale's section and the notes below them when one scale is
run again; the section of the scale run is replaced."""

from __future__ import annotations

from benchmarks.run import write_results


def test_a_scale_run_again_replaces_its_section_only(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_results(path, "M", "## Scale M\n\nfirst M\n")
    write_results(path, "S", "## Scale S\n\nthe S run\n")
    path.write_text(path.read_text() + "\n## Where the time goes\n\nnotes by hand\n")
    write_results(path, "M", "## Scale M\n\nsecond M\n")
    text = path.read_text()
    assert "second M" in text and "first M" not in text
    assert "the S run" in text and "notes by hand" in text
    assert text.index("## Scale S") < text.index("## Scale M") < text.index("## Where")
