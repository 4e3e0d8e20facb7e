"""Steepest-descent moves for rebalancing: the hint the rebalancing model starts from.

Repeatedly make the single move (an existing child to another eligible worker
of its team) that lowers ``sum load**2 / capacity`` most, within every cap,
until the move budget is spent or no move helps. Children held with a sibling
are not moved away from them.
"""

from __future__ import annotations

from allocator.instance import ChildInfo, Instance
from allocator.tally import tally


def improve_by_moves(
    inst: Instance, assignment: list[int | None], max_moves: int
) -> list[int | None]:
    """A copy of ``assignment`` with up to ``max_moves`` improving moves applied."""
    out = list(assignment)
    t = tally(inst, out)
    load = list(t.load)
    count = list(t.count)
    arrivals = list(t.arrivals)
    category = [dict(c) for c in t.category]
    with_sibling = {
        c
        for c in range(len(out))
        if inst.children[c].family is not None
        and out[c] is not None
        and any(
            s != c and out[s] == out[c]
            for s in inst.families.get(inst.children[c].family or "", [])
        )
    }
    movable = [
        ch
        for ch in inst.children
        if ch.movable
        and ch.current is not None
        and out[ch.index] == ch.current
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
            frm = out[c]
            assert frm is not None
            a = ch.weight
            cap_from = inst.workers[frm].capacity
            gain_from = ((load[frm] - a) ** 2 - load[frm] ** 2) / cap_from if cap_from > 0 else 0.0
            for to in ch.candidates:
                if to == frm or not _fits(inst, to, ch, load, count, arrivals, category):
                    continue
                info = inst.workers[to]
                delta = gain_from + ((load[to] + a) ** 2 - load[to] ** 2) / info.capacity
                if delta < -1e-9 and (best is None or (delta, c, to) < best):
                    best = (delta, c, to)
        if best is None:
            break
        _, c, to = best
        ch = inst.children[c]
        frm = out[c]
        assert frm is not None
        out[c] = to
        moved.add(c)
        load[frm] -= ch.weight
        load[to] += ch.weight
        count[frm] -= 1
        count[to] += 1
        arrivals[to] += 1
        cat = ch.child.category
        category[frm][cat] -= 1
        category[to][cat] = category[to].get(cat, 0) + 1
    return out


def _fits(
    inst: Instance,
    w: int,
    ch: ChildInfo,
    load: list[float],
    count: list[int],
    arrivals: list[int],
    category: list[dict[str, int]],
) -> bool:
    info = inst.workers[w]
    child = ch.child
    if count[w] + 1 > max(info.count_cap, info.children_before):
        return False
    if info.load_cap is not None and (
        load[w] + ch.weight > max(info.load_cap, info.load_before) + 1e-9
    ):
        return False
    cap = info.category_caps.get(child.category)
    if cap is not None and category[w].get(child.category, 0) + 1 > max(
        cap, info.category_before.get(child.category, 0)
    ):
        return False
    return info.pacing_limit is None or arrivals[w] + 1 <= info.pacing_limit
