"""What a manager should know beyond the proposal, each with the policy sentence it
comes from: caps and bands, absences and cover, spans and oversight, splits,
shortfalls and what would fix them, overrides and escalations, data to check.

Kinds are documented in docs/data-contract-extensions.md (``findings.csv``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from allocator.explain.reasons import children_words, unallocated_cause
from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import Finding, Role, months_between

INTAKE_SHARE = 0.5
"""A worker whose caseload grows by more than this share in one run is reported."""
INTAKE_MIN = 3
"""... and by at least this many children."""


def findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    """Every finding, in a stable order: workers, teams, families, shortfalls, data."""
    out: list[Finding] = []
    out += _worker_findings(inst, holdings)
    out += _absence_findings(inst)
    out += _team_findings(inst, holdings)
    out += _split_findings(inst, holdings)
    out += _conflicts(inst, holdings)
    out += shortfalls(inst, holdings)
    out += _data_findings(inst)
    return out


def finding(kind: str, entities: tuple[str, ...] | list[str], message: str) -> Finding:
    return Finding(kind=kind, entities=tuple(entities), message=message)


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
            out.append(finding("conflict", (family,), words))
    return out


def _worker_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    out = []
    policy = inst.policy
    closing_by_worker = Counter(
        ch.current for ch in inst.children if ch.current is not None and not ch.active
    )
    for w in inst.workers:
        out += _cap_findings(inst, holdings, w.index)
        out += _band_findings(inst, holdings, w.index)
        out += _range_findings(inst, holdings, w.index)
        wid = w.worker_id
        start = w.worker.asye_start
        if (
            w.worker.role is Role.ASYE
            and start is not None
            and policy.asye.year_ended(start, inst.options.as_of)
        ):
            out.append(
                finding(
                    "asye_year_ended",
                    (wid,),
                    f"{wid}'s assessed year began {start.isoformat()} and has ended: "
                    "capacity held at the end factor; update the role",
                )
            )
        if w.released and w.release_cause == "manager":
            role = w.worker.role.value.replace("_", " ")
            out.append(
                finding(
                    "manager_caseload",
                    (wid,),
                    f"{wid} is a {role} and held {children_words(w.children_before)}: "
                    "managers carry no cases (Barnet 001 s.3.8), so they are reallocated "
                    "within the team",
                )
            )
        elif w.children_before and not w.worker.role.carries_cases:
            role = w.worker.role.value.replace("_", " ")
            out.append(
                finding(
                    "manager_caseload",
                    (wid,),
                    f"{wid} is a {role} but holds {children_words(w.children_before)}: "
                    "managers carry no cases (Barnet 001 s.3.8); kept as asked",
                )
            )
        grew = holdings.count[w.index] - w.children_before
        if grew >= INTAKE_MIN and grew > INTAKE_SHARE * max(w.children_before, 1):
            role = w.worker.role.value.replace("_", " ")
            out.append(
                finding(
                    "intake",
                    (wid,),
                    f"{wid} ({role}) goes from {w.children_before} to "
                    f"{holdings.count[w.index]} children in this run: review their caseload "
                    "before the new cases go (Barnet 001 s.5 item 1)",
                )
            )
        closing = closing_by_worker[w.index]
        if closing:
            out.append(
                finding(
                    "awaiting_closure",
                    (wid,),
                    f"{wid} holds {children_words(closing)} awaiting closure, not counted in "
                    "their active caseload (Welsh report 003 s.5.5): close them",
                )
            )
        out += _override_findings(inst, holdings, w.index)
    return out


def _cap_findings(inst: Instance, holdings: Holdings, i: int) -> list[Finding]:
    w = inst.workers[i]
    wid = w.worker_id
    out = []
    if w.capacity > 0 and w.count_cap is not None and w.children_before > w.count_cap:
        out.append(
            finding(
                "above_cap",
                (wid,),
                f"{wid} holds {children_words(w.children_before)}, above their cap of "
                f"{w.count_cap}: keeps them and gets no new children",
            )
        )
    if w.load_cap is not None and w.load_before > w.load_cap + 1e-9:
        out.append(
            finding(
                "above_cap",
                (wid,),
                f"{wid} carries weighted load {w.load_before:g}, above their cap of "
                f"{w.load_cap:g}: keeps it and gets no new children",
            )
        )
    if w.cases_cap is not None and len(w.cases_before) > w.cases_cap:
        out.append(
            finding(
                "above_cap",
                (wid,),
                f"{wid} holds {len(w.cases_before)} cases, above their cap of "
                f"{w.cases_cap}: keeps them and gets no new cases",
            )
        )
    months = inst.policy.escalation_months
    since = w.worker.above_max_since
    if (
        months is not None
        and since is not None
        and months_between(since, inst.options.as_of) >= months
        and w.count_cap is not None
        and holdings.count[i] > w.count_cap
    ):
        out.append(
            finding(
                "escalation",
                (wid,),
                f"{wid} has been above their maximum since {since.isoformat()} (more than "
                f"{months} months) and still holds {holdings.count[i]} of {w.count_cap}: the "
                "Head of Service must be informed (Barnet 001 s.5 item 4)",
            )
        )
    return out


def _band_findings(inst: Instance, holdings: Holdings, i: int) -> list[Finding]:
    """Threshold bands after allocation, per FTE after reductions, in each band's measure."""
    w = inst.workers[i]
    if w.capacity <= 0 or w.fte_available <= 0:
        return []
    children = holdings.count[i] / w.fte_available
    load = holdings.load(i) / w.fte_available
    out = []
    for t in inst.policy.thresholds:
        value = children if t.measure == "children" else load
        if not t.matches(value):
            continue
        unit = "children" if t.measure == "children" else "load (points)"
        action = t.action or "needs action"
        if t.approval:
            action = f"{t.approval.replace('_', ' ')} agreement needed; {action}"
        out.append(
            finding(
                "threshold",
                (w.worker_id,),
                f"{w.worker_id} holds {value:.1f} {unit} per FTE after allocation "
                f"({t.name}): {action}",
            )
        )
    target = inst.policy.services[_service(inst, i)].target_children_per_fte
    if target is not None and children > target + 1e-9:
        out.append(
            finding(
                "deviation",
                (w.worker_id,),
                f"{w.worker_id} holds {children:.1f} children per FTE, above the team "
                f"average of {target:g}: deviations are agreed in supervision (Barnet 001 "
                "s.3.7)",
            )
        )
    return out


def _service(inst: Instance, i: int) -> str:
    team = inst.workers[i].team_id
    return next(t.service for t in inst.data.teams if t.team_id == team)


def _range_findings(inst: Instance, holdings: Holdings, i: int) -> list[Finding]:
    """Below the lower end of a range a source gives (reported, never enforced)."""
    w = inst.workers[i]
    if w.capacity <= 0 or not w.accepting:
        return []
    service = inst.policy.services[_service(inst, i)]
    out = []
    children = holdings.count[i] / w.capacity
    cases = len(holdings.cases[i]) / w.capacity
    for value, low, unit in (
        (children, service.min_children_per_fte, "children"),
        (cases, service.min_cases_per_fte, "cases"),
    ):
        if low is not None and value < low - 1e-9:
            out.append(
                finding(
                    "below_range",
                    (w.worker_id,),
                    f"{w.worker_id} holds {value:.1f} {unit} per FTE of capacity, below the "
                    f"expected {low:g}",
                )
            )
    if service.mix is not None:
        held = {k: holdings.category[i].get(k, 0) for k in service.mix.only_max_per_fte}
        present = [k for k, n in held.items() if n]
        if len(present) == 1:
            k = present[0]
            low = service.mix.only_min_per_fte.get(k)
            if low is not None and held[k] / w.capacity < low - 1e-9:
                out.append(
                    finding(
                        "below_range",
                        (w.worker_id,),
                        f"{w.worker_id} holds only '{k}' children, {held[k] / w.capacity:.1f} "
                        f"per FTE of capacity, below the expected {low:g}",
                    )
                )
    return out


def _override_findings(inst: Instance, holdings: Holdings, i: int) -> list[Finding]:
    """Overrides in force, and those past their review date (Barnet 001 s.5 items 2-3)."""
    w = inst.workers[i]
    out = []
    as_of = inst.options.as_of
    for o in inst.data.overrides:
        if o.worker_id != w.worker_id:
            continue
        if o.active_on(as_of):
            out.append(
                finding(
                    "override",
                    (w.worker_id,),
                    f"{w.worker_id} may hold up to {o.max_children} children until "
                    f"{o.review_date.isoformat()} (agreed by {o.approver}: {o.reason}); "
                    f"holds {holdings.count[i]}",
                )
            )
        else:
            out.append(
                finding(
                    "override_expired",
                    (w.worker_id,),
                    f"{w.worker_id}'s override (up to {o.max_children} children, agreed by "
                    f"{o.approver}) passed its review date {o.review_date.isoformat()}: it no "
                    "longer applies; review it (Barnet 001 s.5 item 3)",
                )
            )
    return out


def _absence_findings(inst: Instance) -> list[Finding]:
    """Workers away or about to be: cover for their children (Barnet 001 s.3.10-3.12)."""
    out = []
    limit = inst.policy.leave.reallocate_after_working_days
    held_by: dict[int, list[str]] = defaultdict(list)
    for ch in inst.children:
        if ch.current is not None and ch.active:
            held_by[ch.current].append(ch.child_id)
    for w in inst.workers:
        wid = w.worker_id
        held = held_by[w.index]
        if w.away is not None:
            back = (
                f"until {w.away.returns.isoformat()}" if w.away.returns else "with no return date"
            )
            days = w.away.working_days
            length = f"{days} working days" if days is not None else "open-ended leave"
            if w.release_cause == "long_leave":
                out.append(
                    finding(
                        "long_leave",
                        (wid,),
                        f"{wid} is away ({w.away.reason}) {back}, {length}: their "
                        f"{children_words(len(held))} are reallocated as "
                        "temporary cover (Barnet 001 s.3.12)",
                    )
                )
                continue
            long = limit is not None and (days is None or days > limit)
            if long:
                out.append(
                    finding(
                        "long_leave",
                        (wid,),
                        f"{wid} is away ({w.away.reason}) {back}, {length} (over {limit} "
                        "working days): the policy asks that their "
                        f"{children_words(len(held))} be reallocated (Barnet 001 s.3.12); "
                        "run with --release-long-leave to do it",
                    )
                )
            elif held:
                shown = ", ".join(held[:8]) + (", ..." if len(held) > 8 else "")
                out.append(
                    finding(
                        "cover",
                        (wid, *held),
                        f"{wid} is away ({w.away.reason}) {back}: arrange cover for "
                        f"their {children_words(len(held))} ({shown}) (Barnet 001 s.3.11)",
                    )
                )
        elif w.leave_soon is not None:
            out.append(
                finding(
                    "leave_soon",
                    (wid,),
                    f"{wid} goes on leave on {w.leave_soon.start.isoformat()} "
                    f"({w.leave_soon.reason}): no new children before it",
                )
            )
    return out


def _team_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    """Span and oversight per manager, across every team they lead (Merton 002 s.3)."""
    out = []
    span = inst.policy.span
    by_manager: dict[str, list[str]] = {}
    for team in inst.data.teams:
        if team.manager_id is None:
            out.append(finding("span", (team.team_id,), f"team {team.team_id} has no manager_id"))
        else:
            by_manager.setdefault(team.manager_id, []).append(team.team_id)
    asye_share = _asye_share(inst, [w.index for w in inst.workers])
    for manager, teams in sorted(by_manager.items()):
        members = [
            w
            for t in teams
            for w in inst.team_workers[t]
            if inst.workers[w].worker.role.carries_cases
        ]
        fte = sum(inst.workers[w].worker.fte for w in members)
        where = ", ".join(teams)
        ideal = f", ideally {span.ideal_fte:g}" if span.ideal_fte is not None else ""
        if span.max_fte is not None and fte > span.max_fte + 1e-9:
            out.append(
                finding(
                    "span",
                    (manager, *teams),
                    f"manager {manager} supervises {fte:g} case-holding FTE in {where}, more "
                    f"than {span.max_fte:g}{ideal} (Merton 002 s.3.1)",
                )
            )
        if span.min_fte is not None and fte < span.min_fte - 1e-9:
            out.append(
                finding(
                    "span",
                    (manager, *teams),
                    f"manager {manager} supervises {fte:g} case-holding FTE in {where}, fewer "
                    f"than the policy's {span.min_fte:g}",
                )
            )
        share = _asye_share(inst, members)
        asye = sum(1 for w in members if inst.workers[w].worker.role is Role.ASYE)
        if asye >= 2 and share > asye_share + 1e-9:
            out.append(
                finding(
                    "asye_support",
                    (manager, *teams),
                    f"manager {manager}'s teams ({where}) have {asye} ASYE workers, "
                    f"{100 * share:.0f}% of their FTE against {100 * asye_share:.0f}% across "
                    "the data: more management input (Merton 002 s.3.1)",
                )
            )
        held = {case for t in teams for case in holdings.team_cases[t]}
        hi, lo = span.oversight_max, span.oversight_min
        if hi is not None and len(held) > hi:
            out.append(
                finding(
                    "oversight",
                    (manager, *teams),
                    f"manager {manager} oversees {len(held)} cases in {where}, above "
                    f"{hi} (Merton 002 s.3.2: {lo if lo is not None else 0}-{hi})",
                )
            )
        elif lo is not None and len(held) < lo and members:
            out.append(
                finding(
                    "oversight",
                    (manager, *teams),
                    f"manager {manager} oversees {len(held)} cases in {where}, below the "
                    f"usual {lo}-{hi if hi is not None else ''} (Merton 002 s.3.2)",
                )
            )
    return out


def _asye_share(inst: Instance, workers: list[int]) -> float:
    holders = [w for w in workers if inst.workers[w].worker.role.carries_cases]
    fte = sum(inst.workers[w].worker.fte for w in holders)
    asye = sum(
        inst.workers[w].worker.fte for w in holders if inst.workers[w].worker.role is Role.ASYE
    )
    return asye / fte if fte > 0 else 0.0


def _split_findings(inst: Instance, holdings: Holdings) -> list[Finding]:
    out = []
    before = Holdings(inst, [ch.current for ch in inst.children]).splits()
    for family, held in holdings.splits().items():
        if before.get(family) == held:
            continue
        names = ", ".join(inst.workers[w].worker_id for w in held)
        members = inst.families[family]
        teams = sorted({inst.workers[w].team_id for w in held})
        if len(teams) > 1:
            message = (
                f"family {family} ({len(members)} children) is held in teams "
                f"{' and '.join(teams)} ({names}): the children were referred to different "
                "teams, so no one worker can hold them all; the split is forced by the teams"
            )
        else:
            room = max(_room_for_family(inst, holdings, w, members) for w in held)
            message = (
                f"family {family} ({len(members)} children) is split across {names}: "
                "no eligible worker could take all of them (the most any holder could "
                f"take is {room})"
            )
        out.append(finding("split", (family,), message))
    return out


def _room_for_family(inst: Instance, holdings: Holdings, w: int, members: list[int]) -> int:
    limit = inst.workers[w].count_limit
    own = sum(1 for s in members if holdings.assignment[s] == w)
    if limit is None:
        return len(members)
    return limit - holdings.count[w] + own


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
            finding(
                "unallocated",
                (team.team_id,),
                f"team {team.team_id}: {children_words(len(left))} unallocated; "
                + "; ".join(fixes),
            )
        )
        out += _cover_from_another_team(inst, holdings, team.team_id, team.service, left)
    return out


def _cover_from_another_team(
    inst: Instance, holdings: Holdings, team_id: str, service: str, left: list[int]
) -> list[Finding]:
    """Suggest another team of the service with room (Welsh report 003 s.5.4: "deploying
    staff from other parts of the service at points of pressure"). Never silent, never
    done for the manager."""
    room = []
    for other in inst.data.teams:
        if other.team_id == team_id or other.service != service:
            continue
        free = 0
        for w in inst.team_workers[other.team_id]:
            info = inst.workers[w]
            limit = info.count_limit
            if info.accepting and limit is not None:
                free += max(0, limit - holdings.count[w])
        if free:
            room.append((free, other.team_id))
    if not room:
        return []
    room.sort(key=lambda x: (-x[0], x[1]))
    shown = ", ".join(f"{t} has room for {n}" for n, t in room[:3])
    return [
        finding(
            "cover_suggestion",
            (team_id, *(t for _, t in room[:3])),
            f"team {team_id} has {children_words(len(left))} waiting while other "
            f"{service} teams have room ({shown}): cover from another team of the service "
            "could place them (Welsh report 003 s.5.4)",
        )
    ]


def _fix(
    inst: Instance,
    holdings: Holdings,
    team: str,
    service_key: str,
    cause: str,
    children: list[int],
) -> str:
    n = len(children)
    if cause == "oversight":
        return (
            f"{n} blocked by the manager's oversight limit: a second manager, a team split, "
            "or allocation to another team would fix it"
        )
    if cause == "capacity":
        return _capacity_fix(inst, holdings, team, service_key, children)
    if cause == "approval":
        return f"{n} would take a worker above an approval threshold: agreement needed first"
    if cause == "eligibility":
        skills = sorted({s for c in children if (s := inst.children[c].child.required_skill)})
        needed = f" (skills needed: {', '.join(skills)})" if skills else ""
        return f"{n} with no eligible worker{needed}: see each child's reason"
    if cause == "siblings":
        return f"{n} in sibling groups no worker can take whole (policy 'always')"
    if cause == "closure":
        return f"{n} awaiting closure (not allocated)"
    return f"{n} left by priority or the time limit"


def _capacity_fix(
    inst: Instance, holdings: Holdings, team: str, service_key: str, children: list[int]
) -> str:
    """What would place the children: FTE at the service's caps, or more children per
    worker (Barnet 001 s.1: "contingency plans ... where workload demand exceeds the
    staffing capacity")."""
    n = len(children)
    service = inst.policy.services[service_key]
    needs = []
    if service.max_children_per_fte:
        needs.append(n / service.max_children_per_fte)
    if service.max_load_per_fte:
        load = sum(inst.children[c].weight for c in children)
        needs.append(load / service.max_load_per_fte)
    if service.max_cases_per_fte:
        cases = len({inst.children[c].case for c in children})
        needs.append(cases / service.max_cases_per_fte)
    fte_text = ""
    if needs:
        fte = math.ceil(max(needs) * 10 - 1e-9) / 10
        fte_text = f"about {fte:g} more case-holding FTE at the {service_key} caps"
    holders = [
        w
        for w in inst.team_workers[team]
        if inst.workers[w].accepting and inst.workers[w].capacity > 0
    ]
    per_worker = ""
    if holders:
        extra = math.ceil(n / len(holders))
        who = "the 1 worker who takes" if len(holders) == 1 else f"the {len(holders)} who take"
        per_worker = f"{children_words(extra)} more per worker for {who} new work"
    fixes = " or ".join(x for x in (fte_text, per_worker) if x)
    return f"{n} with no room under the caps: {fixes or 'more capacity'} would fit them"


def _data_findings(inst: Instance) -> list[Finding]:
    """Input to check: families across teams, children held by another team's worker."""
    out = []
    teams_of: dict[str, set[str]] = {}
    for ch in inst.children:
        if ch.family is not None:
            teams_of.setdefault(ch.family, set()).add(ch.child.team_id)
    for family, teams in sorted(teams_of.items()):
        if len(teams) > 1:
            out.append(
                finding(
                    "data",
                    (family, *sorted(teams)),
                    f"family {family} spans teams {' and '.join(sorted(teams))}: no one worker "
                    "can hold them all; each team's part is kept together within the team",
                )
            )
    for ch in inst.children:
        if ch.current is not None and inst.workers[ch.current].team_id != ch.child.team_id:
            holder = inst.workers[ch.current]
            out.append(
                finding(
                    "data",
                    (ch.child_id, holder.worker_id),
                    f"child {ch.child_id} of team {ch.child.team_id} is held by "
                    f"{holder.worker_id} of team {holder.team_id}",
                )
            )
    counted = Counter(a.child_id for a in inst.data.adjustments if a.child_id is not None)
    for child_id, n in sorted(counted.items()):
        if n > 1:
            out.append(
                finding("data", (child_id,), f"child {child_id} has {n} adjustments; all apply")
            )
    return out
