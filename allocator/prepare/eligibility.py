"""Which workers of its team each movable child may go to, and the first rule that
rules out each of the others (what ``candidates.csv`` and the reasons say).

Rules, in the order they are tested: role (Barnet 001 s.3.8: managers carry no
cases), release, the manager's exclusions and forbidden pairings
(``adjustments.csv``), away (leave or sickness), not accepting, leave about to
start, required skill, ASYE exclusions, then the caps (count, load, cases,
category, caseload mix, approval threshold, pacing) for a worker already at
them. A child whose only eligible workers are away goes to an interim worker
of the team as cover (001 s.3.10), with the skill rule waived for the
interim. Under siblings ``always`` a family's waiting children in one team may
go only to workers who can take all of them.
"""

from __future__ import annotations

from allocator.prepare.instance import ChildInfo, WorkerInfo, waiting
from models import Child, Policy, Role

SKILL_RULES = frozenset({"skill"})
"""Rules an interim worker covering for an away colleague need not meet."""


def asye_excluded(child: Child, policy: Policy) -> str | None:
    """The category or flag that an ASYE may not hold alone, if the child has one."""
    excluded = set(policy.asye.excluded)
    if child.category in excluded:
        return child.category
    hit = sorted(child.flags & excluded)
    return hit[0] if hit else None


def fill_candidates(
    ch: ChildInfo,
    workers: list[WorkerInfo],
    team: list[int],
    policy: Policy,
    forbidden: dict[int, str],
) -> None:
    """Fill ``ch.candidates`` and ``ch.ruled_out`` with the first rule that excludes each;
    a waiting child whose only eligible workers are away gets interim cover."""
    excluded = asye_excluded(ch.child, policy)
    for wi in team:
        w = workers[wi]
        staying = ch.current == wi
        if w.released and staying:
            ch.ruled_out[wi] = ("release", released_words(w))
            continue
        if staying:  # rebalance: staying put is always allowed
            ch.candidates.append(wi)
            continue
        rule = ruled_out(ch, w, excluded, forbidden.get(wi))
        if rule is None:
            ch.candidates.append(wi)
        else:
            ch.ruled_out[wi] = rule
    if ch.current is not None and ch.current not in team and not workers[ch.current].released:
        ch.candidates.append(ch.current)  # held outside its team: may stay
    if waiting(ch, workers) and ch.pinned is None:
        _cover(ch, workers, team, excluded, forbidden)


def _cover(
    ch: ChildInfo,
    workers: list[WorkerInfo],
    team: list[int],
    excluded: str | None,
    forbidden: dict[int, str],
) -> None:
    """Interim cover (Barnet 001 s.3.10: "the case should be allocated to another member
    of the team pending the new worker becoming available")."""
    long_leave = ch.current is not None and workers[ch.current].release_cause == "long_leave"
    if long_leave:
        assert ch.current is not None
        intended = [ch.current]
    elif ch.candidates:
        return
    else:
        intended = [
            wi
            for wi in team
            if workers[wi].away is not None
            and ruled_out(ch, workers[wi], excluded, forbidden.get(wi), ignore_away=True) is None
        ]
        if not intended:
            return
        for wi in team:
            if ch.ruled_out.get(wi, ("", ""))[0] not in SKILL_RULES:
                continue
            if ruled_out(ch, workers[wi], excluded, forbidden.get(wi), waive=SKILL_RULES) is None:
                ch.candidates.append(wi)
                del ch.ruled_out[wi]
        if not ch.candidates:
            return
    ch.cover_for = sorted(intended, key=lambda wi: (_return_key(workers[wi]), wi))


def _return_key(w: WorkerInfo) -> str:
    absence = w.away
    return absence.returns.isoformat() if absence and absence.returns else "9999"


def released_words(w: WorkerInfo) -> str:
    """Why a released worker's children are reallocated, in plain words."""
    wid = w.worker_id
    if w.release_cause == "manager":
        role = w.worker.role.value.replace("_", " ")
        return f"{wid} is a {role} and carries no cases (Barnet 001 s.3.8)"
    if w.release_cause == "long_leave" and w.away is not None:
        back = w.away.returns.isoformat() if w.away.returns else "no return date"
        return f"{wid} is away for {w.away.working_days or 'more than 15'} working days ({back})"
    return f"{wid} is being released (long leave)"


def ruled_out(
    ch: ChildInfo,
    w: WorkerInfo,
    excluded: str | None,
    forbidden: str | None,
    *,
    ignore_away: bool = False,
    waive: frozenset[str] = frozenset(),
) -> tuple[str, str] | None:
    """``(rule, plain words)`` of the first rule that keeps child ``ch`` from worker ``w``.

    ``ignore_away`` asks whether ``w`` would be eligible were they present;
    ``waive`` names rules to skip (the skill rule, for interim cover).
    """
    child = ch.child
    wid = w.worker_id
    if not w.worker.role.carries_cases:
        return ("role", f"{wid} is a {w.worker.role.value.replace('_', ' ')} and carries no cases")
    if w.released and not ignore_away:
        return ("release", released_words(w))
    if w.closed_by is not None and w.closed_by[0] == "excluded":
        return w.closed_by
    if forbidden is not None:
        return ("forbidden", f"the manager ruled out {wid} for this child: {forbidden}")
    if w.away is not None and not ignore_away:
        back = f"until {w.away.returns.isoformat()}" if w.away.returns else "with no return date"
        return ("away", f"{wid} is away ({w.away.reason}) {back}")
    if w.capacity <= 0 and w.away is None:
        return ("capacity", f"{wid} has no capacity ({w.reduction_reason or 'reduced to 0'})")
    if w.closed_by is not None and w.closed_by[0] != "away" and not ignore_away:
        return w.closed_by
    if (
        child.required_skill is not None
        and child.required_skill not in w.worker.skills
        and "skill" not in waive
    ):
        return ("skill", f"{wid} does not have the required skill '{child.required_skill}'")
    if excluded is not None and w.worker.role is Role.ASYE:
        return ("asye", f"{wid} is an ASYE and may not hold '{excluded}' work alone")
    if ignore_away:
        return None  # the right worker in principle: their caps are those of their return
    return at_a_cap(ch, w)


def at_a_cap(ch: ChildInfo, w: WorkerInfo) -> tuple[str, str] | None:
    """The first cap worker ``w`` is already at for child ``ch`` (before the batch)."""
    child = ch.child
    wid = w.worker_id
    if not ch.active:
        return None
    if w.count_cap is not None and w.children_before >= w.count_cap:
        return ("count_cap", f"{wid} already holds {w.children_before} children, cap {w.count_cap}")
    if w.load_cap is not None and w.load_before >= w.load_cap - 1e-9:
        return ("load_cap", f"{wid} already carries load {w.load_before:g}, cap {w.load_cap:g}")
    held_cases = len(w.cases_before)
    if w.cases_cap is not None and ch.case not in w.cases_before and held_cases >= w.cases_cap:
        return ("cases_cap", f"{wid} already holds {held_cases} cases, cap {w.cases_cap}")
    cat = child.category
    cat_cap = w.category_caps.get(cat)
    if cat_cap is not None and w.category_before.get(cat, 0) >= cat_cap:
        held = w.category_before.get(cat, 0)
        return ("category_cap", f"{wid} already holds {held} '{cat}' children, cap {cat_cap}")
    if cat in w.mix_only:
        others = any(w.category_before.get(k, 0) for k in w.mix_only if k != cat)
        cap = w.mix_mixed[cat] if others else w.mix_only[cat]
        if w.category_before.get(cat, 0) >= cap:
            mix = "mixed" if others else f"only '{cat}'"
            return (
                "mix_cap",
                f"{wid} already holds {w.category_before.get(cat, 0)} '{cat}' children, "
                f"cap {cap} for a {mix} caseload",
            )
    for a in w.approvals:
        if a.may_cross:
            continue
        held_now: float = w.children_before if a.measure == "children" else w.load_before
        if held_now >= a.limit - 1e-9:
            unit = "children" if a.measure == "children" else "load"
            return (
                "approval",
                f"{wid} already holds {held_now:g} {unit} ({a.per_fte:g} per FTE is the most "
                f"without {a.approver.replace('_', ' ')} agreement)",
            )
    if w.pacing_limit is not None and w.pacing_limit <= 0:
        return ("pacing", f"{wid} may take no new children this batch (pacing)")
    return None


def anchor_families(
    children: list[ChildInfo], families: dict[str, list[int]], workers: list[WorkerInfo]
) -> None:
    """Rebalancing under ``always``: a held child whose family has a waiting sibling
    stays put, since the waiting sibling must join it."""
    for members in families.values():
        if any(waiting(children[i], workers) for i in members):
            for i in members:
                if not waiting(children[i], workers):
                    children[i].movable = False


def always_together(
    children: list[ChildInfo], families: dict[str, list[int]], workers: list[WorkerInfo]
) -> None:
    """Siblings mode ``always``: a family's waiting children in one team share one worker.

    Their candidates become the workers every one of them may go to, and only
    the workers already holding a sibling in that team (in the active caseload)
    when there is one.
    Children of one family referred to different teams are kept together team
    by team (no worker can hold children of two teams). Children being
    rebalanced are not waiting: the split count keeps them from being parted.
    """
    for members in families.values():
        by_team: dict[str, list[int]] = {}
        for i in members:
            by_team.setdefault(children[i].child.team_id, []).append(i)
        for part in by_team.values():
            _together(children, part, workers)


def _together(children: list[ChildInfo], members: list[int], workers: list[WorkerInfo]) -> None:
    moving = [children[i] for i in members if children[i].movable and waiting(children[i], workers)]
    if not moving:
        return
    # A sibling awaiting closure is outside the active caseload: it anchors nobody.
    anchors = {
        children[i].current
        for i in members
        if children[i].current is not None
        and children[i].active
        and not waiting(children[i], workers)
    }
    common = set(moving[0].candidates)
    for ch in moving[1:]:
        common &= set(ch.candidates)
    if anchors:
        common &= {a for a in anchors if a is not None}
    for ch in moving:
        for wi in ch.candidates:
            if wi not in common:
                ch.ruled_out[wi] = (
                    "siblings_always",
                    "siblings must stay together (policy 'always') and this worker "
                    "cannot take all of them",
                )
        ch.candidates = [wi for wi in ch.candidates if wi in common]
