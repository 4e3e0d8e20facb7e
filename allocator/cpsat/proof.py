"""The proof stage: the balance (and complexity) objective proven by enumeration, checked
by the CP-SAT model.

CP-SAT reaches a gap of a few thousandths of a percent on a team batch quickly
and then cannot close it: its bound comes from linearised squares. The
objectives of the balance and complexity stages depend only on one integer
measure per worker (load, or complex children held), so :mod:`allocator.proof`
lists the vectors of measures a packing of the children could reach, cheapest
first, and this module tests each against the real model with the measures
fixed. The first vector the model accepts is the optimum; every rule holds
because the model itself confirms it.

:func:`prove_stage` is called by :mod:`.stages` before CP-SAT (cheaply) and
after it when CP-SAT stopped short of a proof (with CP-SAT's incumbent and
bound narrowing the search).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from allocator.cpsat import objective as obj
from allocator.cpsat.model import Built, build, kept_weight
from allocator.cpsat.settings import SolverSettings
from allocator.cpsat.variables import Component, upper_bound
from allocator.prepare import Instance
from allocator.prepare import waiting as is_waiting
from allocator.proof import GiveUp, Piece, Problem, Proof, Search, Slot, Verdict, prove

PACKER_STEPS = 20_000
"""Steps the joint packer may spend on one pair of vectors."""
CONFIRM_WORK = 1.0
"""Deterministic time one confirmation may use before the proof gives up on it."""
PROVED_STAGES = ("balance", "complexity")


@dataclass(frozen=True)
class ProofBudget:
    """What one proof attempt may spend: search steps and confirmation work."""

    steps: int
    effort: float


FIRST_TRY = ProofBudget(steps=60_000, effort=0.5)
"""Before CP-SAT: cheap, so a team batch is proven without CP-SAT's search."""
SECOND_TRY = ProofBudget(steps=1_500_000, effort=4.0)
"""After CP-SAT stopped short of a proof, starting from its bound and incumbent."""


@dataclass
class StageProof:
    """A proof attempt on one stage, as the stage solve needs it."""

    proof: Proof | None
    """``None`` when the proof does not apply (``why`` says why)."""
    why: str
    assignment: dict[int, int | None] | None = None
    seconds: float = 0.0
    optima: list[dict[int, int]] | None = None
    """Every optimal vector (worker -> measure), when the proof found them all."""


def applies(inst: Instance, comp: Component, built: Built, stage: str) -> str:
    """Empty when the proof stage applies to ``stage`` of ``comp``, else why not."""
    if stage not in PROVED_STAGES:
        return "not a stage of squared measures"
    measure = built.v.load if stage == "balance" else built.v.complex_count
    if not measure:
        return "no worker's measure is decided"
    return ""


@dataclass(frozen=True)
class Waiting:
    """Children who may end the batch waiting: how many do, and who may."""

    count: int
    """How many wait in every allocation the earlier stages allow."""
    who: frozenset[int]
    """Children (indices) who may be among them."""


def waiting_children(
    inst: Instance, comp: Component, current: dict[int, int | None], held: int | None
) -> Waiting:
    """Who may wait once the ``unallocated`` stage holds ``held``: the incumbent's count
    (every allocation the stage allows leaves as many: the penalty's count level is
    exact), from the children whose own penalty fits within ``held``."""
    count = sum(1 for c in comp.children if current.get(c) is None)
    if not count or held is None:
        return Waiting(0, frozenset())
    may_wait = [c for c in comp.children if is_waiting(inst.children[c], inst.workers)]
    penalty = obj.priority_weights(inst, may_wait)
    return Waiting(count, frozenset(c for c in may_wait if penalty[c] <= held))


def balance_problem(
    inst: Instance, comp: Component, built: Built, waiting: Waiting
) -> tuple[Problem, list[int | None]]:
    """The packing of the balance stage: each worker's load, each child's weight in model
    units (with the sibling discount as a second option), the room each worker has.

    Returns the problem and the worker index of each slot (``None`` for a sink).
    """
    v = built.v
    order = _slot_order(built, list(v.load))
    group_of = {w: k for k, g in enumerate(built.groups) for w in g}
    extras: dict[int, list[int]] = {w: [] for w in order}
    for (c, w), _t in v.together.items():
        if (c, w) not in v.assign and w in extras:
            ch = inst.children[c]
            extras[w].append(inst.units(ch.weight) - inst.units(ch.weight_together))
    slots = [
        Slot(
            coef=built.scale.coef[w],
            lo=v.load_offset[w],
            hi=_load_high(inst, built, w),
            room=_room(inst, comp, w),
            extras=tuple(extras[w]),
            group=group_of.get(w),
        )
        for w in order
    ]

    def contribution(c: int, w: int) -> tuple[int, ...]:
        ch = inst.children[c]
        units = inst.units(kept_weight(inst, comp, c, w))
        if (c, w) in v.together:
            return (units, units - (inst.units(ch.weight) - inst.units(ch.weight_together)))
        return (units,)

    return _packing(inst, comp, order, slots, contribution, waiting)


def complexity_problem(
    inst: Instance, comp: Component, built: Built, waiting: Waiting
) -> tuple[Problem, list[int | None]]:
    """The packing of the complexity stage: complex children held per worker (a child
    adds 1 if complex, else 0, and takes room either way)."""
    v = built.v
    order = sorted(v.complex_count)
    slots = [
        Slot(
            coef=built.scale.coef[w],
            lo=int(v.complex_count[w].proto.domain[0]),
            hi=upper_bound(v.complex_count[w]),
            room=_room(inst, comp, w),
        )
        for w in order
    ]
    return _packing(
        inst, comp, order, slots, lambda c, w: (int(inst.children[c].complex),), waiting
    )


def joint_problem(
    inst: Instance, comp: Component, built: Built, waiting: Waiting
) -> tuple[Problem, list[int | None], int]:
    """Load and complex children together, as one number per worker
    (``load * base + complex``): the exact packer for a pair of vectors.

    Returns the problem, the worker of each slot and ``base``.
    """
    loads, order = balance_problem(inst, comp, built, waiting)
    base = len(comp.children) + max((len(k) for k in comp.fixed.values()), default=0) + 1
    kept = {
        w: sum(inst.children[c].complex for c in comp.fixed.get(w, []))
        for w in order
        if w is not None
    }
    slots = []
    for slot, w in zip(loads.slots, order, strict=True):
        if w is None:
            slots.append(slot)
            continue
        top = upper_bound(built.v.complex_count[w]) if w in built.v.complex_count else kept[w]
        slots.append(
            replace(
                slot,
                lo=slot.lo * base + kept[w],
                hi=slot.hi * base + top,
                extras=tuple(x * base for x in slot.extras),
                group=None,
            )
        )
    pieces = []
    for c, piece in zip(comp.children, loads.pieces, strict=True):
        extra = int(inst.children[c].complex)
        options = tuple(
            (i, tuple(x * base + extra for x in values) if order[i] is not None else values)
            for i, values in piece.options
        )
        pieces.append(replace(piece, options=options))
    return Problem(slots=tuple(slots), pieces=tuple(pieces)), order, base


def _packing(
    inst: Instance,
    comp: Component,
    order: list[int],
    slots: list[Slot],
    contribution: Callable[[int, int], tuple[int, ...]],
    waiting: Waiting,
) -> tuple[Problem, list[int | None]]:
    """Slots for ``order``'s workers, then sinks: one for workers outside the objective
    (no limit) and one for children who wait (room: how many wait)."""
    position = {w: i for i, w in enumerate(order)}
    workers: list[int | None] = list(order)
    slots = list(slots)
    elsewhere = None
    if any(w not in position for c in comp.children for w in inst.children[c].candidates):
        elsewhere = len(slots)
        slots.append(Slot(coef=0, lo=0, hi=0, room=None))
        workers.append(None)
    wait = None
    if waiting.count:
        wait = len(slots)
        slots.append(Slot(coef=0, lo=0, hi=0, room=waiting.count))
        workers.append(None)
    pieces = []
    for c in comp.children:
        options = [
            (position[w], contribution(c, w)) for w in inst.children[c].candidates if w in position
        ]
        if elsewhere is not None and len(options) < len(inst.children[c].candidates):
            options.append((elsewhere, (0,)))
        if wait is not None and c in waiting.who:
            options.append((wait, (0,)))
        pieces.append(Piece(options=tuple(sorted(options)), counted=inst.children[c].active))
    return Problem(slots=tuple(slots), pieces=tuple(pieces)), workers


def _slot_order(built: Built, workers: list[int]) -> list[int]:
    """Workers in input order, each group of interchangeable workers kept together."""
    grouped = {w: g for g in built.groups for w in g}
    out: list[int] = []
    for w in sorted(workers):
        if w in out:
            continue
        group = grouped.get(w)
        out.extend([x for x in group if x in workers] if group else [w])
    return out


def _load_high(inst: Instance, built: Built, w: int) -> int:
    """Largest load the rules allow ``w``: the domain's top, the load cap, and every
    approval threshold a proposal may not cross, in model units."""
    high = upper_bound(built.v.load[w])
    info = inst.workers[w]
    if info.load_limit is not None:
        high = min(high, math.floor(info.load_limit / inst.weight_unit + 1e-6))
    for a in info.approvals:
        if a.measure == "load" and not a.may_cross:
            high = min(high, math.floor(max(a.limit, info.load_before) / inst.weight_unit + 1e-6))
    return max(high, built.v.load_offset[w])


def _room(inst: Instance, comp: Component, w: int) -> int | None:
    """Most active children ``w`` may newly hold: its count cap, approval thresholds on
    children it may not cross, and its pacing limit when every child that may come is
    new to it."""
    info = inst.workers[w]
    kept = len(comp.fixed.get(w, []))
    limits = []
    if info.count_limit is not None:
        limits.append(info.count_limit - kept)
    for a in info.approvals:
        if a.measure == "children" and not a.may_cross:
            limits.append(max(int(a.limit), info.children_before) - kept)
    if info.pacing_limit is not None and all(
        inst.children[c].current != w for c in comp.children if w in inst.children[c].candidates
    ):
        limits.append(info.pacing_limit)
    return max(0, min(limits)) if limits else None


class Checker:
    """The CP-SAT model of a component, without symmetry breaking, with the earlier
    stages' values held: fixing the measures to a vector and solving says whether some
    allocation keeping every rule reaches it."""

    def __init__(
        self,
        inst: Instance,
        comp: Component,
        settings: SolverSettings,
        held: list[tuple[str, int]],
        deadline: float,
    ) -> None:
        self.inst, self.comp = inst, comp
        self.deadline = deadline
        self.built = build(inst, comp, replace(settings, symmetry=False))
        self.wall_limited = False
        for name, value in held:
            self.hold(name, value)

    def hold(self, stage: str, value: int) -> None:
        """Hold a stage's value from now on (``objective <= value``)."""
        from allocator.cpsat.stages import STAGES

        objective = {s.name: s.objective for s in STAGES}[stage]
        expr = objective(self.inst, self.comp, self.built)
        if expr is not None:
            self.built.model.add(expr <= value)

    def hint(self, assignment: dict[int, int | None]) -> None:
        """Hint every check with ``assignment`` (the incumbent): where it reaches the
        vector, it is the allocation the check returns, so nothing moves for no gain."""
        from allocator.cpsat.hints import set_hint

        set_hint(self.built, self.inst, self.comp, assignment)

    def check(self, fixed: list[tuple[cp_model.IntVar, int]]) -> Verdict:
        """Is there an allocation with ``var == value`` for each pair of ``fixed``?"""
        saved = []
        for var, value in fixed:
            domain = var.proto.domain
            saved.append((domain, domain[0], domain[1]))
            domain[0], domain[1] = value, value
        try:
            solver = cp_model.CpSolver()
            p = solver.parameters
            p.random_seed = self.inst.options.seed
            p.num_workers = 1
            p.max_deterministic_time = CONFIRM_WORK
            p.max_time_in_seconds = max(0.01, min(10.0, self.deadline - time.monotonic()))
            status = solver.solve(self.built.model)
        finally:
            for domain, low, high in saved:
                domain[0], domain[1] = low, high
        effort = solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            v = self.built.v
            assignment = {
                c: next(
                    (
                        w
                        for w in self.inst.children[c].candidates
                        if solver.boolean_value(v.assign[c, w])
                    ),
                    None,
                )
                for c in self.comp.children
            }
            return Verdict(True, assignment, effort)
        if status == cp_model.INFEASIBLE:
            return Verdict(False, None, effort)
        if effort < 0.99 * CONFIRM_WORK:
            self.wall_limited = True
        return Verdict(None, None, effort)


def prove_stage(
    inst: Instance,
    comp: Component,
    built: Built,
    stage: str,
    checker: Checker,
    budget: ProofBudget,
    *,
    upper: int | None = None,
    lower: float | None = None,
    loads: list[dict[int, int]] | None = None,
    waiting: Waiting | None = None,
    hint: dict[int, int | None] | None = None,
) -> StageProof:
    """Prove ``stage`` of ``comp`` by enumeration, every candidate checked by ``checker``.

    ``upper`` is the incumbent's value, ``lower`` a bound already proven (CP-SAT's),
    both in model units. For the complexity stage, ``loads`` are the optimal load
    vectors (balance slots' order) when the balance stage found all of them; each
    candidate is then checked against each.
    """
    started = time.perf_counter()
    why = applies(inst, comp, built, stage)
    if why:
        return StageProof(None, why)
    waiting = waiting or Waiting(0, frozenset())
    if hint is not None:
        checker.hint(hint)
    if stage == "balance":
        problem, order = balance_problem(inst, comp, built, waiting)
        measure = checker.built.v.load
    else:
        problem, order = complexity_problem(inst, comp, built, waiting)
        measure = checker.built.v.complex_count

    if loads:
        joint, joint_order, base = joint_problem(inst, comp, built, waiting)
        kept = {w: joint.slots[i].lo % base for i, w in enumerate(joint_order) if w is not None}
        everything = sum(max(v for _, vs in p.options for v in vs) for p in joint.pieces)

    def confirm(q: tuple[int, ...]) -> Verdict:
        fixed = [(measure[w], x) for w, x in zip(order, q, strict=True) if w is not None]
        if not loads:
            return checker.check(fixed)
        spent = 0.0
        unknown = False
        load_vars = checker.built.v.load
        counts = dict(zip(order, q, strict=True))
        for vector in loads:
            targets = [
                (vector[w] * base + counts.get(w, kept[w]),) * 2
                if w is not None
                else (0, everything)
                for w in joint_order
            ]
            try:
                if not Search(joint, None, targets, PACKER_STEPS).packs():
                    continue
            except GiveUp:
                pass
            both = fixed + [(load_vars[w], x) for w, x in vector.items()]
            verdict = checker.check(both)
            spent += verdict.effort
            if verdict.feasible:
                return replace(verdict, effort=spent)
            unknown = unknown or verdict.feasible is None
        return Verdict(None if unknown else False, None, spent)

    proof = prove(
        problem, confirm, upper=upper, lower=lower, steps=budget.steps, effort=budget.effort
    )
    out = StageProof(proof, proof.why)
    if proof.proven:
        out.assignment = proof.assignment
        if proof.ties_complete:
            out.optima = [
                {w: x for w, x in zip(order, q, strict=True) if w is not None} for q in proof.ties
            ]
    out.seconds = time.perf_counter() - started
    return out
