"""Workload weight of each child, and the priority of children waiting for a worker."""

from __future__ import annotations

from datetime import date

from models import Child, Policy


def child_weight(child: Child, policy: Policy) -> float:
    """Weight of a child before any sibling discount.

    An explicit ``weight`` wins; otherwise
    ``category * level + sum(flag additions) + travel addition``, rounded to
    2 decimals (see :class:`models.Weighting`).
    """
    if child.weight is not None:
        return round(child.weight, 2)
    w = policy.weighting
    base = w.category.get(child.category, 1.0)
    level = w.level.get(child.level if child.level is not None else w.default_level, 1.0)
    weight = base * level + sum(w.flags.get(flag, 0.0) for flag in child.flags)
    if child.distance_miles is not None and child.distance_miles > w.travel_miles:
        weight += w.travel_addition
    return round(weight, 2)


def discounted(weight: float, policy: Policy) -> float:
    """Weight of a child held by the same worker as a sibling."""
    return round(weight * (1 - policy.weighting.sibling_discount), 2)


def priority_tier(child: Child, policy: Policy) -> int:
    """2 statutory (child protection, in care, court), 1 risk flag, 0 otherwise."""
    p = policy.priorities
    if child.category in p.statutory_categories or child.flags & set(p.statutory_flags):
        return 2
    if child.flags & set(p.risk_flags):
        return 1
    return 0


def days_waiting(child: Child, as_of: date) -> int:
    """Whole days since referral (0 when not given or in the future)."""
    if child.referred_on is None:
        return 0
    return max(0, (as_of - child.referred_on).days)
