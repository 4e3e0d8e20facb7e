"""An independent checker: every rule and the objective, recomputed without the solver.

:func:`check` runs the named checks of :data:`~allocator.checker.checks.CHECKS`
over what :mod:`~allocator.checker.facts` recomputes from the input alone.
"""

from __future__ import annotations

from allocator.checker.checks import CHECKS
from allocator.checker.facts import facts
from models import AllocationResult, Policy, ProblemData, Violation


def check(data: ProblemData, policy: Policy, result: AllocationResult) -> list[Violation]:
    """Every rule the proposal breaks (empty when it keeps them all).

    Parameters
    ----------
    data, policy
        The input the proposal was made from.
    result
        The proposal; the options it needs (as-of date, release, rebalance,
        move budget) are those recorded in ``result.options``.

    Returns
    -------
    list[Violation]
        One per broken rule and entity, grouped by check in the order of
        :data:`~allocator.checker.checks.CHECKS`. When the rows themselves are
        wrong (not every child once in input order, an unknown worker, another
        team's id), only those ``rows`` violations are returned.

    Examples
    --------
    >>> from datetime import date
    >>> from models import Options, ProblemData, Team, Worker, Child, Role, load_policy
    >>> from allocator import allocate
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=1),),
    ...     children=(Child(child_id="C1", team_id="T1", category="cin"),),
    ... )
    >>> policy = load_policy("default")
    >>> result = allocate(data, policy, Options(as_of=date(2026, 11, 23)))
    >>> check(data, policy, result)
    []
    """
    rows = row_problems(data, result)
    if rows:
        return rows
    found = facts(data, policy, result)
    return [violation for _name, run in CHECKS for violation in run(found)]


def row_problems(data: ProblemData, result: AllocationResult) -> list[Violation]:
    """``rows`` violations: the allocation rows must name every child once, in input
    order, with the child's own team and a known worker (or none)."""
    if [a.child_id for a in result.allocations] != [c.child_id for c in data.children]:
        message = "allocations must list every child once, in input order"
        return [Violation(rule="rows", entities=(), message=message)]
    workers = {w.worker_id for w in data.workers}
    out = []
    for c, row in zip(data.children, result.allocations, strict=True):
        if row.team_id != c.team_id:
            message = f"{c.child_id}: team {row.team_id}, but the child belongs to {c.team_id}"
            out.append(Violation(rule="rows", entities=(c.child_id,), message=message))
        if row.worker_id is not None and row.worker_id not in workers:
            message = f"{c.child_id}: unknown worker {row.worker_id}"
            out.append(Violation(rule="rows", entities=(c.child_id,), message=message))
    return out


__all__ = ["CHECKS", "check", "row_problems"]
