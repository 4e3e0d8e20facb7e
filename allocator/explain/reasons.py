"""Plain-English reasons: why each child went where it did, or why it waits.

A reason names the rule that actually binds, never a neighbouring one: a child
waiting because statutory work took the room says which child took it; one
waiting because a family spans two teams says so.
"""

from __future__ import annotations

from collections import Counter

from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import SiblingMode

RULE_WORDS = {
    "role": "carries no cases",
    "release": "being released",
    "excluded": "excluded by the manager",
    "forbidden": "ruled out by the manager",
    "pinned": "set aside by a pin to another worker",
    "away": "away",
    "capacity": "without capacity",
    "not_accepting": "not accepting new work",
    "leave_soon": "about to go on leave",
    "skill": "lacks the required skill",
    "asye": "an ASYE (excluded work)",
    "count_cap": "at their count cap",
    "load_cap": "at their weighted-load cap",
    "cases_cap": "at their cap in cases",
    "category_cap": "at their category cap",
    "mix_cap": "at their caseload-mix cap",
    "approval": "at an approval threshold",
    "pacing": "at the pacing limit",
    "oversight": "manager oversight maximum",
    "siblings_always": "siblings must stay together",
}
"""Each rule in words after a count of one worker ("1 carries no cases")."""
PLURAL_WORDS = {
    "role": "carry no cases",
    "skill": "lack the required skill",
    "asye": "ASYEs (excluded work)",
}
"""Where more than one worker needs other words ("2 carry no cases")."""


def rule_count(rule: str, n: int) -> str:
    """``1 carries no cases``, ``2 carry no cases``, ``3 at their count cap``."""
    words = PLURAL_WORDS.get(rule) if n != 1 else None
    return f"{n} {words or RULE_WORDS.get(rule, rule)}"


def who(inst: Instance, w: int) -> str:
    """A worker as a manager knows them: ``Wanda Jones (W004)``, or ``W004`` without a name."""
    info = inst.workers[w]
    name = info.worker.name
    return f"{name} ({info.worker_id})" if name else info.worker_id


def child_label(inst: Instance, c: int) -> str:
    """A child as the outputs show them: ``Amy (C00042)``, or ``C00042`` without a name."""
    ch = inst.children[c]
    return f"{ch.child.name} ({ch.child_id})" if ch.child.name else ch.child_id


def per_fte_text(value: float) -> str:
    """``23``, ``17.5``: one decimal, without a trailing ``.0``."""
    return f"{value:.1f}".removesuffix(".0")


def children_words(n: int) -> str:
    """``1 child``, ``2 children``."""
    return f"{n} child" if n == 1 else f"{n} children"


def standing(inst: Instance, w: int, children: int, load: float) -> str:
    """A worker's caseload in one unit: children per FTE against their cap, or, when a
    weighted-load cap binds more, their load against it.

    ``Wanda Jones (W003) with 14 children, 17.5 per FTE (cap 17)``, or
    ``W001 with weighted load 70 of their cap of 70 (100%)``.
    """
    info = inst.workers[w]
    child_share = children / info.count_cap if info.count_cap else None
    load_share = load / info.load_cap if info.load_cap else None
    if load_share is not None and (child_share is None or load_share > child_share):
        return (
            f"{who(inst, w)} with weighted load {load:g} of their cap of {info.load_cap:g} "
            f"({100 * load_share:.0f}%)"
        )
    per = (
        f", {per_fte_text(children / info.fte_available)} per FTE" if info.fte_available > 0 else ""
    )
    cap = info.count_cap
    cap_text = f" (cap {cap})" if cap else (" (no cap)" if cap is None else " (cap 0)")
    return f"{who(inst, w)} with {children_words(children)}{per}{cap_text}"


def why_chosen(inst: Instance, holdings: Holdings, c: int, w: int) -> str:
    """What made worker ``w`` right for child ``c``, and where it leaves them."""
    ch = inst.children[c]
    info = inst.workers[w]
    parts = []
    if ch.pinned == w:
        parts.append("the manager pinned the child to them")
    prev = ch.child.previous_worker_id
    if prev == info.worker_id:
        parts.append(f"{who(inst, w)} knew the child before")
    if ch.family is not None:
        sibs = [
            s for s in inst.families.get(ch.family, []) if s != c and holdings.assignment[s] == w
        ]
        if sibs:
            names = ", ".join(child_label(inst, s) for s in sibs[:3])
            parts.append(f"keeps siblings together (with {names})")
    if ch.child.locality and ch.child.locality == info.worker.locality:
        parts.append(f"works in the child's locality {info.worker.locality}")
    if ch.child.required_skill and ch.child.required_skill in info.worker.skills:
        parts.append(f"has the required skill '{ch.child.required_skill}'")
    if ch.complex and info.worker.role.value in inst.policy.complexity.experienced_roles:
        parts.append("an experienced worker for complex work")
    parts.append(f"leaves {standing(inst, w, holdings.count[w], holdings.load(w))}")
    return "; ".join(parts)


def reason(inst: Instance, holdings: Holdings, c: int) -> str:
    """One sentence a team manager can read, for one child."""
    ch = inst.children[c]
    w = holdings.assignment[c]
    if w is not None and w == ch.current:
        closing = "" if ch.active else " (awaiting closure: not in the active caseload)"
        return f"Kept with {who(inst, w)}; no change{closing}."
    if w is None:
        return "Unallocated: " + why_unallocated(inst, holdings, c) + "."
    info = inst.workers[w]
    role = info.worker.role.value.replace("_", " ")
    name = f"{info.worker.name} ({info.worker_id}, " if info.worker.name else f"{info.worker_id} ("
    lead = f"{name}{role}, {info.worker.fte:g} FTE)"
    why = why_chosen(inst, holdings, c, w)
    approval = _approval_words(inst, holdings, w)
    cover = _cover_words(inst, c, w)
    if ch.current is None or inst.workers[ch.current].release_cause == "long_leave":
        if ch.pinned == w:
            return f"Allocated to {lead}{cover}: {why}{approval}."
        eligible = len(ch.candidates) - (1 if ch.current in ch.candidates else 0)
        return (
            f"Allocated to {lead}{cover}, the most even choice among {eligible} eligible "
            f"worker{'s' if eligible != 1 else ''}: {why}{approval}."
        )
    frm = inst.workers[ch.current]
    cause = {
        "manager": f"a {frm.worker.role.value.replace('_', ' ')} carries no cases",
        "release": "released (long leave)",
    }.get(frm.release_cause or "", "to even the team's loads")
    return f"Moved from {who(inst, ch.current)} ({cause}) to {lead}: {why}{approval}."


def _cover_words(inst: Instance, c: int, w: int) -> str:
    ch = inst.children[c]
    if not ch.cover_for or w in ch.cover_for:
        return ""
    intended = inst.workers[ch.cover_for[0]]
    absence = intended.away
    back = f" until {absence.returns.isoformat()}" if absence and absence.returns else ""
    return f" as interim cover for {who(inst, ch.cover_for[0])} (away{back})"


def _approval_words(inst: Instance, holdings: Holdings, w: int) -> str:
    """``; takes W4 to 23 per FTE: above 22, head of service agreement needed``."""
    info = inst.workers[w]
    parts = []
    for a in info.approvals:
        if a.measure == "children":
            after, before = float(holdings.count[w]), float(info.children_before)
        else:
            after, before = holdings.load(w), info.load_before
        if after > max(a.limit, before) + 1e-9 and info.fte_available > 0:
            unit = "children" if a.measure == "children" else "load"
            parts.append(
                f"; takes {who(inst, w)} to {per_fte_text(after / info.fte_available)} {unit} "
                f"per FTE: above {a.per_fte:g}, {a.approver.replace('_', ' ')} agreement needed"
            )
    return "".join(parts)


def why_unallocated(inst: Instance, holdings: Holdings, c: int) -> str:
    """What stops this child being allocated, in words."""
    return unallocated_cause(inst, holdings, c)[1]


def unallocated_cause(inst: Instance, holdings: Holdings, c: int) -> tuple[str, str]:
    """``(cause, words)``; cause is ``closure``, ``eligibility``, ``teams``, ``siblings``,
    ``oversight``, ``capacity``, ``priority`` or ``approval``."""
    ch = inst.children[c]
    team = ch.child.team_id
    if not ch.active:
        return "closure", "awaiting closure (not part of the active caseload)"
    if not ch.candidates:
        rules = Counter(rule for rule, _ in ch.ruled_out.values())
        if "siblings_always" in rules and inst.policy.siblings is SiblingMode.ALWAYS:
            return "siblings", sibling_conflict(inst, holdings, c)
        listed = ", ".join(rule_count(r, n) for r, n in sorted(rules.items()))
        return (
            "eligibility",
            f"no eligible worker in {team} ({listed or 'the team has no workers'})",
        )
    blocked = {w: holdings.blocking_caps(c, w) for w in ch.candidates}
    if all(blocked.values()) and _family_never_fits(inst, c):
        # Under 'always' the family waits whatever this batch did: that is the cause.
        return "siblings", sibling_conflict(inst, holdings, c)
    if all(blocked.values()):
        rules = Counter(b[0][0] for b in blocked.values())
        if set(rules) == {"oversight"}:
            return "oversight", next(iter(blocked.values()))[0][1]
        if set(rules) == {"approval"}:
            first = next(iter(blocked.values()))[0][1]
            return "approval", f"no worker can take the child without an approval: {first}"
        n = len(ch.candidates)
        listed = ", ".join(rule_count(r, k) for r, k in sorted(rules.items()))
        words = (
            f"no capacity: the one eligible worker in {team} is full ({listed})"
            if n == 1
            else f"no capacity: all {n} eligible workers in {team} are full ({listed})"
        )
        took = _who_took_the_room(inst, holdings, c)
        return "capacity", words + took
    if inst.policy.siblings is SiblingMode.ALWAYS and ch.family in inst.families:
        return "siblings", sibling_conflict(inst, holdings, c)
    room = ", ".join(inst.workers[w].worker_id for w, b in blocked.items() if not b)
    return "priority", (
        f"left for a child of higher priority or by the time limit; workers with room: {room}"
    )


def _who_took_the_room(inst: Instance, holdings: Holdings, c: int) -> str:
    """``; statutory work comes first, and CP1 (child protection) took the room at W1``:
    the higher-priority children placed this batch with the workers this child could
    have had, when there are any."""
    ch = inst.children[c]
    order = inst.policy.priorities.order
    took = [
        (inst.children[other], w)
        for w in ch.candidates
        for other in sorted(holdings.newcomers[w])
        if other != c and _before(inst, other, c)
    ]
    if not took:
        return ""
    shown = ", ".join(
        f"{child_label(inst, o.index)} ({_kind(inst, o.index)}) at {who(inst, w)}"
        for o, w in took[:3]
    )
    more = f" and {len(took) - 3} more" if len(took) > 3 else ""
    rule = (
        "statutory work comes first (policy priorities)"
        if order == "statutory_first"
        and ch.statutory is False
        and any(o.statutory for o, _ in took)
        else "higher priority first"
    )
    return f"; {rule}: the room went to {shown}{more}"


def _before(inst: Instance, a: int, b: int) -> bool:
    """Whether child ``a`` comes before child ``b`` when room is short."""
    x, y = inst.children[a], inst.children[b]
    if x.pinned is not None and y.pinned is None:
        return True
    if inst.policy.priorities.order == "statutory_first" and x.statutory != y.statutory:
        return x.statutory
    if x.tier != y.tier:
        return x.tier > y.tier
    return x.waiting_days > y.waiting_days


def _kind(inst: Instance, c: int) -> str:
    ch = inst.children[c]
    words = {"cp": "child protection", "cla": "in care", "cin": "child in need"}
    text = words.get(ch.child.category, ch.child.category)
    if "court" in ch.child.flags:
        text += ", court"
    return text


def _waiting_group(inst: Instance, c: int) -> list[int]:
    """The children of ``c``'s family in its team who wait to be placed together."""
    ch = inst.children[c]
    return [
        s
        for s in inst.families.get(ch.family or "", [])
        if inst.children[s].movable and inst.children[s].child.team_id == ch.child.team_id
    ]


def _room_before(inst: Instance, c: int, size: int) -> list[tuple[int, str]]:
    """``(free places, worker)`` of each accepting worker in ``c``'s team before this batch
    (``size`` where no count cap applies)."""
    room = []
    for w in inst.team_workers[inst.children[c].child.team_id]:
        info = inst.workers[w]
        if info.accepting:
            limit = info.count_limit
            room.append(
                ((limit - info.children_before) if limit is not None else size, info.worker_id)
            )
    return room


def _family_never_fits(inst: Instance, c: int) -> bool:
    """Under 'always', whether no worker had room for the whole waiting family even
    before this batch placed anyone."""
    if inst.policy.siblings is not SiblingMode.ALWAYS or inst.children[c].family is None:
        return False
    group = _waiting_group(inst, c)
    return len(group) > 1 and all(
        free < len(group) for free, _ in _room_before(inst, c, len(group))
    )


def sibling_conflict(inst: Instance, holdings: Holdings, c: int) -> str:
    """Plain words for 'always together' meeting a cap: the most room any worker had
    before this batch, against the family's size."""
    ch = inst.children[c]
    family = ch.family or ""
    team = ch.child.team_id
    group = _waiting_group(inst, c)
    best = max(_room_before(inst, c, len(group)), default=(0, "nobody"))
    return (
        f"rules conflict: siblings must stay together (policy 'always') but no eligible "
        f"worker in {team} has room for all {len(group)} children of family {family}; the "
        f"most room is {max(best[0], 0)} ({best[1]})"
    )
