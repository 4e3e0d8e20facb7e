"""Find and prove the cheapest measure vector: candidates cheapest first, each tested exactly.

The loop (issue 14's method, built on :mod:`.floor` and :mod:`.search`):

1. The integer water-filling floor ``F0`` over the box is the first threshold
   (or a floor already proven, such as CP-SAT's bound).
2. Every vector the relaxation accepts with ``F(q) <= theta`` is listed,
   cheapest first; each is tested: first by the exact packer (most fail
   there), then by ``confirm``, the caller's check against every rule (the
   CP-SAT model with the measures fixed).
3. The first vector ``confirm`` accepts is optimal: every cheaper vector a
   feasible allocation could reach was listed before it (the relaxation never
   rejects a reachable vector) and refuted. With none, ``theta`` rises (the gap
   above ``F0`` doubles) and the loop repeats.

The effort is a deterministic budget of search steps and confirmation work, so
the same input gives the same outcome on any machine; a wall-clock deadline is
only a safety net. When the budget runs out the outcome says so and keeps the
floor it established (no vector cheaper than the last refuted threshold).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allocator.proof.floor import Fill, integer_fill, water_fill, windows
from allocator.proof.search import GiveUp, OutOfTime, Problem, Search, coarse_moduli

PACKER_STEPS = 20_000
"""Steps the exact packer may spend on one vector before leaving it to ``confirm``."""
FINE_KINDS = 16
"""Most kinds of fine pieces a modulus may leave (more makes the search too wide)."""
TIES = 256
"""Most possible optima passed on to later stages (more: they search unaided)."""


@dataclass(frozen=True)
class Verdict:
    """What ``confirm`` says of one vector."""

    feasible: bool | None
    """``True``: an allocation keeping every rule reaches it; ``False``: none does;
    ``None``: the check ran out of effort."""
    assignment: Any = None
    effort: float = 0.0
    """What the check spent (deterministic units), charged to the budget."""


Confirm = Callable[[tuple[int, ...]], Verdict]


@dataclass
class Proof:
    """The outcome of :func:`prove`."""

    proven: bool
    value: int | None = None
    """Least ``F(q)`` an allocation reaches (model units), when proven."""
    vector: tuple[int, ...] | None = None
    assignment: Any = None
    """What ``confirm`` returned for the optimal vector."""
    ties: list[tuple[int, ...]] = field(default_factory=list)
    """The optimal vector and every other vector as cheap the relaxation accepts and no
    test refuted: every optimum is among them (later stages choose among these)."""
    ties_complete: bool = False
    """``ties`` is short enough to pass on (at most :data:`TIES`)."""
    floor: float = 0.0
    """No allocation is cheaper than this (model units)."""
    why: str = ""
    """Why the proof gave up (empty when proven)."""
    candidates: int = 0
    """Vectors tested."""
    packer_refuted: int = 0
    model_refuted: int = 0
    steps: int = 0
    effort: float = 0.0
    modulus: int | None = None
    out_of_time: bool = False
    """Stopped by the wall-clock deadline (the outcome may differ between runs)."""


@dataclass
class _Limits:
    steps: int
    effort: float
    deadline: float | None
    counting: bool | None = None


def prove(
    problem: Problem,
    confirm: Confirm,
    *,
    upper: int | None = None,
    lower: float | None = None,
    steps: int = 200_000,
    effort: float = 2.0,
    deadline: float | None = None,
    counting: bool | None = None,
) -> Proof:
    """The cheapest measure vector some allocation reaches, proven, or why not.

    Parameters
    ----------
    problem
        The packing (slots, pieces; every piece placed).
    confirm
        Tests one vector against every rule.
    upper
        ``F`` of a known allocation (the incumbent): thresholds never pass it.
    lower
        A floor already proven (CP-SAT's bound): the first threshold.
    steps
        Search steps allowed (the relaxation and the packer together).
    effort
        Confirmation effort allowed (the units of :attr:`Verdict.effort`).
    deadline
        ``time.monotonic()`` instant to give up at, whatever the budget.
    counting
        Passed to :class:`Search` (``None``: where rooms bind).
    """
    proof = Proof(proven=False)
    limits = _Limits(steps, effort, deadline, counting)
    start = _start(problem, proof)
    if start is None:
        return proof
    if lower is not None and lower > proof.floor:
        proof.floor = float(math.ceil(lower - 1e-9))
    tested: set[tuple[int, ...]] = set()
    theta = proof.floor
    step = max(1.0, theta * 1e-7)
    try:
        while True:
            search = _search(problem, start, theta, limits, proof)
            listed = search.below(theta)
            if not listed and search.whole_box and search.cheapest() == float("inf"):
                proof.why = "no allocation keeps every limit"
                return proof
            fresh = 0
            for value, q in listed:
                if q in tested:
                    continue
                tested.add(q)
                fresh += 1
                if proof.proven:
                    if value > (proof.value or 0):
                        break
                    proof.ties.append(q)  # as cheap: a possible optimum, untested
                    continue
                verdict = _test(problem, q, confirm, limits, proof)
                if verdict is not None:
                    proof.proven, proof.value, proof.vector = True, value, q
                    proof.assignment = verdict.assignment
                    proof.ties.append(q)
            proof.steps += search.steps
            if proof.proven:
                proof.floor = float(proof.value or 0)
                proof.ties_complete = len(proof.ties) <= TIES
                return proof
            if search.whole_box and not fresh and theta >= _box_cost(problem):
                proof.why = "no allocation keeps every rule"
                return proof
            proof.floor = max(proof.floor, math.floor(theta) + 1.0)  # integer values
            if upper is not None and theta >= upper:
                proof.why = "the relaxation rejected the incumbent (please report this)"
                return proof
            cheapest = search.cheapest()
            grown = theta + step
            step *= 2
            theta = max(grown, cheapest) if cheapest != float("inf") else grown
            if upper is not None:
                theta = min(theta, float(upper))
    except GiveUp:
        proof.why = "the search ran out of steps"
    except OutOfTime:
        proof.why = "the time limit came first"
        proof.out_of_time = True
    except _OutOfEffort:
        proof.why = "confirmations ran out of effort"
    proof.proven = False
    return proof


def optima(
    problem: Problem,
    value: int,
    *,
    steps: int = 200_000,
    deadline: float | None = None,
) -> list[tuple[int, ...]] | None:
    """Every vector the relaxation accepts at ``F(q) == value``, for an optimum already
    proven (by CP-SAT): every optimal vector is among them. ``None`` when the search
    runs out of steps or there are more than :data:`TIES`."""
    proof = Proof(proven=False)
    start = _start(problem, proof)
    if start is None:
        return None
    try:
        search = _search(problem, start, float(value), _Limits(steps, 0.0, deadline), proof)
        found = [q for f, q in search.below(float(value)) if f == value]
    except (GiveUp, OutOfTime):
        return None
    return found if 0 < len(found) <= TIES else None


class _OutOfEffort(Exception):
    pass


def _box_cost(problem: Problem) -> int:
    """The dearest vector in the box: past it, every vector has been listed."""
    return sum(s.coef * s.hi * s.hi for s in problem.slots)


@dataclass(frozen=True)
class _Start:
    """The measured slots' boxes, their water-filling point, and the moduli to try."""

    lo: list[int]
    hi: list[int]
    coef: list[int]
    fill: Fill
    moduli: list[int]


def _start(problem: Problem, proof: Proof) -> _Start | None:
    """Where the loop starts; sets the proof's floor, or says why there is no start."""
    measured = problem.measured
    floors = problem.floors()
    lo = [floors[i] for i in measured]
    hi = [problem.slots[i].hi for i in measured]
    coef = [problem.slots[i].coef for i in measured]
    least = problem.least_total()
    fill = water_fill(least, lo, hi, coef)
    start = integer_fill(least, lo, hi, coef)
    if fill is None or start is None:
        proof.why = "the workers' limits cannot hold every child"
        return None
    proof.floor = float(start)
    moduli = [m for m in coarse_moduli(problem) if _fine_kinds(problem, m) <= FINE_KINDS]
    if not moduli:
        proof.why = "too many kinds of weight to track"
        return None
    return _Start(lo, hi, coef, fill, moduli)


def _fine_kinds(problem: Problem, modulus: int) -> int:
    kinds = set()
    for piece in problem.pieces:
        values = {v for _, vs in piece.options for v in vs}
        if not (piece.places == 1 and len(values) == 1 and next(iter(values)) % modulus == 0):
            kinds.add((piece.options, piece.places))
    return len(kinds)


def _all_windows(problem: Problem, measured: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows of every slot: ``measured`` for the measured ones, anything for sinks."""
    out = []
    it = iter(measured)
    everything = sum(max(v for _, vs in p.options for v in vs) for p in problem.pieces)
    for slot in problem.slots:
        out.append(next(it) if slot.coef > 0 else (0, slot.lo + everything))
    return out


def _search(problem: Problem, start: _Start, theta: float, limits: _Limits, proof: Proof) -> Search:
    """The relaxation at ``theta`` for the first modulus (largest first) whose moves fit
    the budget."""
    measured_windows = windows(start.fill, theta, start.lo, start.hi, start.coef)
    wins = _all_windows(problem, measured_windows)
    whole = measured_windows == list(zip(start.lo, start.hi, strict=True))
    for m in start.moduli:
        budget = limits.steps - proof.steps
        search = Search(
            problem, m, wins, budget, counting=limits.counting, deadline=limits.deadline, lazy=True
        )
        try:
            search.prepare()
        except GiveUp:
            proof.steps += search.steps
            continue
        proof.modulus = m
        search.whole_box = whole
        return search
    raise GiveUp


def _test(
    problem: Problem,
    q: tuple[int, ...],
    confirm: Confirm,
    limits: _Limits,
    proof: Proof,
) -> Verdict | None:
    """``confirm``'s verdict on ``q`` when feasible; ``None`` when refuted."""
    proof.candidates += 1
    budget = max(0, min(PACKER_STEPS, limits.steps - proof.steps))
    exact = _all_windows(problem, [(q[i], q[i]) for i in problem.measured])
    packer = Search(problem, None, exact, budget, deadline=limits.deadline, lazy=True)
    try:
        packer.prepare()
        packs = packer.packs()
    except GiveUp:
        packs = True  # undecided: leave it to confirm
    proof.steps += packer.steps
    if proof.steps > limits.steps:
        raise GiveUp
    if not packs:
        proof.packer_refuted += 1
        return None
    verdict = confirm(q)
    proof.effort += verdict.effort
    if verdict.feasible is None or (proof.effort > limits.effort and not verdict.feasible):
        raise _OutOfEffort
    if not verdict.feasible:
        proof.model_refuted += 1
        return None
    return verdict
