"""Build and solve the CP-SAT model of one component, objective by objective."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model, cp_model_helper

from allocator.bounds import integer_water_filling
from allocator.cpsat import objective as obj
from allocator.cpsat.constraints import CONSTRAINTS, add_symmetry_breaking, add_together_discount
from allocator.cpsat.constraints.siblings import fixed_siblings_on
from allocator.cpsat.constraints.symmetry import add_child_symmetry, group_children
from allocator.cpsat.variables import Component, Variables
from allocator.instance import Instance, effective_weights

TABLE_LIMIT = 256
"""``squares="auto"`` uses a table of squares when a load's domain is at most this wide."""


@dataclass
class StageResult:
    name: str
    status: str
    value: int | None
    bound: float | None
    seconds: float
    deterministic_time: float


@dataclass
class ComponentSolution:
    """The solver's answer for one component."""

    assignment: dict[int, int | None]
    status: str
    bound_true: float | None
    """Lower bound on the balance objective of this component, in true units."""
    stages: list[StageResult] = field(default_factory=list)
    symmetric_workers: int = 0
    exact_coefficients: bool = True
    variables: int = 0
    wall_limited: bool = False
    """A stage stopped on the wall clock (the result may differ between runs)."""


@dataclass
class Built:
    model: cp_model.CpModel
    v: Variables
    scale: obj.BalanceScale
    constant_true: float
    """Balance objective of the component's workers whose load no choice changes."""
    groups: list[list[int]]


def build(inst: Instance, comp: Component) -> Built:
    """The model of one component: variables, every constraint family, loads and squares."""
    model = cp_model.CpModel()
    v = Variables()
    for c in comp.children:
        for w in inst.children[c].candidates:
            v.add_assign(model, c, w)
    add_together_discount(model, inst, comp, v)
    _add_loads(model, inst, comp, v)
    for _name, add in CONSTRAINTS:
        add(model, inst, comp, v)
    groups = add_symmetry_breaking(model, inst, comp, v)
    scale = obj.balance_scale(inst, {w: load.proto.domain[-1] for w, load in v.load.items()})
    constant = 0.0
    for w in comp.workers:
        info = inst.workers[w]
        if w not in v.load and info.capacity > 0:
            kept = sum(_kept_weight(inst, comp, c, w) for c in comp.fixed.get(w, []))
            constant += kept * kept / info.capacity
    return Built(model=model, v=v, scale=scale, constant_true=constant, groups=groups)


def _kept_weight(inst: Instance, comp: Component, c: int, w: int) -> float:
    ch = inst.children[c]
    return ch.weight_together if fixed_siblings_on(inst, comp, c, w) else ch.weight


def _add_loads(model: cp_model.CpModel, inst: Instance, comp: Component, v: Variables) -> None:
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
        kept = sum(inst.units(_kept_weight(inst, comp, c, w)) for c in comp.fixed.get(w, []))
        terms = []
        sizes = []
        for c in arrivals:
            units = inst.units(_kept_weight(inst, comp, c, w))
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
        mode = inst.options.squares
        if mode == "table" or (mode == "auto" and width + 1 <= TABLE_LIMIT):
            model.add_element(excess, [i * i for i in range(width + 1)], square)
        else:
            model.add_multiplication_equality(square, [excess, excess])
        v.excess[w] = excess
        v.square[w] = square


def _room(inst: Instance, comp: Component, w: int) -> int:
    """Most children worker ``w`` can receive under its count cap."""
    info = inst.workers[w]
    return max(0, max(info.count_cap, info.children_before) - len(comp.fixed.get(w, [])))


def _heaviest(sizes: list[int], k: int) -> list[int]:
    return sorted(sizes, reverse=True)[:k]


def set_hint(
    built: Built, inst: Instance, comp: Component, assignment: dict[int, int | None]
) -> dict[int, int]:
    """A complete hint: every variable's value under ``assignment`` (returned by index)."""
    model, v = built.model, built.v
    model.clear_hints()
    values: dict[int, int] = {}

    def hint(var: cp_model.IntVar, value: int | bool) -> None:
        model.add_hint(var, value)
        values[var.index] = int(value)

    full: list[int | None] = [ch.current for ch in inst.children]
    for c in comp.children:
        full[c] = assignment.get(c)
    weights = effective_weights(inst.children, full)
    for (c, w), x in v.assign.items():
        hint(x, full[c] == w)
    for (family, w), h in v.holds_family.items():
        hint(h, any(full[c] == w for c in inst.families[family]))
    for (c, w), t in v.together.items():
        members = inst.families[inst.children[c].family or ""]
        hint(t, full[c] == w and any(full[s] == w for s in members if s != c))
    loads: dict[int, int] = dict.fromkeys(v.load, 0)
    for ch in inst.children:
        holder = full[ch.index]
        if holder is not None and holder in loads:
            loads[holder] += inst.units(weights[ch.index])
    for w, load in v.load.items():
        hint(load, loads[w])
        extra = loads[w] - v.load_offset[w]
        hint(v.excess[w], extra)
        hint(v.square[w], extra * extra)
    return values


def ordered_for_symmetry(
    built: Built, inst: Instance, hint: dict[int, int | None]
) -> dict[int, int | None]:
    """Relabel interchangeable workers in ``hint`` the way symmetry breaking requires:
    by the first child (heaviest first) each holds."""
    relabel: dict[int, int] = {}
    for group in built.groups:
        rank = {c: k for k, c in enumerate(group_children(inst, built.v, group))}
        first = {
            w: min((rank[c] for c, h in hint.items() if h == w and c in rank), default=len(rank))
            for w in group
        }
        by_first = sorted(group, key=lambda w: (first[w], w))
        relabel.update(zip(by_first, group, strict=True))
    return {c: relabel.get(w, w) if w is not None else None for c, w in hint.items()}


def ordered_children(
    inst: Instance, groups: list[list[int]], hint: dict[int, int | None]
) -> dict[int, int | None]:
    """Swap interchangeable children in ``hint`` so their workers' ranks are ascending."""
    out = dict(hint)
    for group in groups:
        ranks = {w: k for k, w in enumerate(inst.children[group[0]].candidates)}
        workers = sorted((out[c] for c in group), key=lambda w: ranks[w])  # type: ignore[index]
        out.update(zip(group, workers, strict=True))
    return out


def _balance_floor(built: Built, inst: Instance, comp: Component) -> int | None:
    """A valid lower bound on the balance objective once every child must be placed.

    Loads are at least their domain's lower end (kept children, every possible
    sibling discount taken) and together at least the smallest total load the
    placed children can make; the balance objective only grows with the total.
    When every child's workers lie in one team (always, but for a child held
    outside its team), the bound is taken team by team and summed, which is
    much tighter for a rebalancing model that spans the authority.
    """
    v = built.v
    if not v.load:
        return None
    team_of = {w: inst.workers[w].team_id for w in v.load}
    floors = {w: v.load_offset[w] for w in v.load}
    extra: dict[str, int] = dict.fromkeys(team_of.values(), 0)
    pooled = False
    for c in comp.children:
        ch = inst.children[c]
        smallest, teams = [], set()
        for w in ch.candidates:
            if w not in v.load:
                smallest.append(0)  # it may stay with a worker outside the objective
                continue
            teams.add(team_of[w])
            units = inst.units(_kept_weight(inst, comp, c, w))
            if (c, w) in v.together:
                units -= inst.units(ch.weight) - inst.units(ch.weight_together)
            smallest.append(units)
        if len(teams) > 1:
            pooled = True
        if teams:
            extra[min(teams)] += min(smallest, default=0)
    groups: dict[str, list[int]] = {}
    for w, team in team_of.items():
        groups.setdefault("all" if pooled else team, []).append(w)
    total_bound = 0
    for key, workers in groups.items():
        total = sum(floors[w] for w in workers) + (
            sum(extra.values()) if pooled else extra[key]
        )
        bound = integer_water_filling(
            total, [floors[w] for w in workers], [built.scale.coef[w] for w in workers]
        )
        if bound is None:
            return None
        total_bound += bound
    return total_bound


def _solver(inst: Instance, work: float, seconds: float, gap: float = 0.0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.relative_gap_limit = gap
    p.random_seed = inst.options.seed
    p.num_workers = max(1, inst.options.threads)
    p.max_deterministic_time = max(0.01, work)
    p.max_time_in_seconds = max(0.01, seconds)
    if p.num_workers > 1:
        p.interleave_search = True
    return solver


STAGE_SHARE = {"unallocated": 0.2, "splits": 0.2, "balance": 0.8, "preferences": 0.3}
"""Largest share of the remaining time budget each stage may use."""


def hint_value(expr: cp_model.LinearExpr, hints: dict[int, int]) -> int:
    """Value of ``expr`` under the complete hint (variable index -> value)."""
    flat = cp_model_helper.FlatIntExpr(expr)
    return flat.offset + sum(
        c * hints[var.index] for var, c in zip(flat.vars, flat.coeffs, strict=True)
    )


def solve_component(
    inst: Instance, comp: Component, hint: dict[int, int | None], deadline: float
) -> ComponentSolution:
    """Solve the stages in order, hinting each from the last and fixing its value.

    A stage's solution replaces the incumbent only when it is strictly better on
    that stage's objective, so a stage stopped by the time limit never makes a
    later objective worse than the hint.
    """
    built = build(inst, comp)
    model, v = built.model, built.v
    stages = [
        ("unallocated", obj.unallocated_penalty(inst, comp, v)),
        ("splits", obj.split_count(inst, comp, v)),
        ("balance", obj.balance(v, built.scale)),
        ("preferences", obj.preferences(inst, comp, v)),
    ]
    result = ComponentSolution(
        assignment=dict(hint),
        status="optimal",
        bound_true=None,
        symmetric_workers=sum(len(g) for g in built.groups),
        exact_coefficients=built.scale.exact,
        variables=len(model.proto.variables),
    )
    opts = inst.options
    budget = opts.work_limit if opts.work_limit is not None else opts.time_limit
    current = ordered_for_symmetry(built, inst, hint)
    for name, expr in stages:
        if expr is None:
            continue
        hints = set_hint(built, inst, comp, current)
        incumbent = hint_value(expr, hints)
        if name == "unallocated" and incumbent == 0:
            model.add(expr == 0)  # the hint places everyone: nothing to improve
            result.stages.append(StageResult(name, "optimal", 0, 0.0, 0.0, 0.0))
            continue
        if opts.rebalance and name in ("unallocated", "splits"):
            # Settled team by team before rebalancing; moves serve balance only.
            model.add(expr <= incumbent)
            result.stages.append(StageResult(name, "fixed", incumbent, None, 0.0, 0.0))
            continue
        if name == "balance" and all(current.get(c) is not None for c in comp.children):
            # Everyone is placed from here on: a floor on the objective, and children
            # nobody can tell apart may be ordered (hint relabelled to match).
            floor = _balance_floor(built, inst, comp)
            if floor is not None:
                model.add(expr >= floor)
            if opts.symmetry:
                groups = add_child_symmetry(model, inst, comp, v, built.groups)
                current = ordered_children(inst, groups, current)
                hints = set_hint(built, inst, comp, current)
        model.minimize(expr)
        if not inst.options.hint:
            model.clear_hints()
        share = STAGE_SHARE[name]
        gap = opts.gap_limit if name in ("balance", "preferences") else 0.0
        solver = _solver(inst, budget * share, (deadline - time.monotonic()) * share, gap)
        started = time.perf_counter()
        status = solver.solve(model)
        seconds = time.perf_counter() - started
        det = solver.deterministic_time
        if status == cp_model.MODEL_INVALID:
            result.stages.append(StageResult(name, "error", None, None, seconds, det))
            result.status = "error"
            break
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        # CP-SAT says OPTIMAL when it stops at the gap limit; proven means bound = value.
        proven = status == cp_model.OPTIMAL and (
            gap == 0.0 or solver.best_objective_bound >= solver.objective_value - 0.5
        )
        if not proven and status != cp_model.OPTIMAL and det < 0.99 * budget * share:
            result.wall_limited = True  # stopped by the clock, not by the work limit
        value = round(solver.objective_value) if found else incumbent
        bound = solver.best_objective_bound if found else None
        if found and value < incumbent:
            current = {
                c: next(
                    (
                        w
                        for w in inst.children[c].candidates
                        if solver.boolean_value(v.assign[c, w])
                    ),
                    None,
                )
                for c in comp.children
            }
        else:
            value = incumbent
        result.stages.append(
            StageResult(name, "optimal" if proven else "feasible", value, bound, seconds, det)
        )
        if not proven:
            result.status = "feasible"
        budget = max(0.05, budget - det)
        if name == "balance":
            best = value if proven else (bound if bound is not None else 0.0)
            result.bound_true = max(0.0, best) * built.scale.to_true + built.constant_true
        model.add(expr <= value)
    if result.bound_true is None and built.v.square:
        result.bound_true = built.constant_true  # balance never ran: only what is kept is known
    result.assignment = current
    return result
