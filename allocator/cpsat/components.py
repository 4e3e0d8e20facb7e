"""Split an instance into independent sub-problems (teams that share no worker)."""

from __future__ import annotations

from allocator.cpsat.variables import Component
from allocator.prepare import Instance


def components(instance: Instance, decompose: bool = True) -> list[Component]:
    """Connected components of workers linked by a movable child's candidates.

    A global limit (``--max-moves``) couples every team, so rebalancing is one
    component; so is every run with ``decompose=False``. Components come out in
    the order of their first worker, so the split is deterministic.
    """
    n = len(instance.workers)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    movable = [ch for ch in instance.children if ch.movable and ch.candidates]
    for ch in movable:
        for w in ch.candidates[1:]:
            union(ch.candidates[0], w)
    for team in instance.team_workers.values():  # a team is never split
        for w in team[1:]:
            union(team[0], w)
    for group in instance.oversight:  # a hard oversight limit spans a manager's teams
        led = [w for t in group.teams for w in instance.team_workers[t]]
        for w in led[1:]:
            union(led[0], w)
    if not decompose or instance.options.rebalance:
        for w in range(1, n):
            union(0, w)

    by_root: dict[int, Component] = {}
    for ch in movable:
        root = find(ch.candidates[0])
        by_root.setdefault(root, Component(workers=[], children=[])).children.append(ch.index)
    for w in range(n):
        comp = by_root.get(find(w))
        if comp is not None:
            comp.workers.append(w)
    for ch in instance.children:
        # A movable child is never kept (one with no eligible worker ends unallocated).
        # A child awaiting closure is outside the active caseload: no cap counts it.
        if ch.current is not None and not ch.movable and ch.active:
            comp = by_root.get(find(ch.current))
            if comp is not None:
                comp.fixed.setdefault(ch.current, []).append(ch.index)
    for comp in by_root.values():
        comp.teams = sorted({instance.workers[w].team_id for w in comp.workers})
    return sorted(by_root.values(), key=lambda comp: comp.workers[0])
