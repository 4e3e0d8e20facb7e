"""Caps of each worker, pro-rata by capacity and rounded down.

A service's ``max_children_per_fte`` times capacity is the count cap unless an
individual ``max_children`` was agreed; ``max_load_per_fte`` caps the weighted
load; ``category_caps_per_fte`` cap one category (Merton 002 s.2.4: "no more
than 10 children in care and 10 care leavers"); the pacing limit caps new
children per batch.
"""

from __future__ import annotations

import math

from models import Pacing, ServicePolicy, Worker

ROUNDING = 1e-9
"""Tolerance when rounding a pro-rata cap down (``17.999999999`` is 18)."""


def count_cap(worker: Worker, service: ServicePolicy, capacity: float) -> int:
    """Most children the worker may hold: the agreed ``max_children`` if given, else
    ``floor(max_children_per_fte * capacity)``; 0 without capacity."""
    if capacity <= 0:
        return 0
    if worker.max_children is not None:
        return worker.max_children
    return math.floor(service.max_children_per_fte * capacity + ROUNDING)


def load_cap(service: ServicePolicy, capacity: float) -> float | None:
    """Most weighted load: ``max_load_per_fte * capacity`` (4 decimals), or ``None``."""
    if service.max_load_per_fte is None:
        return None
    return round(service.max_load_per_fte * capacity, 4)


def category_caps(service: ServicePolicy, capacity: float) -> dict[str, int]:
    """Most children of each capped category: ``floor(per_fte * capacity)``."""
    return {
        category: math.floor(per_fte * capacity + ROUNDING)
        for category, per_fte in service.category_caps_per_fte.items()
    }


def pacing_limit(pacing: Pacing, children_before: int) -> int | None:
    """New children the worker may take in this batch, or ``None`` for no limit."""
    return pacing.limit(children_before)
