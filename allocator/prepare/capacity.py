"""Capacity of each worker, and when they are away.

Capacity is FTE x role factor x (1 - reductions). Barnet 001 s.3.3: caseloads
are "pro-rota'd where social workers do not work full-time"; s.3.6: an ASYE
holds "approximately 50% of a caseload", rising through the assessed year;
s.3.8: "Heads of Service and/or Team Managers must not carry a caseload";
Sutton 000: "a senior social worker who supervises staff will have a different
caseload" (``supervisor_factor``). A worker whose reductions in force add up to
all of their capacity is away (leave, sickness); the absence runs while they do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from allocator.prepare.instance import Absence
from models import Policy, ProblemData, Reduction, Role, Worker, working_days

HORIZON_DAYS = 3 * 366
"""How far an absence is followed to find its ends (an open-ended one has none)."""


def active_reductions(data: ProblemData, as_of: date) -> dict[str, list[tuple[float, str]]]:
    """Worker id -> ``(fraction, reason)`` of each reduction active on ``as_of``."""
    active: dict[str, list[tuple[float, str]]] = {}
    for r in data.reductions:
        if r.active_on(as_of):
            active.setdefault(r.worker_id, []).append((r.fraction, r.reason))
    return active


def role_factor(worker: Worker, policy: Policy, as_of: date) -> float:
    """0 for roles that carry no cases, the ASYE schedule for ``asye``, the supervisor
    factor for a worker who supervises staff, else 1."""
    if not worker.role.carries_cases:
        return 0.0
    if worker.role is Role.ASYE:
        assert worker.asye_start is not None
        factor = policy.asye.factor_on(worker.asye_start, as_of)
    else:
        factor = 1.0
    if worker.supervisor:
        factor *= policy.supervisor_factor
    return factor


def capacity(worker: Worker, factor: float, reduction: float) -> float:
    """``fte * factor * (1 - reduction)`` in FTE, rounded to 4 decimals (exact in the model)."""
    return round(worker.fte * factor * (1 - reduction), 4)


def _away_on(reductions: Sequence[Reduction], day: date) -> bool:
    return sum(r.fraction for r in reductions if r.active_on(day)) >= 1 - 1e-9


def absence(reductions: Sequence[Reduction], day: date) -> Absence | None:
    """The absence covering ``day`` (reductions in force adding up to 1), or ``None``."""
    if not reductions or not _away_on(reductions, day):
        return None
    start = day
    for _ in range(HORIZON_DAYS):
        if not _away_on(reductions, start - timedelta(days=1)):
            break
        start -= timedelta(days=1)
    returns: date | None = None
    probe = day
    for _ in range(HORIZON_DAYS):
        probe += timedelta(days=1)
        if not _away_on(reductions, probe):
            returns = probe
            break
    reason = "; ".join(sorted({r.reason for r in reductions if r.active_on(day)}))
    days = working_days(start, returns - timedelta(days=1)) if returns is not None else None
    return Absence(start=start, returns=returns, working_days=days, reason=reason)


def coming_absence(reductions: Sequence[Reduction], as_of: date, days: int) -> Absence | None:
    """An absence starting in the ``days`` after ``as_of``, or ``None``."""
    for ahead in range(1, days + 1):
        found = absence(reductions, as_of + timedelta(days=ahead))
        if found is not None:
            return found
    return None
