"""Build the CP-SAT model of one component: variables, constraint families, loads, squares.

The model is solved objective by objective in :mod:`allocator.cpsat.stages`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocator.cpsat import objective as obj
from allocator.cpsat.constraints import CONSTRAINTS, add_symmetry_breaking, add_together_discount
from allocator.cpsat.constraints.siblings import fixed_siblings_on
from allocator.cpsat.settings import SolverSettings
from allocator.cpsat.variables import Component, Variables, upper_bound
from allocator.prepare import Instance

TABLE_LIMIT = 256
"""``squares="auto"`` uses a table of squares when a load's domain is at most this wide."""


@dataclass
class Built:
    model: cp_model.CpModel
    v: Variables
    scale: obj.BalanceScale
    constant_true: float
    """Balance objective of the component's workers whose load no choice changes."""
    groups: list[list[int]]


def build(inst: Instance, comp: Component, settings: SolverSettings) -> Built:
    """The model of one component: variables, every constraint family, loads and squares."""
    model = cp_model.CpModel()
    v = Variables()
    for c in comp.children:
        for w in inst.children[c].candidates:
            v.add_assign(model, c, w)
    add_together_discount(model, inst, comp, v)
    _add_loads(model, inst, comp, v, settings)
    for _name, add in CONSTRAINTS:
        add(model, inst, comp, v)
    _add_complex_counts(model, inst, comp, v)
    groups = add_symmetry_breaking(model, inst, comp, v) if settings.symmetry else []
    scale = obj.balance_scale(inst, {w: upper_bound(load) for w, load in v.load.items()})
    constant = sum(kept_square(inst, comp, w) for w in comp.workers if w not in v.load)
    return Built(model=model, v=v, scale=scale, constant_true=constant, groups=groups)


def kept_square(inst: Instance, comp: Component, w: int) -> float:
    """``kept**2 / capacity`` for the load worker ``w`` keeps whatever the solve does
    (0 without capacity): its least part of the balance objective, in true units."""
    capacity = inst.workers[w].capacity
    if capacity <= 0:
        return 0.0
    kept = sum(kept_weight(inst, comp, c, w) for c in comp.fixed.get(w, []))
    return kept * kept / capacity


def kept_weight(inst: Instance, comp: Component, c: int, w: int) -> float:
    ch = inst.children[c]
    return ch.weight_together if fixed_siblings_on(inst, comp, c, w) else ch.weight


def _add_loads(
    model: cp_model.CpModel,
    inst: Instance,
    comp: Component,
    v: Variables,
    settings: SolverSettings,
) -> None:
    """``load_w = kept_w + sum_c units_c assign[c, w] - sum_c discount_c together[c, w]``,
    and ``load_w = lo_w + excess_w`` with ``excess_w >= 0`` and ``square_w = excess_w**2``
    (a table of squares for narrow domains, else a product). The objective then
    uses ``load**2 = lo**2 + 2 lo excess + excess**2``: exact, with the large part
    linear, which gives the solver's relaxation a much tighter bound than the
    square of the whole load (a 9-child team went from unproven after 16 s to
    proven in milliseconds)."""
    together_by_worker: dict[int, list[tuple[int, int]]] = {}
    for (c, w), _t in v.together.items():
        together_by_worker.setdefault(w, []).append((c, w))
    for w in comp.workers:
        if inst.workers[w].capacity <= 0:
            continue
        arrivals = v.on_worker(w)
        discounts = together_by_worker.get(w, [])
        if not arrivals and not discounts:
            continue
        kept = sum(inst.units(kept_weight(inst, comp, c, w)) for c in comp.fixed.get(w, []))
        terms = []
        sizes = []
        for c in arrivals:
            units = inst.units(kept_weight(inst, comp, c, w))
            terms.append(units * v.assign[c, w])
            sizes.append(units)
        hi = kept + sum(_heaviest(sizes, _room(inst, comp, w)))
        info = inst.workers[w]
        if info.load_cap is not None:
            hi = min(hi, math.floor(max(info.load_cap, info.load_before) / inst.weight_unit + 1e-6))
        lo = kept
        for c, _ in discounts:
            ch = inst.children[c]
            cut = inst.units(ch.weight) - inst.units(ch.weight_together)
            terms.append(-cut * v.together[c, w])
            if (c, w) not in v.assign:
                lo -= cut
        lo = max(0, lo)
        hi = max(hi, lo)
        load = model.new_int_var(lo, hi, f"load[{w}]")
        model.add(load == kept + sum(terms))
        v.load[w] = load
        v.load_offset[w] = lo
        width = hi - lo
        excess = model.new_int_var(0, width, f"excess[{w}]")
        model.add(excess == load - lo)
        square = model.new_int_var(0, width * width, f"square[{w}]")
        mode = settings.squares
        if mode == "table" or (mode == "auto" and width + 1 <= TABLE_LIMIT):
            model.add_element(excess, [i * i for i in range(width + 1)], square)
        else:
            model.add_multiplication_equality(square, [excess, excess])
        v.excess[w] = excess
        v.square[w] = square


def _add_complex_counts(
    model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables
) -> None:
    """``complex_w = kept complex children + sum_c assign[c, w]`` over complex arrivals, and
    ``complex_square_w = complex_w**2``, for the complexity stage (Barnet 001 s.4: "a
    balance of complexity across the team"). Only where a choice changes the count."""
    if not inst.policy.complexity.balance:
        return
    for w in comp.workers:
        if inst.workers[w].capacity <= 0:
            continue
        arrivals = [v.assign[c, w] for c in v.on_worker(w) if inst.children[c].complex]
        if not arrivals:
            continue
        kept = sum(1 for c in comp.fixed.get(w, []) if inst.children[c].complex)
        top = kept + min(len(arrivals), _room(inst, comp, w))
        count = model.new_int_var(kept, max(kept, top), f"complex[{w}]")
        model.add(count == kept + sum(arrivals))
        square = model.new_int_var(kept * kept, max(kept, top) ** 2, f"complex_square[{w}]")
        model.add_multiplication_equality(square, [count, count])
        v.complex_count[w] = count
        v.complex_square[w] = square


def _room(inst: Instance, comp: Component, w: int) -> int:
    """Most children worker ``w`` can receive under its count cap (all who may come when
    the policy sets no cap)."""
    limit = inst.workers[w].count_limit
    if limit is None:
        return len(comp.children)
    return max(0, limit - len(comp.fixed.get(w, [])))


def _heaviest(sizes: list[int], k: int) -> list[int]:
    return sorted(sizes, reverse=True)[:k]
