"""The record read back: caseloads over time, escalations, weekly and monthly reviews.

Barnet 001 s.5: item 4, "If the caseload continues to exceed the maximum
workload for any longer than a two-month period ... The Head of Service must be
informed"; item 5, "An analysis of Caseloads should be undertaken every week";
item 6, "Average Caseloads of staff per team need to be reviewed by SMT
monthly". Every import and every approved batch records each worker's load
(:func:`record_loads`), so the date a worker went above the maximum is read
from the history, never typed in.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import months_between
from workspace.tables import Decision, LoadRecord

ABOVE = 1.0 + 1e-9
"""Utilisation above which a worker is above the maximum (a cap in force exceeded)."""


def record_loads(
    *, session: Session, loads: dict[str, dict[str, Any]], on: date, source: str
) -> None:
    """Add one history row per worker of these teams (``teams.loads`` shape)."""
    for team_id, team in loads.items():
        for w in team.get("workers", []):
            utilisation = float(w.get("utilisation") or 0.0)
            session.add(
                LoadRecord(
                    on=on,
                    team_id=team_id,
                    worker_id=w["worker_id"],
                    fte=w["fte"],
                    capacity=w["capacity"],
                    children=w["children_after"],
                    load=w["load_after"],
                    max_children=w.get("max_children"),
                    utilisation=utilisation,
                    band=w.get("band", ""),
                    above_max=utilisation > ABOVE,
                    source=source,
                )
            )


def _records(session: Session, team_ids: list[str] | None = None) -> list[LoadRecord]:
    query = select(LoadRecord).order_by(LoadRecord.worker_id, LoadRecord.on, LoadRecord.id)
    if team_ids is not None:
        query = query.where(LoadRecord.team_id.in_(team_ids))
    return list(session.scalars(query))


def above_maximum_since(records: list[LoadRecord]) -> date | None:
    """The first day of the unbroken run of above-maximum records that ends with the latest.

    ``records`` are one worker's, in time order; ``None`` when the latest is not above.

    Examples
    --------
    >>> from datetime import date
    >>> r = lambda day, above: LoadRecord(on=date(2026, 1, day), above_max=above)
    >>> above_maximum_since([r(1, False), r(5, True), r(9, True)])
    datetime.date(2026, 1, 5)
    >>> above_maximum_since([r(1, True), r(5, False)]) is None
    True
    """
    since = None
    for record in records:
        since = (since or record.on) if record.above_max else None
    return since


def escalations(
    *, session: Session, today: date, months: int, team_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """Workers above the maximum for longer than ``months`` (the policy's
    ``escalation_months``) on ``today``, longest first."""
    by_worker: dict[str, list[LoadRecord]] = defaultdict(list)
    for record in _records(session, team_ids):
        by_worker[record.worker_id].append(record)
    out = []
    for worker_id, records in by_worker.items():
        since = above_maximum_since(records)
        if since is None:
            continue
        # "any longer than a two-month period": past the day the period completes.
        if months_between(since, today - timedelta(days=1)) >= months:
            elapsed = months_between(since, today)
            last = records[-1]
            out.append(
                {
                    "worker_id": worker_id,
                    "team_id": last.team_id,
                    "above_max_since": since,
                    "months_above": elapsed,
                    "children": last.children,
                    "max_children": last.max_children,
                    "utilisation": round(last.utilisation, 3),
                }
            )
    return sorted(out, key=lambda e: (e["above_max_since"], e["worker_id"]))


def overrides_past_review(
    *, session: Session, today: date, team_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """Approved above-threshold allocations whose review date has passed (001 s.5 item 3:
    "time specified and subject to regular review")."""
    query = (
        select(Decision)
        .where(Decision.review_date.is_not(None), Decision.review_date < today)
        .order_by(Decision.review_date, Decision.id)
    )
    if team_ids is not None:
        query = query.where(Decision.team_id.in_(team_ids))
    return [
        {
            "batch_id": d.batch_id,
            "team_id": d.team_id,
            "child_id": d.child_id,
            "worker_id": d.worker_id,
            "reason": d.reason,
            "review_date": d.review_date,
        }
        for d in session.scalars(query)
    ]


def worker_timeline(*, session: Session, worker_id: str) -> list[dict[str, Any]]:
    """One worker's caseload at each recorded moment, oldest first."""
    rows = session.scalars(
        select(LoadRecord)
        .where(LoadRecord.worker_id == worker_id)
        .order_by(LoadRecord.on, LoadRecord.id)
    )
    return [
        {
            "on": r.on,
            "team_id": r.team_id,
            "children": r.children,
            "load": round(r.load, 2),
            "max_children": r.max_children,
            "utilisation": round(r.utilisation, 3),
            "band": r.band,
            "source": r.source,
        }
        for r in rows
    ]


def _latest_per_worker(records: list[LoadRecord]) -> dict[str, LoadRecord]:
    latest: dict[str, LoadRecord] = {}
    for r in records:
        latest[r.worker_id] = r
    return latest


def period_averages(*, session: Session, team_id: str, period: str) -> list[dict[str, Any]]:
    """Per week (ISO week, s.5 item 5) or month (s.6), the team's caseload at the period's
    last record of each worker: workers, children, children and load per FTE, and
    workers above the maximum. Newest period first."""
    if period not in ("week", "month"):
        raise ValueError("period is 'week' or 'month'")
    by_period: dict[str, list[LoadRecord]] = defaultdict(list)
    for r in _records(session, [team_id]):
        if period == "week":
            year, week, _ = r.on.isocalendar()
            key = f"{year}-W{week:02d}"
        else:
            key = f"{r.on.year}-{r.on.month:02d}"
        by_period[key].append(r)
    out = []
    for key in sorted(by_period, reverse=True):
        latest = _latest_per_worker(by_period[key])
        fte = sum(r.fte for r in latest.values() if r.capacity > 0)
        children = sum(r.children for r in latest.values())
        load = sum(r.load for r in latest.values())
        out.append(
            {
                period: key,
                "workers": len(latest),
                "children": children,
                "children_per_fte": round(children / fte, 2) if fte else 0.0,
                "load_per_fte": round(load / fte, 2) if fte else 0.0,
                "above_maximum": sum(r.above_max for r in latest.values()),
                "records": len(by_period[key]),
            }
        )
    return out
