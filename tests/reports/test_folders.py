"""Tests for reports.folders: recognising a folder, and writing a report all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator import InputError, write_outputs
from reports import ReportError, folder_kind, write_report
from tests.support import report_proposal


@pytest.fixture(scope="module")
def proposal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_proposal(tmp_path_factory.mktemp("proposal") / "out")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_proposal_folder_is_recognised(proposal):
    """allocations.csv and summary.json make a folder a proposal."""
    assert folder_kind(proposal) == "allocation"


def test_a_data_folder_is_not_an_output_folder(tmp_path):
    """A folder holding something else is refused with what each kind holds; nothing written."""
    (tmp_path / "children.csv").write_text("child_id\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a caseload output folder"):
        write_report(tmp_path)
    assert listing(tmp_path) == ["children.csv"]


def test_a_national_folder_is_named_as_such_not_as_a_broken_proposal(tmp_path):
    """A national sweep's folder (it has a summary.json) is told apart from a proposal."""
    (tmp_path / ".caseload").write_text('{"kind": "national"}', encoding="utf-8")
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="is a caseload national folder") as caught:
        write_report(tmp_path)
    assert "national.csv" in str(caught.value) and "allocations.csv" not in str(caught.value)
    assert listing(tmp_path) == [".caseload", "summary.json"]


def test_a_missing_file_is_named_and_nothing_is_written(proposal, tmp_path):
    """A proposal without findings.csv: the error names it, and no report appears."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(proposal, broken)
    (broken / "findings.csv").unlink()
    before = listing(broken)
    with pytest.raises(InputError, match=r"findings\.csv"):
        write_report(broken)
    assert listing(broken) == before


def test_a_corrupt_file_is_named_by_row_and_column(proposal, tmp_path):
    """A worker row with a non-number is named by file, row and column."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(proposal, broken)
    text = (broken / "workers.csv").read_text("utf-8").splitlines()
    cells = text[2].split(",")
    cells[3] = "lots"  # capacity
    text[2] = ",".join(cells)
    (broken / "workers.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_report(broken)
    assert any(
        (p.file, p.row, p.column) == ("workers.csv", 3, "capacity") for p in caught.value.problems
    )
    assert not (broken / "report.html").exists()


def test_reports_are_written_into_the_folder_and_replaced_by_a_new_run(proposal, tmp_path):
    """report.html/.xlsx go into the proposal folder; a later write_outputs replaces them."""
    import shutil

    from allocator import read_outputs

    folder = tmp_path / "out"
    shutil.copytree(proposal, folder)
    assert write_report(folder) == folder / "report.html"
    assert write_report(folder, "xlsx") == folder / "report.xlsx"
    assert {"report.html", "report.xlsx"} <= set(listing(folder))
    assert not [n for n in listing(folder) if n.startswith(".report")]  # no temporary left
    write_outputs(read_outputs(folder), folder)  # a new run to the same --out
    assert "report.html" not in listing(folder)


def test_output_must_match_the_format(proposal, tmp_path):
    """An --output that is a folder, or ends otherwise than the format, is refused."""
    data = tmp_path / "children.csv"
    data.write_text("child_id\nC1\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"does not end \.html"):
        write_report(proposal, "html", data)
    assert data.read_text("utf-8") == "child_id\nC1\n"
    with pytest.raises(ReportError, match="is a folder"):
        write_report(proposal, "pdf", tmp_path)


def test_the_format_follows_the_output_suffix(proposal, tmp_path):
    """--output board.xlsx without --format writes a workbook."""
    written = write_report(proposal, None, tmp_path / "board.xlsx")
    assert written.read_bytes()[:2] == b"PK"


def test_an_unwritable_place_is_a_clean_error(proposal, tmp_path):
    """A file where the output's folder should be: ReportError naming it, nothing left."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="cannot be written"):
        write_report(proposal, "html", blocker / "r.html")
