"""The input of one allocation: teams, workers, children and capacity reductions.

These objects are built by ``allocator.io`` from the data contract's files
(which also names file, row and column when a value is bad). Field-level
checks live here so that every way of building a ``ProblemData`` gets them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from models._base import Frozen, Number, Whole
from models.enums import Role

MAX_CHILDREN = 1000
"""Highest individual cap (``max_children``) a worker may be given: far above any
real caseload, low enough that the solver's arithmetic stays exact."""
MAX_WEIGHT = 100.0
"""Highest workload weight of one child (``weight``); the policies weigh a child
between 0.5 and 3."""
MAX_MILES = 1000.0
"""Longest ``distance_miles`` of a placement (Land's End to John o' Groats is 603)."""


class Team(Frozen):
    """A team, the unit a batch is allocated within."""

    team_id: str = Field(min_length=1)
    service: str = Field(min_length=1)
    manager_id: str | None = None
    name: str | None = None


class Worker(Frozen):
    """A member of staff. Capacity comes from ``fte``, role and reductions."""

    worker_id: str = Field(min_length=1)
    team_id: str = Field(min_length=1)
    role: Role
    fte: Number = Field(gt=0, le=1)
    asye_start: date | None = None
    max_children: Whole | None = Field(default=None, ge=0, le=MAX_CHILDREN)
    accepting: bool = True
    skills: frozenset[str] = frozenset()
    locality: str | None = None
    name: str | None = None
    supervisor: bool = False
    """Supervises other staff (Sutton 000: a different caseload; ``supervisor_factor``)."""
    above_max_since: date | None = None
    """Since when the worker's caseload has been above the maximum (Barnet 001 s.5 item 4)."""

    @model_validator(mode="after")
    def _asye_needs_start(self) -> Worker:
        if self.role is Role.ASYE and self.asye_start is None:
            raise ValueError("asye_start is required for role 'asye'")
        return self


class Child(Frozen):
    """A child: already allocated (``worker_id``) or waiting for allocation."""

    child_id: str = Field(min_length=1)
    team_id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    worker_id: str | None = None
    family_id: str | None = None
    weight: Number | None = Field(default=None, gt=0, le=MAX_WEIGHT)
    level: Whole | None = Field(default=None, ge=1, le=4)
    flags: frozenset[str] = frozenset()
    distance_miles: Number | None = Field(default=None, ge=0, le=MAX_MILES)
    previous_worker_id: str | None = None
    required_skill: str | None = None
    locality: str | None = None
    referred_on: date | None = None
    age: Whole | None = Field(default=None, ge=0, le=30)
    """Age in whole years (Merton 002 s.2.4: the 16/17 age group is more intensive)."""
    awaiting_closure: bool = False
    """Not actively worked, waiting to be closed: not part of the active caseload
    (Welsh report 003 s.5.5, s.6.1), reported separately."""
    name: str | None = None
    """Display only: shown in the proposal's own outputs, never in logs or messages."""


class Reduction(Frozen):
    """A temporary reduction of a worker's capacity (``reductions.csv``)."""

    worker_id: str = Field(min_length=1)
    fraction: Number = Field(gt=0, le=1)
    reason: str = Field(min_length=1)
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Reduction:
        if self.start and self.end and self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self

    def active_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Override(Frozen):
    """An allocation above a worker's maximum, agreed and recorded (``overrides.csv``).

    Barnet 001 s.5 items 2-3: the reason "has to be clearly recorded"; "Such
    allocation must be time specified and subject to regular review." The
    override raises the worker's cap to ``max_children`` until ``review_date``
    (inclusive); after it, it no longer applies and is reported.
    """

    worker_id: str = Field(min_length=1)
    max_children: Whole = Field(ge=0, le=MAX_CHILDREN)
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    review_date: date

    def active_on(self, day: date) -> bool:
        return day <= self.review_date


class AdjustmentAction(StrEnum):
    """What a manager's adjustment does."""

    PIN = "pin"
    FORBID = "forbid"
    EXCLUDE = "exclude"


class Adjustment(Frozen):
    """A manager's change to the proposal, with the reason (``adjustments.csv``).

    ``pin``: ``child_id`` goes to ``worker_id``; ``forbid``: ``child_id`` does
    not go to ``worker_id``; ``exclude``: ``worker_id`` takes no new child in
    this batch (``child_id`` empty).
    """

    action: AdjustmentAction
    worker_id: str = Field(min_length=1)
    child_id: str | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _child_when_needed(self) -> Adjustment:
        if self.action is AdjustmentAction.EXCLUDE and self.child_id is not None:
            raise ValueError("an 'exclude' adjustment names a worker only, not a child")
        if self.action is not AdjustmentAction.EXCLUDE and self.child_id is None:
            raise ValueError(f"a '{self.action.value}' adjustment needs a child_id")
        return self


class ProblemData(Frozen):
    """Everything read from one data folder, validated and cross-referenced."""

    teams: tuple[Team, ...]
    workers: tuple[Worker, ...]
    children: tuple[Child, ...]
    reductions: tuple[Reduction, ...] = ()
    overrides: tuple[Override, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    source: str = ""

    @model_validator(mode="after")
    def _references(self) -> ProblemData:
        problems = reference_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def reference_problems(data: ProblemData) -> list[str]:
    """Unique keys and cross-references; empty when everything resolves.

    Examples
    --------
    >>> data = ProblemData.model_construct(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T2", role=Role.SOCIAL_WORKER, fte=1),),
    ...     children=(),
    ...     reductions=(),
    ... )
    >>> reference_problems(data)
    ["worker 'W1': unknown team_id 'T2'"]
    """
    problems: list[str] = []
    for kind, ids in (
        ("team_id", [t.team_id for t in data.teams]),
        ("worker_id", [w.worker_id for w in data.workers]),
        ("child_id", [c.child_id for c in data.children]),
    ):
        seen: set[str] = set()
        for key in ids:
            if key in seen:
                problems.append(f"duplicate {kind} {key!r}")
            seen.add(key)
    teams = {t.team_id for t in data.teams}
    workers = {w.worker_id for w in data.workers}
    for t in data.teams:
        if t.manager_id is not None and t.manager_id not in workers:
            problems.append(f"team {t.team_id!r}: unknown manager_id {t.manager_id!r}")
    for w in data.workers:
        if w.team_id not in teams:
            problems.append(f"worker {w.worker_id!r}: unknown team_id {w.team_id!r}")
    for c in data.children:
        if c.team_id not in teams:
            problems.append(f"child {c.child_id!r}: unknown team_id {c.team_id!r}")
        for col in ("worker_id", "previous_worker_id"):
            ref = getattr(c, col)
            if ref is not None and ref not in workers:
                problems.append(f"child {c.child_id!r}: unknown {col} {ref!r}")
    for r in data.reductions:
        if r.worker_id not in workers:
            problems.append(f"reduction: unknown worker_id {r.worker_id!r}")
    for o in data.overrides:
        if o.worker_id not in workers:
            problems.append(f"override: unknown worker_id {o.worker_id!r}")
    children = {c.child_id for c in data.children}
    for a in data.adjustments:
        if a.worker_id not in workers:
            problems.append(f"adjustment: unknown worker_id {a.worker_id!r}")
        if a.child_id is not None and a.child_id not in children:
            problems.append(f"adjustment: unknown child_id {a.child_id!r}")
    return problems
