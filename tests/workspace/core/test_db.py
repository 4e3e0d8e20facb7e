"""Tests for workspace/core/db.py on PostgreSQL (a server of the tests' own on loopback):
migrations, the whole flow, and concurrent approvals."""

from __future__ import annotations

import itertools
import threading
from datetime import date

import psycopg
import pytest
from sqlalchemy import inspect

from tests.support import workspace_upload
from tests.workspace.conftest import SECRET, import_as_admin, make_users, signed_in
from workspace import create_app, load_settings, run_pending
from workspace.approving import ApprovalError, approve
from workspace.tables import Base, Proposal

_numbers = itertools.count()


@pytest.fixture
def pg_app(postgres):
    """The workspace on a fresh PostgreSQL database, with the test users and data."""
    name = f"ws_{next(_numbers)}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = postgres.rsplit("/", 1)[0] + f"/{name}"
    settings = load_settings(database_url=url, secret_key=SECRET)
    make_users(settings)
    app = create_app(settings)
    assert import_as_admin(app).status_code == 201
    yield app
    app.state.engine.dispose()


def test_migrations_create_every_table_on_postgresql(pg_app):
    """Alembic's schema on PostgreSQL has every table of the models."""
    tables = set(inspect(pg_app.state.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables


def test_allocate_adjust_approve_and_history_on_postgresql(pg_app):
    """The manager's week on PostgreSQL: propose, approve with the head of service, history."""
    mo, hos = signed_in(pg_app, "mo"), signed_in(pg_app, "hos")
    proposal_id = mo.post("/api/proposals", json={"team_ids": ["T1"]}).json()["proposal_id"]
    assert run_pending(pg_app.state.session_factory, default_work_limit=2) == 1
    decision = {"child_id": "N1", "reason": "only worker accepting", "review_date": "2099-01-01"}
    assert (
        mo.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]}).status_code
        == 202
    )
    assert (
        hos.post(
            f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]}
        ).status_code
        == 200
    )
    batch = mo.get("/api/history?team_id=T1").json()["batches"][0]
    assert batch["head_of_service"] == "hos"
    assert mo.get("/api/caseloads?team_id=T1").json()["waiting"] == []
    again = signed_in(pg_app, "admin").post("/api/snapshots", files=workspace_upload())
    assert again.status_code == 201 and again.json()["mismatches"] == 1


def test_concurrent_approvals_on_postgresql_apply_one(pg_app):
    """Two approvals at once on PostgreSQL: one applies, the other is refused with 409."""
    tess = signed_in(pg_app, "tess")
    ids = [
        tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
        for _ in range(2)
    ]
    factory = pg_app.state.session_factory
    run_pending(factory, default_work_limit=2)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run(proposal_id: int) -> None:
        with factory() as db:
            proposal = db.get(Proposal, proposal_id)
            start.wait()
            try:
                approve(
                    session=db,
                    proposal=proposal,
                    username="tess",
                    role="team_manager",
                    decisions=[],
                    today=date.today(),
                )
                db.commit()
                outcomes.append("applied")
            except ApprovalError as exc:
                db.rollback()
                outcomes.append(str(exc.status))

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["409", "applied"]
