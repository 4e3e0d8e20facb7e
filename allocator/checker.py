"""An independent checker: recompute every rule and the objective from the input
and a proposal, without the solver and without ``allocator.instance``.

It shares only the weight formula (``allocator.weighting``) and the policy's
own schedule, so a mistake in the model's preparation shows up here as a
``Violation``. Every proposal the tests make must pass it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from allocator.weighting import child_weight, discounted
from models import (
    AllocationResult,
    ChildStatus,
    Policy,
    ProblemData,
    Role,
    SiblingMode,
    Violation,
    Worker,
)


def _capacity(worker: Worker, data: ProblemData, policy: Policy, as_of: date) -> float:
    if worker.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE):
        return 0.0
    factor = 1.0
    if worker.role is Role.ASYE and worker.asye_start is not None:
        s = worker.asye_start
        months = (as_of.year - s.year) * 12 + as_of.month - s.month - (as_of.day < s.day)
        factor = policy.asye.factor(months)
    cut = sum(
        r.fraction
        for r in data.reductions
        if r.worker_id == worker.worker_id
        and (r.start is None or r.start <= as_of)
        and (r.end is None or as_of <= r.end)
    )
    return round(worker.fte * factor * (1 - min(1.0, cut)), 4)


def _loads(
    data: ProblemData, policy: Policy, holder: dict[str, str | None]
) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted load per worker and weight per child under ``holder`` (child -> worker)."""
    per_family: dict[tuple[str, str], int] = Counter(
        (c.family_id, w)
        for c in data.children
        if c.family_id is not None and (w := holder[c.child_id]) is not None
    )
    load: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = {}
    for c in data.children:
        w = holder[c.child_id]
        base = child_weight(c, policy)
        together = c.family_id is not None and w is not None and per_family[c.family_id, w] > 1
        weight[c.child_id] = discounted(base, policy) if together else base
        if w is not None:
            load[w] += weight[c.child_id]
    return load, weight


def check(
    data: ProblemData,
    policy: Policy,
    result: AllocationResult,
    *,
    as_of: date,
    release: tuple[str, ...] = (),
    rebalance: bool = False,
    max_moves: int = 0,
) -> list[Violation]:
    """Every rule the proposal breaks (empty when it keeps them all)."""
    out: list[Violation] = []

    def bad(rule: str, entities: tuple[str, ...], message: str, amount: float = 0.0) -> None:
        out.append(Violation(rule=rule, entities=entities, amount=amount, message=message))

    workers = {w.worker_id: w for w in data.workers}
    teams = {t.team_id: t for t in data.teams}
    rows = {a.child_id: a for a in result.allocations}
    if [a.child_id for a in result.allocations] != [c.child_id for c in data.children]:
        bad("rows", (), "allocations must list every child once, in input order")
        return out
    before = {c.child_id: c.worker_id for c in data.children}
    after = {c.child_id: rows[c.child_id].worker_id for c in data.children}
    capacity = {w.worker_id: _capacity(w, data, policy, as_of) for w in data.workers}
    released = set(release)

    for c in data.children:
        row, now, was = rows[c.child_id], after[c.child_id], before[c.child_id]
        expected = (
            ChildStatus.UNALLOCATED
            if now is None
            else ChildStatus.ALLOCATED
            if was is None
            else ChildStatus.KEPT
            if was == now
            else ChildStatus.MOVED
        )
        if row.status is not expected:
            bad(
                "status",
                (c.child_id,),
                f"{c.child_id}: status {row.status.value}, expected {expected.value}",
            )
        if was is not None and now != was and not (rebalance or was in released):
            bad("kept", (c.child_id,), f"{c.child_id} left {was} without --rebalance or --release")
        if was is not None and now is None and was not in released:
            bad("kept", (c.child_id,), f"{c.child_id} lost its worker {was}")
        if now is not None and now in released:
            bad("release", (c.child_id, now), f"{c.child_id} is still with released worker {now}")
        if now is None or now == was:
            continue
        w = workers[now]
        if w.team_id != c.team_id:
            bad(
                "team",
                (c.child_id, now),
                f"{c.child_id} of {c.team_id} went to {now} of {w.team_id}",
            )
        if capacity[now] <= 0:
            bad("role", (c.child_id, now), f"{c.child_id} went to {now}, who carries no cases")
        if not w.accepting:
            bad("not_accepting", (c.child_id, now), f"{c.child_id} went to {now}, not accepting")
        if c.required_skill and c.required_skill not in w.skills:
            bad(
                "skill",
                (c.child_id, now),
                f"{c.child_id} needs '{c.required_skill}', {now} lacks it",
            )
        if w.role is Role.ASYE and ({c.category} | set(c.flags)) & set(policy.asye.excluded):
            bad("asye", (c.child_id, now), f"{c.child_id} has ASYE-excluded work, {now} is an ASYE")

    load_before, _ = _loads(data, policy, before)
    load_after, weight = _loads(data, policy, after)
    count_before = Counter(w for w in before.values() if w is not None)
    count_after = Counter(w for w in after.values() if w is not None)
    arrivals = Counter(after[c] for c in after if after[c] is not None and after[c] != before[c])
    cats_before = Counter((before[c.child_id], c.category) for c in data.children)
    cats_after = Counter((after[c.child_id], c.category) for c in data.children)
    for w in data.workers:
        wid = w.worker_id
        service = policy.services[teams[w.team_id].service]
        cap = (
            w.max_children
            if w.max_children is not None and capacity[wid] > 0
            else math.floor(service.max_children_per_fte * capacity[wid] + 1e-9)
        )
        limits: list[tuple[str, float, float, float]] = [
            ("count_cap", count_before[wid], count_after[wid], cap)
        ]
        if service.max_load_per_fte is not None:
            limits.append(
                (
                    "load_cap",
                    load_before[wid],
                    load_after[wid],
                    round(service.max_load_per_fte * capacity[wid], 4),
                )
            )
        for cat, per_fte in service.category_caps_per_fte.items():
            limits.append(
                (
                    "category_cap",
                    cats_before[wid, cat],
                    cats_after[wid, cat],
                    math.floor(per_fte * capacity[wid] + 1e-9),
                )
            )
        for rule, held_before, held_after, limit in limits:
            if arrivals[wid] and held_before >= limit - 1e-9 and rule != "category_cap":
                bad(rule, (wid,), f"{wid} was at or above {rule} {limit:g} and got new children")
            allowed = max(limit, held_before)
            if held_after > allowed + 1e-6:
                bad(
                    rule,
                    (wid,),
                    f"{wid}: {held_after:g} above {rule} {limit:g}",
                    held_after - allowed,
                )
        pace = policy.pacing.limit(count_before[wid])
        if pace is not None and arrivals[wid] > pace:
            bad("pacing", (wid,), f"{wid} took {arrivals[wid]} new children, pacing allows {pace}")

    def cases(holder: dict[str, str | None]) -> Counter[str]:
        """Cases per team: a sibling group is one case (Merton counts oversight in cases)."""
        keys = {
            (c.team_id, c.family_id or f"child {c.child_id}")
            for c in data.children
            if holder[c.child_id] is not None
        }
        return Counter(team for team, _ in keys)

    team_before, team_after = cases(before), cases(after)
    top = policy.span.oversight_max
    for team in data.teams:
        tid = team.team_id
        if top is not None and team_after[tid] > max(top, team_before[tid]):
            bad(
                "oversight",
                (tid,),
                f"team {tid} holds {team_after[tid]} cases, oversight maximum {top}",
            )

    if policy.siblings is SiblingMode.ALWAYS:
        # Waiting siblings share one worker, and it holds the family already if anyone does.
        # Waiting siblings are placed all together or not at all.
        placed: dict[str, set[str]] = defaultdict(set)
        anchors: dict[str, set[str]] = defaultdict(set)
        left: set[str] = set()
        for c in data.children:
            now, was = after[c.child_id], before[c.child_id]
            if c.family_id is None:
                continue
            waited = was is None or was in released
            if now is None:
                if waited:
                    left.add(c.family_id)
            elif waited:
                placed[c.family_id].add(now)
            else:
                anchors[c.family_id].add(now)
        for family in sorted(left & set(placed)):
            bad("siblings_always", (family,), f"family {family} is placed in part only")
        for family, held in placed.items():
            if len(held) > 1 or (anchors[family] and not held <= anchors[family]):
                bad(
                    "siblings_always",
                    (family,),
                    f"family {family} split across {sorted(held | anchors[family])}",
                )

    moves = sum(
        1
        for c in data.children
        if before[c.child_id] not in (None, *released)
        and after[c.child_id] not in (None, before[c.child_id])
    )
    if moves > (max_moves if rebalance else 0):
        bad("max_moves", (), f"{moves} moves, at most {max_moves} allowed", moves - max_moves)

    value = sum(load_after[w] ** 2 / capacity[w] for w in capacity if capacity[w] > 0)
    if result.objective is None or abs(value - result.objective) > 1e-6 * max(1.0, value):
        bad("objective", (), f"objective {result.objective} but recomputed {value:.6f}")
    for worker_row in result.workers:
        wid = worker_row.worker_id
        if (
            worker_row.children_after != count_after[wid]
            or worker_row.children_before != count_before[wid]
            or abs(worker_row.load_after - load_after[wid]) > 1e-6
            or abs(worker_row.load_before - load_before[wid]) > 1e-6
        ):
            bad("workers_csv", (wid,), f"{wid}: counts or loads in workers.csv do not add up")
    for c in data.children:
        if abs(rows[c.child_id].weight - weight[c.child_id]) > 1e-9:
            bad(
                "weight",
                (c.child_id,),
                f"{c.child_id}: weight {rows[c.child_id].weight}, expected {weight[c.child_id]}",
            )
    return out
