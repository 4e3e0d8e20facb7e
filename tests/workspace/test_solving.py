"""Tests for workspace/solving.py: solves outside the server, a solver killed mid-solve."""

from __future__ import annotations

from sqlalchemy import select

from tests.support import killed_midway, workspace_upload
from workspace.solving import claim, requeue_orphans, run_pending
from workspace.tables import Proposal

KILLED_SOLVER = """
import sys, time
import workspace.solving as solving
from workspace.core.db import make_engine, session_factory

def stall(*args, **kwargs):
    open(sys.argv[2], "w").close()
    time.sleep(60)

solving.allocate = stall
factory = session_factory(make_engine(sys.argv[1]))
proposal_id = solving.claim(factory)
solving.run(factory, proposal_id)
"""


def status(factory, proposal_id: int) -> str:
    with factory() as db:
        return db.scalar(select(Proposal.status).where(Proposal.id == proposal_id))


def test_a_proposal_whose_solver_died_is_solved_by_the_next(app, settings, client_of, tmp_path):
    """A solver killed mid-solve leaves its proposal to the next solver, which solves it."""
    factory = app.state.session_factory
    proposal_id = (
        client_of("tess").post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    )
    killed_midway(KILLED_SOLVER, settings.sqlalchemy_url, tmp_path / "inside")
    assert status(factory, proposal_id) == "solving"
    assert requeue_orphans(factory) == 1
    assert run_pending(factory, default_work_limit=2) == 1
    assert status(factory, proposal_id) == "done"


def test_a_live_solvers_proposal_is_not_taken_from_it(app, client_of):
    """A proposal claimed by this (living) process stays with it."""
    factory = app.state.session_factory
    client_of("tess").post("/api/proposals", json={"team_ids": ["T2"]})
    assert claim(factory) is not None
    assert requeue_orphans(factory) == 0


def test_a_proposal_asked_for_before_a_new_import_fails_with_the_reason(app, client_of):
    """Data imported again between the request and the solve: the proposal fails, saying so."""
    factory = app.state.session_factory
    tess = client_of("tess")
    proposal_id = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    assert client_of("admin").post("/api/snapshots", files=workspace_upload()).status_code == 201
    run_pending(factory)
    body = tess.get(f"/api/proposals/{proposal_id}").json()
    assert body["status"] == "failed" and "imported again" in body["error"]


def test_a_waiting_proposal_is_solved_before_an_earlier_plan_run(
    app, settings, client_of, tmp_path
):
    """A manager's proposal is not kept behind a planner's plan run queued before it."""
    from tests.workspace.test_planning import PLAN
    from workspace.solving import next_job

    factory = app.state.session_factory
    app.state.settings = settings.model_copy(update={"plans_dir": tmp_path / "plans"})
    planned = client_of("pat").post(
        "/api/plan-runs",
        files={"plan": ("caps.toml", PLAN.encode())},
        data={"base": "workspace"},
    )
    assert planned.status_code == 202, planned.text
    proposal_id = (
        client_of("tess").post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    )
    assert next_job(factory) == ("proposal", proposal_id)
    assert next_job(factory) == ("plan", planned.json()["run_id"])
    assert next_job(factory) is None


def test_a_zombie_solvers_proposal_is_put_back_in_the_queue(app, client_of):
    """A solver that ended but was not yet reaped (a zombie) counts as dead, not alive."""
    import subprocess
    import time

    import psutil
    from sqlalchemy import update

    factory = app.state.session_factory
    proposal_id = (
        client_of("tess").post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    )
    ended = subprocess.Popen(["true"])  # not waited for: a zombie once it exits
    while psutil.Process(ended.pid).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.05)
    with factory() as db, db.begin():
        db.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id)
            .values(status="solving", solver_pid=ended.pid)
        )
    assert requeue_orphans(factory) == 1
    assert status(factory, proposal_id) == "queued"
    ended.wait()
