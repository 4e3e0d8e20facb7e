"""The proof loop with a brute-force check: it finds the cheapest reachable vector, its floor
is never above it, and it says when it gives up."""

from __future__ import annotations

from hypothesis import given, settings

from allocator.proof import Piece, Problem, Slot, Verdict, prove
from tests.allocator.proof.test_search import _canonical, packings, reachable

SETTINGS = settings(max_examples=150, deadline=None)


def brute_force_confirm(problem: Problem):
    truth = reachable(problem)

    def confirm(q: tuple[int, ...]) -> Verdict:
        ok = _canonical(problem, list(q)) in truth
        return Verdict(ok, assignment=q if ok else None, effort=0.001)

    return confirm


@SETTINGS
@given(packings())
def test_the_proof_finds_the_cheapest_reachable_vector(problem):
    """Proven value = brute-force minimum; the vector itself is reachable."""
    truth = reachable(problem)
    proof = prove(problem, brute_force_confirm(problem), steps=10**7, effort=100)
    if not truth:
        assert not proof.proven
        return
    best = min(problem.cost(q) for q in truth)
    assert proof.proven, proof.why
    assert proof.value == best
    assert proof.vector in truth
    assert proof.floor == best
    assert all(problem.cost(q) == best for q in proof.ties)


@SETTINGS
@given(packings())
def test_an_incumbent_caps_the_search_without_changing_the_answer(problem):
    """Starting from any reachable vector's cost as the upper bound gives the same optimum."""
    truth = reachable(problem)
    if not truth:
        return
    worst = max(problem.cost(q) for q in truth)
    proof = prove(problem, brute_force_confirm(problem), upper=worst, steps=10**7, effort=100)
    assert proof.proven and proof.value == min(problem.cost(q) for q in truth)


@SETTINGS
@given(packings())
def test_giving_up_keeps_a_true_floor(problem):
    """Out of steps: not proven, and the floor is still no higher than the optimum."""
    truth = reachable(problem)
    proof = prove(problem, brute_force_confirm(problem), steps=3, effort=100)
    if truth and not proof.proven:
        assert proof.why
        assert proof.floor <= min(problem.cost(q) for q in truth)


def test_a_check_that_cannot_decide_ends_the_proof():
    """``confirm`` out of effort (None): the proof stops and says so rather than guess."""
    slot = Slot(coef=1, lo=0, hi=20, room=None)
    problem = Problem(slots=(slot,), pieces=(Piece(options=((0, (3,)),)),))
    proof = prove(problem, lambda q: Verdict(None, effort=1.0), steps=10**6, effort=10)
    assert not proof.proven
    assert proof.why == "confirmations ran out of effort"


def test_rules_the_packing_cannot_see_are_left_to_the_check():
    """A rule only the check knows refutes the packing's best: the next cheapest accepted wins."""
    slot = Slot(coef=1, lo=0, hi=20, room=None)
    piece = Piece(options=((0, (2,)), (1, (2,))))
    problem = Problem(slots=(slot, slot), pieces=(piece, piece))

    def confirm(q: tuple[int, ...]) -> Verdict:
        return Verdict(q != (2, 2), assignment=q)  # say a rule forbids splitting the two

    proof = prove(problem, confirm, steps=10**6, effort=10)
    assert proof.proven
    assert proof.vector in {(4, 0), (0, 4)}
    assert proof.value == 16
    assert proof.model_refuted == 1
