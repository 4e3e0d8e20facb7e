"""What the checker recomputes from the input and a proposal, without the engine.

Only the domain (``models``: the policy's weight formula, ASYE schedule,
working days) is shared with the engine, so a mistake in the engine's
preparation shows up as a violation rather than being repeated here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from models import (
    AdjustmentAction,
    AllocationResult,
    ChildAllocation,
    Policy,
    ProblemData,
    Role,
    ServicePolicy,
    Team,
    Worker,
    working_days,
)


@dataclass
class Facts:
    """The proposal as the checker sees it: who holds whom before and after, and totals.

    Children awaiting closure are outside the active caseload: they count in no
    total, load or cap.
    """

    data: ProblemData
    policy: Policy
    result: AllocationResult
    workers: dict[str, Worker]
    teams: dict[str, Team]
    rows: dict[str, ChildAllocation]
    before: dict[str, str | None]
    """Child id -> worker holding it in the input."""
    after: dict[str, str | None]
    """Child id -> worker holding it in the proposal."""
    capacity: dict[str, float]
    reduction: dict[str, float]
    released: set[str]
    long_leave: set[str]
    away: set[str]
    leave_soon: set[str]
    active: dict[str, bool]
    load_before: dict[str, float] = field(default_factory=dict)
    load_after: dict[str, float] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)
    """Weight each child counts for in the proposal (sibling discount applied)."""
    count_before: Counter[str] = field(default_factory=Counter)
    count_after: Counter[str] = field(default_factory=Counter)
    arrivals: Counter[str] = field(default_factory=Counter)
    categories_before: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    categories_after: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    cases_before: dict[str, set[str]] = field(default_factory=dict)
    cases_after: dict[str, set[str]] = field(default_factory=dict)

    def service(self, worker: Worker) -> ServicePolicy:
        return self.policy.services[self.teams[worker.team_id].service]

    def count_cap(self, worker: Worker) -> int | None:
        """The worker's count cap, recomputed from the policy, the agreed cap, the
        reductions and any override in force (``None``: no cap)."""
        wid = worker.worker_id
        cap = self.capacity[wid]
        if cap <= 0:
            return 0
        for o in self.data.overrides:
            if o.worker_id == wid and self.result.options.as_of <= o.review_date:
                return o.max_children
        per_fte = self.service(worker).max_children_per_fte
        service_cap = None if per_fte is None else math.floor(per_fte * cap + 1e-9)
        if worker.max_children is not None:
            agreed = math.floor(worker.max_children * (1 - self.reduction[wid]) + 1e-9)
            return agreed if service_cap is None else min(agreed, service_cap)
        return service_cap

    def fte_available(self, worker: Worker) -> float:
        if not worker.role.carries_cases:
            return 0.0
        return round(worker.fte * (1 - self.reduction[worker.worker_id]), 4)


def facts(data: ProblemData, policy: Policy, result: AllocationResult) -> Facts:
    """Recompute everything the checks need."""
    options = result.options
    as_of = options.as_of
    rows = {a.child_id: a for a in result.allocations}
    reduction = {w.worker_id: _reduction(data, w.worker_id, as_of) for w in data.workers}
    away = {
        w.worker_id
        for w in data.workers
        if w.role.carries_cases and reduction[w.worker_id] >= 1 - 1e-9
    }
    limit = policy.leave.reallocate_after_working_days
    long_leave = {wid for wid in away if limit is not None and _away_days(data, wid, as_of, limit)}
    lookahead = policy.leave.lookahead_days or 0
    leave_soon = {
        w.worker_id
        for w in data.workers
        if w.worker_id not in away
        and w.role.carries_cases
        and any(
            _reduction(data, w.worker_id, as_of + timedelta(days=d)) >= 1 - 1e-9
            for d in range(1, lookahead + 1)
        )
    }
    before = {c.child_id: c.worker_id for c in data.children}
    managers = {
        w.worker_id
        for w in data.workers
        if not w.role.carries_cases and any(v == w.worker_id for v in before.values())
    }
    released = set(options.release)
    if options.release_managers:
        released |= managers
    if options.release_long_leave:
        released |= long_leave
    out = Facts(
        data=data,
        policy=policy,
        result=result,
        workers={w.worker_id: w for w in data.workers},
        teams={t.team_id: t for t in data.teams},
        rows=rows,
        before=before,
        after={c.child_id: rows[c.child_id].worker_id for c in data.children},
        capacity={w.worker_id: capacity(w, data, policy, as_of) for w in data.workers},
        reduction=reduction,
        released=released,
        long_leave=long_leave if options.release_long_leave else set(),
        away=away,
        leave_soon=leave_soon,
        active={c.child_id: not c.awaiting_closure for c in data.children},
    )
    active = out.active
    held_before = {k: (v if active[k] else None) for k, v in out.before.items()}
    held_after = {k: (v if active[k] else None) for k, v in out.after.items()}
    out.load_before, _ = loads(data, policy, held_before)
    out.load_after, out.weight = loads(data, policy, held_after)
    out.count_before = Counter(w for w in held_before.values() if w is not None)
    out.count_after = Counter(w for w in held_after.values() if w is not None)
    out.arrivals = Counter(w for c, w in held_after.items() if w is not None and w != out.before[c])
    out.categories_before = Counter((held_before[c.child_id], c.category) for c in data.children)
    out.categories_after = Counter((held_after[c.child_id], c.category) for c in data.children)
    out.cases_before = _cases(data, held_before)
    out.cases_after = _cases(data, held_after)
    return out


def _cases(data: ProblemData, holder: dict[str, str | None]) -> dict[str, set[str]]:
    """Worker -> the cases they hold (a family once, else the child)."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in data.children:
        w = holder[c.child_id]
        if w is not None:
            out[w].add(f"family {c.family_id}" if c.family_id else f"child {c.child_id}")
    return out


def _reduction(data: ProblemData, worker_id: str, day: date) -> float:
    cut = sum(
        r.fraction
        for r in data.reductions
        if r.worker_id == worker_id
        and (r.start is None or r.start <= day)
        and (r.end is None or day <= r.end)
    )
    return min(1.0, cut)


def _away_days(data: ProblemData, worker_id: str, as_of: date, limit: int) -> bool:
    """Whether the absence around ``as_of`` is longer than ``limit`` working days."""
    start = as_of
    for _ in range(3 * 366):
        if _reduction(data, worker_id, start - timedelta(days=1)) < 1 - 1e-9:
            break
        start -= timedelta(days=1)
    end = as_of
    for _ in range(3 * 366):
        if _reduction(data, worker_id, end + timedelta(days=1)) < 1 - 1e-9:
            return working_days(start, end) > limit
        end += timedelta(days=1)
    return True  # no return in sight


def capacity(worker: Worker, data: ProblemData, policy: Policy, as_of: date) -> float:
    """FTE x role factor x (1 - active reductions), 4 decimals; 0 for managers."""
    if worker.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE):
        return 0.0
    factor = 1.0
    if worker.role is Role.ASYE and worker.asye_start is not None:
        factor = policy.asye.factor_on(worker.asye_start, as_of)
    if worker.supervisor:
        factor *= policy.supervisor_factor
    return round(worker.fte * factor * (1 - _reduction(data, worker.worker_id, as_of)), 4)


def loads(
    data: ProblemData, policy: Policy, holder: dict[str, str | None]
) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted load per worker and weight per child under ``holder`` (child -> worker;
    ``None`` for a child nobody holds, or one outside the active caseload)."""
    sizes = Counter(c.family_id for c in data.children if c.family_id is not None)
    per_family: Counter[tuple[str, str]] = Counter(
        (c.family_id, w)
        for c in data.children
        if c.family_id is not None and (w := holder[c.child_id]) is not None
    )
    load: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = {}
    for c in data.children:
        w = holder[c.child_id]
        base = policy.weighting.weight_of(c, sizes[c.family_id] if c.family_id else 1)
        together = c.family_id is not None and w is not None and per_family[c.family_id, w] > 1
        weight[c.child_id] = policy.weighting.together(base) if together else base
        if w is not None:
            load[w] += weight[c.child_id]
    return load, weight


def pins(data: ProblemData) -> dict[str, str]:
    """Child id -> worker id the manager pinned it to."""
    return {
        a.child_id: a.worker_id
        for a in data.adjustments
        if a.action is AdjustmentAction.PIN and a.child_id is not None
    }
