"""A prepared allocation instance: capacities, caps, eligibility and integer weights.

``prepare(data, policy, options)`` turns validated input into plain arrays that
the CP-SAT model, the greedy baseline, the checker and the explanations share,
so every part applies the same rules. Nothing here imports the solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import reduce

from allocator.weighting import child_weight, days_waiting, discounted, priority_tier
from models import Child, Policy, ProblemData, Role, SiblingMode, Worker


@dataclass(frozen=True)
class Options:
    """Settings of one run. Everything here is recorded in ``summary.json``."""

    as_of: date
    time_limit: float = 60.0
    """Wall-clock limit of the whole solve, in seconds."""
    work_limit: float | None = None
    """Deterministic limit per sub-problem (CP-SAT work units); defaults to
    ``time_limit``. A run that ends on this limit is reproducible; one that ends on
    the wall clock may not be (``summary.json`` says which)."""
    gap_limit: float = 1e-4
    """Relative gap at which the balance stage may stop (0 = prove optimality). A run
    stopped this way is reported ``feasible`` with its gap, never ``optimal``. The
    default, 0.01% of ``sum load**2 / capacity``, is far below any difference a
    caseload could show, while proving the last 0.001% of a 30-child batch can take
    minutes (see docs/benchmarks.md)."""
    seed: int = 0
    release: tuple[str, ...] = ()
    rebalance: bool = False
    max_moves: int = 0
    threads: int = 1
    """CP-SAT search workers per sub-problem; 1 keeps runs byte-identical."""
    processes: int = 1
    """Independent sub-problems (teams) solved side by side."""
    squares: str = "auto"
    """How ``load**2`` is modelled: ``table``, ``product`` or ``auto``."""
    symmetry: bool = True
    hint: bool = True
    decompose: bool = True


@dataclass
class WorkerInfo:
    """One worker with everything the rules need, in original units."""

    index: int
    worker: Worker
    team_id: str
    capacity: float
    role_factor: float
    reduction: float
    reduction_reason: str
    count_cap: int
    load_cap: float | None
    category_caps: dict[str, int]
    pacing_limit: int | None
    accepting: bool
    released: bool
    children_before: int = 0
    load_before: float = 0.0
    category_before: dict[str, int] = field(default_factory=dict)

    @property
    def worker_id(self) -> str:
        return self.worker.worker_id

    @property
    def case_holding(self) -> bool:
        return self.capacity > 0


@dataclass
class ChildInfo:
    """One child: weight, priority, and where it may go."""

    index: int
    child: Child
    weight: float
    weight_together: float
    current: int | None
    """Index of the worker holding the child now (``None`` when waiting)."""
    movable: bool
    candidates: list[int] = field(default_factory=list)
    ruled_out: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Worker index -> (rule, detail) for the team's workers this child cannot go to."""
    tier: int = 0
    waiting_days: int = 0
    family: str | None = None

    @property
    def child_id(self) -> str:
        return self.child.child_id

    @property
    def case(self) -> str:
        """The case this child belongs to: its sibling group, or itself (Merton counts
        a manager's oversight in cases, and a family is one case)."""
        return f"family {self.family}" if self.family is not None else f"child {self.child_id}"


@dataclass
class Instance:
    """All workers and children of one run, plus the integer scale of weights."""

    data: ProblemData
    policy: Policy
    options: Options
    workers: list[WorkerInfo]
    children: list[ChildInfo]
    worker_index: dict[str, int]
    team_workers: dict[str, list[int]]
    team_children: dict[str, list[int]]
    families: dict[str, list[int]]
    oversight_max: dict[str, int | None]
    team_cases_before: dict[str, int]
    """Cases (sibling groups count once) each team's workers hold before the batch."""
    weight_unit: float
    """One integer load unit in weight units: ``weight = units * weight_unit``."""

    def units(self, weight: float) -> int:
        """A weight in integer model units (exact by construction of ``weight_unit``)."""
        return round(weight / self.weight_unit)


def months_between(start: date, end: date) -> int:
    """Completed months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def role_factor(worker: Worker, policy: Policy, as_of: date) -> float:
    """1 for case holders, 0 for managers, the ASYE schedule for ``asye``."""
    if not worker.role.carries_cases:
        return 0.0
    if worker.role is Role.ASYE:
        assert worker.asye_start is not None
        return policy.asye.factor(months_between(worker.asye_start, as_of))
    return 1.0


def asye_excluded(child: Child, policy: Policy) -> str | None:
    """The category or flag that an ASYE may not hold alone, if the child has one."""
    excluded = set(policy.asye.excluded)
    if child.category in excluded:
        return child.category
    hit = sorted(child.flags & excluded)
    return hit[0] if hit else None


def prepare(data: ProblemData, policy: Policy, options: Options) -> Instance:
    """Compute capacities, caps and eligibility for every worker and child."""
    as_of = options.as_of
    released = set(options.release)
    service_of = {t.team_id: t.service for t in data.teams}
    reductions: dict[str, list[tuple[float, str]]] = {}
    for r in data.reductions:
        if r.active_on(as_of):
            reductions.setdefault(r.worker_id, []).append((r.fraction, r.reason))

    workers: list[WorkerInfo] = []
    for i, w in enumerate(data.workers):
        service = policy.services[service_of[w.team_id]]
        factor = role_factor(w, policy, as_of)
        active = reductions.get(w.worker_id, [])
        reduction = min(1.0, sum(f for f, _ in active))
        capacity = round(w.fte * factor * (1 - reduction), 4)
        if w.max_children is not None and capacity > 0:
            count_cap = w.max_children
        else:
            count_cap = math.floor(service.max_children_per_fte * capacity + 1e-9)
        load_cap = (
            round(service.max_load_per_fte * capacity, 4)
            if service.max_load_per_fte is not None
            else None
        )
        workers.append(
            WorkerInfo(
                index=i,
                worker=w,
                team_id=w.team_id,
                capacity=capacity,
                role_factor=factor,
                reduction=reduction,
                reduction_reason="; ".join(reason for _, reason in active),
                count_cap=count_cap if capacity > 0 else 0,
                load_cap=load_cap,
                category_caps={
                    cat: math.floor(per_fte * capacity + 1e-9)
                    for cat, per_fte in service.category_caps_per_fte.items()
                },
                pacing_limit=None,
                accepting=w.accepting and w.worker_id not in released and capacity > 0,
                released=w.worker_id in released,
            )
        )
    worker_index = {info.worker_id: info.index for info in workers}
    team_workers: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    for info in workers:
        team_workers[info.team_id].append(info.index)

    children: list[ChildInfo] = []
    families: dict[str, list[int]] = {}
    for i, c in enumerate(data.children):
        weight = child_weight(c, policy)
        current = worker_index[c.worker_id] if c.worker_id is not None else None
        movable = (
            current is None or options.rebalance or data.workers[current].worker_id in released
        )
        child_info = ChildInfo(
            index=i,
            child=c,
            weight=weight,
            weight_together=discounted(weight, policy),
            current=current,
            movable=movable,
            tier=priority_tier(c, policy),
            waiting_days=days_waiting(c, as_of),
            family=c.family_id,
        )
        children.append(child_info)
        if c.family_id is not None:
            families.setdefault(c.family_id, []).append(i)
    families = {f: members for f, members in families.items() if len(members) > 1}
    if options.rebalance and policy.siblings is SiblingMode.ALWAYS:
        _anchor_families(children, families, workers)

    _before(workers, children)
    for info in workers:
        info.pacing_limit = policy.pacing.limit(info.children_before)

    team_children: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    cases_before: dict[str, set[str]] = {t.team_id: set() for t in data.teams}
    for ch in children:
        team_children[ch.child.team_id].append(ch.index)
        if ch.current is not None:
            cases_before[ch.child.team_id].add(ch.case)

    for ch in children:
        if ch.movable:
            _eligibility(ch, workers, team_workers[ch.child.team_id], policy, options)

    if policy.siblings is SiblingMode.ALWAYS:
        _always_together(children, families, workers)

    weights = [c.weight for c in children] + [c.weight_together for c in children]
    return Instance(
        data=data,
        policy=policy,
        options=options,
        workers=workers,
        children=children,
        worker_index=worker_index,
        team_workers=team_workers,
        team_children=team_children,
        families=families,
        oversight_max={t.team_id: policy.span.oversight_max for t in data.teams},
        team_cases_before={team: len(cases) for team, cases in cases_before.items()},
        weight_unit=weight_unit(weights),
    )


def weight_unit(weights: list[float]) -> float:
    """Largest unit (a multiple of 0.01) in which every weight is a whole number."""
    hundredths = [round(w * 100) for w in weights if w > 0]
    if not hundredths:
        return 1.0
    return reduce(math.gcd, hundredths) / 100


def holders(children: list[ChildInfo], assignment: list[int | None]) -> dict[str, dict[int, int]]:
    """Family -> worker index -> number of the family's children that worker holds."""
    held: dict[str, dict[int, int]] = {}
    for ch in children:
        w = assignment[ch.index]
        if ch.family is not None and w is not None:
            counts = held.setdefault(ch.family, {})
            counts[w] = counts.get(w, 0) + 1
    return held


def effective_weights(children: list[ChildInfo], assignment: list[int | None]) -> list[float]:
    """Weight each child counts for under ``assignment`` (sibling discount applied)."""
    held = holders(children, assignment)
    out = []
    for ch in children:
        w = assignment[ch.index]
        together = ch.family is not None and w is not None and held[ch.family][w] > 1
        out.append(ch.weight_together if together else ch.weight)
    return out


def _before(workers: list[WorkerInfo], children: list[ChildInfo]) -> None:
    current = [ch.current for ch in children]
    for ch, weight in zip(children, effective_weights(children, current), strict=True):
        if ch.current is not None:
            held = workers[ch.current]
            held.children_before += 1
            held.load_before += weight
            cat = ch.child.category
            held.category_before[cat] = held.category_before.get(cat, 0) + 1
    for w in workers:
        w.load_before = round(w.load_before, 4)


def _eligibility(
    ch: ChildInfo,
    workers: list[WorkerInfo],
    team: list[int],
    policy: Policy,
    options: Options,
) -> None:
    """Fill ``ch.candidates`` and ``ch.ruled_out`` with the first rule that excludes each."""
    child = ch.child
    excluded = asye_excluded(child, policy)
    for wi in team:
        w = workers[wi]
        staying = ch.current == wi
        if w.released and staying:
            ch.ruled_out[wi] = ("release", f"{w.worker_id} is being released (long leave)")
            continue
        if staying:  # rebalance: staying put is always allowed
            ch.candidates.append(wi)
            continue
        rule = _ruled_out(ch, w, excluded, policy)
        if rule is None:
            ch.candidates.append(wi)
        else:
            ch.ruled_out[wi] = rule
    if ch.current is not None and ch.current not in team and not workers[ch.current].released:
        ch.candidates.append(ch.current)  # held outside its team: may stay


def _ruled_out(
    ch: ChildInfo, w: WorkerInfo, excluded: str | None, policy: Policy
) -> tuple[str, str] | None:
    child = ch.child
    wid = w.worker_id
    if not w.worker.role.carries_cases:
        return ("role", f"{wid} is a {w.worker.role.value.replace('_', ' ')} and carries no cases")
    if w.released:
        return ("release", f"{wid} is being released (long leave)")
    if w.capacity <= 0:
        return ("capacity", f"{wid} has no capacity ({w.reduction_reason or 'reduced to 0'})")
    if not w.worker.accepting:
        return ("not_accepting", f"{wid} is not accepting new work")
    if child.required_skill is not None and child.required_skill not in w.worker.skills:
        return ("skill", f"{wid} does not have the required skill '{child.required_skill}'")
    if excluded is not None and w.worker.role is Role.ASYE:
        return ("asye", f"{wid} is an ASYE and may not hold '{excluded}' work alone")
    if w.children_before >= w.count_cap:
        return ("count_cap", f"{wid} already holds {w.children_before} children, cap {w.count_cap}")
    if w.load_cap is not None and w.load_before >= w.load_cap - 1e-9:
        return ("load_cap", f"{wid} already carries load {w.load_before:g}, cap {w.load_cap:g}")
    cat_cap = w.category_caps.get(child.category)
    if cat_cap is not None and w.category_before.get(child.category, 0) >= cat_cap:
        return (
            "category_cap",
            f"{wid} already holds {w.category_before.get(child.category, 0)} "
            f"'{child.category}' children, cap {cat_cap}",
        )
    if w.pacing_limit is not None and w.pacing_limit <= 0:
        return ("pacing", f"{wid} may take no new children this batch (pacing)")
    return None


def waiting(ch: ChildInfo, workers: list[WorkerInfo]) -> bool:
    """A child with no worker, or whose worker is being released: it may end unallocated."""
    return ch.current is None or workers[ch.current].released


def _anchor_families(
    children: list[ChildInfo], families: dict[str, list[int]], workers: list[WorkerInfo]
) -> None:
    """Rebalancing under ``always``: a held child whose family has a waiting sibling
    stays put, since the waiting sibling must join it."""
    for members in families.values():
        if any(waiting(children[i], workers) for i in members):
            for i in members:
                if not waiting(children[i], workers):
                    children[i].movable = False


def _always_together(
    children: list[ChildInfo], families: dict[str, list[int]], workers: list[WorkerInfo]
) -> None:
    """Siblings mode ``always``: a family's waiting children share one worker.

    Their candidates become the workers every one of them may go to, and only
    the workers already holding a sibling when there is one. (Children being
    rebalanced are not waiting: the split count keeps them from being parted.)
    """
    for members in families.values():
        moving = [
            children[i] for i in members if children[i].movable and waiting(children[i], workers)
        ]
        if not moving:
            continue
        anchors = {
            children[i].current
            for i in members
            if children[i].current is not None and not waiting(children[i], workers)
        }
        common = set(moving[0].candidates)
        for ch in moving[1:]:
            common &= set(ch.candidates)
        if anchors:
            common &= {a for a in anchors if a is not None}
        for ch in moving:
            for wi in ch.candidates:
                if wi not in common:
                    ch.ruled_out[wi] = (
                        "siblings_always",
                        "siblings must stay together (policy 'always') and this worker "
                        "cannot take all of them",
                    )
            ch.candidates = [wi for wi in ch.candidates if wi in common]
