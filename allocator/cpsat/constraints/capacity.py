"""Caps on what a worker or team holds: count, weighted load, category, pacing, oversight.

Every cap follows one rule: a worker (or team) already at or above a cap keeps
what it holds and receives nothing new. Arrivals at such a worker are already
excluded by eligibility, so each constraint below is ``after <= max(cap, before)``.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance


def add_count_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``fixed_w + sum_c assign[c, w] <= max(cap_w, before_w)`` for every worker ``w``."""
    for w in comp.workers:
        arrivals = [v.assign[c, w] for c in v.on_worker(w)]
        if not arrivals:
            continue
        info = inst.workers[w]
        limit = max(info.count_cap, info.children_before) - len(comp.fixed.get(w, []))
        model.add(sum(arrivals) <= limit)


def add_load_caps(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``load_w <= max(max_load_per_fte * capacity_w, load_before_w)`` where the policy sets one."""
    for w in comp.workers:
        info = inst.workers[w]
        if info.load_cap is None or w not in v.load:
            continue
        limit = max(info.load_cap, info.load_before)
        model.add(v.load[w] <= math.floor(limit / inst.weight_unit + 1e-6))


def add_category_caps(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """``held_w(k) <= max(cap_w(k), before_w(k))`` per category ``k`` the policy caps
    (Merton's mixed leaving-care rule: 10 in care plus 10 care leavers)."""
    for w in comp.workers:
        info = inst.workers[w]
        for category, cap in info.category_caps.items():
            arrivals = [
                v.assign[c, w]
                for c in v.on_worker(w)
                if inst.children[c].child.category == category
            ]
            if not arrivals:
                continue
            fixed = sum(
                1 for c in comp.fixed.get(w, []) if inst.children[c].child.category == category
            )
            limit = max(cap, info.category_before.get(category, 0)) - fixed
            model.add(sum(arrivals) <= limit)


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
    """``cases_t <= max(oversight_max, cases_before_t)`` for each team ``t``, counting a
    sibling group as one case (a manager oversees 50-100 cases, Merton 002 s.3.2).

    ``cases_t = |kept cases| + sum_k held[k]`` over the other cases ``k`` of moving
    children, with ``held[k] >= sum_w assign[c, w]`` for each child ``c`` of ``k``.
    """
    for team in comp.teams:
        limit = inst.oversight_max.get(team)
        if limit is None:
            continue
        moving = [c for c in comp.children if inst.children[c].child.team_id == team]
        if not moving:
            continue
        kept = {
            inst.children[c].case
            for c in inst.team_children[team]
            if inst.children[c].current is not None and not inst.children[c].movable
        }
        by_case: dict[str, list[int]] = {}
        for c in moving:
            if inst.children[c].case not in kept:
                by_case.setdefault(inst.children[c].case, []).append(c)
        terms = []
        for case, members in by_case.items():
            placed = [sum(v.assign[c, w] for w in inst.children[c].candidates) for c in members]
            if len(members) == 1:
                terms.append(placed[0])
                continue
            held = model.new_bool_var(f"case_held[{team},{case}]")
            for p in placed:
                model.add(p <= held)
            terms.append(held)
        model.add(sum(terms) <= max(limit, inst.team_cases_before[team]) - len(kept))
