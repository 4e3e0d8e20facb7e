"""The checker's named checks, one per rule, in the order of the model's constraint
families (``allocator.cpsat.constraints.CONSTRAINTS``), so the two lists read side
by side: assignment, eligibility and the manager's adjustments, count cap, load
cap, cases cap, category cap, caseload mix, approval thresholds, pacing,
oversight, max moves, siblings always; then the result's own arithmetic.

Each check takes the recomputed :class:`~allocator.checker.facts.Facts` and
yields every :class:`~models.Violation` it finds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from allocator.checker.facts import Facts, pins
from models import AdjustmentAction, Child, ChildStatus, Role, SiblingMode, Violation, Worker

Check = Callable[[Facts], Iterator[Violation]]


def _violation(
    rule: str, entities: tuple[str, ...], message: str, amount: float = 0.0
) -> Violation:
    return Violation(rule=rule, entities=entities, amount=amount, message=message)


def check_status(f: Facts) -> Iterator[Violation]:
    """Each row's status says what happened: kept, allocated, moved or unallocated."""
    for c in f.data.children:
        now, was = f.after[c.child_id], f.before[c.child_id]
        expected = (
            ChildStatus.UNALLOCATED
            if now is None
            else ChildStatus.ALLOCATED
            if was is None or was in f.long_leave
            else ChildStatus.KEPT
            if was == now
            else ChildStatus.MOVED
        )
        status = f.rows[c.child_id].status
        if status is not expected:
            message = f"{c.child_id}: status {status.value}, expected {expected.value}"
            yield _violation("status", (c.child_id,), message)


def check_assignment(f: Facts) -> Iterator[Violation]:
    """Held children stay held (moved only with rebalance or release); nobody stays
    with a released worker."""
    options = f.result.options
    for c in f.data.children:
        now, was = f.after[c.child_id], f.before[c.child_id]
        if was is not None and now != was and not (options.rebalance or was in f.released):
            message = f"{c.child_id} left {was} without --rebalance or --release"
            yield _violation("kept", (c.child_id,), message)
        if was is not None and now is None and was not in f.released:
            yield _violation("kept", (c.child_id,), f"{c.child_id} lost its worker {was}")
        if now is not None and now in f.released:
            message = f"{c.child_id} is still with released worker {now}"
            yield _violation("release", (c.child_id, now), message)


def check_eligibility(f: Facts) -> Iterator[Violation]:
    """A child given a new worker may go to them: same team, carries cases, present and
    accepting, not excluded or forbidden by the manager, not about to go on leave, has
    the required skill (unless covering for an away colleague who has it), and no ASYE
    exclusion applies."""
    excluded = set(f.policy.asye.excluded)
    shut = {a.worker_id for a in f.data.adjustments if a.action is AdjustmentAction.EXCLUDE}
    forbidden = {
        (a.child_id, a.worker_id) for a in f.data.adjustments if a.action is AdjustmentAction.FORBID
    }
    for c in f.data.children:
        now, was = f.after[c.child_id], f.before[c.child_id]
        if now is None or now == was:
            continue
        w = f.workers[now]
        pair = (c.child_id, now)
        if now in f.away:
            yield _violation("away", pair, f"{c.child_id} went to {now}, who is away")
        if now in shut:
            yield _violation("excluded", pair, f"{c.child_id} went to {now}, excluded this batch")
        if (c.child_id, now) in forbidden:
            yield _violation("forbidden", pair, f"{c.child_id} went to {now}, a forbidden pairing")
        if now in f.leave_soon:
            yield _violation(
                "leave_soon", pair, f"{c.child_id} went to {now}, about to go on leave"
            )
        if w.team_id != c.team_id:
            yield _violation(
                "team", pair, f"{c.child_id} of {c.team_id} went to {now} of {w.team_id}"
            )
        if f.capacity[now] <= 0:
            yield _violation("role", pair, f"{c.child_id} went to {now}, who carries no cases")
        if not w.accepting:
            yield _violation("not_accepting", pair, f"{c.child_id} went to {now}, not accepting")
        if c.required_skill and c.required_skill not in w.skills and not _covering(f, c, w):
            message = f"{c.child_id} needs '{c.required_skill}', {now} lacks it"
            yield _violation("skill", pair, message)
        if w.role is Role.ASYE and ({c.category} | set(c.flags)) & excluded:
            message = f"{c.child_id} has ASYE-excluded work, {now} is an ASYE"
            yield _violation("asye", pair, message)


def _covering(f: Facts, child: Child, worker: Worker) -> bool:
    """The row says the child goes to ``worker`` as interim cover for an away colleague of
    the same team who has the required skill."""
    row = f.rows[child.child_id]
    intended = f.workers.get(row.cover_for or "")
    return (
        intended is not None
        and intended.worker_id in f.away
        and intended.team_id == worker.team_id
        and child.required_skill in intended.skills
    )


def check_adjustments(f: Facts) -> Iterator[Violation]:
    """Every child the manager pinned is with the worker it was pinned to."""
    for child_id, worker_id in pins(f.data).items():
        if f.after[child_id] != worker_id:
            message = f"{child_id} was pinned to {worker_id} but is with {f.after[child_id]}"
            yield _violation("pin", (child_id, worker_id), message)


def _cap(
    rule: str, worker: str, got_new: bool, before: float, after: float, limit: float
) -> Iterator[Violation]:
    """``after <= max(limit, before)``; a worker at or above a cap gets nothing new."""
    if got_new and before >= limit - 1e-9 and rule != "category_cap":
        yield _violation(
            rule, (worker,), f"{worker} was at or above {rule} {limit:g} and got new children"
        )
    allowed = max(limit, before)
    if after > allowed + 1e-6:
        message = f"{worker}: {after:g} above {rule} {limit:g}"
        yield _violation(rule, (worker,), message, after - allowed)


def check_count_caps(f: Facts) -> Iterator[Violation]:
    """Children held within the count cap (pro-rata by capacity; an agreed cap scaled by
    reductions and never above the service's; an override in force)."""
    for w in f.data.workers:
        wid = w.worker_id
        cap = f.count_cap(w)
        if cap is None:
            continue
        yield from _cap(
            "count_cap", wid, bool(f.arrivals[wid]), f.count_before[wid], f.count_after[wid], cap
        )


def check_cases_caps(f: Facts) -> Iterator[Violation]:
    """Cases held (a family once) within ``max_cases_per_fte * capacity``."""
    for w in f.data.workers:
        per_fte = f.service(w).max_cases_per_fte
        if per_fte is None:
            continue
        wid = w.worker_id
        limit = math.floor(per_fte * f.capacity[wid] + 1e-9)
        before = len(f.cases_before.get(wid, ()))
        after = len(f.cases_after.get(wid, ()))
        if after > max(limit, before):
            message = f"{wid}: {after} cases, above cases_cap {limit}"
            yield _violation("cases_cap", (wid,), message, after - max(limit, before))


def check_mix_caps(f: Facts) -> Iterator[Violation]:
    """Caps by caseload mix (Merton 002 s.2.4): the mixed cap when the worker holds two or
    more of the mix's categories, else the cap for holding only one."""
    for w in f.data.workers:
        mix = f.service(w).mix
        if mix is None:
            continue
        wid = w.worker_id
        held = {k: f.categories_after[wid, k] for k in mix.mixed_per_fte}
        present = sum(1 for n in held.values() if n)
        for k, n in held.items():
            per_fte = mix.mixed_per_fte[k] if present > 1 else mix.only_max_per_fte[k]
            cap = math.floor(per_fte * f.capacity[wid] + 1e-9)
            limit = max(cap, f.categories_before[wid, k])
            if n > limit:
                message = f"{wid}: {n} '{k}' children, above the mix cap {limit}"
                yield _violation("mix_cap", (wid,), message, n - limit)


def check_approvals(f: Facts) -> Iterator[Violation]:
    """No new allocation takes a worker across an approval threshold the policy does not
    let a proposal cross (Barnet 001 s.3.7); one it lets cross is marked on every new
    child of that worker (``needs_approval``)."""
    for t in f.policy.thresholds:
        if t.approval is None or t.above is None:
            continue
        for w in f.data.workers:
            wid = w.worker_id
            if f.capacity[wid] <= 0:
                continue
            limit = t.above * f.fte_available(w)
            if t.measure == "children":
                limit = math.floor(limit + 1e-9)
                before, after = float(f.count_before[wid]), float(f.count_after[wid])
            else:
                before, after = f.load_before[wid], f.load_after[wid]
            if after <= max(limit, before) + 1e-6:
                continue
            if not t.allow_crossing:
                message = f"{wid}: {after:g} above the {t.name} limit {limit:g} without approval"
                yield _violation("approval", (wid,), message, after - max(limit, before))
                continue
            for c in f.data.children:
                row = f.rows[c.child_id]
                new = row.worker_id == wid and f.before[c.child_id] != wid
                if new and t.name not in (row.needs_approval or ""):
                    message = f"{c.child_id} takes {wid} above {t.name} but is not marked"
                    yield _violation("approval_marked", (c.child_id, wid), message)


def check_load_caps(f: Facts) -> Iterator[Violation]:
    """Weighted load within ``max_load_per_fte * capacity`` where the service sets one."""
    for w in f.data.workers:
        service = f.policy.services[f.teams[w.team_id].service]
        if service.max_load_per_fte is None:
            continue
        wid = w.worker_id
        limit = round(service.max_load_per_fte * f.capacity[wid], 4)
        yield from _cap(
            "load_cap", wid, bool(f.arrivals[wid]), f.load_before[wid], f.load_after[wid], limit
        )


def check_category_caps(f: Facts) -> Iterator[Violation]:
    """Children of each capped category within ``floor(per_fte * capacity)``."""
    for w in f.data.workers:
        service = f.policy.services[f.teams[w.team_id].service]
        wid = w.worker_id
        for category, per_fte in service.category_caps_per_fte.items():
            limit = math.floor(per_fte * f.capacity[wid] + 1e-9)
            yield from _cap(
                "category_cap",
                wid,
                bool(f.arrivals[wid]),
                f.categories_before[wid, category],
                f.categories_after[wid, category],
                limit,
            )


def check_pacing(f: Facts) -> Iterator[Violation]:
    """New children per worker within the policy's pacing limit."""
    for w in f.data.workers:
        wid = w.worker_id
        pace = f.policy.pacing.limit(f.count_before[wid])
        if pace is not None and f.arrivals[wid] > pace:
            message = f"{wid} took {f.arrivals[wid]} new children, pacing allows {pace}"
            yield _violation("pacing", (wid,), message)


def check_oversight(f: Facts) -> Iterator[Violation]:
    """Cases per team within the manager's oversight maximum, a sibling group being
    one case (Merton 002 s.3.2)."""

    def cases(holder: dict[str, str | None]) -> Counter[str]:
        keys = {
            (c.team_id, c.family_id or f"child {c.child_id}")
            for c in f.data.children
            if holder[c.child_id] is not None and f.active[c.child_id]
        }
        return Counter(team for team, _ in keys)

    span = f.policy.span
    top = span.oversight_max
    if top is None or not span.oversight_hard:
        return
    before, after = cases(f.before), cases(f.after)
    by_manager: dict[str, list[str]] = {}
    for team in f.data.teams:
        by_manager.setdefault(team.manager_id or f"team {team.team_id}", []).append(team.team_id)
    for manager, teams in by_manager.items():
        held_before = sum(before[t] for t in teams)
        held_after = sum(after[t] for t in teams)
        if held_after > max(top, held_before):
            message = f"manager {manager}'s teams hold {held_after} cases, oversight maximum {top}"
            yield _violation("oversight", (manager, *teams), message)


def check_max_moves(f: Facts) -> Iterator[Violation]:
    """At most ``max_moves`` held children move (none without rebalance); a released
    worker's children do not count."""
    options = f.result.options
    moves = sum(
        1
        for c in f.data.children
        if f.before[c.child_id] not in (None, *f.released)
        and f.after[c.child_id] not in (None, f.before[c.child_id])
    )
    allowed = options.max_moves if options.rebalance else 0
    if moves > allowed:
        message = f"{moves} moves, at most {options.max_moves} allowed"
        yield _violation("max_moves", (), message, moves - options.max_moves)


def check_siblings_always(f: Facts) -> Iterator[Violation]:
    """Under ``always``: waiting siblings share one worker, the one holding the family
    already if anyone does, and are placed all together or not at all."""
    if f.policy.siblings is not SiblingMode.ALWAYS:
        return
    # A family referred to several teams is kept together team by team.
    placed: dict[tuple[str, str], set[str]] = defaultdict(set)
    anchors: dict[tuple[str, str], set[str]] = defaultdict(set)
    left: set[tuple[str, str]] = set()
    for c in f.data.children:
        now, was = f.after[c.child_id], f.before[c.child_id]
        if c.family_id is None or not f.active[c.child_id]:
            continue
        part = (c.family_id, c.team_id)
        waited = was is None or was in f.released
        if now is None:
            if waited:
                left.add(part)
        elif waited:
            placed[part].add(now)
        else:
            anchors[part].add(now)
    for family, _team in sorted(left & set(placed)):
        yield _violation("siblings_always", (family,), f"family {family} is placed in part only")
    for (family, team), held in placed.items():
        held_before = anchors[family, team]
        if len(held) > 1 or (held_before and not held <= held_before):
            message = f"family {family} split across {sorted(held | held_before)}"
            yield _violation("siblings_always", (family,), message)


def check_objective(f: Facts) -> Iterator[Violation]:
    """The reported objective is ``sum load**2 / capacity`` of the proposal."""
    value = sum(f.load_after[w] ** 2 / cap for w, cap in f.capacity.items() if cap > 0)
    reported = f.result.objective
    if reported is None or abs(value - reported) > 1e-6 * max(1.0, value):
        yield _violation("objective", (), f"objective {reported} but recomputed {value:.6f}")


def check_worker_rows(f: Facts) -> Iterator[Violation]:
    """Counts and loads of ``workers.csv`` add up from the allocations."""
    for row in f.result.workers:
        wid = row.worker_id
        if (
            row.children_after != f.count_after[wid]
            or row.children_before != f.count_before[wid]
            or abs(row.load_after - f.load_after[wid]) > 1e-6
            or abs(row.load_before - f.load_before[wid]) > 1e-6
        ):
            yield _violation(
                "workers_csv", (wid,), f"{wid}: counts or loads in workers.csv do not add up"
            )


def check_weights(f: Facts) -> Iterator[Violation]:
    """Each row's weight is the policy's weight (sibling discount where held together)."""
    for c in f.data.children:
        got, expected = f.rows[c.child_id].weight, f.weight[c.child_id]
        if abs(got - expected) > 1e-9:
            message = f"{c.child_id}: weight {got}, expected {expected}"
            yield _violation("weight", (c.child_id,), message)


CHECKS: tuple[tuple[str, Check], ...] = (
    ("status", check_status),
    ("assignment", check_assignment),
    ("eligibility", check_eligibility),
    ("adjustments", check_adjustments),
    ("count_cap", check_count_caps),
    ("load_cap", check_load_caps),
    ("cases_cap", check_cases_caps),
    ("category_cap", check_category_caps),
    ("mix_cap", check_mix_caps),
    ("approval", check_approvals),
    ("pacing", check_pacing),
    ("oversight", check_oversight),
    ("max_moves", check_max_moves),
    ("siblings_always", check_siblings_always),
    ("objective", check_objective),
    ("workers_csv", check_worker_rows),
    ("weight", check_weights),
)
"""Every check, by name, in the order of the model's constraint families."""
