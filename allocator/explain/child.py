"""``explain_child``: one child's reason and every alternative, from a result alone."""

from __future__ import annotations

import difflib

from models import AllocationResult, ChildExplanation, ChildStatus, WorkerExplanation

VERDICT_ORDER = {"chosen": 0, "eligible": 1, "ruled_out": 2}


class UnknownChildError(LookupError):
    """An id that is not in the result; ``suggestions`` holds the closest ids."""

    kind = "child"

    def __init__(self, child_id: str, suggestions: list[str]) -> None:
        self.child_id = child_id
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{self.kind} {child_id!r} is not in the proposal{hint}")


class UnknownWorkerError(UnknownChildError):
    """A worker id that is not in the result; ``suggestions`` holds the closest ids."""

    kind = "worker"

    def __str__(self) -> str:
        return str(self.args[0])


def explain_child(result: AllocationResult, child_id: str) -> ChildExplanation:
    """Why ``child_id`` went where it did, and why not to each other worker of its team.

    Parameters
    ----------
    result
        A proposal, from :func:`allocator.allocate` or :func:`allocator.read_outputs`.
    child_id
        The child's id as in ``children.csv`` (surrounding spaces ignored).

    Returns
    -------
    ChildExplanation
        The child's row of ``allocations.csv`` and its rows of ``candidates.csv``:
        chosen first, then eligible, then ruled out, each by worker id. A child
        kept with its worker has no candidates (no alternative was considered).

    Raises
    ------
    UnknownChildError
        ``child_id`` is not in the result; the error names up to three close ids.

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
    >>> result = allocate(data, load_policy("default"), Options(as_of=date(2026, 11, 23)))
    >>> explain_child(result, "C1").allocation.worker_id
    'W1'
    """
    wanted = child_id.strip()
    row = next((a for a in result.allocations if a.child_id == wanted), None)
    if row is None:
        ids = [a.child_id for a in result.allocations]
        raise UnknownChildError(wanted, difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6))
    candidates = sorted(
        (c for c in result.candidates if c.child_id == wanted),
        key=lambda c: (VERDICT_ORDER.get(c.verdict, 3), c.worker_id),
    )
    return ChildExplanation(allocation=row, candidates=tuple(candidates))


def explain_worker(result: AllocationResult, worker_id: str) -> WorkerExplanation:
    """One worker's part in the proposal: what they hold, given and lost, and why.

    Parameters
    ----------
    result
        A proposal, from :func:`allocator.allocate` or :func:`allocator.read_outputs`.
    worker_id
        The worker's id as in ``workers.csv`` (surrounding spaces ignored).

    Returns
    -------
    WorkerExplanation
        Their row of ``workers.csv``; the children given to them (allocated or moved
        in) and lost (moved out or waiting again), in input order, each with its
        reason; and, for every child left waiting, their row of ``candidates.csv``
        (why they did not take it).

    Raises
    ------
    UnknownWorkerError
        ``worker_id`` is not in the result; the error names up to three close ids.

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
    >>> result = allocate(data, load_policy("default"), Options(as_of=date(2026, 11, 23)))
    >>> [a.child_id for a in explain_worker(result, "W1").given]
    ['C1']
    """
    wanted = worker_id.strip()
    row = next((w for w in result.workers if w.worker_id == wanted), None)
    if row is None:
        ids = [w.worker_id for w in result.workers]
        raise UnknownWorkerError(wanted, difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6))
    given = tuple(
        a
        for a in result.allocations
        if a.worker_id == wanted and a.status in (ChildStatus.ALLOCATED, ChildStatus.MOVED)
    )
    lost = tuple(
        a for a in result.allocations if a.worker_before == wanted and a.worker_id != wanted
    )
    waiting_ids = {a.child_id for a in result.allocations if a.status is ChildStatus.UNALLOCATED}
    waiting = tuple(
        c for c in result.candidates if c.worker_id == wanted and c.child_id in waiting_ids
    )
    return WorkerExplanation(worker=row, given=given, lost=lost, waiting=waiting)
