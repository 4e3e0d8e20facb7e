"""Floors and windows of ``F(q) = sum_w a_w q_w**2`` over a box with a least total.

The balance objective (and the complexity stage's) depends only on the vector
``q`` of worker measures and is a separable convex quadratic. Over the convex
set ``{lo <= q <= hi, sum q >= total}`` its minimum ``q*`` is the water-filling
point: every measure rises to a common level ``q_w = level / a_w``, clamped to
its box. Two facts follow:

- ``F(q*)`` is a floor for every feasible allocation (the continuous bound);
  the integer version, filling one unit at a time where the square grows
  least, is tighter and still exact for integer measures.
- For any ``q`` in the set, ``F(q) - F(q*) >= sum_w a_w (q_w - q*_w)**2``
  (first-order optimality of ``q*`` over a convex set, and ``F`` is exactly
  quadratic). So a vector cheaper than ``theta`` keeps each ``q_w`` within
  ``sqrt((theta - F(q*)) / a_w)`` of ``q*_w``: its *window*.

Upper limits ``hi`` (from count room, load caps and approval limits) make the
floor much tighter where caps bind: without them water-filling pours load onto
a worker who cannot take it.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

SAFETY = 1e-9
"""Relative slack added to every window, so rounding never cuts a vector off."""


@dataclass(frozen=True)
class Fill:
    """The continuous water-filling point of one box and total."""

    loads: tuple[float, ...]
    """``q*``: the minimiser, one measure per worker (model units)."""
    value: float
    """``F(q*)``, in model units (``sum a q**2``)."""


def water_fill(total: int, lo: list[int], hi: list[int], coef: list[int]) -> Fill | None:
    """Minimise ``sum a_w q_w**2`` over real ``q`` with ``lo <= q <= hi`` and ``sum q >= total``.

    ``coef`` are the positive ``a_w``. ``None`` when ``sum hi < total`` (no vector in
    the box reaches the total). Bisection on the level, 200 steps: exact to float
    precision.
    """
    if sum(hi) < total:
        return None
    if sum(lo) >= total:
        return Fill(
            tuple(float(x) for x in lo),
            float(sum(a * x * x for a, x in zip(coef, lo, strict=True))),
        )

    def level_loads(level: float) -> list[float]:
        return [min(h, max(low, level / a)) for low, h, a in zip(lo, hi, coef, strict=True)]

    low_level, high_level = 0.0, float(max(a * h for a, h in zip(coef, hi, strict=True)))
    for _ in range(200):
        mid = (low_level + high_level) / 2
        if sum(level_loads(mid)) < total:
            low_level = mid
        else:
            high_level = mid
    loads = level_loads(high_level)
    value = sum(a * x * x for a, x in zip(coef, loads, strict=True))
    return Fill(tuple(loads), value)


def integer_fill(total: int, lo: list[int], hi: list[int], coef: list[int]) -> int | None:
    """Minimise ``sum a_w q_w**2`` over integers with ``lo <= q <= hi`` and ``sum q >= total``.

    Separable and convex, so giving each unit to the measure whose square grows
    least (``a_w (2 q_w + 1)``) is exact. Starts from the floor of the continuous
    point, so only a few units per worker are placed one at a time. ``None`` when
    ``sum hi < total``.
    """
    fill = water_fill(total, lo, hi, coef)
    if fill is None:
        return None
    q = [max(low, min(h, math.floor(x))) for low, h, x in zip(lo, hi, fill.loads, strict=True)]
    rest = total - sum(q)
    heap = [(a * (2 * x + 1), i) for i, (a, x) in enumerate(zip(coef, q, strict=True)) if x < hi[i]]
    heapq.heapify(heap)
    while rest > 0:
        _, i = heapq.heappop(heap)
        q[i] += 1
        rest -= 1
        if q[i] < hi[i]:
            heapq.heappush(heap, (coef[i] * (2 * q[i] + 1), i))
    return sum(a * x * x for a, x in zip(coef, q, strict=True))


def windows(
    fill: Fill, theta: float, lo: list[int], hi: list[int], coef: list[int]
) -> list[tuple[int, int]]:
    """Integer range of each ``q_w`` any vector with ``F(q) <= theta`` keeps to.

    ``q_w`` within ``sqrt((theta - F(q*)) / a_w)`` of ``q*_w``, intersected with the
    box, widened by :data:`SAFETY` so float rounding never cuts a vector off.
    """
    spare = max(0.0, theta - fill.value) * (1 + SAFETY) + SAFETY
    out = []
    for x, low, h, a in zip(fill.loads, lo, hi, coef, strict=True):
        reach = math.sqrt(spare / a) + SAFETY * (1 + abs(x))
        out.append((max(low, math.ceil(x - reach)), min(h, math.floor(x + reach))))
    return out
