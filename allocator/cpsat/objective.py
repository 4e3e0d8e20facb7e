"""The objectives, solved lexicographically (each stage fixes the one before).

1. ``unallocated``: children left without a worker. By default (the policy's
   ``priorities.order = "statutory_first"``) statutory work (child protection,
   in care, court) is placed first, then the most children, then children with
   risk flags, then the longest waiting; ``count_first`` swaps the first two.
   A child the manager pinned comes before all of them.
2. ``crossings``: workers taken above an approval threshold the policy lets a
   proposal cross (the fewest first, Barnet 001 s.3.7).
3. ``splits``: workers holding each sibling group (fewer = fewer splits).
4. ``balance``: ``sum_w load_w**2 / capacity_w``, the data contract's objective.
5. ``complexity``: ``sum_w complex_w**2 / capacity_w`` with the balance held,
   so complex children are spread too (Barnet 001 s.4).
6. ``preferences``: moves of existing children, continuity with the previous
   worker, locality, and complex children with experienced roles, as small
   costs (weights below).
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
EXPERIENCE_COST = 1
"""Cost of a complex child with a worker not in an experienced role (Barnet 001 s.4:
"according to experience of individual social workers")."""
CAPACITY_RESOLUTION = 10_000
"""Capacities are used in ten-thousandths of an FTE (they are rounded to 4 decimals)."""
OBJECTIVE_LIMIT = 10**17
"""Largest balance objective the model may reach (CP-SAT works in 64-bit integers)."""


def unallocated_penalty(
    inst: Instance, comp: Component, v: Variables
) -> cp_model.LinearExpr | None:
    """``sum_c pen_c (1 - sum_w assign[c, w])`` over children who may wait, with
    integer weights that make the order of :mod:`this module <.objective>`
    lexicographic: each level's unit exceeds the sum of everything below it."""
    waiting = [c for c in comp.children if is_waiting(inst.children[c], inst.workers)]
    if not waiting:
        return None
    penalty = priority_weights(inst, waiting)
    terms = []
    for c in waiting:
        ch = inst.children[c]
        terms.append(penalty[c] * (1 - sum(v.assign[c, w] for w in ch.candidates)))
    return sum(terms)  # type: ignore[return-value]


def priority_weights(inst: Instance, waiting: list[int]) -> dict[int, int]:
    """Penalty of leaving each child waiting; see :func:`unallocated_penalty`."""
    children = inst.children
    risk_flags = set(inst.policy.priorities.risk_flags)
    days = {c: children[c].waiting_days for c in waiting}
    risk = {c: int(bool(children[c].child.flags & risk_flags)) for c in waiting}
    statutory = {c: int(children[c].statutory) for c in waiting}
    risk_unit = sum(days.values()) + 1
    below = {c: risk_unit * risk[c] + days[c] for c in waiting}
    if inst.policy.priorities.order == "statutory_first":
        count_unit = sum(below.values()) + 1
        statutory_unit = sum(count_unit + below[c] for c in waiting) + 1
    else:
        statutory_unit = sum(below.values()) + 1
        count_unit = sum(statutory_unit * statutory[c] + below[c] for c in waiting) + 1
    penalty = {c: statutory_unit * statutory[c] + count_unit + below[c] for c in waiting}
    pin_unit = sum(penalty.values()) + 1
    for c in waiting:
        if children[c].pinned is not None:
            penalty[c] += pin_unit
    return penalty


def crossings(v: Variables) -> cp_model.LinearExpr | None:
    """``sum_w crosses[w]``: workers taken above an approval threshold."""
    if not v.crosses:
        return None
    return sum(v.crosses.values())  # type: ignore[return-value]


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


def complexity(v: Variables, scale: BalanceScale) -> cp_model.LinearExpr | None:
    """``sum_w a_w * complex_w**2`` with ``a_w ~ 1 / capacity_w`` (the balance's scale)."""
    if not v.complex_square:
        return None
    return sum(scale.coef[w] * sq for w, sq in v.complex_square.items())  # type: ignore[return-value]


def preference_cost(inst: Instance, c: int, w: int) -> int:
    """Small cost of giving child ``c`` to worker ``w`` (see the module docstring)."""
    ch = inst.children[c]
    worker = inst.workers[w].worker
    cost = 0
    complexity_policy = inst.policy.complexity
    if (
        complexity_policy.match_experience
        and ch.complex
        and worker.role.value not in complexity_policy.experienced_roles
    ):
        cost += EXPERIENCE_COST
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
