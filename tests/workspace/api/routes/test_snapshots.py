"""Tests for workspace/api/routes/snapshots.py: imports, their errors, and mismatches."""

from __future__ import annotations

import io

import openpyxl

from tests.support import workspace_csv, workspace_upload


def current_snapshot_id(client) -> int:
    return client.get("/api/caseloads?team_id=T1").json()["snapshot_id"]


def test_an_import_becomes_the_current_state(client_of):
    """A valid upload answers 201 with a new snapshot id that the caseloads then show."""
    admin = client_of("admin")
    before = current_snapshot_id(admin)
    done = admin.post("/api/snapshots", files=workspace_upload(), data={"as_of": "2026-11-23"})
    assert done.status_code == 201, done.text
    assert done.json()["snapshot_id"] > before
    assert current_snapshot_id(admin) == done.json()["snapshot_id"]


def test_every_problem_is_listed_by_file_row_and_column_and_nothing_changes(client_of):
    """Two bad cells in two files: 422 lists both with file, row, column; the state stays."""
    admin = client_of("admin")
    before = admin.get("/api/caseloads?team_id=T1").json()
    files = workspace_csv()
    files["workers"] = files["workers"].replace("W4,T2,social_worker,0.5", "W4,T2,social_worker,7")
    files["children"] = files["children"].replace("K2,T2,cin,,,,2,", "K2,T2,cin,,,,nine,")
    done = admin.post("/api/snapshots", files=workspace_upload(files))
    assert done.status_code == 422
    problems = done.json()["detail"]
    where = {(p["file"], p["row"], p["column"]) for p in problems}
    assert ("workers.csv", 6, "fte") in where
    assert ("children.csv", 26, "level") in where  # header, 22 held, N1, K1, K2
    assert all(p["message"] for p in problems)
    assert admin.get("/api/caseloads?team_id=T1").json() == before


def test_a_missing_file_and_an_unknown_preset_are_named(client_of):
    """No children.csv and policy 'nowhere': both problems in one 422."""
    admin = client_of("admin")
    files = workspace_upload(policy=None)
    del files["children.csv"]
    done = admin.post("/api/snapshots", files=files, data={"policy": "nowhere"})
    assert done.status_code == 422
    named = {p["file"] for p in done.json()["detail"]}
    assert {"children.csv", "policy"} <= named


def test_a_bad_policy_file_is_named(client_of):
    """A policy.toml that does not parse is a 422 naming policy.toml."""
    admin = client_of("admin")
    done = admin.post("/api/snapshots", files=workspace_upload(policy="[services.cin\nmax = 1"))
    assert done.status_code == 422
    assert done.json()["detail"][0]["file"] == "policy.toml"


def test_a_workbook_imports_like_the_csvs(client_of):
    """One .xlsx with sheets teams, workers and children imports with a preset policy."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in workspace_csv().items():
        sheet = book.create_sheet(name)
        for line in text.strip().splitlines():
            sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    admin = client_of("admin")
    files = {"workbook": ("export.xlsx", out.getvalue())}
    done = admin.post("/api/snapshots", files=files, data={"policy": "default"})
    assert done.status_code == 201, done.text
    assert len(admin.get("/api/caseloads?team_id=T2").json()["waiting"]) == 4


def test_only_an_admin_imports(client_of):
    """A manager's upload is refused with 403."""
    done = client_of("mo").post("/api/snapshots", files=workspace_upload())
    assert done.status_code == 403


def test_approved_allocations_missing_from_the_next_export_are_kept_and_listed(client_of, solve):
    """An export still showing approved children waiting keeps their workers and lists each."""
    tess, admin = client_of("tess"), client_of("admin")
    started = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    approved = tess.post(f"/api/proposals/{started}/approve", json={"decisions": []})
    assert approved.status_code == 200, approved.text
    placed = {
        w["worker_id"]: w["child_ids"]
        for w in admin.get("/api/caseloads?team_id=T2").json()["workers"]
    }
    assert sorted(placed["W3"] + placed["W4"]) == ["K1", "K2", "K3", "K4"]
    # The same export again: the case-management system has not caught up.
    again = admin.post("/api/snapshots", files=workspace_upload(), data={"as_of": "2026-11-30"})
    assert again.status_code == 201 and again.json()["mismatches"] == 4
    after = admin.get("/api/caseloads?team_id=T2").json()
    assert after["waiting"] == []
    assert {w["worker_id"]: w["child_ids"] for w in after["workers"]} == placed
    mismatches = admin.get("/api/mismatches").json()
    assert sorted(m["child_id"] for m in mismatches) == ["K1", "K2", "K3", "K4"]
    k1 = next(m for m in mismatches if m["child_id"] == "K1")
    done = admin.post(f"/api/mismatches/{k1['mismatch_id']}/confirm", json={"keep": "export"})
    assert done.status_code == 200 and done.json()["confirmed_by"] == "admin"
    waiting = admin.get("/api/caseloads?team_id=T2").json()["waiting"]
    assert [c["child_id"] for c in waiting] == ["K1"]


def test_an_export_that_shows_the_approved_worker_settles_it(client_of, solve):
    """When the next export shows the approved worker, no mismatch is listed."""
    tess, admin = client_of("tess"), client_of("admin")
    started = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    tess.post(f"/api/proposals/{started}/approve", json={"decisions": []})
    workers = {
        c: w["worker_id"]
        for w in admin.get("/api/caseloads?team_id=T2").json()["workers"]
        for c in w["child_ids"]
    }
    files = workspace_csv()
    for child_id, worker_id in workers.items():
        files["children"] = files["children"].replace(
            f"{child_id},T2,cin,,", f"{child_id},T2,cin,{worker_id},"
        )
    done = admin.post("/api/snapshots", files=workspace_upload(files))
    assert done.status_code == 201 and done.json()["mismatches"] == 0
