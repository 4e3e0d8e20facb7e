"""What the JSON API takes and gives: one pydantic schema per request and response.

``response_model`` is the allow-list of what leaves the server: a field not
declared here is never sent. Requests refuse unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ROLES = ("team_manager", "head_of_service", "planner", "worker", "admin")
"""The spec's roles (docs/workspace.md#roles)."""

Id = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=2000)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(Request):
    username: Annotated[str, Field(max_length=100)]
    password: Annotated[str, Field(max_length=1000)]


class Me(BaseModel):
    username: str
    role: str
    teams: list[str]
    services: list[str]
    worker_id: str | None


class Problem(BaseModel):
    """One problem with an upload, where a spreadsheet user finds it."""

    file: str
    row: int | None
    column: str | None
    message: str


class SnapshotCreated(BaseModel):
    snapshot_id: int
    warnings: list[Problem] = []
    mismatches: int = 0


class ProposalOptions(Request):
    """What a manager may set for a solve (the engine's ``Options``, bounded for the web)."""

    as_of: date | None = Field(default=None, description="allocation date [default: today]")
    work_limit: float | None = Field(default=None, gt=0, le=600)
    time_limit: float = Field(default=60.0, gt=0, le=600)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    release: list[Id] = Field(default_factory=list, max_length=500)
    rebalance: bool = False
    max_moves: int = Field(default=0, ge=0, le=10_000)


class ProposalCreate(Request):
    team_ids: list[Id] = Field(min_length=1, max_length=200)
    options: ProposalOptions = Field(default_factory=ProposalOptions)


class Pairing(Request):
    child_id: Id
    worker_id: Id


class AdjustRequest(Request):
    pin: list[Pairing] = Field(default_factory=list, max_length=1000)
    forbid: list[Pairing] = Field(default_factory=list, max_length=1000)
    exclude_workers: list[Id] = Field(default_factory=list, max_length=1000)
    reason: Text = "manager's adjustment"


class ProposalStarted(BaseModel):
    proposal_id: int


class BasedOn(BaseModel):
    snapshot_id: int
    teams: dict[str, int] = Field(description="each team's version when the proposal was made")


class ProposalPublic(BaseModel):
    proposal_id: int
    status: Literal["queued", "solving", "done", "failed"]
    progress: float
    team_ids: list[str]
    created_by: str
    created_at: datetime
    based_on: BasedOn
    parent_id: int | None
    adjustments: list[dict[str, Any]]
    applied: bool
    error: str | None
    summary: dict[str, Any] | None
    allocations: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    findings: list[dict[str, Any]]


class DecisionIn(Request):
    child_id: Id
    reason: Text = ""
    review_date: date | None = None


class ApproveRequest(Request):
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=5000)


class ApproveResult(BaseModel):
    status: Literal["applied", "awaiting_head_of_service"]
    batch_id: int | None = None


class WorkerCaseload(BaseModel):
    worker_id: str
    name: str | None
    role: str
    fte: float
    capacity: float
    max_children: int | None
    max_load: float | None
    children: int
    load: float
    load_per_fte: float
    utilisation: float
    band: str
    accepting: bool
    child_ids: list[str]


class WaitingChild(BaseModel):
    child_id: str
    category: str
    level: int | None
    flags: list[str]
    family_id: str | None
    referred_on: date | None


class Caseloads(BaseModel):
    team_id: str
    service: str
    name: str | None
    version: int
    snapshot_id: int
    workers: list[WorkerCaseload]
    waiting: list[WaitingChild]


class DecisionPublic(BaseModel):
    child_id: str
    worker_id: str | None
    worker_before: str | None
    status: str
    engine_reason: str
    reason: str | None
    review_date: date | None
    needs_approval: str | None


class BatchPublic(BaseModel):
    batch_id: int
    proposal_id: int | None
    team_ids: list[str]
    approved_by: str
    head_of_service: str | None
    approved_at: datetime
    decisions: list[DecisionPublic]


class History(BaseModel):
    team_id: str
    batches: list[BatchPublic]


class AwaitingDecision(BaseModel):
    child_id: str
    worker_id: str | None
    needs_approval: str
    reason: str | None
    review_date: date | None


class AwaitingApproval(BaseModel):
    proposal_id: int
    team_ids: list[str]
    manager: str
    approved_at: datetime
    decisions: list[AwaitingDecision]


class Escalation(BaseModel):
    worker_id: str
    team_id: str
    above_max_since: date
    months_above: int = Field(description="completed months above the maximum")
    children: int
    max_children: int | None
    utilisation: float


class OverdueOverride(BaseModel):
    batch_id: int
    team_id: str
    child_id: str
    worker_id: str | None
    reason: str | None
    review_date: date


class Escalations(BaseModel):
    escalation_months: int
    workers_above_maximum: list[Escalation]
    overrides_past_review: list[OverdueOverride]


class MismatchPublic(BaseModel):
    mismatch_id: int
    team_id: str
    child_id: str
    approved_worker_id: str
    export_worker_id: str | None
    confirmed_by: str | None


class MismatchConfirm(Request):
    keep: Literal["approved", "export"] = "approved"


class RetentionRequest(Request):
    before: date | None = Field(
        default=None, description="default: today less the retention period"
    )


class RetentionResult(BaseModel):
    cutoff: date
    deleted: dict[str, int]


class PlanProblem(BaseModel):
    """One problem with a plan, where the planner finds it: the plan file, the variant (by
    name) and the change (by number, from 1, and kind)."""

    file: str | None
    variant: str | None
    change: str | None
    message: str


class ExamplePlanPublic(BaseModel):
    """One of the planner's example plans (``caseload scenario example``)."""

    file: str
    name: str
    base: str
    policy: str
    variants: list[str]


class PlanRunStarted(BaseModel):
    run_id: int
    name: str
    status: str


RunStatus = Literal["queued", "solving", "cancelling", "done", "failed", "cancelled"]


class RunPublic(BaseModel):
    """What every kind of run shows (``workspace.jobs.run_public``): who asked, on what, and
    how far it got."""

    run_id: int
    name: str
    base: str
    service: str | None
    snapshot_id: int | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    settings: dict[str, Any]
    status: RunStatus
    stage: str
    progress: float
    error: str | None


class PlanRunPublic(RunPublic):
    """A plan run: its progress while it runs, then its comparison or its problems."""

    plan_file: str
    example: bool
    problems: list[PlanProblem]
    comparison: list[dict[str, Any]]


class ForecastProblem(BaseModel):
    """One problem with a forecast request, where the planner finds it: the form field
    (``weeks``, ``runs``, ``seed``, ``work_limit``, ``rates``, ``plan``, ``variant``,
    ``from_week``, ``name``), the file with its row and column (a rates file), or the plan
    file with its variant and change."""

    field: str | None
    file: str | None
    row: int | None
    column: str | None
    variant: str | None
    change: str | None
    message: str


class ForecastRunPublic(RunPublic):
    """A forecast run: its progress while it runs (runs done of runs), then the authority's
    bands at the last week, or its problems."""

    rates_file: str | None
    plan_file: str | None
    plan_example: bool
    variant: str | None
    from_week: int
    problems: list[ForecastProblem]
    headline: list[dict[str, Any]]


class ForecastRunsStarted(PlanRunStarted):
    """The forecast run queued (the first, with ``every_variant``) and every run queued."""

    runs: list[PlanRunStarted]
