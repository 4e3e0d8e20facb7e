"""Tests for workspace/api/routes/admin.py: users, the access log, retention deletions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from workspace.tables import Batch, ChildRow, Decision, Proposal, Snapshot


def test_the_access_log_records_who_viewed_or_changed_which_team(client_of, solve):
    """Views and changes of T2 by tess are logged with user, action, route and team."""
    tess = client_of("tess")
    tess.get("/api/caseloads?team_id=T2")
    tess.post("/api/proposals", json={"team_ids": ["T2"]})
    client_of("mo").get("/api/caseloads?team_id=T2")  # refused, and logged as such
    log = client_of("admin").get("/api/access-log?team_id=T2").json()
    seen = {(r["username"], r["action"], r["route"], r["status_code"]) for r in log}
    assert ("tess", "view", "GET /api/caseloads", 200) in seen
    assert ("tess", "change", "POST /api/proposals", 202) in seen
    assert ("mo", "view", "GET /api/caseloads", 403) in seen
    assert all(r["team_ids"] == ["T2"] for r in log)


def test_only_an_admin_reads_the_users_and_the_log(client_of):
    """Users and the access log are 403 to a head of service; users carry no hash."""
    assert client_of("hos").get("/api/access-log").status_code == 403
    assert client_of("hos").get("/api/users").status_code == 403
    users = client_of("admin").get("/api/users").json()
    assert {"username", "role", "teams"} <= set(users[0]) and "password_hash" not in users[0]


def test_retention_deletes_old_childrens_records_and_records_the_deletion(app, client_of, solve):
    """Old snapshots, proposals and decisions go; the current state stays; it is recorded."""
    tess, admin = client_of("tess"), client_of("admin")
    proposal_id = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    tess.post(f"/api/proposals/{proposal_id}/approve", json={})
    first = admin.get("/api/caseloads?team_id=T1").json()["snapshot_id"]
    old = date.today() - timedelta(days=4000)
    with app.state.session_factory() as db, db.begin():
        for table, column in (
            (Snapshot, Snapshot.created_at),
            (Proposal, Proposal.created_at),
            (Batch, Batch.approved_at),
        ):
            db.execute(update(table).values({column: old}))
    # A new import: the old snapshot is no longer current.
    from tests.support import workspace_upload

    assert admin.post("/api/snapshots", files=workspace_upload()).status_code == 201
    done = admin.post("/api/retention", json={})
    assert done.status_code == 200
    deleted = done.json()["deleted"]
    assert deleted["snapshots"] == 1 and deleted["decisions"] == 4 and deleted["proposals"] == 1
    with app.state.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(Decision)) == 0
        assert (
            db.scalar(
                select(func.count()).select_from(ChildRow).where(ChildRow.snapshot_id == first)
            )
            == 0
        )
        assert db.scalar(select(func.count()).select_from(Batch)) == 1
    assert admin.get("/api/caseloads?team_id=T1").status_code == 200
    record = admin.get("/api/retention").json()
    assert record[0]["username"] == "admin" and record[0]["deleted"] == deleted
    assert client_of("mo").post("/api/retention", json={}).status_code == 403
