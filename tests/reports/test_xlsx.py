"""Tests for reports.xlsx: the workbook, read back with openpyxl."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

from reports import build_report, render_xlsx
from tests.support import report_proposal


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_proposal(tmp_path_factory.mktemp("proposal") / "out")


@pytest.fixture(scope="module")
def book(folder: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(folder))))


def header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def test_sheets_are_summary_one_per_table_and_about(book):
    """Summary first, About last, a sheet per table between."""
    assert book.sheetnames == [
        "Summary",
        "Exceptions",
        "Evenness",
        "Findings",
        "Workers",
        "Allocations",
        "About",
    ]


def test_headers_are_frozen_and_tables_have_filters(book):
    """Each table sheet freezes its header row and is an Excel table over its rows."""
    for name in ("Exceptions", "Workers", "Allocations", "Evenness", "Findings"):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        (table,) = sheet.tables.values()
        assert table.ref.startswith("A1:"), name
    assert header(book["Workers"])[:4] == ["worker", "team", "role", "FTE"]


def test_numbers_are_numbers_with_formats(book, folder):
    """Children per FTE is stored as a number formatted to one decimal; counts as integers."""
    sheet = book["Workers"]
    columns = header(sheet)
    per_fte = columns.index("per FTE after") + 1
    after = columns.index("children after") + 1
    w1 = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "W1")
    assert sheet.cell(w1, per_fte).value == 23.0
    assert sheet.cell(w1, per_fte).number_format == "#,##0.0"
    assert sheet.cell(w1, after).value == 23
    assert sheet.cell(w1, after).number_format == "#,##0"


def test_bands_are_conditional_formats(book):
    """The threshold band (above 22) and the cap are conditional formats on their columns."""
    rules = book["Workers"].conditional_formatting
    described = {
        (str(cf.sqref), r.type, tuple(r.formula or ()), r.operator)
        for cf in rules
        for r in cf.rules
    }
    columns = header(book["Workers"])
    per_fte = openpyxl.utils.get_column_letter(columns.index("per FTE after") + 1)
    rows = book["Workers"].max_row
    assert (f"{per_fte}2:{per_fte}{rows}", "cellIs", ("22.0",), "greaterThan") in described
    assert any(kind == "expression" for _, kind, _, _ in described)  # above the worker's cap


def test_about_names_what_reproduces_the_run(book, folder):
    """The About sheet holds the input hash, seed and versions recorded in summary.json."""
    info = json.loads((folder / "summary.json").read_text("utf-8"))["reproduce"]
    about = {
        row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True) if row[0]
    }
    assert about["input hash (SHA-256)"] == info["input_hash"]
    assert about["seed"] == str(info["seed"])
    assert about["made by caseload"] == info["caseload_version"]
    assert about["OR-Tools"] == info["ortools_version"]


def test_summary_sheet_holds_the_headline(book, folder):
    """The Summary sheet lists the headline figures as numbers."""
    info = json.loads((folder / "summary.json").read_text("utf-8"))
    figures = {
        row[0]: row[1] for row in book["Summary"].iter_rows(min_row=5, values_only=True) if row[0]
    }
    assert figures["children allocated"] == info["children_allocated"]
    assert figures["children still waiting"] == info["children_unallocated"]


def test_the_same_report_gives_the_same_file(folder):
    """Rendering twice gives byte-identical workbooks (a fixed creation date)."""
    report = build_report(folder)
    assert render_xlsx(report) == render_xlsx(report)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    """Ids such as '=1+1' from an export are written as text, never run as Excel formulas."""
    from allocator import allocate, write_outputs
    from models import Options, load_policy
    from tests.support import AS_OF, child, problem, worker

    data = problem(workers=[worker("=2+2")], children=[child("=1+1"), child("C2")])
    result = allocate(data, load_policy("default"), Options(as_of=AS_OF, work_limit=1))
    write_outputs(result, tmp_path / "out")
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(tmp_path / "out"))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in risky} >= {"=1+1", "=2+2"}
    assert all(c.data_type == "s" for c in risky)
