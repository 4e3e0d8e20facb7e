"""Tests for workspace/api/routes/history.py: the record, escalations, a worker over time."""

from __future__ import annotations

from sqlalchemy import delete

from tests.support import workspace_csv, workspace_upload
from workspace.tables import LoadRecord


def test_history_lists_who_approved_what_and_why(client_of, solve):
    """After T2's approval, its history has one batch by tess with each decision and reason."""
    tess = client_of("tess")
    proposal_id = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    tess.post(f"/api/proposals/{proposal_id}/approve", json={})
    batches = tess.get("/api/history?team_id=T2").json()["batches"]
    assert len(batches) == 1
    batch = batches[0]
    assert batch["approved_by"] == "tess" and batch["proposal_id"] == proposal_id
    assert sorted(d["child_id"] for d in batch["decisions"]) == ["K1", "K2", "K3", "K4"]
    assert all(d["status"] == "allocated" and d["engine_reason"] for d in batch["decisions"])
    assert client_of("mo").get("/api/history?team_id=T2").status_code == 403
    assert client_of("mo").get("/api/history?team_id=T1").json()["batches"] == []


def test_a_worker_above_the_maximum_for_two_months_is_escalated(app, client_of):
    """W1 above 24 from 1 August to 23 November is escalated, until an import shows W1 within."""
    with app.state.session_factory() as db, db.begin():
        db.execute(delete(LoadRecord))  # a history that starts in August
    admin = client_of("admin")
    over = workspace_upload(workspace_csv(held_by_w1=26))
    assert admin.post("/api/snapshots", files=over, data={"as_of": "2026-08-01"}).status_code == 201
    assert admin.post("/api/snapshots", files=over, data={"as_of": "2026-11-23"}).status_code == 201
    body = client_of("hos").get("/api/escalations").json()
    assert body["escalation_months"] == 2
    assert [(e["worker_id"], e["above_max_since"]) for e in body["workers_above_maximum"]] == [
        ("W1", "2026-08-01")
    ]
    normal = workspace_upload()
    done = admin.post("/api/snapshots", files=normal, data={"as_of": "2026-11-24"})
    assert done.status_code == 201
    assert client_of("hos").get("/api/escalations").json()["workers_above_maximum"] == []


def test_escalations_are_for_heads_of_service_and_admins(client_of):
    """A manager, a planner and a worker get 403."""
    for user in ("mo", "pat", "wanda"):
        assert client_of(user).get("/api/escalations").status_code == 403


def test_a_workers_caseload_over_time(client_of):
    """W1's timeline has one record per import; a worker sees their own, not another's."""
    admin = client_of("admin")
    admin.post(
        "/api/snapshots", files=workspace_upload(workspace_csv(23)), data={"as_of": "2026-11-30"}
    )
    rows = client_of("mo").get("/api/workers/W1/history").json()
    assert [(r["on"], r["children"]) for r in rows] == [("2026-11-23", 22), ("2026-11-30", 23)]
    assert client_of("wanda").get("/api/workers/W1/history").status_code == 200
    assert client_of("wanda").get("/api/workers/W3/history").status_code == 403
    assert client_of("mo").get("/api/workers/W3/history").status_code == 403


def test_weekly_and_monthly_averages(client_of):
    """T1's month and week rows give children per FTE of the last record in each period."""
    mo = client_of("mo")
    months = mo.get("/api/history/averages?team_id=T1&period=month").json()
    assert months[0]["month"] == "2026-11" and months[0]["children"] == 22
    weeks = mo.get("/api/history/averages?team_id=T1&period=week").json()
    assert weeks[0]["week"] == "2026-W48"
    assert mo.get("/api/history/averages?team_id=T1&period=year").status_code == 422
