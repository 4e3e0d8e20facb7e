"""The prepared instance: every worker and child with what the rules need.

Built once by :func:`allocator.prepare.prepare` and shared by the greedy
baseline, the CP-SAT model, the findings and the explanations, so every part
applies the same rules. Nothing here imports the solver.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from models import Child, Options, Override, Policy, ProblemData, Worker


@dataclass(frozen=True)
class Absence:
    """A period when reductions in force take all of a worker's capacity."""

    start: date
    """First day away."""
    returns: date | None
    """First day back (``None``: no end date given)."""
    working_days: int | None
    """Working days away (England; ``None`` when open-ended)."""
    reason: str


@dataclass(frozen=True)
class ApprovalLimit:
    """An approval threshold as a limit on one worker (Barnet 001 s.3.7)."""

    name: str
    measure: str
    """``children`` or ``load``."""
    limit: float
    """Most children (whole) or load the worker may hold without the approval."""
    per_fte: float
    approver: str
    may_cross: bool


@dataclass
class WorkerInfo:
    """One worker with everything the rules need, in original units."""

    index: int
    worker: Worker
    team_id: str
    capacity: float
    """FTE x role factor x (1 - reductions): the share of a full caseload."""
    role_factor: float
    reduction: float
    reduction_reason: str
    fte_available: float
    """FTE x (1 - reductions): what per-FTE thresholds and averages divide by."""
    count_cap: int | None
    """Most children held (``None``: the policy sets no cap)."""
    count_cap_source: str
    """``service``, ``agreed`` (max_children), ``override`` or ``none``."""
    load_cap: float | None
    cases_cap: int | None
    category_caps: dict[str, int]
    mix_only: dict[str, int]
    """Cap per mixed category when the worker holds only that one."""
    mix_mixed: dict[str, int]
    """Cap per mixed category when the worker holds two or more of them."""
    approvals: list[ApprovalLimit]
    pacing_limit: int | None
    accepting: bool
    """Open to new children in this batch."""
    released: bool
    """Their children are reallocated in this run."""
    release_cause: str | None = None
    """``release`` (--release), ``manager`` (carries no cases) or ``long_leave``."""
    closed_by: tuple[str, str] | None = None
    """``(rule, words)`` that closes the worker to new work, when not accepting."""
    away: Absence | None = None
    leave_soon: Absence | None = None
    override: Override | None = None
    children_before: int = 0
    load_before: float = 0.0
    category_before: dict[str, int] = field(default_factory=dict)
    cases_before: set[str] = field(default_factory=set)
    complex_before: int = 0

    @property
    def worker_id(self) -> str:
        return self.worker.worker_id

    @property
    def case_holding(self) -> bool:
        return self.capacity > 0

    @property
    def count_limit(self) -> int | None:
        """Most children after the batch: ``max(cap, before)`` (``None``: no cap)."""
        return None if self.count_cap is None else max(self.count_cap, self.children_before)

    @property
    def load_limit(self) -> float | None:
        return None if self.load_cap is None else max(self.load_cap, self.load_before)

    @property
    def cases_limit(self) -> int | None:
        return None if self.cases_cap is None else max(self.cases_cap, len(self.cases_before))


@dataclass
class ChildInfo:
    """One child: weight, priority, and where it may go."""

    index: int
    child: Child
    weight: float
    weight_together: float
    """Weight when held by the same worker as a sibling."""
    current: int | None
    """Index of the worker holding the child now (``None`` when waiting)."""
    movable: bool
    candidates: list[int] = field(default_factory=list)
    ruled_out: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Worker index -> (rule, detail) for the team's workers this child cannot go to."""
    tier: int = 0
    statutory: bool = False
    complex: bool = False
    active: bool = True
    """Part of the active caseload (not awaiting closure)."""
    waiting_days: int = 0
    family: str | None = None
    pinned: int | None = None
    """Worker a manager pinned the child to (``adjustments.csv``)."""
    cover_for: list[int] = field(default_factory=list)
    """Away workers the child is meant for, when it goes to another as interim cover."""

    @property
    def child_id(self) -> str:
        return self.child.child_id

    @functools.cached_property
    def case(self) -> str:
        """The case this child belongs to: its sibling group, or itself (Merton counts
        cases, and a family is one case). Read once ``family`` is settled."""
        return f"family {self.family}" if self.family is not None else f"child {self.child_id}"


@dataclass(frozen=True)
class OversightGroup:
    """The teams one manager oversees, and the hard limit on their cases (if any)."""

    manager: str
    teams: tuple[str, ...]
    limit: int | None


@dataclass
class Instance:
    """All workers and children of one run, plus the integer scale of weights."""

    data: ProblemData
    policy: Policy
    options: Options
    workers: list[WorkerInfo]
    children: list[ChildInfo]
    worker_index: dict[str, int]
    team_workers: dict[str, list[int]]
    team_children: dict[str, list[int]]
    families: dict[str, list[int]]
    """Sibling groups of two or more children: family id -> child indices."""
    oversight: list[OversightGroup]
    """Hard oversight limits only (``span.oversight_hard``); otherwise empty."""
    team_cases_before: dict[str, int]
    """Cases (sibling groups count once) each team's workers hold before the batch."""
    weight_unit: float
    """One integer load unit in weight units: ``weight = units * weight_unit``."""

    def units(self, weight: float) -> int:
        """A weight in integer model units (exact by construction of ``weight_unit``)."""
        return round(weight / self.weight_unit)


def waiting(ch: ChildInfo, workers: list[WorkerInfo]) -> bool:
    """A child with no worker, or whose worker is being released: it may end unallocated."""
    return ch.current is None or workers[ch.current].released
