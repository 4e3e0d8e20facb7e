"""What the API and the pages show, built once: caseloads, proposals, history, escalations.

Both the JSON routes and the pages call these, so a page shows exactly what
the API returns.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workspace import crud
from workspace.approving import needing_approval
from workspace.history import escalations, overrides_past_review
from workspace.solving import load_result
from workspace.state import policy_of, require_snapshot
from workspace.tables import ChildRow, Proposal, TeamRow, WorkerRow


class NotFound(LookupError):
    """Something asked for that the current data does not hold."""


def caseloads(*, session: Session, team_id: str) -> dict[str, Any]:
    """A team's workers with their children, loads, caps and bands, and its waiting children."""
    snapshot = require_snapshot(session)
    team = session.scalar(
        select(TeamRow).where(TeamRow.snapshot_id == snapshot.id, TeamRow.team_id == team_id)
    )
    if team is None:
        raise NotFound(f"no team {team_id!r} in the current data")
    workers = {
        w.worker_id: w.record
        for w in session.scalars(
            select(WorkerRow)
            .where(WorkerRow.snapshot_id == snapshot.id, WorkerRow.team_id == team_id)
            .order_by(WorkerRow.worker_id)
        )
    }
    children = session.scalars(
        select(ChildRow)
        .where(ChildRow.snapshot_id == snapshot.id, ChildRow.team_id == team_id)
        .order_by(ChildRow.child_id)
    ).all()
    held: dict[str, list[str]] = {w: [] for w in workers}
    waiting = []
    for c in children:
        if c.worker_id is None:
            r = c.record
            waiting.append(
                {
                    "child_id": c.child_id,
                    "category": r.get("category", ""),
                    "level": r.get("level"),
                    "flags": sorted(r.get("flags") or []),
                    "family_id": r.get("family_id"),
                    "referred_on": r.get("referred_on"),
                }
            )
        else:
            held.setdefault(c.worker_id, []).append(c.child_id)
    rows = []
    for load in team.loads.get("workers", []):
        wid = load["worker_id"]
        capacity = load["capacity"]
        rows.append(
            {
                "worker_id": wid,
                "name": workers.get(wid, {}).get("name"),
                "role": load["role"],
                "fte": load["fte"],
                "capacity": capacity,
                "max_children": load.get("max_children"),
                "max_load": load.get("max_load"),
                "children": load["children_after"],
                "load": round(load["load_after"], 3),
                "load_per_fte": round(load["load_after"] / capacity, 3) if capacity > 0 else 0.0,
                "utilisation": round(load.get("utilisation", 0.0), 3),
                "band": load.get("band", ""),
                "accepting": load.get("accepting", True),
                "child_ids": held.get(wid, []),
            }
        )
    return {
        "team_id": team_id,
        "service": team.service,
        "name": team.record.get("name"),
        "version": team.version,
        "snapshot_id": snapshot.id,
        "workers": rows,
        "waiting": waiting,
    }


def proposal_public(proposal: Proposal) -> dict[str, Any]:
    """A proposal as the API returns it: status, the state it is based on, and the outputs."""
    out: dict[str, Any] = {
        "proposal_id": proposal.id,
        "status": proposal.status,
        "progress": proposal.progress,
        "team_ids": list(proposal.team_ids),
        "created_by": proposal.created_by,
        "created_at": proposal.created_at,
        "based_on": {
            "snapshot_id": (proposal.based_on or {}).get("snapshot_id", proposal.snapshot_id),
            "teams": (proposal.based_on or {}).get("teams", {}),
        },
        "parent_id": proposal.parent_id,
        "adjustments": list(proposal.adjustments),
        "applied": proposal.applied,
        "error": proposal.error,
        "summary": proposal.summary,
        "allocations": [],
        "workers": [],
        "findings": [],
    }
    if proposal.status == "done" and proposal.result:
        result = load_result(proposal)
        out["allocations"] = [a.model_dump(mode="json") for a in result.allocations]
        out["workers"] = [
            {**w.model_dump(mode="json"), "load_per_fte": round(w.load_per_fte, 3)}
            for w in result.workers
        ]
        out["findings"] = [f.model_dump(mode="json") for f in result.findings]
    return out


def history(*, session: Session, team_id: str) -> dict[str, Any]:
    """Approved batches touching a team: who, when, each decision of that team and its reason."""
    batches = []
    for b in crud.batches_for(session=session, team_id=team_id):
        batches.append(
            {
                "batch_id": b.id,
                "proposal_id": b.proposal_id,
                "team_ids": list(b.team_ids),
                "approved_by": b.approved_by,
                "head_of_service": b.head_of_service,
                "approved_at": b.approved_at,
                "decisions": [
                    {
                        "child_id": d.child_id,
                        "worker_id": d.worker_id,
                        "worker_before": d.worker_before,
                        "status": d.status,
                        "engine_reason": d.engine_reason,
                        "reason": d.reason,
                        "review_date": d.review_date,
                        "needs_approval": d.needs_approval,
                    }
                    for d in crud.decisions_of(session=session, batch_id=b.id, team_id=team_id)
                ],
            }
        )
    return {"team_id": team_id, "batches": batches}


def awaiting(*, session: Session, services: list[str] | None) -> list[dict[str, Any]]:
    """Proposals awaiting a head of service (of these services; all for ``None``)."""
    snapshot = require_snapshot(session)
    service_of = dict(
        session.execute(
            select(TeamRow.team_id, TeamRow.service).where(TeamRow.snapshot_id == snapshot.id)
        ).all()
    )
    out = []
    for proposal, approval in crud.awaiting_head_of_service(session=session):
        if services is not None and not {service_of.get(t) for t in proposal.team_ids} & set(
            services
        ):
            continue
        result = load_result(proposal)
        given = {d["child_id"]: d for d in approval.decisions}
        out.append(
            {
                "proposal_id": proposal.id,
                "team_ids": list(proposal.team_ids),
                "manager": approval.username,
                "approved_at": approval.created_at,
                "decisions": [
                    {
                        "child_id": a.child_id,
                        "worker_id": a.worker_id,
                        "needs_approval": a.needs_approval,
                        "reason": given.get(a.child_id, {}).get("reason"),
                        "review_date": given.get(a.child_id, {}).get("review_date"),
                    }
                    for a in needing_approval(result)
                ],
            }
        )
    return out


def escalation_list(*, session: Session, today: date, team_ids: list[str] | None) -> dict[str, Any]:
    snapshot = require_snapshot(session)
    months = policy_of(snapshot).escalation_months or 2
    return {
        "escalation_months": months,
        "workers_above_maximum": escalations(
            session=session, today=today, months=months, team_ids=team_ids
        ),
        "overrides_past_review": overrides_past_review(
            session=session, today=today, team_ids=team_ids
        ),
    }


def worker_caseload(*, session: Session, worker_id: str) -> dict[str, Any]:
    """One worker's row of their team's caseloads."""
    snapshot = require_snapshot(session)
    row = session.scalar(
        select(WorkerRow).where(
            WorkerRow.snapshot_id == snapshot.id, WorkerRow.worker_id == worker_id
        )
    )
    if row is None:
        raise NotFound(f"no worker {worker_id!r} in the current data")
    team = caseloads(session=session, team_id=row.team_id)
    for w in team["workers"]:
        if w["worker_id"] == worker_id:
            return dict(w)
    raise NotFound(f"no caseload for worker {worker_id!r}")


def worker_names(session: Session) -> dict[str, str]:
    """Worker ids to names in the current data (where the export gives them)."""
    from workspace.state import current_snapshot

    snapshot = current_snapshot(session)
    if snapshot is None:
        return {}
    rows = session.scalars(select(WorkerRow).where(WorkerRow.snapshot_id == snapshot.id))
    return {w.worker_id: w.record["name"] for w in rows if w.record.get("name")}


def batch_notes(*, session: Session, batch: Any) -> list[dict[str, Any]]:
    """The case note of each allocation or transfer of an approved batch."""
    from workspace.notes import case_note

    names = worker_names(session)
    out = []
    for d in crud.decisions_of(session=session, batch_id=batch.id):
        note = case_note(d, batch, names)
        if note is not None:
            out.append(
                {
                    "child_id": d.child_id,
                    "team_id": d.team_id,
                    "worker_id": d.worker_id,
                    "status": d.status,
                    "note": note,
                }
            )
    return out
