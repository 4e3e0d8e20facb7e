"""The greedy baseline: what a manager does by hand, and the solver's first hint.

Heaviest first (a sibling group counts as one block), each to the eligible
worker with the lowest utilisation who has room under every cap, preferring the
worker who already holds a sibling. Existing allocations are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.instance import Instance
from models import SiblingMode


@dataclass
class _Room:
    """Running totals a cap is checked against."""

    count: list[int]
    load: list[float]
    category: list[dict[str, int]]
    arrivals: list[int]
    team_cases: dict[str, set[str]]
    placed: dict[int, int | None] = field(default_factory=dict)


def greedy(inst: Instance) -> list[int | None]:
    """Worker index for every child (``None`` = unallocated) under the greedy rule."""
    assignment: list[int | None] = [
        None if ch.movable and not _stays(inst, ch.index) else ch.current for ch in inst.children
    ]
    room = _Room(
        count=[0] * len(inst.workers),
        load=[0.0] * len(inst.workers),
        category=[{} for _ in inst.workers],
        arrivals=[0] * len(inst.workers),
        team_cases={team: set() for team in inst.team_workers},
    )
    for ch in inst.children:
        w = assignment[ch.index]
        if w is not None:
            room.count[w] += 1
            room.load[w] += ch.weight
            cat = ch.child.category
            room.category[w][cat] = room.category[w].get(cat, 0) + 1
            room.team_cases[ch.child.team_id].add(ch.case)

    for block in _blocks(inst, assignment):
        anchors = _anchors(inst, block, assignment)
        common = set(inst.children[block[0]].candidates)
        for c in block[1:]:
            common &= set(inst.children[c].candidates)
        target = _best(inst, room, block, [w for w in anchors if w in common]) or _best(
            inst, room, block, sorted(common)
        )
        if target is not None:
            for c in block:
                _place(inst, room, assignment, c, target)
        elif len(block) > 1 and inst.policy.siblings is SiblingMode.TOGETHER_WHERE_POSSIBLE:
            for c in sorted(block, key=lambda c: (-inst.children[c].weight, c)):
                w = _best(inst, room, [c], inst.children[c].candidates)
                if w is not None:
                    _place(inst, room, assignment, c, w)
    return assignment


def _stays(inst: Instance, c: int) -> bool:
    """A rebalanced child keeps its worker in the greedy proposal (no moves)."""
    ch = inst.children[c]
    return ch.current is not None and not inst.workers[ch.current].released


def _blocks(inst: Instance, assignment: list[int | None]) -> list[list[int]]:
    """Children to place, siblings grouped, heaviest block first (ties by input order)."""
    waiting = [ch.index for ch in inst.children if ch.movable and assignment[ch.index] is None]
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


def _anchors(inst: Instance, block: list[int], assignment: list[int | None]) -> list[int]:
    family = inst.children[block[0]].family
    if family is None:
        return []
    members = inst.families.get(family, [])
    return sorted({w for c in members if (w := assignment[c]) is not None})


def _fits(inst: Instance, room: _Room, block: list[int], w: int) -> bool:
    info = inst.workers[w]
    k = len(block)
    if room.count[w] + k > max(info.count_cap, info.children_before):
        return False
    extra = sum(inst.children[c].weight for c in block)
    if (
        info.load_cap is not None
        and room.load[w] + extra > max(info.load_cap, info.load_before) + 1e-9
    ):
        return False
    for cat, cap in info.category_caps.items():
        n = sum(1 for c in block if inst.children[c].child.category == cat)
        if n and room.category[w].get(cat, 0) + n > max(cap, info.category_before.get(cat, 0)):
            return False
    if info.pacing_limit is not None and room.arrivals[w] + k > info.pacing_limit:
        return False
    team = inst.children[block[0]].child.team_id
    limit = inst.oversight_max.get(team)
    cases = room.team_cases[team]
    new = {inst.children[c].case for c in block} - cases
    return not (
        limit is not None
        and new
        and len(cases) + len(new) > max(limit, inst.team_cases_before[team])
    )


def _best(inst: Instance, room: _Room, block: list[int], options: list[int]) -> int | None:
    """Lowest utilisation after the block among workers it fits (ties: input order)."""
    extra = sum(inst.children[c].weight for c in block)
    best, best_key = None, None
    for w in options:
        if not _fits(inst, room, block, w):
            continue
        key = ((room.load[w] + extra) / inst.workers[w].capacity, w)
        if best_key is None or key < best_key:
            best, best_key = w, key
    return best


def _place(inst: Instance, room: _Room, assignment: list[int | None], c: int, w: int) -> None:
    ch = inst.children[c]
    assignment[c] = w
    room.count[w] += 1
    room.load[w] += ch.weight
    room.category[w][ch.child.category] = room.category[w].get(ch.child.category, 0) + 1
    room.arrivals[w] += 1
    room.team_cases[ch.child.team_id].add(ch.case)
