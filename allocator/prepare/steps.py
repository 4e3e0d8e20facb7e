"""``prepare(data, policy, options)``: the instance every part of the engine shares,
built in named steps: workers (capacity, absence, caps, release), children
(weight, priority, complexity), holdings before, adjustments, eligibility."""

from __future__ import annotations

from collections import Counter

from allocator.io.errors import InputError, InputProblem
from allocator.prepare.capacity import (
    absence,
    active_reductions,
    capacity,
    coming_absence,
    role_factor,
)
from allocator.prepare.caps import (
    approval_limits,
    category_caps,
    count_cap,
    load_cap,
    mix_caps,
    pacing_limit,
    per_fte,
)
from allocator.prepare.eligibility import (
    always_together,
    anchor_families,
    fill_candidates,
    ruled_out,
)
from allocator.prepare.instance import ChildInfo, Instance, OversightGroup, WorkerInfo
from allocator.prepare.weights import effective_weights, weight_unit
from models import (
    AdjustmentAction,
    Options,
    Policy,
    ProblemData,
    Reduction,
    SiblingMode,
    days_between,
)

ADJUSTMENTS_FILE = "adjustments.csv"


def prepare(data: ProblemData, policy: Policy, options: Options) -> Instance:
    """Compute capacities, caps, weights and eligibility for every worker and child.

    Workers and children keep their input order (index = row order), so every
    later step is deterministic.

    Raises
    ------
    InputError
        A manager's adjustment breaks a hard rule (``adjustments.csv``: the row
        and the rule).
    """
    workers = workers_with_caps(data, policy, options)
    worker_index = {info.worker_id: info.index for info in workers}
    team_workers: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    for info in workers:
        team_workers[info.team_id].append(info.index)

    children = weighted_children(data, policy, options, worker_index)
    families: dict[str, list[int]] = {}
    for ch in children:
        if ch.family is not None:
            families.setdefault(ch.family, []).append(ch.index)
    families = {f: members for f, members in families.items() if len(members) > 1}

    holdings_before(workers, children)
    release_workers(workers, policy, options)
    for ch in children:
        ch.movable = ch.active and (
            ch.current is None or options.rebalance or workers[ch.current].released
        )
    if options.rebalance and policy.siblings is SiblingMode.ALWAYS:
        anchor_families(children, families, workers)
    for info in workers:
        info.pacing_limit = pacing_limit(policy.pacing, info.children_before)

    team_children: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    cases_before: dict[str, set[str]] = {t.team_id: set() for t in data.teams}
    for ch in children:
        team_children[ch.child.team_id].append(ch.index)
        if ch.current is not None and ch.active:
            cases_before[ch.child.team_id].add(ch.case)

    forbidden = apply_adjustments(data, workers, children, worker_index)
    for ch in children:
        if ch.movable:
            fill_candidates(
                ch, workers, team_workers[ch.child.team_id], policy, forbidden.get(ch.index, {})
            )
    check_pins(data, workers, children)
    if policy.siblings is SiblingMode.ALWAYS:
        always_together(children, families, workers)

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
        oversight=oversight_groups(data, policy),
        team_cases_before={team: len(cases) for team, cases in cases_before.items()},
        weight_unit=weight_unit(weights),
    )


def workers_with_caps(data: ProblemData, policy: Policy, options: Options) -> list[WorkerInfo]:
    """Capacity, absence and caps of every worker."""
    service_of = {t.team_id: t.service for t in data.teams}
    as_of = options.as_of
    reductions = active_reductions(data, as_of)
    by_worker: dict[str, list[Reduction]] = {}
    for r in data.reductions:
        by_worker.setdefault(r.worker_id, []).append(r)
    overrides = {o.worker_id: o for o in data.overrides if o.active_on(as_of)}
    lookahead = policy.leave.lookahead_days
    out = []
    for i, w in enumerate(data.workers):
        service = policy.services[service_of[w.team_id]]
        factor = role_factor(w, policy, as_of)
        active = reductions.get(w.worker_id, [])
        reduction = min(1.0, sum(f for f, _ in active))
        cap_fte = capacity(w, factor, reduction)
        override = overrides.get(w.worker_id) if cap_fte > 0 else None
        count, source = count_cap(w, service, cap_fte, reduction, override)
        only, mixed = mix_caps(service, cap_fte)
        own = by_worker.get(w.worker_id, [])
        away = absence(own, as_of) if w.role.carries_cases else None
        soon = (
            coming_absence(own, as_of, lookahead)
            if lookahead and away is None and w.role.carries_cases
            else None
        )
        fte_available = round(w.fte * (1 - reduction), 4) if w.role.carries_cases else 0.0
        info = WorkerInfo(
            index=i,
            worker=w,
            team_id=w.team_id,
            capacity=cap_fte,
            role_factor=factor,
            reduction=reduction,
            reduction_reason="; ".join(reason for _, reason in active),
            fte_available=fte_available,
            count_cap=count,
            count_cap_source=source,
            load_cap=load_cap(service, cap_fte),
            cases_cap=per_fte(service.max_cases_per_fte, cap_fte),
            category_caps=category_caps(service, cap_fte),
            mix_only=only,
            mix_mixed=mixed,
            approvals=approval_limits(policy, fte_available) if cap_fte > 0 else [],
            pacing_limit=None,
            accepting=w.accepting and cap_fte > 0 and soon is None,
            released=w.worker_id in options.release,
            release_cause="release" if w.worker_id in options.release else None,
            away=away,
            leave_soon=soon,
            override=override,
        )
        if not w.accepting and away is None:
            info.closed_by = ("not_accepting", f"{w.worker_id} is not accepting new work")
        elif soon is not None:
            info.closed_by = (
                "leave_soon",
                f"{w.worker_id} goes on leave on {soon.start.isoformat()} "
                f"(within {lookahead} days): no new children before it",
            )
        if info.released:
            info.accepting = False
        out.append(info)
    return out


def release_workers(workers: list[WorkerInfo], policy: Policy, options: Options) -> None:
    """Release the children of workers who carry no cases (Barnet 001 s.3.8), unless the
    options keep them, and of workers on long leave when asked (001 s.3.12)."""
    for w in workers:
        if w.released:
            continue
        if options.release_managers and not w.worker.role.carries_cases and w.children_before:
            w.released, w.release_cause = True, "manager"
        elif options.release_long_leave and long_leave(w, policy):
            w.released, w.release_cause = True, "long_leave"
        if w.released:
            w.accepting = False


def long_leave(w: WorkerInfo, policy: Policy) -> bool:
    """Away for more working days than the policy allows before reallocation (Barnet
    001 s.3.12: "over 15 working days"), or with no return date; never when the
    policy sets no such limit."""
    limit = policy.leave.reallocate_after_working_days
    if w.away is None or limit is None:
        return False
    return w.away.working_days is None or w.away.working_days > limit


def weighted_children(
    data: ProblemData,
    policy: Policy,
    options: Options,
    worker_index: dict[str, int],
) -> list[ChildInfo]:
    """Weight, priority tier, complexity and days waiting of each child."""
    family_size = Counter(c.family_id for c in data.children if c.family_id is not None)
    complexity = policy.complexity
    out = []
    for i, c in enumerate(data.children):
        weight = policy.weighting.weight_of(c, family_size[c.family_id] if c.family_id else 1)
        current = worker_index[c.worker_id] if c.worker_id is not None else None
        statutory = policy.priorities.statutory(c)
        level = c.level if c.level is not None else policy.weighting.default_level
        out.append(
            ChildInfo(
                index=i,
                child=c,
                weight=weight,
                weight_together=policy.weighting.together(weight),
                current=current,
                movable=False,
                tier=policy.priorities.tier(c),
                statutory=statutory,
                complex=level in complexity.levels or (complexity.statutory and statutory),
                active=not c.awaiting_closure,
                waiting_days=days_between(c.referred_on, options.as_of),
                family=c.family_id,
            )
        )
    return out


def holdings_before(workers: list[WorkerInfo], children: list[ChildInfo]) -> None:
    """Children, load (sibling discount applied), categories and cases each worker holds
    now, counting the active caseload only (a case awaiting closure is not in it)."""
    current = [ch.current if ch.active else None for ch in children]
    for ch, weight in zip(children, effective_weights(children, current), strict=True):
        if ch.current is not None and ch.active:
            held = workers[ch.current]
            held.children_before += 1
            held.load_before += weight
            cat = ch.child.category
            held.category_before[cat] = held.category_before.get(cat, 0) + 1
            held.cases_before.add(ch.case)
            held.complex_before += ch.complex
    for w in workers:
        w.load_before = round(w.load_before, 4)


def apply_adjustments(
    data: ProblemData,
    workers: list[WorkerInfo],
    children: list[ChildInfo],
    worker_index: dict[str, int],
) -> dict[int, dict[int, str]]:
    """Pins, exclusions and forbidden pairings; returns child -> worker -> reason forbidden."""
    child_index = {ch.child_id: ch.index for ch in children}
    forbidden: dict[int, dict[int, str]] = {}
    for a in data.adjustments:
        w = worker_index[a.worker_id]
        if a.action is AdjustmentAction.EXCLUDE:
            workers[w].accepting = False
            workers[w].closed_by = (
                "excluded",
                f"the manager excluded {a.worker_id} from this batch: {a.reason}",
            )
            continue
        assert a.child_id is not None
        c = child_index[a.child_id]
        if a.action is AdjustmentAction.FORBID:
            forbidden.setdefault(c, {})[w] = a.reason
        else:
            children[c].pinned = w
    return forbidden


def check_pins(data: ProblemData, workers: list[WorkerInfo], children: list[ChildInfo]) -> None:
    """A pinned child goes only to its worker, who must be allowed to take it."""
    problems = []
    pinned_to: dict[int, list[int]] = {}
    for row, a in enumerate(data.adjustments, start=2):
        if a.action is not AdjustmentAction.PIN:
            continue
        ch = next(c for c in children if c.child_id == a.child_id)
        w = ch.pinned
        assert w is not None
        where = f"pin {a.child_id} to {a.worker_id}"
        if ch.current == w and not workers[w].released:
            continue  # pinned where it already is: nothing to do
        if not ch.movable:
            why = "the child is already held" if ch.current == w else "the child is held by "
            if ch.current != w:
                why += f"{workers[ch.current].worker_id if ch.current is not None else 'nobody'}"
                why += " and may not move (use --rebalance or --release)"
            problems.append(InputProblem(ADJUSTMENTS_FILE, row, "child_id", f"{where}: {why}"))
            continue
        if w not in ch.candidates:
            rule, words = (
                ch.ruled_out.get(w)
                or ruled_out(ch, workers[w], None, None)
                or (
                    "team",
                    f"{a.worker_id} is not in the child's team {ch.child.team_id}",
                )
            )
            message = f"{where}: breaks the {rule} rule: {words}"
            problems.append(InputProblem(ADJUSTMENTS_FILE, row, "worker_id", message))
            continue
        for other in ch.candidates:
            if other != w:  # still listed in candidates.csv, with the pin as the reason
                ch.ruled_out[other] = (
                    "pinned",
                    f"the manager pinned the child to {a.worker_id}: {a.reason}",
                )
        ch.candidates = [w]
        pinned_to.setdefault(w, []).append(ch.index)
    for w, pinned in pinned_to.items():
        info = workers[w]
        limit = info.count_limit
        if limit is not None and info.children_before + len(pinned) > limit:
            message = (
                f"{len(pinned)} children pinned to {info.worker_id}, who has room for "
                f"{max(0, limit - info.children_before)} (count cap {info.count_cap})"
            )
            problems.append(InputProblem(ADJUSTMENTS_FILE, None, "worker_id", message))
    if problems:
        raise InputError(problems)


def oversight_groups(data: ProblemData, policy: Policy) -> list[OversightGroup]:
    """Teams grouped by their manager, with the hard oversight limit; empty unless the
    policy makes oversight a limit (Merton 002 s.3.2 gives a range, reported instead)."""
    span = policy.span
    if not span.oversight_hard or span.oversight_max is None:
        return []
    by_manager: dict[str, list[str]] = {}
    for t in data.teams:
        by_manager.setdefault(t.manager_id or f"team {t.team_id}", []).append(t.team_id)
    return [
        OversightGroup(manager=m, teams=tuple(teams), limit=span.oversight_max)
        for m, teams in by_manager.items()
    ]
