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
from allocator.cpsat.interrupt import stoppable
from allocator.cpsat.model import Built, build, kept_weight
from allocator.cpsat.settings import SolverSettings
from allocator.cpsat.variables import Component, upper_bound
from allocator.prepare import Instance
from allocator.prepare import waiting as is_waiting
from allocator.proof import (
    GiveUp,
    Piece,
    Problem,
    Proof,
    Search,
    Slot,
    Verdict,
    optima,
    prove,
)

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


FIRST_TRY = ProofBudget(steps=20_000, effort=0.3)
"""Before CP-SAT: cheap, so a team batch is proven without CP-SAT's search."""
SECOND_TRY = ProofBudget(steps=300_000, effort=3.0)
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
    out_of_time: bool = False


def applies(inst: Instance, comp: Component, built: Built, stage: str) -> str:
    """Empty when the proof stage applies to ``stage`` of ``comp``, else why not."""
    if stage not in PROVED_STAGES:
        return "not a stage of squared measures"
    measure = built.v.load if stage == "balance" else built.v.complex_count
    if not measure:
        return "no worker's measure is decided"
    return ""


@dataclass(frozen=True)
class Settled:
    """What the stages before the proved one hold, as the packing needs it."""

    waiting: int = 0
    """How many children wait in every allocation the earlier stages allow."""
    may_wait: frozenset[int] = frozenset()
    """Children (indices) who may be among them."""
    splits: int | None = None
    """The held value of the ``splits`` stage (new holders of sibling groups)."""


def settled(
    inst: Instance, comp: Component, current: dict[int, int | None], held: dict[str, int]
) -> Settled:
    """What the earlier stages' ``held`` values imply.

    Who may wait: every allocation the ``unallocated`` stage allows leaves the
    incumbent's number of children waiting (the penalty's count level is exact) with
    penalties summing to the held value; a child may wait when some such set holds it
    (a subset-sum over the penalties, forwards and backwards). Usually only one set
    fits, and who waits is fixed.
    """
    count = sum(1 for c in comp.children if current.get(c) is None)
    target = held.get("unallocated")
    splits = held.get("splits")
    if not count or target is None:
        return Settled(0, frozenset(), splits)
    may_wait = [c for c in comp.children if is_waiting(inst.children[c], inst.workers)]
    penalty = obj.priority_weights(inst, may_wait)
    fits = [c for c in may_wait if penalty[c] <= target]
    forward = _subset_states([penalty[c] for c in fits], count, target)
    backward = _subset_states([penalty[c] for c in reversed(fits)], count, target)
    if forward is None or backward is None:
        return Settled(count, frozenset(fits), splits)
    who = set()
    for i, c in enumerate(fits):
        before, after = forward[i], backward[len(fits) - 1 - i]
        for k, total in before:
            if (count - 1 - k, target - penalty[c] - total) in after:
                who.add(c)
                break
    return Settled(count, frozenset(who), splits)


SUBSET_STATES = 50_000
"""Most partial sums tracked when working out who may wait (more: any child may)."""


def _subset_states(values: list[int], count: int, target: int) -> list[set[tuple[int, int]]] | None:
    """``out[i]``: the ``(how many, sum)`` pairs the first ``i`` values can make, within
    ``count`` and ``target``; ``None`` past :data:`SUBSET_STATES`."""
    states = {(0, 0)}
    out = [states]
    for value in values:
        grown = set(states)
        for k, total in states:
            if k < count and total + value <= target:
                grown.add((k + 1, total + value))
        if len(grown) > SUBSET_STATES:
            return None
        states = grown
        out.append(states)
    return out


Contribution = Callable[[int, int], tuple[int, ...]]
"""``(child, worker) -> what the child may add to the worker's measure``."""


def balance_problem(
    inst: Instance, comp: Component, built: Built, earlier: Settled
) -> tuple[Problem, list[int | None]]:
    """The packing of the balance stage: each worker's load, each child's weight in model
    units (with the sibling discount as a second option), the room each worker has.

    Returns the problem and the worker index of each slot (``None`` for a sink).
    """
    order, slots, contribution = _balance_parts(inst, comp, built)
    return _packing(inst, comp, order, slots, contribution, earlier)


def _balance_parts(
    inst: Instance, comp: Component, built: Built
) -> tuple[list[int], list[Slot], Contribution]:
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

    return order, slots, contribution


def complexity_problem(
    inst: Instance, comp: Component, built: Built, earlier: Settled
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
        inst, comp, order, slots, lambda c, w: (int(inst.children[c].complex),), earlier
    )


def joint_problem(
    inst: Instance, comp: Component, built: Built, earlier: Settled
) -> tuple[Problem, list[int | None], int]:
    """Load and complex children together, as one number per worker
    (``load * base + complex``): the exact packer for a pair of vectors.

    Returns the problem, the worker of each slot and ``base``.
    """
    order, load_slots, load = _balance_parts(inst, comp, built)
    base = len(comp.children) + max((len(k) for k in comp.fixed.values()), default=0) + 1
    slots = []
    for slot, w in zip(load_slots, order, strict=True):
        kept = sum(inst.children[c].complex for c in comp.fixed.get(w, []))
        count = built.v.complex_count.get(w)
        top = upper_bound(count) if count is not None else kept
        slots.append(
            replace(
                slot,
                lo=slot.lo * base + kept,
                hi=slot.hi * base + top,
                extras=tuple(x * base for x in slot.extras),
                group=None,
            )
        )

    def contribution(c: int, w: int) -> tuple[int, ...]:
        extra = int(inst.children[c].complex)
        return tuple(x * base + extra for x in load(c, w))

    problem, workers = _packing(inst, comp, order, slots, contribution, earlier)
    return problem, workers, base


def _packing(
    inst: Instance,
    comp: Component,
    order: list[int],
    slots: list[Slot],
    contribution: Contribution,
    earlier: Settled,
) -> tuple[Problem, list[int | None]]:
    """Slots for ``order``'s workers, then sinks: one for workers outside the objective
    (no limit) and one for children who may wait (room: how many wait).

    What the earlier stages hold tightens the pieces: children who must wait are left
    out, and where the ``splits`` stage holds every sibling group to its fewest
    holders, a group with no holder yet is one piece (all with one worker) and a group
    already held goes only to its holders.
    """
    position = {w: i for i, w in enumerate(order)}
    workers: list[int | None] = list(order)
    slots = list(slots)
    forced = len(earlier.may_wait) == earlier.waiting
    placed = [c for c in comp.children if not (forced and c in earlier.may_wait)]
    elsewhere = None
    if any(w not in position for c in placed for w in inst.children[c].candidates):
        elsewhere = len(slots)
        slots.append(Slot(coef=0, lo=0, hi=0, room=None))
        workers.append(None)
    wait = None
    if earlier.waiting and not forced:
        wait = len(slots)
        slots.append(Slot(coef=0, lo=0, hi=0, room=earlier.waiting))
        workers.append(None)
    groups, only = _sibling_rule(inst, comp, placed, earlier)
    pieces = []
    for members in groups:
        c = members[0]
        candidates = [
            w
            for w in inst.children[c].candidates
            if all(w in inst.children[s].candidates for s in members) and w in only.get(c, (w,))
        ]
        if len(members) == 1:
            options = [(position[w], contribution(c, w)) for w in candidates if w in position]
        else:  # together with one worker: every sibling counts its discounted weight
            options = [
                (position[w], (sum(min(contribution(s, w)) for s in members),))
                for w in candidates
                if w in position
            ]
        if elsewhere is not None and any(w not in position for w in candidates):
            options.append((elsewhere, (0,)))
        if wait is not None and c in earlier.may_wait:
            options.append((wait, (0,)))
        places = sum(1 for s in members if inst.children[s].active)
        pieces.append(Piece(options=tuple(sorted(options)), places=places))
    return Problem(slots=tuple(slots), pieces=tuple(pieces)), workers


def _sibling_rule(
    inst: Instance, comp: Component, placed: list[int], earlier: Settled
) -> tuple[list[list[int]], dict[int, set[int]]]:
    """The pieces (children alone, or a sibling group that must be together) and the
    workers some children are confined to, under the held ``splits`` value.

    The split count is the new holders of each sibling group. A group with a holder
    among the workers keeping a sibling, open to every member, adds none at fewest; one
    with no holder yet and a worker open to all adds one. When the held value is the
    sum of these fewest (and every group is one of the two kinds, and none may wait),
    each group is at its fewest: all of it with its holders, or all with one worker.
    """
    alone = [[c] for c in placed]
    if earlier.splits is None:
        return alone, {}
    by_family: dict[str, list[int]] = {}
    for c in placed:
        family = inst.children[c].family
        if family is not None and family in inst.families:
            by_family.setdefault(family, []).append(c)
    if any(c in earlier.may_wait for members in by_family.values() for c in members):
        return alone, {}
    fewest = 0
    merge: set[str] = set()
    only: dict[int, set[int]] = {}
    for family, members in by_family.items():
        holders = {
            w
            for w in comp.workers
            for k in comp.fixed.get(w, [])
            if inst.children[k].family == family
        }
        open_to = [set(inst.children[c].candidates) for c in members]
        if holders and all(options & holders for options in open_to):
            only.update({c: options & holders for c, options in zip(members, open_to, strict=True)})
        elif not holders and set.intersection(*open_to):
            fewest += 1
            merge.add(family)
        else:
            return alone, {}
    if fewest != earlier.splits:
        return alone, {}
    grouped = {c for family in merge for c in by_family[family]}
    pieces = [[c] for c in placed if c not in grouped]
    pieces += [by_family[family] for family in sorted(merge)]
    return pieces, only


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


def balance_optima(
    inst: Instance,
    comp: Component,
    built: Built,
    earlier: Settled,
    value: int,
    steps: int,
    deadline: float | None,
) -> list[dict[int, int]] | None:
    """Every load vector an allocation with balance ``value`` (proven optimal by CP-SAT)
    might have (worker -> load), when few enough to list: what the complexity stage
    needs to prove its own optimum."""
    problem, order = balance_problem(inst, comp, built, earlier)
    found = optima(problem, value, steps=steps, deadline=deadline)
    if found is None:
        return None
    return [{w: x for w, x in zip(order, q, strict=True) if w is not None} for q in found]


class Checker:
    """The CP-SAT model of a component, without symmetry breaking, with the earlier
    stages' values held: fixing the measures to a vector and solving says whether some
    allocation keeping every rule reaches it. Built on the first check (a proof that
    gives up early never pays for it)."""

    def __init__(
        self,
        inst: Instance,
        comp: Component,
        settings: SolverSettings,
        held: list[tuple[str, int]],
        deadline: float,
    ) -> None:
        self.inst, self.comp, self.settings = inst, comp, settings
        self.deadline = deadline
        self.held = list(held)
        self.assignment: dict[int, int | None] | None = None
        self.wall_limited = False
        self._built: Built | None = None

    @property
    def built(self) -> Built:
        if self._built is None:
            self._built = build(self.inst, self.comp, replace(self.settings, symmetry=False))
            for name, value in self.held:
                self._hold(name, value)
            if self.assignment is not None:
                self._hint()
        return self._built

    def hold(self, stage: str, value: int) -> None:
        """Hold a stage's value from now on (``objective <= value``)."""
        self.held.append((stage, value))
        if self._built is not None:
            self._hold(stage, value)

    def _hold(self, stage: str, value: int) -> None:
        from allocator.cpsat.stages import STAGES

        objective = {s.name: s.objective for s in STAGES}[stage]
        expr = objective(self.inst, self.comp, self.built)
        if expr is not None:
            self.built.model.add(expr <= value)

    def hint(self, assignment: dict[int, int | None]) -> None:
        """Hint every check with ``assignment`` (the incumbent): where it reaches the
        vector, it is the allocation the check returns, so nothing moves for no gain."""
        self.assignment = assignment
        if self._built is not None:
            self._hint()

    def _hint(self) -> None:
        from allocator.cpsat.hints import set_hint

        assert self.assignment is not None
        set_hint(self.built, self.inst, self.comp, self.assignment)

    def check(
        self, loads: dict[int, int] | None = None, complex_counts: dict[int, int] | None = None
    ) -> Verdict:
        """Is there an allocation with these loads and complex children (worker ->
        measure, model units)?"""
        v = self.built.v
        fixed = [(v.load[w], x) for w, x in (loads or {}).items()]
        fixed += [(v.complex_count[w], x) for w, x in (complex_counts or {}).items()]
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
            p.cp_model_presolve = False  # measured: twice as fast on these small checks
            p.max_deterministic_time = CONFIRM_WORK
            p.max_time_in_seconds = max(0.01, min(10.0, self.deadline - time.monotonic()))
            with stoppable(solver):
                status = solver.solve(self.built.model)
        finally:
            for domain, low, high in saved:
                domain[0], domain[1] = low, high
        effort = solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
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
    loads_guessed: bool = False,
    earlier: Settled | None = None,
    hint: dict[int, int | None] | None = None,
    deadline: float | None = None,
) -> StageProof:
    """Prove ``stage`` of ``comp`` by enumeration, every candidate checked by ``checker``.

    ``upper`` is the incumbent's value, ``lower`` a bound already proven (CP-SAT's),
    both in model units. For the complexity stage, ``loads`` are the optimal load
    vectors (worker -> load) when the balance stage found all of them; each candidate
    is then checked against each. With ``loads_guessed`` they are only the incumbent's:
    the best complexity under them is then proven optimal only when it is the
    relaxation's own least (no candidate had to be refuted on the way), since the
    relaxation knows nothing of loads.
    """
    started = time.perf_counter()
    why = applies(inst, comp, built, stage)
    if why:
        return StageProof(None, why)
    earlier = earlier or Settled()
    if hint is not None:
        checker.hint(hint)
    if stage == "balance":
        problem, order = balance_problem(inst, comp, built, earlier)
    else:
        problem, order = complexity_problem(inst, comp, built, earlier)

    if loads:
        joint, joint_order, base = joint_problem(inst, comp, built, earlier)
        kept = {w: joint.slots[i].lo % base for i, w in enumerate(joint_order) if w is not None}
        everything = sum(max(v for _, vs in p.options for v in vs) for p in joint.pieces)

    def confirm(q: tuple[int, ...]) -> Verdict:
        fixed = {w: x for w, x in zip(order, q, strict=True) if w is not None}
        if stage == "balance":
            return checker.check(loads=fixed)
        assert loads is not None  # the complexity stage is proven only with them
        spent = 0.0
        unknown = False
        counts = fixed
        for vector in loads:
            targets = [
                (vector[w] * base + counts.get(w, kept[w]),) * 2
                if w is not None
                else (0, everything)
                for w in joint_order
            ]
            try:
                if not Search(joint, None, targets, PACKER_STEPS, deadline=deadline).packs():
                    continue
            except GiveUp:
                pass
            verdict = checker.check(loads=vector, complex_counts=fixed)
            spent += verdict.effort
            if verdict.feasible:
                return replace(verdict, effort=spent)
            unknown = unknown or verdict.feasible is None
        return Verdict(None if unknown else False, None, spent)

    proof = prove(
        problem,
        confirm,
        upper=upper,
        lower=lower,
        steps=budget.steps,
        effort=budget.effort,
        deadline=deadline,
        # Complex children are few and rooms are about all children: counting them all
        # multiplies the states for little.
        counting=None if stage == "balance" else False,
    )
    if loads_guessed and proof.proven and proof.packer_refuted + proof.model_refuted:
        proof.proven = False
        proof.why = "the optimal loads are not known"
    out = StageProof(proof, proof.why, out_of_time=proof.out_of_time)
    if proof.proven:
        out.assignment = proof.assignment
        if proof.ties_complete:
            out.optima = [
                {w: x for w, x in zip(order, q, strict=True) if w is not None} for q in proof.ties
            ]
    out.seconds = time.perf_counter() - started
    return out
