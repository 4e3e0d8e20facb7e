"""Each child goes to at most one worker; children already held stay held."""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance


def add_assignment(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """``sum_w assign[c, w] <= 1`` for a waiting or released child, ``== 1`` for a
    child being rebalanced (it may move but never loses its worker)."""
    for c in comp.children:
        ch = inst.children[c]
        terms = [v.assign[c, w] for w in ch.candidates]
        stays_held = ch.current is not None and not inst.workers[ch.current].released
        if stays_held:
            model.add_exactly_one(terms)
        else:
            model.add_at_most_one(terms)


def add_max_moves(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
    """Rebalance: ``sum_c (1 - assign[c, current_c]) <= max_moves`` over children
    that could stay (released children must move and do not count)."""
    if not inst.options.rebalance:
        return
    stays = [
        v.assign[c, inst.children[c].current]  # type: ignore[index]
        for c in comp.children
        if inst.children[c].current is not None
        and not inst.workers[inst.children[c].current].released  # type: ignore[index]
    ]
    if stays:
        model.add(len(stays) - sum(stays) <= inst.options.max_moves)
