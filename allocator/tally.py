"""Counts and loads per worker and team under one assignment."""

from __future__ import annotations

from dataclasses import dataclass

from allocator.prepare import Instance, effective_weights, holders


@dataclass
class Tally:
    """What every worker and team holds when children are assigned as given."""

    assignment: list[int | None]
    weights: list[float]
    """Weight each child counts for (sibling discount applied)."""
    count: list[int]
    load: list[float]
    category: list[dict[str, int]]
    arrivals: list[int]
    team_cases: dict[str, set[str]]
    """Cases (a sibling group counts once) each team holds."""

    def utilisation(self, inst: Instance, w: int) -> float:
        cap = inst.workers[w].capacity
        return self.load[w] / cap if cap > 0 else 0.0


def tally(inst: Instance, assignment: list[int | None]) -> Tally:
    """Recount everything for ``assignment`` (index = child, value = worker or ``None``)."""
    n = len(inst.workers)
    weights = effective_weights(inst.children, assignment)
    t = Tally(
        assignment=assignment,
        weights=weights,
        count=[0] * n,
        load=[0.0] * n,
        category=[{} for _ in range(n)],
        arrivals=[0] * n,
        team_cases={team: set() for team in inst.team_workers},
    )
    for ch in inst.children:
        w = assignment[ch.index]
        if w is None:
            continue
        t.count[w] += 1
        t.load[w] += weights[ch.index]
        cat = ch.child.category
        t.category[w][cat] = t.category[w].get(cat, 0) + 1
        if ch.current != w:
            t.arrivals[w] += 1
        t.team_cases[ch.child.team_id].add(ch.case)
    t.load = [round(x, 4) for x in t.load]
    return t


def objective(inst: Instance, t: Tally) -> float:
    """``sum_w load_w**2 / capacity_w`` over workers with capacity (the contract's objective)."""
    return sum(t.load[w.index] ** 2 / w.capacity for w in inst.workers if w.capacity > 0)


def splits(inst: Instance, assignment: list[int | None]) -> dict[str, list[int]]:
    """Families held by more than one worker -> the holders (sorted)."""
    return {
        family: sorted(held)
        for family, held in sorted(holders(inst.children, assignment).items())
        if len(held) > 1
    }


def blocking_caps(inst: Instance, t: Tally, c: int, w: int) -> list[tuple[str, str]]:
    """Caps that adding child ``c`` to worker ``w`` would break, given ``t``
    (ignoring ``c``'s own current place). Each is ``(rule, plain words)``."""
    ch = inst.children[c]
    info = inst.workers[w]
    wid = info.worker_id
    own = 1 if t.assignment[c] == w else 0
    blocked = []
    count = t.count[w] - own
    if count + 1 > max(info.count_cap, info.children_before):
        blocked.append(("count_cap", f"{wid} holds {count} children, cap {info.count_cap}"))
    load = t.load[w] - (t.weights[c] if own else 0.0)
    limit = None if info.load_cap is None else max(info.load_cap, info.load_before)
    if limit is not None and load + ch.weight > limit + 1e-9:
        blocked.append(("load_cap", f"{wid} carries load {load:g} of {limit:g}"))
    cat = ch.child.category
    cap = info.category_caps.get(cat)
    if cap is not None:
        held = t.category[w].get(cat, 0) - own
        if held + 1 > max(cap, info.category_before.get(cat, 0)):
            blocked.append(("category_cap", f"{wid} holds {held} '{cat}' children, cap {cap}"))
    if info.pacing_limit is not None and ch.current != w:
        arrivals = t.arrivals[w] - own
        if arrivals + 1 > info.pacing_limit:
            blocked.append(("pacing", f"{wid} already takes {arrivals} new children this batch"))
    team = ch.child.team_id
    limit_t = inst.oversight_max.get(team)
    cases = t.team_cases[team]
    if (
        limit_t is not None
        and t.assignment[c] is None
        and ch.case not in cases
        and len(cases) + 1 > max(limit_t, inst.team_cases_before[team])
    ):
        blocked.append(
            (
                "oversight",
                f"team {team} holds {len(cases)} cases, "
                f"the manager's oversight maximum is {limit_t}",
            )
        )
    return blocked
