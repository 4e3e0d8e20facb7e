"""Tests for workspace/approving.py: one transaction, concurrent approvals, a kill mid-way."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from tests.support import killed_midway
from workspace.approving import ApprovalError, approve
from workspace.tables import Approval, Batch, ChildRow, Proposal, TeamRow


def two_done_proposals(client_of, solve) -> list[int]:
    tess = client_of("tess")
    ids = [
        tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
        for _ in range(2)
    ]
    assert solve() == 2
    return ids


def state_of(factory) -> tuple:
    """T2's version, its waiting children, and the record's row counts."""
    with factory() as db:
        version = db.scalar(select(TeamRow.version).where(TeamRow.team_id == "T2"))
        waiting = db.scalar(
            select(func.count())
            .select_from(ChildRow)
            .where(ChildRow.team_id == "T2", ChildRow.worker_id.is_(None))
        )
        batches = db.scalar(select(func.count()).select_from(Batch))
        approvals = db.scalar(select(func.count()).select_from(Approval))
    return version, waiting, batches, approvals


def test_two_approvals_at_once_apply_one_and_refuse_the_other(app, client_of, solve):
    """Two approvals at the same moment on one state: exactly one applies, the other gets 409."""
    ids = two_done_proposals(client_of, solve)
    factory = app.state.session_factory
    start = threading.Barrier(2)
    outcomes: list[object] = []

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
                outcomes.append(exc.status)
            except Exception as exc:  # a lock error would land here
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(str, outcomes)) == ["409", "applied"]
    assert state_of(factory)[:3] == (2, 0, 1)


KILLED_APPROVAL = """
import sys, time
from datetime import date
import workspace.approving as approving
from workspace.core.db import make_engine, session_factory
from workspace.tables import Proposal

def stall(**kwargs):
    open(sys.argv[2], "w").close()
    time.sleep(60)

approving.record_loads = stall  # the last step of the transaction: stop there
factory = session_factory(make_engine(sys.argv[1]))
with factory() as db:
    proposal = db.get(Proposal, int(sys.argv[3]))
    approving.approve(session=db, proposal=proposal, username="tess", role="team_manager",
                      decisions=[], today=date.today())
    db.commit()
"""


def test_a_kill_during_an_approval_leaves_the_previous_state(
    app, settings, client_of, solve, tmp_path
):
    """A process killed inside an approval changes nothing; the approval can be made again."""
    proposal_id = two_done_proposals(client_of, solve)[0]
    factory = app.state.session_factory
    before = state_of(factory)
    killed_midway(KILLED_APPROVAL, settings.sqlalchemy_url, tmp_path / "inside", str(proposal_id))
    assert state_of(factory) == before
    done = client_of("tess").post(f"/api/proposals/{proposal_id}/approve", json={})
    assert done.status_code == 200
