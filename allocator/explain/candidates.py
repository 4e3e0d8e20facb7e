"""Every worker of a child's team as a candidate: chosen, eligible at a cost, or ruled
out by a rule (``candidates.csv``, what ``caseload explain`` prints)."""

from __future__ import annotations

from allocator.explain.reasons import standing, why_chosen
from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import Candidate


def move_delta(inst: Instance, holdings: Holdings, c: int, to: int) -> float:
    """Change of ``sum load**2 / capacity`` if child ``c`` moved to worker ``to``."""
    frm = holdings.assignment[c]
    delta = _square_change(inst, holdings, to, holdings.added_load([c], to))
    if frm is not None:
        delta += _square_change(inst, holdings, frm, -holdings.removed_load(c))
    return delta


def _square_change(inst: Instance, holdings: Holdings, w: int, change: float) -> float:
    """Change of ``load_w**2 / capacity_w`` when ``w``'s load changes by ``change``
    (0 for a worker without capacity, who is outside the objective)."""
    capacity = inst.workers[w].capacity
    if capacity <= 0:
        return 0.0
    load = holdings.load(w)
    return ((load + change) ** 2 - load**2) / capacity


def candidates_for(inst: Instance, holdings: Holdings, c: int) -> list[Candidate]:
    """Every worker of the child's team: chosen, eligible (with the cost of choosing
    them instead), or ruled out (with the rule)."""
    ch = inst.children[c]
    rows = []
    for w in inst.team_workers[ch.child.team_id]:
        verdict = _verdict(inst, holdings, c, w)
        if verdict is not None:
            rows.append(
                Candidate(
                    child_id=ch.child_id,
                    worker_id=inst.workers[w].worker_id,
                    verdict=verdict[0],
                    rule=verdict[1],
                    detail=verdict[2],
                )
            )
    return rows


def _verdict(inst: Instance, holdings: Holdings, c: int, w: int) -> tuple[str, str, str] | None:
    """``(verdict, rule, detail)`` for worker ``w`` of child ``c``'s team."""
    ch = inst.children[c]
    if w == holdings.assignment[c]:
        return "chosen", "", why_chosen(inst, holdings, c, w)
    if w in ch.ruled_out:
        return "ruled_out", *ch.ruled_out[w]
    if w not in ch.candidates:
        return None
    blocked = holdings.blocking_caps(c, w)
    if blocked:
        rule, detail = blocked[0]
        return "ruled_out", rule, f"no room after this batch: {detail}"
    delta = move_delta(inst, holdings, c, w)
    load_after = round(holdings.load(w) + holdings.added_load([c], w), 4)
    after = standing(inst, w, holdings.count[w] + 1, load_after)
    return (
        "eligible",
        "balance",
        f"had room; would leave {after}; the team would be "
        f"{'less' if delta > 0 else 'as or more'} even (balance measure {delta:+.2f})",
    )
