"""Plain fairness measures per team: spread of children per FTE and of load per capacity."""

from __future__ import annotations

import statistics

from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import TeamFairness


def fairness(inst: Instance, holdings: Holdings) -> list[TeamFairness]:
    """Per team: spread of children per FTE and of load per capacity, and the Gini index."""
    out = []
    for team, members in inst.team_workers.items():
        holders = [w for w in members if inst.workers[w].capacity > 0]
        if not holders:
            continue
        per_fte = [holdings.count[w] / inst.workers[w].worker.fte for w in holders]
        util = [holdings.utilisation(w) for w in holders]
        out.append(
            TeamFairness(
                team_id=team,
                workers=len(holders),
                children_per_fte_sd=round(statistics.pstdev(per_fte), 4),
                children_per_fte_range=round(max(per_fte) - min(per_fte), 4),
                load_per_capacity_sd=round(statistics.pstdev(util), 4),
                load_per_capacity_range=round(max(util) - min(util), 4),
                load_per_capacity_gini=round(gini(util), 4),
            )
        )
    return out


def gini(values: list[float]) -> float:
    """Gini index: 0 when all equal, towards 1 when one holds everything."""
    n = len(values)
    total = sum(values)
    if n == 0 or total <= 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n
