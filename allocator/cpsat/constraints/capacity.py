"""Caps on what a worker or a manager's teams hold: count, weighted load, cases,
category, caseload mix, approval thresholds, pacing, oversight.

Every cap follows one rule: a worker (or manager) already at or above a cap
keeps what they hold and receives nothing new. Arrivals at such a worker are
already excluded by eligibility, so each constraint below is
``after <= max(cap, before)``.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance


def kept_active(inst: Instance, comp: Component, w: int) -> list[int]:
    """Children ``w`` keeps whatever the solve does (``comp.fixed`` holds the active
    caseload only: a child awaiting closure counts in no cap)."""
    return comp.fixed.get(w, [])


def add_count_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``kept_w + sum_c assign[c, w] <= max(cap_w, before_w)`` for every worker with a cap."""
    for w in comp.workers:
        limit = inst.workers[w].count_limit
        arrivals = [v.assign[c, w] for c in v.on_worker(w) if inst.children[c].active]
        if arrivals and limit is not None:
            model.add(sum(arrivals) <= limit - len(kept_active(inst, comp, w)))


def add_load_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``load_w <= max(max_load_per_fte * capacity_w, load_before_w)`` where the policy sets one."""
    for w in comp.workers:
        limit = inst.workers[w].load_limit
        if limit is None or w not in v.load:
            continue
        model.add(v.load[w] <= math.floor(limit / inst.weight_unit + 1e-6))


def new_cases(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables, w: int
) -> list[cp_model.LinearExprT]:
    """One term per case worker ``w`` might newly hold: 1 when it does.

    A single child's case is its ``assign``; a family's is ``holds_family``
    (at least one of its children with ``w``), created here when missing.
    Cases ``w`` keeps anyway add nothing.
    """
    kept = {inst.children[c].case for c in kept_active(inst, comp, w)}
    by_case: dict[str, list[int]] = {}
    for c in v.on_worker(w):
        ch = inst.children[c]
        if ch.active and ch.case not in kept:
            by_case.setdefault(ch.case, []).append(c)
    terms: list[cp_model.LinearExprT] = []
    for members in by_case.values():
        family = inst.children[members[0]].family
        if len(members) == 1 and (family is None or family not in inst.families):
            terms.append(v.assign[members[0], w])
            continue
        key = (family or inst.children[members[0]].child_id, w)
        holds = v.holds_family.get(key)
        if holds is None:
            holds = model.new_bool_var(f"holds[{key[0]},{w}]")
            v.holds_family[key] = holds
        for c in members:
            model.add_implication(v.assign[c, w], holds)
        terms.append(holds)
    return terms


def add_cases_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``kept_cases_w + sum_k new_case[k, w] <= max(cases_cap_w, cases_before_w)``, a sibling
    group counting as one case (Merton 002 s.2.1: "10-12 cases and no more than 26
    children")."""
    for w in comp.workers:
        limit = inst.workers[w].cases_limit
        if limit is None or not v.on_worker(w):
            continue
        kept = {inst.children[c].case for c in kept_active(inst, comp, w)}
        terms = new_cases(model, inst, comp, v, w)
        if terms:
            model.add(sum(terms) <= limit - len(kept))


def _category_count(
    inst: Instance, comp: Component, v: Variables, w: int, category: str
) -> tuple[int, list[cp_model.IntVar]]:
    """Children of ``category`` that ``w`` keeps, and the variables of those that may arrive."""
    kept = sum(1 for c in kept_active(inst, comp, w) if inst.children[c].child.category == category)
    arrivals = [
        v.assign[c, w]
        for c in v.on_worker(w)
        if inst.children[c].child.category == category and inst.children[c].active
    ]
    return kept, arrivals


def add_category_caps(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """``held_w(k) <= max(cap_w(k), before_w(k))`` per category ``k`` the policy caps."""
    for w in comp.workers:
        info = inst.workers[w]
        for category, cap in info.category_caps.items():
            kept, arrivals = _category_count(inst, comp, v, w, category)
            if arrivals:
                limit = max(cap, info.category_before.get(category, 0))
                model.add(sum(arrivals) <= limit - kept)


def add_mix_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """Caps that depend on the caseload's mix (Merton 002 s.2.4): for each category ``k``
    of the mix, ``n_k <= only_k - (only_k - mixed_k) * other_w(k)`` where ``other_w(k)``
    is 1 when ``w`` holds a child of another category of the mix (``only`` and
    ``mixed`` each raised to what ``w`` held before, if more)."""
    for w in comp.workers:
        info = inst.workers[w]
        if not info.mix_only:
            continue
        counts = {k: _category_count(inst, comp, v, w, k) for k in info.mix_only}
        if not any(arrivals for _, arrivals in counts.values()):
            continue
        for k, (kept, arrivals) in counts.items():
            if not arrivals:
                continue
            before = info.category_before.get(k, 0)
            only = max(info.mix_only[k], before)
            mixed = max(info.mix_mixed[k], before)
            if only == mixed:
                model.add(kept + sum(arrivals) <= only)
                continue
            held_other = any(counts[o][0] for o in counts if o != k)
            pairs = [
                (c, w)
                for o in counts
                if o != k
                for c in v.on_worker(w)
                if inst.children[c].child.category == o and inst.children[c].active
            ]
            other = model.new_bool_var(f"mixed[{w},{k}]")
            if held_other:
                model.add(other == 1)
            for c, _ in pairs:
                model.add_implication(v.assign[c, w], other)
            v.indicators.append((other, pairs, held_other))
            model.add(kept + sum(arrivals) <= only - (only - mixed) * other)


def add_approval_limits(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """An approval threshold the policy does not let a proposal cross is a limit on new
    work: ``held_w <= max(limit_w, before_w)`` (Barnet 001 s.3.7: "higher than 22 ...
    must be agreed by the Head of Service"). One the policy lets it cross gets
    ``crosses[w]``, with ``held_w <= limit_w + M * crosses[w]``, counted by the
    ``crossings`` stage."""
    for w in comp.workers:
        info = inst.workers[w]
        if not info.approvals or not v.on_worker(w):
            continue
        for a in info.approvals:
            if a.measure == "children":
                kept = len(kept_active(inst, comp, w))
                held = kept + sum(v.assign[c, w] for c in v.on_worker(w) if inst.children[c].active)
                limit = max(int(a.limit), info.children_before)
                top = kept + len(v.on_worker(w))
            else:
                if w not in v.load:
                    continue
                held = v.load[w]
                limit = math.floor(max(a.limit, info.load_before) / inst.weight_unit + 1e-6)
                top = v.load[w].proto.domain[-1]
            if top <= limit:
                continue
            if not a.may_cross:
                model.add(held <= limit)
                continue
            crosses = v.crosses.get(w)
            if crosses is None:
                crosses = model.new_bool_var(f"crosses[{w}]")
                v.crosses[w] = crosses
            v.crossing_limits.setdefault(w, []).append((a.measure, limit))
            model.add(held <= limit + (top - limit) * crosses)


def add_pacing(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``sum_{c new to w} assign[c, w] <= pacing_w`` (new children per worker per batch)."""
    for w in comp.workers:
        limit = inst.workers[w].pacing_limit
        if limit is None:
            continue
        arrivals = [v.assign[c, w] for c in v.on_worker(w) if inst.children[c].current != w]
        if arrivals:
            model.add(sum(arrivals) <= limit)


def add_oversight(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """Where the policy makes oversight a limit: ``cases_m <= max(limit, cases_before_m)``
    across every team manager ``m`` leads, a sibling group counting as one case
    (Merton 002 s.3.2). ``cases_m = |kept cases| + sum_k held[k]`` over the other
    cases ``k`` of moving children, with ``held[k] >= sum_w assign[c, w]``."""
    for group in inst.oversight:
        if group.limit is None or not set(group.teams) & set(comp.teams):
            continue
        teams = set(group.teams)
        moving = [c for c in comp.children if inst.children[c].child.team_id in teams]
        if not moving:
            continue
        kept = {
            inst.children[c].case
            for t in group.teams
            for c in inst.team_children[t]
            if inst.children[c].current is not None
            and not inst.children[c].movable
            and inst.children[c].active
        }
        by_case: dict[str, list[int]] = {}
        for c in moving:
            if inst.children[c].case not in kept and inst.children[c].active:
                by_case.setdefault(inst.children[c].case, []).append(c)
        terms = []
        for case, members in by_case.items():
            placed = [sum(v.assign[c, w] for w in inst.children[c].candidates) for c in members]
            if len(members) == 1:
                terms.append(placed[0])
                continue
            held = model.new_bool_var(f"case_held[{group.manager},{case}]")
            for p in placed:
                model.add(p <= held)
            terms.append(held)
        before = sum(inst.team_cases_before[t] for t in group.teams)
        model.add(sum(terms) <= max(group.limit, before) - len(kept))
