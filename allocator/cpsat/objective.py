"""The four objectives, solved lexicographically (each stage fixes the one before).

1. ``unallocated``: children left without a worker, weighted so that the
   fewest are left first, then statutory work (child protection, in care,
   court) before risk flags before the rest, then the longest waiting.
2. ``splits``: workers holding each sibling group (fewer = fewer splits).
3. ``balance``: ``sum_w load_w**2 / capacity_w``, the data contract's objective.
4. ``preferences``: moves of existing children, continuity with the previous
   worker, and locality match, as small costs (weights below).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

from ortools.sat.python import cp_model

from allocator.cpsat.variables import Component, Variables
from allocator.prepare import Instance
from allocator.prepare import waiting as is_waiting

MOVE_COST = 2
"""Cost of moving a child its worker already holds (rebalance)."""
CONTINUITY_COST = 2
"""Cost of not giving a child to the worker who knew it before."""
LOCALITY_COST = 1
"""Cost of a worker whose patch differs from the child's."""
CAPACITY_RESOLUTION = 10_000
"""Capacities are used in ten-thousandths of an FTE (they are rounded to 4 decimals)."""
OBJECTIVE_LIMIT = 10**17
"""Largest balance objective the model may reach (CP-SAT works in 64-bit integers)."""


def unallocated_penalty(
    inst: Instance, comp: Component, v: Variables
) -> cp_model.LinearExpr | None:
    """``sum_c pen_c (1 - sum_w assign[c, w])`` with
    ``pen_c = BIG + tier_c * TIER + days_waiting_c`` (BIG > all tiers and waits,
    TIER > all waits), so the stages of rule 7 are lexicographic."""
    waiting = [c for c in comp.children if is_waiting(inst.children[c], inst.workers)]
    if not waiting:
        return None
    tier_unit = sum(inst.children[c].waiting_days for c in waiting) + 1
    big = sum(2 * tier_unit + inst.children[c].waiting_days for c in waiting) + 1
    terms = []
    for c in waiting:
        ch = inst.children[c]
        pen = big + ch.tier * tier_unit + ch.waiting_days
        terms.append(pen * (1 - sum(v.assign[c, w] for w in ch.candidates)))
    return sum(terms)  # type: ignore[return-value]


def split_count(inst: Instance, comp: Component, v: Variables) -> cp_model.LinearExpr | None:
    """``sum_{f, w} holds_family[f, w]``: workers holding each family beyond those
    that already do."""
    if not v.holds_family:
        return None
    return sum(v.holds_family.values())  # type: ignore[return-value]


@dataclass(frozen=True)
class BalanceScale:
    """Integer coefficients ``a_w ~ scale / capacity_w`` of the balance objective."""

    coef: dict[int, int]
    to_true: float
    """Multiply the model objective by this to get ``sum load**2 / capacity``."""
    exact: bool


def balance_scale(inst: Instance, highest: dict[int, int]) -> BalanceScale:
    """Coefficients from the lcm of the capacities (in ten-thousandths, the precision
    capacities are computed to), which makes the objective exact; when that would
    overflow CP-SAT's 64-bit objective, the largest safe power of ten instead, with
    coefficients rounded (``exact`` is then False).

    ``highest`` is each worker's largest possible load in model units.
    """
    units = {w: max(1, round(inst.workers[w].capacity * CAPACITY_RESOLUTION)) for w in highest}
    worst = sum(hi * hi / u for w, hi in highest.items() if (u := units[w])) or 1.0
    lcm = reduce(math.lcm, units.values(), 1)
    exact = lcm * worst <= OBJECTIVE_LIMIT
    scale = lcm if exact else 10 ** max(0, math.floor(math.log10(OBJECTIVE_LIMIT / worst)))
    coef = {w: scale // u if exact else max(1, round(scale / u)) for w, u in units.items()}
    unit = inst.weight_unit
    return BalanceScale(coef=coef, to_true=CAPACITY_RESOLUTION * unit * unit / scale, exact=exact)


def balance(v: Variables, scale: BalanceScale) -> cp_model.LinearExpr | None:
    """``sum_w a_w * load_w**2`` over workers whose load the solve decides, written
    ``a_w (lo_w**2 + 2 lo_w excess_w + square_w)``."""
    if not v.square:
        return None
    terms = []
    for w, sq in v.square.items():
        lo = v.load_offset[w]
        terms.append(scale.coef[w] * (lo * lo + 2 * lo * v.excess[w] + sq))
    return sum(terms)  # type: ignore[return-value]


def preference_cost(inst: Instance, c: int, w: int) -> int:
    """Small cost of giving child ``c`` to worker ``w`` (see the module docstring)."""
    ch = inst.children[c]
    worker = inst.workers[w].worker
    cost = 0
    if ch.current is not None and ch.current != w and not inst.workers[ch.current].released:
        cost += MOVE_COST
    prev = ch.child.previous_worker_id
    if prev is not None and prev != worker.worker_id:
        cost += CONTINUITY_COST
    if ch.child.locality and worker.locality and ch.child.locality != worker.locality:
        cost += LOCALITY_COST
    return cost


def preferences(inst: Instance, comp: Component, v: Variables) -> cp_model.LinearExpr | None:
    """``sum_{c, w} cost(c, w) * assign[c, w]``."""
    terms = []
    for (c, w), x in v.assign.items():
        cost = preference_cost(inst, c, w)
        if cost:
            terms.append(cost * x)
    if not terms:
        return None
    return sum(terms)  # type: ignore[return-value]
