"""What an allocation run returns: per child, per worker, findings, and the solve."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from models._base import Frozen
from models.enums import ChildStatus, SolveStatus
from models.options import Options
from models.policy import Policy
from models.problem import ProblemData


class ChildAllocation(Frozen):
    """One row of ``allocations.csv``.

    ``cover_for`` names the worker a child is meant for when it goes to another
    as interim cover while they are away, and ``cover_until`` their return;
    ``needs_approval`` names the threshold an allocation takes its worker
    across, and who must agree (Barnet 001 s.3.7).
    """

    child_id: str
    team_id: str
    worker_id: str | None
    status: ChildStatus
    weight: float
    reason: str
    worker_before: str | None = None
    cover_for: str | None = None
    cover_until: date | None = None
    needs_approval: str | None = None


class WorkerLoad(Frozen):
    """One row of ``workers.csv``: a worker's caps and loads before and after."""

    worker_id: str
    team_id: str
    role: str
    fte: float
    capacity: float
    max_children: int | None
    max_load: float | None
    accepting: bool
    children_before: int
    children_after: int
    load_before: float
    load_after: float
    new_children: int
    band: str
    reduction: str = ""
    fte_available: float = 0.0
    """FTE after reductions: what per-FTE figures and bands divide by."""
    children_per_fte: float = 0.0
    cases_after: int = 0
    awaiting_closure: int = 0
    """Children held awaiting closure, outside the active caseload (Welsh 003 s.5.5)."""
    utilisation: float = 0.0
    """The largest share of a cap in force after allocation (children, load or cases)."""
    binding_cap: str = ""
    """Which cap that share is of: ``children``, ``load`` or ``cases`` (empty: none)."""
    absence: str = ""

    @property
    def load_per_fte(self) -> float:
        """Weighted load after allocation per FTE of capacity (0 when no capacity)."""
        return self.load_after / self.capacity if self.capacity > 0 else 0.0


class Violation(Frozen):
    """A broken rule, found by the independent checker (``allocator.checker``)."""

    rule: str
    entities: tuple[str, ...]
    amount: float = 0.0
    message: str


class Finding(Frozen):
    """Something a manager should know that is not a broken rule.

    Kinds are listed with what each means in docs/data-contract-extensions.md
    (``findings.csv``).
    """

    kind: str
    entities: tuple[str, ...]
    message: str


class TeamFairness(Frozen):
    """Plain fairness measures of one team after allocation."""

    team_id: str
    workers: int
    children_per_fte_sd: float
    children_per_fte_range: float
    load_per_capacity_sd: float
    load_per_capacity_range: float
    load_per_capacity_gini: float


class Candidate(Frozen):
    """Why a child did or did not go to one worker of its team (``candidates.csv``)."""

    child_id: str
    worker_id: str
    verdict: str  # "chosen", "eligible" or "ruled_out"
    rule: str
    detail: str


class ChildExplanation(Frozen):
    """Why one child went where it did, and why not to each other worker of its team.

    ``candidates`` lists the chosen worker first, then the eligible ones, then
    those ruled out, each group by worker id; it is empty for a child kept
    with its worker (no alternative was considered).
    """

    allocation: ChildAllocation
    candidates: tuple[Candidate, ...] = ()


class WorkerExplanation(Frozen):
    """One worker's part in a proposal: what they hold, what they were given or lost and
    why, and the waiting children they could have taken, with what stopped it."""

    worker: WorkerLoad
    given: tuple[ChildAllocation, ...] = ()
    """Children allocated or moved to the worker in this run."""
    lost: tuple[ChildAllocation, ...] = ()
    """Children the worker held before and no longer holds."""
    waiting: tuple[Candidate, ...] = ()
    """The worker's row of ``candidates.csv`` for each child left waiting."""


class AllocationResult(Frozen):
    """The proposal for one data folder, policy and set of options.

    It carries its input (``data``, ``policy``, ``options``), so a proposal
    folder written from it is a self-contained record that reproduces the run.
    """

    data: ProblemData
    policy: Policy
    options: Options
    status: SolveStatus
    objective: float | None
    best_bound: float | None
    solve_seconds: float
    allocations: tuple[ChildAllocation, ...]
    workers: tuple[WorkerLoad, ...]
    findings: tuple[Finding, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    fairness: tuple[TeamFairness, ...] = ()
    greedy_objective: float | None = None
    stats: dict[str, Any] = Field(default_factory=dict)

    @property
    def children_allocated(self) -> int:
        """Children newly given a worker (moves are counted separately)."""
        return sum(a.status is ChildStatus.ALLOCATED for a in self.allocations)

    @property
    def children_moved(self) -> int:
        return sum(a.status is ChildStatus.MOVED for a in self.allocations)

    @property
    def children_unallocated(self) -> int:
        return sum(a.status is ChildStatus.UNALLOCATED for a in self.allocations)

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (0 when proven optimal)."""
        if self.objective is None or self.best_bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.best_bound) / abs(self.objective))
