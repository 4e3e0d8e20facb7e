"""Tests for workspace/api/routes/exports.py: tables as CSV and xlsx, the allocation report,
and the case notes of an approved batch."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest


def approved_t2(tess, solve) -> tuple[int, int]:
    proposal_id = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    batch = tess.post(f"/api/proposals/{proposal_id}/approve", json={}).json()["batch_id"]
    return proposal_id, batch


def test_a_teams_caseloads_as_csv_and_xlsx_hold_the_same_rows(client_of):
    """The CSV and the workbook of T1's caseloads list the same workers and counts."""
    mo = client_of("mo")
    text = mo.get("/api/exports/caseloads.csv?team_id=T1")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(
        io.BytesIO(mo.get("/api/exports/caseloads.xlsx?team_id=T1").content)
    )
    sheet = list(book.active.values)
    assert [r["worker_id"] for r in rows] == [r[0] for r in sheet[1:]]
    assert {r["worker_id"]: int(r["children"]) for r in rows}["W1"] == 22
    assert sheet[0][0] == "worker_id" and isinstance(sheet[1 + 1][6], (int, float))


def test_exports_keep_the_teams_scope(client_of):
    """T2's tables are 403 for T1's manager."""
    mo = client_of("mo")
    for table in ("caseloads", "waiting", "history"):
        assert mo.get(f"/api/exports/{table}.csv?team_id=T2").status_code == 403


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_the_allocation_report_of_a_proposal(client_of, solve, fmt):
    """The report of a done proposal comes from the reports package (page or workbook)."""
    tess = client_of("tess")
    proposal_id, _ = approved_t2(tess, solve)
    done = tess.get(f"/api/proposals/{proposal_id}/report.{fmt}")
    assert done.status_code == 200
    if fmt == "html":
        assert done.text.startswith("<!DOCTYPE html>") and "K1" in done.text
    else:
        assert openpyxl.load_workbook(io.BytesIO(done.content)).sheetnames


def test_proposal_tables_export(client_of, solve):
    """A proposal's allocations as CSV hold one row per child with its reason."""
    tess = client_of("tess")
    proposal_id, _ = approved_t2(tess, solve)
    text = tess.get(f"/api/proposals/{proposal_id}/export/allocations.csv").content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert sorted(r["child_id"] for r in rows) == ["K1", "K2", "K3", "K4"]
    assert all(r["reason"] for r in rows)


def test_case_notes_name_the_worker_date_and_approver(client_of, solve):
    """Each allocation's case note gives the worker's name, the approver and the reason."""
    tess = client_of("tess")
    _, batch = approved_t2(tess, solve)
    text = tess.get(f"/api/batches/{batch}/case-notes.txt").text
    assert text.count("Case allocated on") == 4
    assert "Decided by tess (team manager)" in text
    rows = list(
        csv.DictReader(
            io.StringIO(
                tess.get(f"/api/batches/{batch}/case-notes.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert {r["child_id"] for r in rows} == {"K1", "K2", "K3", "K4"}
    assert any("Sam Smith (W3)" in r["note"] for r in rows)
    assert client_of("mo").get(f"/api/batches/{batch}/case-notes.txt").status_code == 403


def test_a_formula_in_a_reason_is_not_run_by_a_spreadsheet(client_of, solve):
    """A manager's reason starting with '=' is written with a leading apostrophe in CSV."""
    mo, hos = client_of("mo"), client_of("hos")
    proposal_id = mo.post("/api/proposals", json={"team_ids": ["T1"]}).json()["proposal_id"]
    solve()
    decision = {"child_id": "N1", "reason": '=HYPERLINK("x")', "review_date": "2099-01-01"}
    assert (
        hos.post(
            f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]}
        ).status_code
        == 200
    )
    text = mo.get("/api/exports/history.csv?team_id=T1").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
