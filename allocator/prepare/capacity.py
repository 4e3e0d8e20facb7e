"""Capacity of each worker: FTE x role factor (ASYE schedule) x (1 - reductions).

Barnet 001 s.3.3: caseloads are "pro-rata" for part-time staff; s.3.6: an ASYE
holds "approximately 50% of a caseload", rising through the assessed year;
s.3.8: team managers and heads of service carry no cases. A reduction
(``reductions.csv``) lowers capacity while it is active.
"""

from __future__ import annotations

from datetime import date

from models import Policy, ProblemData, Role, Worker


def active_reductions(data: ProblemData, as_of: date) -> dict[str, list[tuple[float, str]]]:
    """Worker id -> ``(fraction, reason)`` of each reduction active on ``as_of``."""
    active: dict[str, list[tuple[float, str]]] = {}
    for r in data.reductions:
        if r.active_on(as_of):
            active.setdefault(r.worker_id, []).append((r.fraction, r.reason))
    return active


def role_factor(worker: Worker, policy: Policy, as_of: date) -> float:
    """1 for case holders, 0 for roles that carry no cases, the ASYE schedule for ``asye``."""
    if not worker.role.carries_cases:
        return 0.0
    if worker.role is Role.ASYE:
        assert worker.asye_start is not None
        return policy.asye.factor_on(worker.asye_start, as_of)
    return 1.0


def capacity(worker: Worker, factor: float, reduction: float) -> float:
    """``fte * factor * (1 - reduction)`` in FTE, rounded to 4 decimals (exact in the model)."""
    return round(worker.fte * factor * (1 - reduction), 4)
