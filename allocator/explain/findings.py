"""What a manager should know beyond the proposal: caps, bands, spans, splits, gaps."""

from __future__ import annotations

import math

from allocator.explain.reasons import unallocated_cause
from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import Finding, Role


def findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    """Every finding, in a stable order: workers, teams, families, shortfalls, data."""
    out: list[Finding] = []
    out += _worker_findings(inst, holdings)
    out += _team_findings(inst, holdings)
    out += _split_findings(inst, holdings)
    out += _conflicts(inst, holdings)
    out += shortfalls(inst, holdings)
    return out


def _conflicts(inst: Instance, holdings: Holdings) -> list[Finding]:
    """Sibling groups that 'always together' leaves waiting: the rules that collide."""
    out = []
    seen: set[str] = set()
    for ch in inst.children:
        family = ch.family
        if not ch.movable or holdings.assignment[ch.index] is not None or family in seen:
            continue
        cause, words = unallocated_cause(inst, holdings, ch.index)
        if cause == "siblings" and family is not None:
            seen.add(family)
            out.append(Finding(kind="conflict", entities=(family,), message=words))
    return out


def _worker_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    out = []
    policy = inst.policy
    for w in inst.workers:
        wid = w.worker_id
        if w.capacity > 0 and w.children_before > w.count_cap:
            out.append(
                Finding(
                    kind="above_cap",
                    entities=(wid,),
                    message=(
                        f"{wid} holds {w.children_before} children, above their cap of "
                        f"{w.count_cap}: keeps them and gets no new children"
                    ),
                )
            )
        if w.load_cap is not None and w.load_before > w.load_cap + 1e-9:
            out.append(
                Finding(
                    kind="above_cap",
                    entities=(wid,),
                    message=(
                        f"{wid} carries weighted load {w.load_before:g}, above their cap of "
                        f"{w.load_cap:g}: keeps it and gets no new children"
                    ),
                )
            )
        per_fte = holdings.count[w.index] / w.worker.fte
        band = policy.band(per_fte) if w.capacity > 0 else "within"
        if band != "within":
            threshold = next(x for x in policy.thresholds if x.name == band)
            out.append(
                Finding(
                    kind="threshold",
                    entities=(wid,),
                    message=(
                        f"{wid} holds {per_fte:.1f} children per FTE after allocation ({band}): "
                        f"{threshold.action or 'needs action'}"
                    ),
                )
            )
        start = w.worker.asye_start
        if (
            w.worker.role is Role.ASYE
            and start is not None
            and policy.asye.year_ended(start, inst.options.as_of)
        ):
            out.append(
                Finding(
                    kind="asye_year_ended",
                    entities=(wid,),
                    message=(
                        f"{wid}'s assessed year began {start.isoformat()} and has ended: "
                        "capacity held at the end factor; update the role"
                    ),
                )
            )
        if w.children_before and not w.worker.role.carries_cases:
            out.append(
                Finding(
                    kind="data",
                    entities=(wid,),
                    message=(
                        f"{wid} is a {w.worker.role.value.replace('_', ' ')} but holds "
                        f"{w.children_before} children (managers carry no cases)"
                    ),
                )
            )
    return out


def _team_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    out = []
    span = inst.policy.span
    by_manager: dict[str, list[str]] = {}
    for team in inst.data.teams:
        if team.manager_id is None:
            out.append(
                Finding(
                    kind="span",
                    entities=(team.team_id,),
                    message=f"team {team.team_id} has no manager_id",
                )
            )
        else:
            by_manager.setdefault(team.manager_id, []).append(team.team_id)
    for manager, teams in sorted(by_manager.items()):
        fte = sum(
            inst.workers[w].worker.fte
            for team in teams
            for w in inst.team_workers[team]
            if inst.workers[w].worker.role.carries_cases
        )
        if fte < span.min_fte - 1e-9 or fte > span.max_fte + 1e-9:
            out.append(
                Finding(
                    kind="span",
                    entities=(manager, *teams),
                    message=(
                        f"manager {manager} supervises {fte:g} case-holding FTE in "
                        f"{', '.join(teams)} (policy {span.min_fte:g}-{span.max_fte:g}, "
                        f"ideally {span.ideal_fte:g})"
                    ),
                )
            )
    for team in inst.data.teams:
        held = len(holdings.team_cases[team.team_id])
        hi, lo = span.oversight_max, span.oversight_min
        if hi is not None and held > hi:
            out.append(
                Finding(
                    kind="oversight",
                    entities=(team.team_id,),
                    message=(
                        f"team {team.team_id} holds {held} cases, above the manager's oversight "
                        f"maximum of {hi}"
                    ),
                )
            )
        elif lo is not None and held < lo and inst.team_workers[team.team_id]:
            out.append(
                Finding(
                    kind="oversight",
                    entities=(team.team_id,),
                    message=(
                        f"team {team.team_id} holds {held} cases, below the usual oversight "
                        f"range of {lo}-{hi}"
                    ),
                )
            )
    return out


def _split_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    out = []
    before = Holdings(inst, [ch.current for ch in inst.children]).splits()
    for family, held in holdings.splits().items():
        if before.get(family) == held:
            continue
        names = ", ".join(inst.workers[w].worker_id for w in held)
        members = inst.families[family]
        room = max(
            (
                max(inst.workers[w].count_cap, inst.workers[w].children_before)
                - holdings.count[w]
                + sum(1 for s in members if holdings.assignment[s] == w)
            )
            for w in held
        )
        out.append(
            Finding(
                kind="split",
                entities=(family,),
                message=(
                    f"family {family} ({len(members)} children) is split across {names}: "
                    "no eligible worker could take all of them (the most any holder could "
                    f"take is {room})"
                ),
            )
        )
    return out


def shortfalls(inst: Instance, holdings: Holdings) -> list[Finding]:
    """Unallocated children per team, with what would fix each cause."""
    out = []
    for team in inst.data.teams:
        left = [
            c
            for c in inst.team_children[team.team_id]
            if inst.children[c].movable and holdings.assignment[c] is None
        ]
        if not left:
            continue
        by_cause: dict[str, list[int]] = {}
        for c in left:
            by_cause.setdefault(unallocated_cause(inst, holdings, c)[0], []).append(c)
        fixes = [
            _fix(inst, holdings, team.team_id, team.service, cause, children)
            for cause, children in sorted(by_cause.items())
        ]
        out.append(
            Finding(
                kind="unallocated",
                entities=(team.team_id,),
                message=(
                    f"team {team.team_id}: {_children(len(left))} unallocated; " + "; ".join(fixes)
                ),
            )
        )
    return out


def _fix(
    inst: Instance, holdings: Holdings, team: str, service_key: str, cause: str, children: list[int]
) -> str:
    n = len(children)
    if cause == "oversight":
        top = inst.oversight_max[team]
        return (
            f"{n} blocked by the manager's oversight maximum of {top} cases "
            f"(team holds {len(holdings.team_cases[team])}): a second manager, a team split, or "
            "allocation to another team would fix it"
        )
    if cause == "capacity":
        service = inst.policy.services[service_key]
        need = n / service.max_children_per_fte
        if service.max_load_per_fte:
            load = sum(inst.children[c].weight for c in children)
            need = max(need, load / service.max_load_per_fte)
        fte = math.ceil(need * 10 - 1e-9) / 10
        return (
            f"{n} with no room under the caps: about {fte:g} more case-holding FTE "
            f"at the {service_key} cap would fit them"
        )
    if cause == "eligibility":
        skills = sorted({s for c in children if (s := inst.children[c].child.required_skill)})
        needed = f" (skills needed: {', '.join(skills)})" if skills else ""
        return f"{n} with no eligible worker{needed}: see each child's reason"
    if cause == "siblings":
        return f"{n} in sibling groups no worker can take whole (policy 'always')"
    return f"{n} left by priority or the time limit"


def _children(n: int) -> str:
    return f"{n} child" if n == 1 else f"{n} children"
