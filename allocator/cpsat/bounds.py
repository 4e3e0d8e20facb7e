"""Lower bounds on ``sum_w load_w**2 / capacity_w`` for a fixed total load.

Water-filling: with the total load ``T`` fixed and each load at least what the
worker keeps, the continuous optimum raises the lowest utilisations to a common
level. On integers the same idea gives the exact integer bound, the
``(n - r) q**2 + r (q + 1)**2`` of equal loads generalised to lower bounds and
unequal capacities.
"""

from __future__ import annotations

import heapq
import math


def water_filling(total: float, floors: list[float], coefs: list[float]) -> float:
    """Min of ``sum a_w L_w**2`` s.t. ``sum L_w = total``, ``L_w >= floor_w`` (continuous).

    ``coefs`` are ``a_w = 1 / capacity_w`` (or any positive weights).
    """
    if not floors:
        return 0.0
    rest = total - sum(floors)
    if rest <= 0:
        return sum(a * f * f for a, f in zip(coefs, floors, strict=True))

    def filled(level: float) -> float:  # L_w = max(floor_w, level / (2 a_w))
        return sum(max(f, level / (2 * a)) for f, a in zip(floors, coefs, strict=True))

    lo, hi = 0.0, 1.0
    while filled(hi) < total:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if filled(mid) < total:
            lo = mid
        else:
            hi = mid
    loads = [max(f, hi / (2 * a)) for f, a in zip(floors, coefs, strict=True)]
    return sum(a * x * x for a, x in zip(coefs, loads, strict=True))


def integer_water_filling(total: int, floors: list[int], coefs: list[int]) -> int | None:
    """Min of ``sum a_w L_w**2`` over integers with ``sum L_w = total``, ``L_w >= floor_w``.

    Separable and convex, so giving each unit to the load whose square grows least
    (``a_w (2 L_w + 1)``) is exact. Starts from the continuous water level so only
    a few units per worker are placed one at a time. ``None`` when ``total`` is
    below the floors.
    """
    rest = total - sum(floors)
    if rest < 0:
        return None
    loads = list(floors)
    if rest > 0 and len(loads) > 0:
        # Continuous level: L_w = max(floor_w, level / a_w); take its integer part.
        lo_level, hi_level = (
            0.0,
            float(max(a * (f + rest) for a, f in zip(coefs, floors, strict=True))),
        )
        for _ in range(100):
            mid = (lo_level + hi_level) / 2
            if sum(max(f, mid / a) for f, a in zip(floors, coefs, strict=True)) > total:
                hi_level = mid
            else:
                lo_level = mid
        loads = [max(f, math.floor(lo_level / a)) for f, a in zip(floors, coefs, strict=True)]
        rest = total - sum(loads)
        heap = [(a * (2 * x + 1), i) for i, (a, x) in enumerate(zip(coefs, loads, strict=True))]
        heapq.heapify(heap)
        while rest > 0:
            _, i = heapq.heappop(heap)
            loads[i] += 1
            rest -= 1
            heapq.heappush(heap, (coefs[i] * (2 * loads[i] + 1), i))
    return sum(a * x * x for a, x in zip(coefs, loads, strict=True))
