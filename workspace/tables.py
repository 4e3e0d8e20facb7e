"""The workspace's database tables (SQLAlchemy 2 ``Mapped`` classes).

The record is append-only where the policies ask for one: approvals, batches,
decisions, caseload history, the access log and retention deletions are only
ever added to (a retention deletion removes children's rows and records that it
did). The current state is one snapshot of imported data (``snapshots``, with
its ``teams``, ``workers`` and ``children`` rows), changed only by approvals;
``teams.version`` counts those changes per team, so an approval built on an
older state is refused (409) without locking other teams.

Engine types (``models``) never appear here: an imported record is kept as
the JSON of the contract's row (``record``), with the keys the queries need as
columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    """The current time, aware (UTC)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Every table of the workspace; Alembic takes its metadata from here."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class User(Base):
    """Someone who signs in. ``role`` is one of the spec's five roles."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    worker_id: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class UserTeam(Base):
    """A team a manager (or a worker's team) may see."""

    __tablename__ = "user_teams"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class UserService(Base):
    """A service a head of service looks after."""

    __tablename__ = "user_services"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(100), primary_key=True)


class UserSession(Base):
    """A signed-in browser or client. Only a hash of the cookie's token is stored."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_seen: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]


class WorkspaceState(Base):
    """One row: which snapshot is the current state."""

    __tablename__ = "workspace_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    current_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))


class Snapshot(Base):
    """One import: the data as read, the policy in force, and what the import noticed."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    as_of: Mapped[date] = mapped_column(Date)
    policy_name: Mapped[str] = mapped_column(String(200))
    policy_toml: Mapped[str] = mapped_column(Text)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Reductions, overrides and adjustments of the data, as the contract's rows."""
    warnings: Mapped[list[Any]] = mapped_column(default=list)


class TeamRow(Base):
    """A team of a snapshot, its version and its workers' current loads."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("snapshot_id", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(100))
    record: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    loads: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """``{"workers": [WorkerLoad rows], "weights": {child_id: weight}}`` of the current state."""


class WorkerRow(Base):
    """A worker of a snapshot (the contract's ``workers.csv`` row as JSON)."""

    __tablename__ = "workers"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "worker_id"),
        Index("ix_workers_team", "snapshot_id", "team_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    worker_id: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[str] = mapped_column(String(100))
    record: Mapped[dict[str, Any]]


class ChildRow(Base):
    """A child of a snapshot; ``worker_id`` is the current worker (changed by approvals)."""

    __tablename__ = "children"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "child_id"),
        Index("ix_children_team", "snapshot_id", "team_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    child_id: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[str] = mapped_column(String(100))
    worker_id: Mapped[str | None] = mapped_column(String(100))
    record: Mapped[dict[str, Any]]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    """The approved batch that gave the current worker (none: as imported)."""


class Proposal(Base):
    """A solve job and its result: queued, solving, done or failed (a ``SolveJob``)."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    team_ids: Mapped[list[Any]]
    options: Mapped[dict[str, Any]]
    adjustments: Mapped[list[Any]] = mapped_column(default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    based_on: Mapped[dict[str, Any]]
    """``{team_id: version}`` of the state the proposal was made from."""
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    solver_pid: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    """The engine's ``AllocationResult`` as JSON (what the outputs are written from)."""
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)


class RunJob:
    """What every planner's run from the browser holds (plan runs, forecast runs): a solve
    job like a proposal, whose outcome is a folder written under ``out_dir`` (or its
    problems, nothing written). A mixin: each kind of run is its own table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    """The output folder's name."""
    out_dir: Mapped[str] = mapped_column(String(1000))
    """Where the folder is written (the plans folder when it was asked for, and ``name``)."""
    base: Mapped[str] = mapped_column(String(20))
    """What it runs on: the example authority, or ``workspace`` (the current data)."""
    service: Mapped[str | None] = mapped_column(String(100))
    """With the workspace's data: only this service's teams (none: every team)."""
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    """The snapshot a run on the workspace's data read (kept as none after retention)."""
    settings: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(100), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    """The problems that stopped the run, one line each: nothing was written."""
    solver_pid: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PlanRunJob(RunJob, Base):
    """A scenario plan run from the browser; ``settings``: ``work_limit``, ``time_limit``,
    ``gap_limit`` and ``replace``; ``base``: ``example`` or ``workspace``."""

    __tablename__ = "plan_runs"
    plan_file: Mapped[str] = mapped_column(String(200))
    """The plan file's name as the planner gave it (an example plan's own name)."""
    plan_toml: Mapped[str] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    comparison: Mapped[list[Any]] = mapped_column(default=list)
    """The comparison's rows once written (what the run's page shows)."""


class ForecastRunJob(RunJob, Base):
    """A forecast run from the browser; ``settings``: ``as_of``, ``weeks``, ``runs``,
    ``seed``, ``mode``, ``work_limit`` and ``replace``; ``base``: ``example``, ``example-barnet`` or
    ``workspace``. Its folder goes to the plans folder's ``forecasts/``."""

    __tablename__ = "forecast_runs"
    rates_file: Mapped[str | None] = mapped_column(String(200))
    """The uploaded rates file's name (none: rates estimated from the data)."""
    rates_csv: Mapped[str | None] = mapped_column(Text)
    plan_file: Mapped[str | None] = mapped_column(String(200))
    """The plan whose variant applies from ``from_week`` (none: no change)."""
    plan_toml: Mapped[str | None] = mapped_column(Text)
    plan_example: Mapped[bool] = mapped_column(Boolean, default=False)
    variant: Mapped[str | None] = mapped_column(String(200))
    from_week: Mapped[int] = mapped_column(Integer, default=0)
    headline: Mapped[list[Any]] = mapped_column(default=list)
    """The authority's bands at the last week once written (what the run's page shows)."""


class Approval(Base):
    """One person's approval of a proposal: append-only, pointing at the plan by hash."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    step: Mapped[str] = mapped_column(String(30))
    """``manager`` or ``head_of_service``."""
    plan_hash: Mapped[str] = mapped_column(String(64))
    decisions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Batch(Base):
    """An approved batch: the proposal applied to the current caseloads."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    team_ids: Mapped[list[Any]]
    approved_by: Mapped[str] = mapped_column(String(100))
    head_of_service: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime] = mapped_column(default=now)
    plan_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Decision(Base):
    """One child's allocation in an approved batch, with its reason."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[str] = mapped_column(String(100), index=True)
    child_id: Mapped[str] = mapped_column(String(100))
    worker_id: Mapped[str | None] = mapped_column(String(100))
    worker_before: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    engine_reason: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    """The manager's written reason (required where ``needs_approval``)."""
    review_date: Mapped[date | None] = mapped_column(Date)
    needs_approval: Mapped[str | None] = mapped_column(Text)
    cover_for: Mapped[str | None] = mapped_column(String(100))


class LoadRecord(Base):
    """A worker's caseload at one moment: after each import and each approved batch."""

    __tablename__ = "load_history"
    __table_args__ = (Index("ix_load_history_worker", "worker_id", "recorded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    on: Mapped[date] = mapped_column(Date)
    team_id: Mapped[str] = mapped_column(String(100), index=True)
    worker_id: Mapped[str] = mapped_column(String(100))
    fte: Mapped[float] = mapped_column(Float)
    capacity: Mapped[float] = mapped_column(Float)
    children: Mapped[int] = mapped_column(Integer)
    load: Mapped[float] = mapped_column(Float)
    max_children: Mapped[int | None] = mapped_column(Integer)
    utilisation: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(100))
    above_max: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(50))
    """``import N`` or ``batch N``."""


class Mismatch(Base):
    """An approved allocation the next export does not show yet, for the admin to confirm."""

    __tablename__ = "import_mismatches"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    team_id: Mapped[str] = mapped_column(String(100))
    child_id: Mapped[str] = mapped_column(String(100))
    approved_worker_id: Mapped[str] = mapped_column(String(100))
    export_worker_id: Mapped[str | None] = mapped_column(String(100))
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None]


class AccessRecord(Base):
    """Who viewed or changed which team's data, and when. No child's data."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(200))
    team_ids: Mapped[str] = mapped_column(String(1000), default="")
    status_code: Mapped[int] = mapped_column(Integer)


class RetentionDeletion(Base):
    """A deletion of children's records past the retention period: who, when, what."""

    __tablename__ = "retention_deletions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now)
    username: Mapped[str] = mapped_column(String(100))
    cutoff: Mapped[date] = mapped_column(Date)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
