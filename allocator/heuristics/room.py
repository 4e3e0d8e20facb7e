"""Running totals of what each worker and team holds, and whether more fits.

Shared by the greedy baseline and the rebalancing moves, so both apply the
caps the model does: ``after <= max(cap, before)`` for count, load, category
and team cases, and the pacing limit on new arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass

from allocator.prepare import Instance


@dataclass
class Room:
    """What each worker holds (count, load at full weights, per category, arrivals)
    and the cases each team holds, under one assignment."""

    count: list[int]
    load: list[float]
    category: list[dict[str, int]]
    arrivals: list[int]
    team_cases: dict[str, set[str]]


def room_for(inst: Instance, assignment: list[int | None]) -> Room:
    """The totals of ``assignment`` (children with ``None`` are not held)."""
    room = Room(
        count=[0] * len(inst.workers),
        load=[0.0] * len(inst.workers),
        category=[{} for _ in inst.workers],
        arrivals=[0] * len(inst.workers),
        team_cases={team: set() for team in inst.team_workers},
    )
    for ch in inst.children:
        w = assignment[ch.index]
        if w is not None:
            _add(inst, room, ch.index, w)
    return room


def fits(inst: Instance, room: Room, block: list[int], w: int) -> bool:
    """Whether worker ``w`` may take every child of ``block`` on top of ``room``."""
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


def place(inst: Instance, room: Room, assignment: list[int | None], c: int, w: int) -> None:
    """Give child ``c`` to worker ``w`` (from wherever it is), updating ``room``."""
    frm = assignment[c]
    if frm is not None:
        ch = inst.children[c]
        room.count[frm] -= 1
        room.load[frm] -= ch.weight
        room.category[frm][ch.child.category] -= 1
        if ch.current != frm:
            room.arrivals[frm] -= 1
    assignment[c] = w
    _add(inst, room, c, w)


def _add(inst: Instance, room: Room, c: int, w: int) -> None:
    ch = inst.children[c]
    room.count[w] += 1
    room.load[w] += ch.weight
    cat = ch.child.category
    room.category[w][cat] = room.category[w].get(cat, 0) + 1
    if ch.current != w:
        room.arrivals[w] += 1
    room.team_cases[ch.child.team_id].add(ch.case)
