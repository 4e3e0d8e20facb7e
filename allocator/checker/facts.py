"""What the checker recomputes from the input and a proposal, without the engine.

Only the domain (``models``: the policy's weight formula and ASYE schedule) is
shared with the engine, so a mistake in the engine's preparation shows up as a
violation rather than being repeated here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from models import AllocationResult, ChildAllocation, Policy, ProblemData, Role, Team, Worker


@dataclass
class Facts:
    """The proposal as the checker sees it: who holds whom before and after, and totals."""

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
    released: set[str]
    load_before: dict[str, float] = field(default_factory=dict)
    load_after: dict[str, float] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)
    """Weight each child counts for in the proposal (sibling discount applied)."""
    count_before: Counter[str] = field(default_factory=Counter)
    count_after: Counter[str] = field(default_factory=Counter)
    arrivals: Counter[str] = field(default_factory=Counter)
    categories_before: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    categories_after: Counter[tuple[str | None, str]] = field(default_factory=Counter)

    def count_cap(self, worker: Worker) -> int:
        """The worker's count cap, recomputed from the policy."""
        cap = self.capacity[worker.worker_id]
        if worker.max_children is not None and cap > 0:
            return worker.max_children
        service = self.policy.services[self.teams[worker.team_id].service]
        return math.floor(service.max_children_per_fte * cap + 1e-9)


def facts(data: ProblemData, policy: Policy, result: AllocationResult) -> Facts:
    """Recompute everything the checks need (``rows`` only when the rows are complete)."""
    as_of = result.options.as_of
    rows = {a.child_id: a for a in result.allocations}
    out = Facts(
        data=data,
        policy=policy,
        result=result,
        workers={w.worker_id: w for w in data.workers},
        teams={t.team_id: t for t in data.teams},
        rows=rows,
        before={c.child_id: c.worker_id for c in data.children},
        after={
            c.child_id: rows[c.child_id].worker_id if c.child_id in rows else None
            for c in data.children
        },
        capacity={w.worker_id: capacity(w, data, policy, as_of) for w in data.workers},
        released=set(result.options.release),
    )
    out.load_before, _ = loads(data, policy, out.before)
    out.load_after, out.weight = loads(data, policy, out.after)
    out.count_before = Counter(w for w in out.before.values() if w is not None)
    out.count_after = Counter(w for w in out.after.values() if w is not None)
    out.arrivals = Counter(w for c, w in out.after.items() if w is not None and w != out.before[c])
    out.categories_before = Counter((out.before[c.child_id], c.category) for c in data.children)
    out.categories_after = Counter((out.after[c.child_id], c.category) for c in data.children)
    return out


def capacity(worker: Worker, data: ProblemData, policy: Policy, as_of: date) -> float:
    """FTE x role factor x (1 - active reductions), 4 decimals; 0 for managers."""
    if worker.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE):
        return 0.0
    factor = 1.0
    if worker.role is Role.ASYE and worker.asye_start is not None:
        factor = policy.asye.factor_on(worker.asye_start, as_of)
    cut = sum(
        r.fraction
        for r in data.reductions
        if r.worker_id == worker.worker_id
        and (r.start is None or r.start <= as_of)
        and (r.end is None or as_of <= r.end)
    )
    return round(worker.fte * factor * (1 - min(1.0, cut)), 4)


def loads(
    data: ProblemData, policy: Policy, holder: dict[str, str | None]
) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted load per worker and weight per child under ``holder`` (child -> worker)."""
    per_family: Counter[tuple[str, str]] = Counter(
        (c.family_id, w)
        for c in data.children
        if c.family_id is not None and (w := holder[c.child_id]) is not None
    )
    load: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = {}
    for c in data.children:
        w = holder[c.child_id]
        base = policy.weighting.weight_of(c)
        together = c.family_id is not None and w is not None and per_family[c.family_id, w] > 1
        weight[c.child_id] = policy.weighting.together(base) if together else base
        if w is not None:
            load[w] += weight[c.child_id]
    return load, weight
