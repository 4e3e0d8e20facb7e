"""``prepare(data, policy, options)``: the instance every part of the engine shares,
built in named steps (capacity, caps, weights, holdings before, eligibility)."""

from __future__ import annotations

from allocator.prepare.capacity import active_reductions, capacity, role_factor
from allocator.prepare.caps import category_caps, count_cap, load_cap, pacing_limit
from allocator.prepare.eligibility import always_together, anchor_families, fill_candidates
from allocator.prepare.instance import ChildInfo, Instance, WorkerInfo
from allocator.prepare.weights import effective_weights, weight_unit
from models import Options, Policy, ProblemData, SiblingMode, days_between


def prepare(data: ProblemData, policy: Policy, options: Options) -> Instance:
    """Compute capacities, caps, weights and eligibility for every worker and child.

    Workers and children keep their input order (index = row order), so every
    later step is deterministic.
    """
    workers = workers_with_caps(data, policy, options)
    worker_index = {info.worker_id: info.index for info in workers}
    team_workers: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    for info in workers:
        team_workers[info.team_id].append(info.index)

    children = weighted_children(data, policy, options, worker_index, workers)
    families: dict[str, list[int]] = {}
    for ch in children:
        if ch.family is not None:
            families.setdefault(ch.family, []).append(ch.index)
    families = {f: members for f, members in families.items() if len(members) > 1}
    if options.rebalance and policy.siblings is SiblingMode.ALWAYS:
        anchor_families(children, families, workers)

    holdings_before(workers, children)
    for info in workers:
        info.pacing_limit = pacing_limit(policy.pacing, info.children_before)

    team_children: dict[str, list[int]] = {t.team_id: [] for t in data.teams}
    cases_before: dict[str, set[str]] = {t.team_id: set() for t in data.teams}
    for ch in children:
        team_children[ch.child.team_id].append(ch.index)
        if ch.current is not None:
            cases_before[ch.child.team_id].add(ch.case)

    for ch in children:
        if ch.movable:
            fill_candidates(ch, workers, team_workers[ch.child.team_id], policy)
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
        oversight_max={t.team_id: policy.span.oversight_max for t in data.teams},
        team_cases_before={team: len(cases) for team, cases in cases_before.items()},
        weight_unit=weight_unit(weights),
    )


def workers_with_caps(data: ProblemData, policy: Policy, options: Options) -> list[WorkerInfo]:
    """Capacity (FTE x role factor x reductions) and caps of every worker."""
    service_of = {t.team_id: t.service for t in data.teams}
    reductions = active_reductions(data, options.as_of)
    released = set(options.release)
    out = []
    for i, w in enumerate(data.workers):
        service = policy.services[service_of[w.team_id]]
        factor = role_factor(w, policy, options.as_of)
        active = reductions.get(w.worker_id, [])
        reduction = min(1.0, sum(f for f, _ in active))
        cap_fte = capacity(w, factor, reduction)
        out.append(
            WorkerInfo(
                index=i,
                worker=w,
                team_id=w.team_id,
                capacity=cap_fte,
                role_factor=factor,
                reduction=reduction,
                reduction_reason="; ".join(reason for _, reason in active),
                count_cap=count_cap(w, service, cap_fte),
                load_cap=load_cap(service, cap_fte),
                category_caps=category_caps(service, cap_fte),
                pacing_limit=None,
                accepting=w.accepting and w.worker_id not in released and cap_fte > 0,
                released=w.worker_id in released,
            )
        )
    return out


def weighted_children(
    data: ProblemData,
    policy: Policy,
    options: Options,
    worker_index: dict[str, int],
    workers: list[WorkerInfo],
) -> list[ChildInfo]:
    """Weight, priority tier, days waiting and whether each child may move."""
    out = []
    for i, c in enumerate(data.children):
        weight = policy.weighting.weight_of(c)
        current = worker_index[c.worker_id] if c.worker_id is not None else None
        movable = current is None or options.rebalance or workers[current].released
        out.append(
            ChildInfo(
                index=i,
                child=c,
                weight=weight,
                weight_together=policy.weighting.together(weight),
                current=current,
                movable=movable,
                tier=policy.priorities.tier(c),
                waiting_days=days_between(c.referred_on, options.as_of),
                family=c.family_id,
            )
        )
    return out


def holdings_before(workers: list[WorkerInfo], children: list[ChildInfo]) -> None:
    """Children, load (sibling discount applied) and categories each worker holds now."""
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
