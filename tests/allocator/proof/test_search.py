"""The packing relaxation against brute force: it never rejects a vector a packing reaches,
and with no modulus (the packer) it accepts exactly those."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.proof import Piece, Problem, Search, Slot, coarse_moduli

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def packings(draw: st.DrawFn) -> Problem:
    """1-3 measured slots (the first two sometimes interchangeable), sometimes a sink with
    room, and 1-5 pieces: coarse and fine values, discount-like second options, pieces
    of two places or none, extras."""
    n = draw(st.integers(1, 3))
    twins = n >= 2 and draw(st.booleans())
    slots = []
    for i in range(n):
        if twins and i == 1:
            slots.append(slots[0])
            continue
        lo = draw(st.integers(0, 6))
        extras = tuple(draw(st.lists(st.sampled_from([1, 2, 5]), max_size=1)))
        slots.append(
            Slot(
                coef=draw(st.integers(1, 3)),
                lo=lo,
                hi=lo + draw(st.integers(5, 40)),
                room=draw(st.none() | st.integers(0, 3)),
                extras=extras,
                group=0 if twins and i == 0 else None,
            )
        )
    if twins:
        slots[1] = slots[0]
    sink = draw(st.booleans())
    if sink:
        slots.append(Slot(coef=0, lo=0, hi=0, room=draw(st.integers(1, 2))))
    pieces = []
    for _ in range(draw(st.integers(1, 5))):
        value = draw(st.sampled_from([4, 6, 8, 10, 12, 5, 7]))
        values = (value, value - 1) if draw(st.booleans()) else (value,)
        chosen = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        if twins and (0 in chosen) != (1 in chosen):
            chosen = sorted({*chosen, 0, 1})
        options = [(i, values) for i in sorted(chosen)]
        if sink and draw(st.booleans()):
            options.append((n, (0,)))
        pieces.append(Piece(options=tuple(options), places=draw(st.sampled_from([1, 1, 1, 2, 0]))))
    return Problem(slots=tuple(slots), pieces=tuple(pieces))


def reachable(problem: Problem) -> set[tuple[int, ...]]:
    """Every measure vector a packing reaches, by brute force, interchangeable slots'
    measures in non-increasing order (the form the search lists)."""
    slots = problem.slots
    out = set()
    choices = [[(i, v) for i, values in piece.options for v in values] for piece in problem.pieces]
    for pick in itertools.product(*choices):
        used = [0] * len(slots)
        q = [s.lo for s in slots]
        for piece, (i, v) in zip(problem.pieces, pick, strict=True):
            used[i] += piece.places
            q[i] += v
        if any(s.room is not None and u > s.room for s, u in zip(slots, used, strict=True)):
            continue
        for extra in itertools.product(*[_subsets(s.extras) for s in slots]):
            vector = [x + e if s.coef else 0 for s, x, e in zip(slots, q, extra, strict=True)]
            if all(x <= s.hi for s, x in zip(slots, vector, strict=True) if s.coef):
                out.add(_canonical(problem, vector))
    return out


def _subsets(values: tuple[int, ...]) -> list[int]:
    return sorted(
        {sum(c) for r in range(len(values) + 1) for c in itertools.combinations(values, r)}
    )


def _canonical(problem: Problem, vector: list[int]) -> tuple[int, ...]:
    out = list(vector)
    groups: dict[int, list[int]] = {}
    for i, s in enumerate(problem.slots):
        if s.group is not None:
            groups.setdefault(s.group, []).append(i)
    for members in groups.values():
        for i, x in zip(members, sorted((out[i] for i in members), reverse=True), strict=True):
            out[i] = x
    return tuple(out)


def whole_boxes(problem: Problem) -> list[tuple[int, int]]:
    top = sum(max(v for _, vs in p.options for v in vs) for p in problem.pieces) + 20
    return [(s.lo, s.hi) if s.coef else (0, top) for s in problem.slots]


@SETTINGS
@given(packings())
def test_no_modulus_accepts_exactly_the_reachable_vectors(problem):
    """The exact packer lists every reachable vector and nothing else."""
    found = Search(problem, None, whole_boxes(problem), 10**7).below(10**9)
    assert {_canonical(problem, list(q)) for _, q in found} == reachable(problem)


@SETTINGS
@given(packings())
def test_every_modulus_keeps_every_reachable_vector(problem):
    """Coarse pieces tracked by their total only: a weaker test, never a wrong one."""
    truth = reachable(problem)
    for m in coarse_moduli(problem):
        for counting in (False, True):
            search = Search(problem, m, whole_boxes(problem), 10**7, counting=counting)
            found = {q for _, q in search.below(10**9)}
            assert truth <= found, (m, counting, truth - found)


@SETTINGS
@given(packings())
def test_the_cheapest_accepted_vector_is_no_dearer_than_the_cheapest_reachable(problem):
    """``cheapest`` is a floor on every reachable vector's cost, and exact with no modulus."""
    truth = reachable(problem)
    best = min((problem.cost(q) for q in truth), default=float("inf"))
    assert Search(problem, None, whole_boxes(problem), 10**7).cheapest() == best
    for m in coarse_moduli(problem):
        assert Search(problem, m, whole_boxes(problem), 10**7).cheapest() <= best


@SETTINGS
@given(packings())
def test_exact_windows_ask_whether_one_vector_packs(problem):
    """With one value per measured slot, ``packs`` says whether that vector is reachable."""
    truth = reachable(problem)
    boxes = whole_boxes(problem)
    for q in sorted(truth)[:6]:
        for shift in (0, 1, -1):
            probe = [x + shift if s.coef else x for s, x in zip(problem.slots, q, strict=True)]
            if any(
                not s.lo <= x <= s.hi for s, x in zip(problem.slots, probe, strict=True) if s.coef
            ):
                continue  # windows are the caller's: the loop never asks outside the box
            exact = [
                (x, x) if s.coef else box
                for s, x, box in zip(problem.slots, probe, boxes, strict=True)
            ]
            packs = Search(problem, None, exact, 10**7).packs()
            assert packs == (_canonical(problem, probe) in truth), probe


def test_a_discounted_option_is_never_lost_to_the_modulus():
    """Siblings of 10 counting 9 together reach 18, though whole weights are multiples of 10."""
    piece = Piece(options=((0, (10, 9)),))
    problem = Problem(slots=(Slot(coef=1, lo=0, hi=100, room=None),), pieces=(piece, piece))
    for m in coarse_moduli(problem):
        found = {q for _, q in Search(problem, m, [(0, 100)], 10**6).below(10**6)}
        assert {(18,), (19,), (20,)} <= found


def test_the_search_gives_up_past_its_budget():
    """A budget of a handful of steps ends in GiveUp, not in a wrong answer."""
    from allocator.proof import GiveUp

    piece = Piece(options=((0, (3,)), (1, (3,))))
    slot = Slot(coef=1, lo=0, hi=100, room=None)
    problem = Problem(slots=(slot, slot), pieces=(piece,) * 12)
    search = Search(problem, None, [(0, 100), (0, 100)], 5, lazy=True)
    try:
        search.prepare()
        search.below(10**6)
    except GiveUp:
        return
    raise AssertionError("expected GiveUp")
