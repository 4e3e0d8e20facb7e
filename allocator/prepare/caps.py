"""Caps of each worker, pro-rata by capacity and rounded down.

A service's ``max_children_per_fte`` times capacity is the count cap. An
individual cap agreed in supervision (``max_children``) is scaled by the
worker's reductions like every other cap and never exceeds the service cap
after reductions; an override in force (``overrides.csv``, Barnet 001 s.5
items 2-3) sets the cap it records. ``max_load_per_fte`` caps the weighted
load, ``max_cases_per_fte`` the cases (a sibling group a worker holds counts
once: Merton 002 s.2.1), ``category_caps_per_fte`` one category, and a
caseload mix (Merton 002 s.2.4) caps categories by what else the worker holds.
An approval threshold (Barnet 001 s.3.7) limits new work unless the policy lets
the proposal cross it. The pacing limit caps new children per batch.
"""

from __future__ import annotations

import math

from allocator.prepare.instance import ApprovalLimit
from models import Override, Pacing, Policy, ServicePolicy, Worker

ROUNDING = 1e-9
"""Tolerance when rounding a pro-rata cap down (``17.999999999`` is 18)."""


def per_fte(value: float | None, capacity: float) -> int | None:
    """``floor(value * capacity)``, or ``None`` when the policy sets no value."""
    return None if value is None else math.floor(value * capacity + ROUNDING)


def count_cap(
    worker: Worker,
    service: ServicePolicy,
    capacity: float,
    reduction: float,
    override: Override | None,
) -> tuple[int | None, str]:
    """Most children the worker may hold, and where that figure comes from.

    Returns ``(cap, source)``: ``source`` is ``override``, ``agreed``,
    ``service`` or ``none`` (no cap). A worker without capacity has cap 0.
    """
    if capacity <= 0:
        return 0, "service"
    service_cap = per_fte(service.max_children_per_fte, capacity)
    if override is not None:
        return override.max_children, "override"
    if worker.max_children is not None:
        agreed = math.floor(worker.max_children * (1 - reduction) + ROUNDING)
        if service_cap is not None and service_cap < agreed:
            return service_cap, "service"
        return agreed, "agreed"
    if service_cap is None:
        return None, "none"
    return service_cap, "service"


def load_cap(service: ServicePolicy, capacity: float) -> float | None:
    """Most weighted load: ``max_load_per_fte * capacity`` (4 decimals), or ``None``."""
    if service.max_load_per_fte is None:
        return None
    return round(service.max_load_per_fte * capacity, 4)


def category_caps(service: ServicePolicy, capacity: float) -> dict[str, int]:
    """Most children of each capped category: ``floor(per_fte * capacity)``."""
    return {
        cat: math.floor(v * capacity + ROUNDING) for cat, v in service.category_caps_per_fte.items()
    }


def mix_caps(service: ServicePolicy, capacity: float) -> tuple[dict[str, int], dict[str, int]]:
    """``(only, mixed)``: caps per category of the service's caseload mix, if any."""
    if service.mix is None:
        return {}, {}
    only = {k: math.floor(v * capacity + ROUNDING) for k, v in service.mix.only_max_per_fte.items()}
    mixed = {k: math.floor(v * capacity + ROUNDING) for k, v in service.mix.mixed_per_fte.items()}
    return only, mixed


def approval_limits(policy: Policy, fte_available: float) -> list[ApprovalLimit]:
    """The policy's approval thresholds as limits on one worker, per FTE after reductions
    (Barnet 001 s.3.3: pro-rata for part-time; s.3.7: "higher than 22")."""
    out = []
    for t in policy.thresholds:
        if t.approval is None or t.above is None:
            continue
        limit = t.above * fte_available
        if t.measure == "children":
            limit = math.floor(limit + ROUNDING)
        out.append(
            ApprovalLimit(
                name=t.name,
                measure=t.measure,
                limit=limit,
                per_fte=t.above,
                approver=t.approval,
                may_cross=t.allow_crossing,
            )
        )
    return out


def pacing_limit(pacing: Pacing, children_before: int) -> int | None:
    """New children the worker may take in this batch, or ``None`` for no limit."""
    return pacing.limit(children_before)
