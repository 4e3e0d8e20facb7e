"""Tests for allocator.holdings: one tally of what workers and teams hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.holdings import Holdings
from allocator.prepare import effective_weights, prepare
from models import Options, Policy, ServicePolicy, Weighting
from tests.support import AS_OF, child, problem, worker

DISCOUNT = Policy(
    services={"cin": ServicePolicy(max_children_per_fte=20)},
    weighting=Weighting(sibling_discount=0.2),
)


def family_instance():
    """Three workers; a family of three (F1) and a single child, all waiting."""
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3", fte=0.5)],
        children=[
            child("A", family_id="F1", weight=1.0),
            child("B", family_id="F1", weight=2.0),
            child("C", family_id="F1", weight=1.5),
            child("D", weight=1.25),
        ],
    )
    return prepare(data, DISCOUNT, Options(as_of=AS_OF))


def snapshot(held: Holdings) -> tuple:
    """Everything a Holdings counts, comparable between two of them."""
    cases = {team: dict(c) for team, c in held.team_cases.items()}
    return (
        held.assignment,
        held.weights,
        held.count,
        held.arrivals,
        [dict((k, v) for k, v in cat.items() if v) for cat in held.category],
        cases,
        held.loads,
    )


def test_siblings_together_both_count_the_discount():
    """A second sibling on a worker discounts both (and a third) by the policy's 20%."""
    inst = family_instance()
    held = Holdings(inst, [0, None, None, None])
    assert held.load(0) == 1.0
    assert held.added_load([1], 0) == pytest.approx(1.6 - 0.2)  # B at 80%, A loses 0.2
    held.place(1, 0)
    assert held.load(0) == 2.4  # 0.8 + 1.6
    held.place(2, 0)
    assert held.load(0) == 3.6  # 0.8 + 1.6 + 1.2


def test_leaving_a_sibling_alone_gives_back_its_full_weight():
    """When one of two siblings leaves, the one who stays counts its full weight again."""
    inst = family_instance()
    held = Holdings(inst, [0, 0, None, None])
    assert held.removed_load(1) == pytest.approx(1.6 - 0.2)
    held.place(1, 1)
    assert (held.load(0), held.load(1)) == (1.0, 2.0)
    assert held.weights[:2] == [1.0, 2.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([None, 0, 1, 2])), max_size=12))
def test_moves_one_at_a_time_equal_a_fresh_count(moves):
    """Any sequence of placements leaves the tally a fresh count of the result would give."""
    inst = family_instance()
    held = Holdings(inst, [None] * 4)
    for c, w in moves:
        held.place(c, w)
    fresh = Holdings(inst, held.assignment)
    assert snapshot(held) == snapshot(fresh)
    expected = effective_weights(inst.children, held.assignment)
    assert held.weights == expected
    for w in range(3):
        total = sum(x for x, a in zip(expected, held.assignment, strict=True) if a == w)
        assert held.load(w) == round(total, 4)


def test_splits_name_every_holder_of_a_family():
    """A family held by two workers is a split, listed with both holders."""
    inst = family_instance()
    assert Holdings(inst, [0, 2, 0, None]).splits() == {"F1": [0, 2]}
    assert Holdings(inst, [0, 0, 0, 1]).splits() == {}
