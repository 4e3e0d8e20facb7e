"""The greedy baseline: what a manager does by hand, and the solver's first hint.

Heaviest first (a sibling group counts as one block), each to the eligible
worker with the lowest utilisation after taking it who has room under every
cap, preferring the worker who already holds a sibling. Existing allocations
are left as they are.
"""

from __future__ import annotations

from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import SiblingMode


def greedy(inst: Instance) -> list[int | None]:
    """Worker index for every child (``None`` = unallocated) under the greedy rule."""
    held = Holdings(
        inst,
        [None if ch.movable and not _stays(inst, ch.index) else ch.current for ch in inst.children],
    )
    for block in _blocks(inst, held):
        anchors = _anchors(inst, block, held)
        common = set(inst.children[block[0]].candidates)
        for c in block[1:]:
            common &= set(inst.children[c].candidates)
        target = _best(inst, held, block, [w for w in anchors if w in common])
        if target is None:  # (worker 0 is a real anchor: no `or` here)
            target = _best(inst, held, block, sorted(common))
        if target is not None:
            for c in block:
                held.place(c, target)
        elif len(block) > 1 and inst.policy.siblings is SiblingMode.TOGETHER_WHERE_POSSIBLE:
            for c in sorted(block, key=lambda c: (-inst.children[c].weight, c)):
                w = _best(inst, held, [c], inst.children[c].candidates)
                if w is not None:
                    held.place(c, w)
    return list(held.assignment)


def _stays(inst: Instance, c: int) -> bool:
    """A rebalanced child keeps its worker in the greedy proposal (no moves)."""
    ch = inst.children[c]
    return ch.current is not None and not inst.workers[ch.current].released


def _blocks(inst: Instance, held: Holdings) -> list[list[int]]:
    """Children to place, siblings grouped, heaviest block first (ties by input order)."""
    waiting = [ch.index for ch in inst.children if ch.movable and held.assignment[ch.index] is None]
    by_family: dict[str, list[int]] = {}
    blocks: list[list[int]] = []
    for c in waiting:
        family = inst.children[c].family
        if family is None:
            blocks.append([c])
        elif family in by_family:
            by_family[family].append(c)
        else:
            by_family[family] = [c]
            blocks.append(by_family[family])
    return sorted(blocks, key=lambda b: (-sum(inst.children[c].weight for c in b), b[0]))


def _anchors(inst: Instance, block: list[int], held: Holdings) -> list[int]:
    family = inst.children[block[0]].family
    if family is None:
        return []
    members = inst.families.get(family, [])
    return sorted({w for c in members if (w := held.assignment[c]) is not None})


def _best(inst: Instance, held: Holdings, block: list[int], options: list[int]) -> int | None:
    """Lowest utilisation after the block among workers it fits (ties: input order)."""
    best, best_key = None, None
    for w in options:
        if not held.fits(block, w):
            continue
        key = ((held.load(w) + held.added_load(block, w)) / inst.workers[w].capacity, w)
        if best_key is None or key < best_key:
            best, best_key = w, key
    return best
