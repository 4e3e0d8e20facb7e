"""Which workers of its team each movable child may go to, and the first rule that
rules out each of the others (what ``candidates.csv`` and the reasons say).

Rules, in the order they are tested: role (managers carry no cases, Barnet 001
s.3.8), release, capacity, accepting, required skill, ASYE exclusions, count
cap, load cap, category cap, pacing. Under siblings ``always`` a family's
waiting children may go only to workers who can take all of them.
"""

from __future__ import annotations

from allocator.prepare.instance import ChildInfo, WorkerInfo, waiting
from models import Child, Policy, Role


def asye_excluded(child: Child, policy: Policy) -> str | None:
    """The category or flag that an ASYE may not hold alone, if the child has one."""
    excluded = set(policy.asye.excluded)
    if child.category in excluded:
        return child.category
    hit = sorted(child.flags & excluded)
    return hit[0] if hit else None


def fill_candidates(
    ch: ChildInfo, workers: list[WorkerInfo], team: list[int], policy: Policy
) -> None:
    """Fill ``ch.candidates`` and ``ch.ruled_out`` with the first rule that excludes each."""
    excluded = asye_excluded(ch.child, policy)
    for wi in team:
        w = workers[wi]
        staying = ch.current == wi
        if w.released and staying:
            ch.ruled_out[wi] = ("release", f"{w.worker_id} is being released (long leave)")
            continue
        if staying:  # rebalance: staying put is always allowed
            ch.candidates.append(wi)
            continue
        rule = ruled_out(ch, w, excluded)
        if rule is None:
            ch.candidates.append(wi)
        else:
            ch.ruled_out[wi] = rule
    if ch.current is not None and ch.current not in team and not workers[ch.current].released:
        ch.candidates.append(ch.current)  # held outside its team: may stay


def ruled_out(ch: ChildInfo, w: WorkerInfo, excluded: str | None) -> tuple[str, str] | None:
    """``(rule, plain words)`` of the first rule that keeps child ``ch`` from worker ``w``."""
    child = ch.child
    wid = w.worker_id
    if not w.worker.role.carries_cases:
        return ("role", f"{wid} is a {w.worker.role.value.replace('_', ' ')} and carries no cases")
    if w.released:
        return ("release", f"{wid} is being released (long leave)")
    if w.capacity <= 0:
        return ("capacity", f"{wid} has no capacity ({w.reduction_reason or 'reduced to 0'})")
    if not w.worker.accepting:
        return ("not_accepting", f"{wid} is not accepting new work")
    if child.required_skill is not None and child.required_skill not in w.worker.skills:
        return ("skill", f"{wid} does not have the required skill '{child.required_skill}'")
    if excluded is not None and w.worker.role is Role.ASYE:
        return ("asye", f"{wid} is an ASYE and may not hold '{excluded}' work alone")
    if w.children_before >= w.count_cap:
        return ("count_cap", f"{wid} already holds {w.children_before} children, cap {w.count_cap}")
    if w.load_cap is not None and w.load_before >= w.load_cap - 1e-9:
        return ("load_cap", f"{wid} already carries load {w.load_before:g}, cap {w.load_cap:g}")
    cat_cap = w.category_caps.get(child.category)
    if cat_cap is not None and w.category_before.get(child.category, 0) >= cat_cap:
        return (
            "category_cap",
            f"{wid} already holds {w.category_before.get(child.category, 0)} "
            f"'{child.category}' children, cap {cat_cap}",
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
    """Siblings mode ``always``: a family's waiting children share one worker.

    Their candidates become the workers every one of them may go to, and only
    the workers already holding a sibling when there is one. (Children being
    rebalanced are not waiting: the split count keeps them from being parted.)
    """
    for members in families.values():
        moving = [
            children[i] for i in members if children[i].movable and waiting(children[i], workers)
        ]
        if not moving:
            continue
        anchors = {
            children[i].current
            for i in members
            if children[i].current is not None and not waiting(children[i], workers)
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
