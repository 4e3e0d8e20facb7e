"""Weights in the model's integer units, and the sibling discount under an assignment.

A child held by the same worker as a sibling counts its ``together`` weight
(``Weighting.together``); everything that totals loads goes through
:func:`effective_weights`, so the discount is applied in one place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import reduce

from allocator.prepare.instance import ChildInfo


def weight_unit(weights: list[float]) -> float:
    """Largest unit (a multiple of 0.01) in which every weight is a whole number.

    Examples
    --------
    >>> weight_unit([1.25, 1.0, 0.75]), weight_unit([2.31, 1.0])
    (0.25, 0.01)
    """
    hundredths = [round(w * 100) for w in weights if w > 0]
    if not hundredths:
        return 1.0
    return reduce(math.gcd, hundredths) / 100


Assignment = Sequence[int | None] | Mapping[int, int | None]
"""Child index -> worker index (``None``: waiting): a list over every child, or a
mapping over the children given."""


def holders(children: Sequence[ChildInfo], assignment: Assignment) -> dict[str, dict[int, int]]:
    """Family -> worker index -> number of the family's children that worker holds
    (in the active caseload: a child awaiting closure discounts no sibling).
    Only ``children`` are counted."""
    held: dict[str, dict[int, int]] = {}
    for ch in children:
        w = assignment[ch.index]
        if ch.family is not None and w is not None and ch.active:
            counts = held.setdefault(ch.family, {})
            counts[w] = counts.get(w, 0) + 1
    return held


def effective_weights(children: Sequence[ChildInfo], assignment: Assignment) -> list[float]:
    """Weight each of ``children`` counts for under ``assignment`` (sibling discount
    applied; only siblings among ``children`` count), in their order."""
    held = holders(children, assignment)
    out = []
    for ch in children:
        w = assignment[ch.index]
        together = ch.family is not None and w is not None and ch.active and held[ch.family][w] > 1
        out.append(ch.weight_together if together else ch.weight)
    return out
