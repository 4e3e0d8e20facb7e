"""Siblings: which workers hold a family, and the discount for siblings held together."""

from __future__ import annotations

import itertools

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance, waiting
from models import SiblingMode


def family_partners(inst: Instance, v: Variables, c: int, w: int) -> list[int]:
    """Movable siblings of child ``c`` that could be held by worker ``w``."""
    family = inst.children[c].family
    if family is None or family not in inst.families:
        return []
    return [s for s in inst.families[family] if s != c and (s, w) in v.assign]


def fixed_siblings_on(inst: Instance, comp: Component, c: int, w: int) -> int:
    """Siblings of ``c`` that ``w`` keeps whatever the solve does."""
    family = inst.children[c].family
    if family is None:
        return 0
    return sum(1 for s in comp.fixed.get(w, []) if s != c and inst.children[s].family == family)


def add_family_holders(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """``holds_family[f, w] >= assign[c, w]`` for each movable child ``c`` of ``f``;
    the number of holders of a family is what the split objective counts."""
    for c in comp.children:
        family = inst.children[c].family
        if family is None or family not in inst.families:
            continue
        for w in inst.children[c].candidates:
            if fixed_siblings_on(inst, comp, c, w):
                continue  # w holds the family anyway: a constant, not a choice
            key = (family, w)
            if key not in v.holds_family:
                v.holds_family[key] = model.new_bool_var(f"holds[{family},{w}]")
            model.add_implication(v.assign[c, w], v.holds_family[key])


def add_together_discount(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """``together[c, w] = assign[c, w] AND OR_{s sibling} assign[s, w]``, exactly.

    A child held with a sibling counts ``weight * (1 - sibling_discount)``; the
    load definition subtracts the difference when ``together[c, w]`` is 1.
    For a child ``w`` keeps, ``assign[c, w]`` is the constant 1.
    """
    if inst.policy.weighting.sibling_discount <= 0:
        return
    pairs: list[tuple[int, int]] = [
        (c, w) for c in comp.children for w in inst.children[c].candidates
    ]
    pairs += [(c, w) for w, kept in comp.fixed.items() for c in kept]
    for c, w in pairs:
        if fixed_siblings_on(inst, comp, c, w):
            continue  # together for sure: the constant weight is already discounted
        partners = family_partners(inst, v, c, w)
        if not partners:
            continue
        t = model.new_bool_var(f"together[{c},{w}]")
        v.together[c, w] = t
        own = v.assign.get((c, w))
        partner_vars = [v.assign[s, w] for s in partners]
        if own is not None:
            model.add_implication(t, own)
        model.add_bool_or([*partner_vars, t.negated()])
        for p in partner_vars:
            if own is not None:
                model.add_bool_or([own.negated(), p.negated(), t])
            else:
                model.add_implication(p, t)


def add_siblings_always(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """Policy ``always``: ``assign[c, w] = assign[c', w]`` for waiting siblings ``c, c'``,
    so a family goes to one worker or waits together (candidates are already the
    workers that may take every one of them)."""
    if inst.policy.siblings is not SiblingMode.ALWAYS:
        return
    in_comp = set(comp.children)
    for members in inst.families.values():
        group = [c for c in members if c in in_comp and waiting(inst.children[c], inst.workers)]
        for a, b in itertools.pairwise(group):
            for w in inst.children[a].candidates:
                model.add(v.assign[a, w] == v.assign[b, w])
            model.add(
                sum(v.assign[a, w] for w in inst.children[a].candidates)
                == sum(v.assign[b, w] for w in inst.children[b].candidates)
            )
