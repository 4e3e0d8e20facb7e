"""Solve one component's model objective by objective (a lexicographic solve).

CP-SAT has no lexicographic objective, so the stages of :data:`STAGES` run in
order: each minimises its objective, hinted by the incumbent, and then holds
its value (``objective <= value``) for the stages after it.

1. ``unallocated``: statutory work first, then the fewest children waiting,
   then risk flags, then the longest waiting (the policy may put the count
   first); a pinned child before all.
2. ``crossings``: fewest workers taken above an approval threshold.
3. ``splits``: fewest workers per sibling group.
4. ``balance``: ``sum load**2 / capacity``, the data contract's objective.
5. ``complexity``: complex children per FTE as even as the balance allows.
6. ``preferences``: fewest moves, continuity, locality, experience.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocator.cpsat import objective as obj
from allocator.cpsat.bounds import integer_water_filling
from allocator.cpsat.constraints.symmetry import add_child_symmetry
from allocator.cpsat.hints import hint_value, ordered_children, ordered_for_symmetry, set_hint
from allocator.cpsat.model import Built, build, kept_weight
from allocator.cpsat.settings import SolverSettings
from allocator.cpsat.variables import Component
from allocator.prepare import Instance


@dataclass(frozen=True)
class Stage:
    """One objective of the lexicographic solve."""

    name: str
    objective: Callable[[Instance, Component, Built], cp_model.LinearExpr | None]
    share: float
    """Largest share of the remaining time and work budget the stage may use."""
    uses_gap: bool
    """Whether the stage may stop at the user's ``gap_limit`` (else it must prove)."""
    settled_before_rebalance: bool = False
    """Rebalancing keeps this stage's value from the team-by-team placement."""


STAGES = (
    Stage("unallocated", lambda i, c, b: obj.unallocated_penalty(i, c, b.v), 0.2, False, True),
    Stage("crossings", lambda i, c, b: obj.crossings(b.v), 0.2, False, True),
    Stage("splits", lambda i, c, b: obj.split_count(i, c, b.v), 0.2, False, True),
    Stage("balance", lambda i, c, b: obj.balance(b.v, b.scale), 0.8, True),
    Stage("complexity", lambda i, c, b: obj.complexity(b.v, b.scale), 0.3, True),
    Stage("preferences", lambda i, c, b: obj.preferences(i, c, b.v), 0.3, True),
)


@dataclass
class StageResult:
    name: str
    status: str
    """``optimal``, ``feasible``, ``fixed`` (held from before) or ``error``."""
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


def solve_component(
    inst: Instance,
    comp: Component,
    hint: dict[int, int | None],
    deadline: float,
    settings: SolverSettings,
) -> ComponentSolution:
    """Solve the stages in order, hinting each from the last and fixing its value.

    A stage's solution replaces the incumbent only when it is strictly better on
    that stage's objective, so a stage stopped by the time limit never makes a
    later objective worse than the hint. ``deadline`` is a ``time.monotonic()``
    instant; the work budget is ``options.work_budget``, shared by the stages.
    """
    built = build(inst, comp, settings)
    solve = _ComponentSolve(inst, comp, built, settings, deadline)
    solve.current = ordered_for_symmetry(built, inst, hint)
    for stage, expr in [(s, s.objective(inst, comp, built)) for s in STAGES]:
        if expr is not None and not solve.stage(stage, expr):
            break
    return solve.finish()


class _ComponentSolve:
    """The state of one component's lexicographic solve: incumbent, budget, results."""

    def __init__(
        self,
        inst: Instance,
        comp: Component,
        built: Built,
        settings: SolverSettings,
        deadline: float,
    ) -> None:
        self.inst, self.comp, self.built, self.settings = inst, comp, built, settings
        self.deadline = deadline
        self.budget = inst.options.work_budget
        self.current: dict[int, int | None] = {}
        self.result = ComponentSolution(
            assignment={},
            status="optimal",
            bound_true=None,
            symmetric_workers=sum(len(g) for g in built.groups),
            exact_coefficients=built.scale.exact,
            variables=len(built.model.proto.variables),
        )

    def stage(self, stage: Stage, expr: cp_model.LinearExpr) -> bool:
        """Run one stage; ``False`` when the model is invalid (the solve stops)."""
        inst, comp, built, model = self.inst, self.comp, self.built, self.built.model
        hints = set_hint(built, inst, comp, self.current)
        incumbent = hint_value(expr, hints)
        if stage.name == "unallocated" and incumbent == 0:
            model.add(expr == 0)  # the hint places everyone: nothing to improve
            self.result.stages.append(StageResult(stage.name, "optimal", 0, 0.0, 0.0, 0.0))
            return True
        if inst.options.rebalance and stage.settled_before_rebalance:
            # Settled team by team before rebalancing; moves serve balance only.
            model.add(expr <= incumbent)
            self.result.stages.append(StageResult(stage.name, "fixed", incumbent, None, 0.0, 0.0))
            return True
        if stage.name == "balance" and all(self.current.get(c) is not None for c in comp.children):
            self._everyone_placed(expr)
        model.minimize(expr)
        if not self.settings.hint:
            model.clear_hints()
        return self._search(stage, expr, incumbent)

    def _everyone_placed(self, expr: cp_model.LinearExpr) -> None:
        """From here on everyone is placed: a floor on the balance objective, and
        children nobody can tell apart may be ordered (hint relabelled to match)."""
        inst, comp, built = self.inst, self.comp, self.built
        floor = balance_floor(built, inst, comp)
        if floor is not None:
            built.model.add(expr >= floor)
        if self.settings.symmetry:
            groups = add_child_symmetry(built.model, inst, comp, built.v, built.groups)
            self.current = ordered_children(inst, groups, self.current)
            set_hint(built, inst, comp, self.current)

    def _search(self, stage: Stage, expr: cp_model.LinearExpr, incumbent: int) -> bool:
        inst, comp, built = self.inst, self.comp, self.built
        gap = inst.options.gap_limit if stage.uses_gap else 0.0
        work = self.budget * stage.share
        solver = _solver(inst, work, (self.deadline - time.monotonic()) * stage.share, gap)
        started = time.perf_counter()
        status = solver.solve(built.model)
        seconds = time.perf_counter() - started
        det = solver.deterministic_time
        if status == cp_model.MODEL_INVALID:
            self.result.stages.append(StageResult(stage.name, "error", None, None, seconds, det))
            self.result.status = "error"
            return False
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        # CP-SAT says OPTIMAL when it stops at the gap limit; proven means bound = value.
        proven = status == cp_model.OPTIMAL and (
            gap == 0.0 or solver.best_objective_bound >= solver.objective_value - 0.5
        )
        if not proven and status != cp_model.OPTIMAL and det < 0.99 * work:
            self.result.wall_limited = True  # stopped by the clock, not by the work limit
        value = round(solver.objective_value) if found else incumbent
        bound = solver.best_objective_bound if found else None
        if found and value < incumbent:
            self.current = {
                c: next(
                    (
                        w
                        for w in inst.children[c].candidates
                        if solver.boolean_value(built.v.assign[c, w])
                    ),
                    None,
                )
                for c in comp.children
            }
        else:
            value = incumbent
        status_word = "optimal" if proven else "feasible"
        self.result.stages.append(StageResult(stage.name, status_word, value, bound, seconds, det))
        if not proven:
            self.result.status = "feasible"
        self.budget = max(0.05, self.budget - det)
        if stage.name == "balance":
            best = value if proven else (bound if bound is not None else 0.0)
            self.result.bound_true = max(0.0, best) * built.scale.to_true + built.constant_true
        built.model.add(expr <= value)
        return True

    def finish(self) -> ComponentSolution:
        if self.result.bound_true is None and self.built.v.square:
            # balance never ran: only what is kept is known
            self.result.bound_true = self.built.constant_true
        self.result.assignment = self.current
        return self.result


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


def balance_floor(built: Built, inst: Instance, comp: Component) -> int | None:
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
            units = inst.units(kept_weight(inst, comp, c, w))
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
        total = sum(floors[w] for w in workers) + (sum(extra.values()) if pooled else extra[key])
        bound = integer_water_filling(
            total, [floors[w] for w in workers], [built.scale.coef[w] for w in workers]
        )
        if bound is None:
            return None
        total_bound += bound
    return total_bound
