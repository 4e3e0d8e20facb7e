"""Interchangeable workers: fix one labelling so the search sees each split once."""

from __future__ import annotations

import itertools

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance


def symmetric_groups(inst: Instance, comp: Component) -> list[list[int]]:
    """Groups of workers no rule or preference can tell apart.

    Two workers are interchangeable when they have the same capacity, caps,
    current children and load, skills, locality and role, and no movable child
    has a tie to either (now held by it, previous worker, or a sibling it keeps).
    Every child that may go to one of them may then go to all of them.
    """
    tied: set[int] = set()
    for c in comp.children:
        ch = inst.children[c]
        if ch.current is not None:
            tied.add(ch.current)
        if ch.pinned is not None:
            tied.add(ch.pinned)
        tied.update(w for w, (rule, _) in ch.ruled_out.items() if rule == "forbidden")
        prev = ch.child.previous_worker_id
        if prev is not None and prev in inst.worker_index:
            tied.add(inst.worker_index[prev])
    moving_families = {inst.children[c].family for c in comp.children} - {None}
    for w, kept in comp.fixed.items():
        if any(inst.children[c].family in moving_families for c in kept):
            tied.add(w)

    complexity = inst.policy.complexity
    experienced = set(complexity.experienced_roles) if complexity.match_experience else set()
    open_to: dict[int, list[int]] = {}
    for c in comp.children:
        for w in inst.children[c].candidates:
            open_to.setdefault(w, []).append(c)
    groups: dict[tuple, list[int]] = {}
    for w in comp.workers:
        info = inst.workers[w]
        if w in tied or not info.accepting:
            continue
        key = (
            info.team_id,
            info.capacity,
            info.fte_available,
            info.count_cap,
            info.load_cap,
            info.cases_cap,
            tuple(sorted(info.mix_only.items())),
            tuple(sorted(info.mix_mixed.items())),
            tuple(info.approvals),
            len(info.cases_before),
            info.complex_before,
            tuple(sorted(info.category_caps.items())),
            info.pacing_limit,
            info.children_before,
            round(info.load_before / inst.weight_unit),
            tuple(sorted(info.category_before.items())),
            tuple(sorted(info.worker.skills)),
            info.worker.locality,
            info.worker.role.value == "asye",
            info.worker.role.value in experienced,
            # what the symmetry breaking relies on, checked rather than assumed
            tuple(open_to.get(w, ())),
        )
        groups.setdefault(key, []).append(w)
    return [g for g in groups.values() if len(g) > 1]


def group_children(inst: Instance, v: Variables, group: list[int]) -> list[int]:
    """Children that may go to the group, heaviest first (ties by input order)."""
    kids = v.on_worker(group[0])
    return sorted(kids, key=lambda c: (-inst.children[c].weight, c))


def add_symmetry_breaking(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> list[list[int]]:
    """``assign[c_k, g_j] = 0`` for ``j > k``: the k-th heaviest child the group may
    take goes to one of its first ``k + 1`` workers.

    Valid because the workers are interchangeable: label them by the first child
    (in this order) each holds; the worker labelled ``j`` then holds no child
    ranked below ``j``. Measured on the NPAP instances this was 5x faster than
    ordering the group's loads, and the two must not be combined.
    """
    groups = symmetric_groups(inst, comp)
    for group in groups:
        for k, c in enumerate(group_children(inst, v, group)):
            for w in group[k + 1 :]:
                model.add(v.assign[c, w] == 0)
    return groups


def interchangeable_children(
    inst: Instance, comp: Component, v: Variables, worker_groups: list[list[int]]
) -> list[list[int]]:
    """Groups of new children no rule or preference can tell apart once all are placed:
    same weight, category, candidates and locality, no sibling and no previous worker.

    Children that may go to interchangeable workers are left out, so this never
    meets the worker symmetry breaking (two orderings at once could exclude every
    optimum).
    """
    grouped = {w for g in worker_groups for w in g}
    groups: dict[tuple, list[int]] = {}
    for c in comp.children:
        ch = inst.children[c]
        if ch.current is not None or ch.family is not None or ch.child.previous_worker_id:
            continue
        if grouped.intersection(ch.candidates):
            continue
        key = (ch.weight, ch.child.category, tuple(ch.candidates), ch.child.locality, ch.complex)
        groups.setdefault(key, []).append(c)
    return [g for g in groups.values() if len(g) > 1]


def add_child_symmetry(
    model: cp_model.CpModel,
    inst: Instance,
    comp: Component,
    v: Variables,
    worker_groups: list[list[int]],
) -> list[list[int]]:
    """``position(c_i) <= position(c_{i+1})`` within each group of interchangeable children,
    where ``position(c) = sum_w rank(w) assign[c, w]``.

    Valid only once every child must be placed (stage 1 left nobody waiting):
    swapping two such children then changes nothing any rule or objective sees.
    """
    groups = interchangeable_children(inst, comp, v, worker_groups)
    for group in groups:
        ranks = {w: k for k, w in enumerate(inst.children[group[0]].candidates)}
        position = [sum(ranks[w] * v.assign[c, w] for w in ranks) for c in group]
        for a, b in itertools.pairwise(position):
            model.add(a <= b)
    return groups
