"""Plain-English reasons: why each child went where it did, or why it waits."""

from __future__ import annotations

from collections import Counter

from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import SiblingMode

RULE_WORDS = {
    "role": "carries no cases",
    "release": "being released",
    "capacity": "no capacity",
    "not_accepting": "not accepting new work",
    "skill": "lacks the required skill",
    "asye": "ASYE exclusion",
    "count_cap": "at their count cap",
    "load_cap": "at their weighted-load cap",
    "category_cap": "at their category cap",
    "pacing": "at the pacing limit",
    "oversight": "manager oversight maximum",
    "siblings_always": "siblings must stay together",
}


def standing(inst: Instance, w: int, children: int, load: float) -> str:
    """``W3 with 14 children (82% of their cap of 17), load 15.25 (19.1 per FTE of capacity)``."""
    info = inst.workers[w]
    cap = info.count_cap
    share = f"{100 * children / cap:.0f}% of their cap of {cap}" if cap else "no cap"
    per = f", {load / info.capacity:.1f} per FTE of capacity" if info.capacity > 0 else ""
    return f"{info.worker_id} with {children} children ({share}), load {load:g}{per}"


def why_chosen(inst: Instance, holdings: Holdings, c: int, w: int) -> str:
    ch = inst.children[c]
    info = inst.workers[w]
    parts = []
    prev = ch.child.previous_worker_id
    if prev == info.worker_id:
        parts.append(f"{info.worker_id} knew the child before")
    if ch.family is not None:
        sibs = [
            s for s in inst.families.get(ch.family, []) if s != c and holdings.assignment[s] == w
        ]
        if sibs:
            names = ", ".join(inst.children[s].child_id for s in sibs[:3])
            parts.append(f"keeps siblings together (with {names})")
    if ch.child.locality and ch.child.locality == info.worker.locality:
        parts.append(f"works in the child's locality {info.worker.locality}")
    if ch.child.required_skill:
        parts.append(f"has the required skill '{ch.child.required_skill}'")
    parts.append(f"leaves {standing(inst, w, holdings.count[w], holdings.load(w))}")
    return "; ".join(parts)


def reason(inst: Instance, holdings: Holdings, c: int) -> str:
    """One sentence a team manager can read, for one child."""
    ch = inst.children[c]
    w = holdings.assignment[c]
    if w is not None and w == ch.current:
        return f"Kept with {inst.workers[w].worker_id}; no change."
    if w is not None:
        info = inst.workers[w]
        role = info.worker.role.value.replace("_", " ")
        eligible = len(ch.candidates) - (1 if ch.current in ch.candidates else 0)
        lead = f"{info.worker_id} ({role}, {info.worker.fte:g} FTE)"
        why = why_chosen(inst, holdings, c, w)
        if ch.current is None:
            return (
                f"Allocated to {lead}, the most even choice among {eligible} eligible "
                f"worker{'s' if eligible != 1 else ''}: {why}."
            )
        frm = inst.workers[ch.current]
        cause = "released (long leave)" if frm.released else "to even the team's loads"
        return f"Moved from {frm.worker_id} ({cause}) to {lead}: {why}."
    return "Unallocated: " + why_unallocated(inst, holdings, c) + "."


def why_unallocated(inst: Instance, holdings: Holdings, c: int) -> str:
    """What stops this child being allocated, in words."""
    return unallocated_cause(inst, holdings, c)[1]


def unallocated_cause(inst: Instance, holdings: Holdings, c: int) -> tuple[str, str]:
    """``(cause, words)``; cause is ``eligibility``, ``siblings``, ``oversight``,
    ``capacity`` or ``priority``."""
    ch = inst.children[c]
    team = ch.child.team_id
    if not ch.candidates:
        rules = Counter(rule for rule, _ in ch.ruled_out.values())
        if "siblings_always" in rules and inst.policy.siblings is SiblingMode.ALWAYS:
            return "siblings", sibling_conflict(inst, holdings, c)
        listed = ", ".join(f"{n} {RULE_WORDS.get(r, r)}" for r, n in sorted(rules.items()))
        return (
            "eligibility",
            f"no eligible worker in {team} ({listed or 'the team has no workers'})",
        )
    blocked = {w: holdings.blocking_caps(c, w) for w in ch.candidates}
    if all(blocked.values()):
        rules = Counter(b[0][0] for b in blocked.values())
        if set(rules) == {"oversight"}:
            return "oversight", next(iter(blocked.values()))[0][1]
        n = len(ch.candidates)
        listed = ", ".join(f"{k} {RULE_WORDS.get(r, r)}" for r, k in sorted(rules.items()))
        return "capacity", (
            f"no capacity: all {n} eligible worker{'s' if n != 1 else ''} "
            f"in {team} are full ({listed})"
        )
    if inst.policy.siblings is SiblingMode.ALWAYS and ch.family in inst.families:
        return "siblings", sibling_conflict(inst, holdings, c)
    room = ", ".join(inst.workers[w].worker_id for w, b in blocked.items() if not b)
    return "priority", (
        f"left for a child of higher priority or by the time limit; workers with room: {room}"
    )


def sibling_conflict(inst: Instance, holdings: Holdings, c: int) -> str:
    """Plain words for 'always together' meeting a cap."""
    ch = inst.children[c]
    family = ch.family or ""
    group = [s for s in inst.families.get(family, []) if inst.children[s].movable]
    room = []
    for w in inst.team_workers[ch.child.team_id]:
        info = inst.workers[w]
        if not info.accepting:
            continue
        free = max(info.count_cap, info.children_before) - holdings.count[w]
        room.append((free, info.worker_id))
    best = max(room, default=(0, "nobody"))
    return (
        f"rules conflict: siblings must stay together (policy 'always') but no eligible "
        f"worker has room for all {len(group)} children of family {family}; the most room "
        f"is {max(best[0], 0)} ({best[1]})"
    )
