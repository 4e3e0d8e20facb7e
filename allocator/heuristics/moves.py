"""Steepest-descent moves for rebalancing: the hint the rebalancing model starts from.

Repeatedly make the single move (an existing child to another eligible worker
of its team) that lowers ``sum load**2 / capacity`` most, within every cap,
until the move budget is spent or no move helps. Children held with a sibling
are not moved away from them.
"""

from __future__ import annotations

from allocator.holdings import Holdings
from allocator.prepare import Instance


def improve_by_moves(
    inst: Instance, assignment: list[int | None], max_moves: int
) -> list[int | None]:
    """A copy of ``assignment`` with up to ``max_moves`` improving moves applied."""
    held = Holdings(inst, assignment)
    with_sibling = {
        c
        for c in range(len(assignment))
        if assignment[c] is not None
        and any(
            s != c and assignment[s] == assignment[c]
            for s in inst.families.get(inst.children[c].family or "", [])
        )
    }
    movable = [
        ch
        for ch in inst.children
        if ch.movable
        and ch.current is not None
        and assignment[ch.index] == ch.current
        and not inst.workers[ch.current].released
        and ch.index not in with_sibling
        and len(ch.candidates) > 1
    ]
    moved: set[int] = set()
    for _ in range(max_moves):
        best = None
        for ch in movable:
            c = ch.index
            if c in moved:
                continue
            frm = held.assignment[c]
            assert frm is not None
            gain_from = _change(held.load(frm), -held.removed_load(c), inst.workers[frm].capacity)
            for to in ch.candidates:
                if to == frm or not held.fits([c], to):
                    continue
                grow = held.added_load([c], to)
                delta = gain_from + _change(held.load(to), grow, inst.workers[to].capacity)
                if delta < -1e-9 and (best is None or (delta, c, to) < best):
                    best = (delta, c, to)
        if best is None:
            break
        _, c, to = best
        held.place(c, to)
        moved.add(c)
    return list(held.assignment)


def _change(load: float, weight: float, capacity: float) -> float:
    """Change of ``load**2 / capacity`` when ``weight`` is added (0 without capacity)."""
    return ((load + weight) ** 2 - load**2) / capacity if capacity > 0 else 0.0
