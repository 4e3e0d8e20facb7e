"""Every worker of a child's team as a candidate: chosen, eligible at a cost, or ruled
out by a rule (``candidates.csv``, what ``caseload explain`` prints)."""

from __future__ import annotations

from allocator.explain.reasons import standing, why_chosen
from allocator.prepare import Instance
from allocator.tally import Tally, blocking_caps
from models import Candidate


def move_delta(inst: Instance, t: Tally, c: int, to: int) -> float:
    """Change of ``sum load**2 / capacity`` if child ``c`` moved to worker ``to``."""
    ch = inst.children[c]
    frm = t.assignment[c]
    w_to = inst.workers[to]
    delta = 0.0
    if w_to.capacity > 0:  # workers without capacity are outside the objective
        delta = ((t.load[to] + ch.weight) ** 2 - t.load[to] ** 2) / w_to.capacity
    if frm is not None and inst.workers[frm].capacity > 0:
        w_from = inst.workers[frm]
        delta += ((t.load[frm] - t.weights[c]) ** 2 - t.load[frm] ** 2) / w_from.capacity
    return delta


def candidates_for(inst: Instance, t: Tally, c: int) -> list[Candidate]:
    """Every worker of the child's team: chosen, eligible (with the cost of choosing
    them instead), or ruled out (with the rule)."""
    ch = inst.children[c]
    rows = []
    for w in inst.team_workers[ch.child.team_id]:
        verdict = _verdict(inst, t, c, w)
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


def _verdict(inst: Instance, t: Tally, c: int, w: int) -> tuple[str, str, str] | None:
    """``(verdict, rule, detail)`` for worker ``w`` of child ``c``'s team."""
    ch = inst.children[c]
    if w == t.assignment[c]:
        return "chosen", "", why_chosen(inst, t, c, w)
    if w in ch.ruled_out:
        return "ruled_out", *ch.ruled_out[w]
    if w not in ch.candidates:
        return None
    blocked = blocking_caps(inst, t, c, w)
    if blocked:
        rule, detail = blocked[0]
        return "ruled_out", rule, f"no room after this batch: {detail}"
    delta = move_delta(inst, t, c, w)
    after = standing(inst, w, t.count[w] + 1, round(t.load[w] + ch.weight, 4))
    return (
        "eligible",
        "balance",
        f"had room; would leave {after}, and change the balance objective by {delta:+.2f}",
    )
