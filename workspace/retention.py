"""Deleting children's records past the retention period, on an admin's request, recorded.

What goes: snapshots (with their children, workers and teams) that are no
longer current and were imported before the cut-off; proposals made before it;
the decisions of batches approved before it (the batch row stays, with who
approved and when, but no child); mismatches of deleted snapshots. The
caseload history (counts per worker, no child) and the access log (no child)
stay. A :class:`~workspace.tables.RetentionDeletion` row records who asked,
when, the cut-off and how many rows went.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workspace.state import current_snapshot
from workspace.tables import Batch, Decision, Mismatch, Proposal, RetentionDeletion, Snapshot


def delete_before(*, session: Session, cutoff: date, username: str) -> dict[str, int]:
    """Delete children's records made before ``cutoff``; the counts deleted, by table."""
    moment = datetime.combine(cutoff, time.min, tzinfo=UTC)
    current = current_snapshot(session)
    keep = current.id if current is not None else -1
    old_snapshots = list(
        session.scalars(
            select(Snapshot.id).where(Snapshot.created_at < moment, Snapshot.id != keep)
        )
    )
    old_batches = select(Batch.id).where(Batch.approved_at < moment)
    counts = {
        "decisions": int(
            session.scalar(
                select(func.count()).select_from(Decision).where(Decision.batch_id.in_(old_batches))
            )
            or 0
        ),
        "proposals": int(
            session.scalar(
                select(func.count())
                .select_from(Proposal)
                .where(Proposal.created_at < moment, Proposal.snapshot_id != keep)
            )
            or 0
        ),
        "snapshots": len(old_snapshots),
        "mismatches": int(
            session.scalar(
                select(func.count())
                .select_from(Mismatch)
                .where(Mismatch.snapshot_id.in_(old_snapshots))
            )
            or 0
        ),
    }
    session.execute(delete(Decision).where(Decision.batch_id.in_(old_batches)))
    session.execute(
        delete(Proposal).where(Proposal.created_at < moment, Proposal.snapshot_id != keep)
    )
    session.execute(delete(Mismatch).where(Mismatch.snapshot_id.in_(old_snapshots)))
    from workspace.tables import ChildRow, TeamRow, WorkerRow

    for table in (ChildRow, WorkerRow, TeamRow):
        session.execute(delete(table).where(table.snapshot_id.in_(old_snapshots)))
    session.execute(delete(Proposal).where(Proposal.snapshot_id.in_(old_snapshots)))
    session.execute(delete(Snapshot).where(Snapshot.id.in_(old_snapshots)))
    session.add(RetentionDeletion(username=username, cutoff=cutoff, counts=counts))
    session.flush()
    return counts
