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

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocator.cpsat import objective as obj
from allocator.cpsat.bounds import integer_water_filling
from allocator.cpsat.constraints.symmetry import add_child_symmetry
from allocator.cpsat.hints import hint_value, ordered_children, ordered_for_symmetry, set_hint
from allocator.cpsat.interrupt import stoppable
from allocator.cpsat.model import Built, build, kept_square, kept_weight
from allocator.cpsat.proof import (
    FIRST_TRY,
    PROVED_STAGES,
    SECOND_TRY,
    Checker,
    ProofBudget,
    StageProof,
    applies,
    balance_optima,
    prove_stage,
    settled,
)
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


STAGES_BY_NAME = {s.name: s for s in STAGES}
LISTING_STEPS = 60_000
"""Steps spent listing the optimal load vectors after CP-SAT proved the balance."""


@dataclass
class StageResult:
    name: str
    status: str
    """``optimal``, ``feasible``, ``fixed`` (held from before) or ``error``."""
    value: int | None
    bound: float | None
    seconds: float
    deterministic_time: float
    route: str = "cp-sat"
    """What settled the stage: ``cp-sat``, ``proof`` (enumeration, see :mod:`.proof`),
    ``cp-sat+proof`` (CP-SAT's incumbent, closed by the proof) or ``hint``."""
    note: str = ""
    """Why the proof did not settle it, when it was tried."""


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


class ModelError(RuntimeError):
    """The model contradicts an incumbent it was built from: a bug, never expected."""


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
    instant; the work budget is ``options.work_budget``, shared by the stages. Under
    ``options.method == "greedy"`` the hint stands unsearched.
    """
    if inst.options.method == "greedy":
        return unsearched(inst, comp, hint, wall_limited=False)
    if time.monotonic() >= deadline:
        return unsearched(inst, comp, hint, wall_limited=True)
    built = build(inst, comp, settings)
    solve = _ComponentSolve(inst, comp, built, settings, deadline)
    solve.current = ordered_for_symmetry(built, inst, hint)
    for stage, expr in [(s, s.objective(inst, comp, built)) for s in STAGES]:
        if expr is not None and not solve.stage(stage, expr):
            break
    return solve.finish()


def unsearched(
    inst: Instance, comp: Component, hint: dict[int, int | None], wall_limited: bool
) -> ComponentSolution:
    """The hint (the greedy baseline, which keeps every rule) stands, unsearched: the
    time limit passed before this component's turn (``wall_limited``, so the run ends
    near its limit), or the run asked for the greedy method. Its bound is what no
    allocation avoids: the loads the workers keep."""
    bound = sum(kept_square(inst, comp, w) for w in comp.workers)
    return ComponentSolution(
        assignment=dict(hint), status="feasible", bound_true=bound, wall_limited=wall_limited
    )


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
        self.child_groups: list[list[int]] = []
        self.held: list[tuple[str, int]] = []
        """Each settled stage's value, in order (what the proof's checker must hold)."""
        self.checker: Checker | None = None
        self.optimal_loads: list[dict[int, int]] | None = None
        """Every optimal load vector, when the balance proof found them all."""
        self.balance_by_cp_sat: int | None = None
        """The balance optimum when CP-SAT proved it (its load vectors are listed only
        if the complexity stage then needs the proof)."""
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
            # the hint places everyone: nothing to improve
            self._settle(stage, expr, StageResult(stage.name, "optimal", 0, 0.0, 0.0, 0.0, "hint"))
            return True
        if inst.options.rebalance and stage.settled_before_rebalance:
            # Settled team by team before rebalancing; moves serve balance only.
            self._settle(
                stage, expr, StageResult(stage.name, "fixed", incumbent, None, 0.0, 0.0, "hint")
            )
            return True
        placed = all(self.current.get(c) is not None for c in comp.children)
        if stage.name == "balance" and placed:
            self._everyone_placed(expr)
        proving = self.settings.proof and stage.name in PROVED_STAGES
        note, spent = "", 0.0
        # The complexity stage is tried first only on the loads the balance proof listed:
        # with loads guessed or listed after CP-SAT, CP-SAT alone was measured faster.
        if proving and (stage.name == "balance" or self.optimal_loads is not None):
            attempt = self._prove(stage, FIRST_TRY, upper=incumbent, lower=None)
            if attempt.proof is not None and attempt.proof.proven:
                self._accept_proof(stage, expr, attempt, "proof", 0.0)
                return True
            note, spent = attempt.why, attempt.seconds
            floor = attempt.proof.floor if attempt.proof is not None else 0.0
            if 0 < floor <= incumbent:  # a floor above the incumbent would be a bug's
                model.add(expr >= math.ceil(floor))
        model.minimize(expr)
        if not self.settings.hint:
            model.clear_hints()
        result = self._search(stage, expr, incumbent)
        if result is None:
            return False
        result.note, result.seconds = note, result.seconds + spent
        if proving and result.status != "optimal":
            if stage.name == "complexity" and self.optimal_loads is None:
                self._list_optimal_loads(self.balance_by_cp_sat)
            value = result.value if result.value is not None else incumbent
            budget = ProofBudget(
                SECOND_TRY.steps, min(SECOND_TRY.effort, self.budget * stage.share)
            )
            attempt = self._prove(stage, budget, upper=value, lower=result.bound)
            if attempt.proof is not None and attempt.proof.proven:
                self._accept_proof(stage, expr, attempt, "cp-sat+proof", result.seconds)
                return True
            result.note = attempt.why or note
            result.seconds += attempt.seconds
        self._settle(stage, expr, result)
        if proving and stage.name == "balance" and result.status == "optimal":
            self.balance_by_cp_sat = result.value
        return True

    def _list_optimal_loads(self, value: int | None) -> None:
        """After CP-SAT proved the balance and left the complexity stage unproven: the load
        vectors an optimum may have, for the complexity stage's proof and a table that
        narrows the stages after it."""
        inst, comp, built = self.inst, self.comp, self.built
        if value is None or not built.v.complex_count or self._unproven():
            return
        found = balance_optima(
            inst,
            comp,
            built,
            settled(inst, comp, self.current, dict(self.held)),
            value,
            LISTING_STEPS,
            self.deadline,
        )
        if found:
            self.optimal_loads = found
            self._allow_only(STAGES_BY_NAME["balance"], found)

    def _unproven(self) -> str:
        """The first stage so far whose value is not proven (empty when all are).

        The relaxation reads the held values as exact (who waits, how many splits); a
        value a stopped search only bounds from above is not, so nothing is proven on it.
        """
        return next((r.name for r in self.result.stages if r.status != "optimal"), "")

    def _prove(
        self, stage: Stage, budget: ProofBudget, upper: int, lower: float | None
    ) -> StageProof:
        """One proof attempt on ``stage`` (its exact test, the checker, built on first use)."""
        inst, comp, built = self.inst, self.comp, self.built
        why = applies(inst, comp, built, stage.name)
        unproven = self._unproven()
        if unproven and not why:
            why = f"an earlier stage ({unproven}) is not proven"
        if why:
            return StageProof(None, why)
        loads = self.optimal_loads if stage.name == "complexity" else None
        guessed = stage.name == "complexity" and loads is None
        if guessed:
            # With the loads free each check would be the balance problem again: try the
            # incumbent's loads, which proves the optimum only where it is the relaxation's.
            hints = set_hint(built, inst, comp, self.current)
            loads = [{w: hints[var.index] for w, var in built.v.load.items()}]
        if self.checker is None:
            self.checker = Checker(inst, comp, self.settings, self.held, self.deadline)
        attempt = prove_stage(
            inst,
            comp,
            built,
            stage.name,
            self.checker,
            budget,
            upper=upper,
            lower=lower,
            loads=loads,
            loads_guessed=guessed,
            earlier=settled(inst, comp, self.current, dict(self.held)),
            hint=self.current,
            deadline=self.deadline,
        )
        self.result.wall_limited |= attempt.out_of_time
        self.budget = max(0.05, self.budget - (attempt.proof.effort if attempt.proof else 0.0))
        self.result.wall_limited |= self.checker.wall_limited
        return attempt

    def _accept_proof(
        self, stage: Stage, expr: cp_model.LinearExpr, attempt: StageProof, route: str, cp: float
    ) -> None:
        """The proof's optimum becomes the incumbent (relabelled to suit the symmetry
        breaking) and the stage's held value."""
        proof = attempt.proof
        assert proof is not None and proof.proven and attempt.assignment is not None
        current = ordered_for_symmetry(self.built, self.inst, attempt.assignment)
        if self.child_groups:
            current = ordered_children(self.inst, self.child_groups, current)
        self.current = current
        value = proof.value or 0
        if stage.name == "balance":
            self.optimal_loads = attempt.optima
        if attempt.optima:
            self._allow_only(stage, attempt.optima)
        effort = proof.effort
        self._settle(
            stage,
            expr,
            StageResult(
                stage.name, "optimal", value, float(value), attempt.seconds + cp, effort, route
            ),
        )

    def _allow_only(self, stage: Stage, optima: list[dict[int, int]]) -> None:
        """Every optimum of the stage is among ``optima``: say so to CP-SAT as a table of
        the workers' measures (with interchangeable workers' values in every order the
        symmetry breaking may pick), so later stages search only among them."""
        v = self.built.v
        measure = v.load if stage.name == "balance" else v.complex_count
        workers = sorted(optima[0])
        rows: set[tuple[int, ...]] = set()
        for optimum in optima:
            more = _relabellings(optimum, workers, self.built.groups)
            if more is None:
                return
            rows.update(more)
            if len(rows) > TABLE_ROWS:
                return
        self.built.model.add_allowed_assignments([measure[w] for w in workers], sorted(rows))

    def _settle(self, stage: Stage, expr: cp_model.LinearExpr, result: StageResult) -> None:
        """Record the stage's result and hold its value for the stages after it."""
        self.result.stages.append(result)
        if result.status not in ("optimal", "fixed"):
            self.result.status = "feasible"
        value = result.value
        if value is None:
            return
        if stage.name == "balance":
            proven = result.status in ("optimal", "fixed")
            best = value if proven else (result.bound if result.bound is not None else 0.0)
            self.result.bound_true = (
                max(0.0, best) * self.built.scale.to_true + self.built.constant_true
            )
        self.built.model.add(expr <= value)
        self.held.append((stage.name, value))
        if self.checker is not None:
            self.checker.hold(stage.name, value)

    def _everyone_placed(self, expr: cp_model.LinearExpr) -> None:
        """From here on everyone is placed: a floor on the balance objective, and
        children nobody can tell apart may be ordered (hint relabelled to match)."""
        inst, comp, built = self.inst, self.comp, self.built
        floor = balance_floor(built, inst, comp)
        if floor is not None:
            built.model.add(expr >= floor)
        if self.settings.symmetry:
            groups = add_child_symmetry(built.model, inst, comp, built.v, built.groups)
            self.child_groups = groups
            self.current = ordered_children(inst, groups, self.current)
            set_hint(built, inst, comp, self.current)

    def _search(
        self, stage: Stage, expr: cp_model.LinearExpr, incumbent: int
    ) -> StageResult | None:
        """CP-SAT on the stage; its result (``None`` when the model is invalid)."""
        inst, comp, built = self.inst, self.comp, self.built
        gap = inst.options.gap_limit if stage.uses_gap else 0.0
        work = self.budget * stage.share
        allowed = (self.deadline - time.monotonic()) * stage.share
        solver = _solver(inst, work, allowed, gap)
        started = time.perf_counter()
        with stoppable(solver):
            status = solver.solve(built.model)
        seconds = time.perf_counter() - started
        det = solver.deterministic_time
        if status == cp_model.MODEL_INVALID:
            self.result.stages.append(StageResult(stage.name, "error", None, None, seconds, det))
            self.result.status = "error"
            return None
        if status == cp_model.INFEASIBLE:
            # Never expected: every stage holds values the incumbent reached. A hint that
            # broke a rule would make this happen; stop rather than ship it.
            raise ModelError(
                f"stage {stage.name!r} of teams {', '.join(comp.teams)} is infeasible: the "
                "incumbent broke a rule; please report this with the input"
            )
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
        self.budget = max(0.05, self.budget - det)
        status_word = "optimal" if proven else "feasible"
        return StageResult(stage.name, status_word, value, bound, seconds, det)

    def finish(self) -> ComponentSolution:
        if self.result.bound_true is None and self.built.v.square:
            # balance never ran: only what is kept is known
            self.result.bound_true = self.built.constant_true
        self.result.assignment = self.current
        return self.result


TABLE_ROWS = 5_000
"""Most rows of a table of optimal measures handed to later stages."""


def _relabellings(
    optimum: dict[int, int], workers: list[int], groups: list[list[int]], most: int = TABLE_ROWS
) -> set[tuple[int, ...]] | None:
    """``optimum`` (worker -> measure) with the measures of each group of interchangeable
    workers in every distinct order, as tuples over ``workers``; ``None`` when there are
    more than ``most`` (a group of 30 workers has up to 30! orders: never listed)."""
    out = [dict(optimum)]
    for group in groups:
        members = [w for w in group if w in optimum]
        if len(members) < 2:
            continue
        grown = []
        for row in out:
            for order in _distinct_orders([row[w] for w in members]):
                new = dict(row)
                new.update(zip(members, order, strict=True))
                grown.append(new)
                if len(grown) > most:
                    return None
        out = grown
    return {tuple(row[w] for w in workers) for row in out}


def _distinct_orders(values: list[int]) -> Iterator[tuple[int, ...]]:
    """Every distinct order of ``values``, one at a time, in lexicographic order (the
    next-permutation step, so repeated values give no repeated orders)."""
    a = sorted(values)
    while True:
        yield tuple(a)
        i = len(a) - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i < 0:
            return
        j = len(a) - 1
        while a[j] <= a[i]:
            j -= 1
        a[i], a[j] = a[j], a[i]
        a[i + 1 :] = reversed(a[i + 1 :])


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
