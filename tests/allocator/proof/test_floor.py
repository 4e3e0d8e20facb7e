"""Water-filling floors and windows against brute force over small boxes."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.proof import integer_fill, water_fill, windows


@st.composite
def boxes(draw: st.DrawFn) -> tuple[int, list[int], list[int], list[int]]:
    """A total and 1-3 integer boxes with positive coefficients."""
    n = draw(st.integers(1, 3))
    lo = [draw(st.integers(0, 5)) for _ in range(n)]
    hi = [x + draw(st.integers(0, 6)) for x in lo]
    coef = [draw(st.integers(1, 4)) for _ in range(n)]
    total = draw(st.integers(sum(lo), sum(hi) + 2))
    return total, lo, hi, coef


def vectors(lo: list[int], hi: list[int]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(a, b + 1) for a, b in zip(lo, hi, strict=True))))


def cost(coef: list[int], q: tuple[int, ...]) -> int:
    return sum(a * x * x for a, x in zip(coef, q, strict=True))


@settings(max_examples=200, deadline=None)
@given(boxes())
def test_integer_fill_is_the_least_cost_of_any_integer_vector_reaching_the_total(box):
    """The integer floor equals brute force over the box (None when the box cannot reach)."""
    total, lo, hi, coef = box
    costs = [cost(coef, q) for q in vectors(lo, hi) if sum(q) >= total]
    assert integer_fill(total, lo, hi, coef) == (min(costs) if costs else None)


@settings(max_examples=200, deadline=None)
@given(boxes())
def test_water_fill_never_exceeds_the_integer_floor(box):
    """The continuous minimum is a floor on the integer one."""
    total, lo, hi, coef = box
    fill, exact = water_fill(total, lo, hi, coef), integer_fill(total, lo, hi, coef)
    assert (fill is None) == (exact is None)
    if fill is not None and exact is not None:
        assert fill.value <= exact + 1e-6


@settings(max_examples=200, deadline=None)
@given(boxes(), st.integers(0, 60))
def test_windows_hold_every_vector_cheaper_than_the_threshold(box, extra):
    """A vector in the box reaching the total with cost <= theta lies inside the windows."""
    total, lo, hi, coef = box
    fill = water_fill(total, lo, hi, coef)
    if fill is None:
        return
    theta = fill.value + extra
    wins = windows(fill, theta, lo, hi, coef)
    for q in vectors(lo, hi):
        if sum(q) >= total and cost(coef, q) <= theta:
            assert all(a <= x <= b for x, (a, b) in zip(q, wins, strict=True)), (q, wins)


def test_windows_are_narrow_near_the_floor():
    """At the floor itself each window is a point or two: the water level, rounded."""
    fill = water_fill(30, [0, 0, 0], [100, 100, 100], [1, 1, 1])
    assert fill is not None
    assert windows(fill, fill.value, [0, 0, 0], [100, 100, 100], [1, 1, 1]) == [(10, 10)] * 3
