"""What the planner's runs from the browser share: claiming a queued run for a solver
process, storing its stage and progress, ending it, and giving back the runs of a solver
that died. A run is a row of a :class:`~workspace.tables.RunJob` table (``plan_runs``,
``forecast_runs``); :mod:`workspace.solving` takes them once no proposal waits.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from workspace.tables import ForecastRunJob, PlanRunJob, Proposal, RunJob, now

RUN_TABLES: tuple[type[RunJob], ...] = (PlanRunJob, ForecastRunJob)
"""The kinds of run, in the order a solver takes them (each oldest first)."""
ACTIVE = ("queued", "solving", "cancelling")
"""A run in one of these states holds its folder name."""


class RunCancelled(Exception):
    """The run was cancelled while it was solving (raised at its next progress step)."""


class SolverStopping(RunCancelled):
    """The solver process was asked to stop (the workspace is shutting down): the run goes
    back in the queue, to run again at the next start."""


STOPPING = threading.Event()
"""Set in a solver process by SIGTERM or SIGINT: its run stops at its next step."""


@contextmanager
def run_folder(factory: sessionmaker[Session], kind: str, run_id: int) -> Iterator[Path]:
    """A private temporary folder for run ``run_id`` (removed after), first removing any
    left by a solver killed while running it: a plan run on the workspace's data writes
    children's records there, and a killed solver cannot clean up. The folder's name
    holds a key of the database, so two workspaces on one machine never touch each
    other's."""
    bind = factory.kw.get("bind")
    key = hashlib.sha256(str(getattr(bind, "url", "")).encode()).hexdigest()[:8]
    prefix = f"caseload-{kind}-{key}-{run_id}-"
    for left in Path(tempfile.gettempdir()).glob(prefix + "*"):
        shutil.rmtree(left, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


class RunRefused(ValueError):
    """A run that cannot be asked for now: ``status`` is the HTTP answer (404, 409, 422)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def run_public(job: RunJob) -> dict[str, Any]:
    """What every kind of run shows through the API: who asked, on what, and how far it got
    (each kind adds its own fields)."""
    return {
        "run_id": job.id,
        "name": job.name,
        "base": job.base,
        "service": job.service,
        "snapshot_id": job.snapshot_id,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "settings": job.settings,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "error": job.error,
    }


def claim_run(
    factory: sessionmaker[Session], table: type[RunJob] | type[Proposal], stage: str | None
) -> int | None:
    """Mark the oldest queued job of ``table`` (a run, or a manager's proposal) ``solving``
    for this process, with ``stage`` when the table has one; its id, or ``None`` (another
    solver may claim the same row first: only one wins)."""
    with factory() as session, session.begin():
        candidate = session.scalar(
            select(table.id).where(table.status == "queued").order_by(table.id).limit(1)
        )
        if candidate is None:
            return None
        done = session.execute(
            update(table)
            .where(table.id == candidate, table.status == "queued")
            .values(
                status="solving",
                solver_pid=os.getpid(),
                started_at=now(),
                progress=0.0,
                **({} if stage is None else {"stage": stage}),
            )
        )
        return candidate if done.rowcount == 1 else None  # type: ignore[attr-defined]


def set_run(
    factory: sessionmaker[Session], table: type[RunJob], run_id: int, **values: Any
) -> None:
    """Store ``values`` (stage, progress, ...) on the run, in a transaction of its own."""
    with factory() as session, session.begin():
        session.execute(update(table).where(table.id == run_id).values(**values))


def finish_run(
    factory: sessionmaker[Session], table: type[RunJob], run_id: int, **values: Any
) -> None:
    """End the run (``status`` among ``values``): finished now, progress full."""
    set_run(factory, table, run_id, finished_at=now(), progress=1.0, **values)


def fail_run(
    factory: sessionmaker[Session],
    table: type[RunJob],
    run_id: int,
    error: str,
    problems: list[str] | None = None,
) -> None:
    """End the run as ``failed`` with its error (and its problems, one line each)."""
    finish_run(
        factory,
        table,
        run_id,
        status="failed",
        stage="failed",
        error=error,
        problems=problems or [],
    )


def cancel_run(session: Session, table: type[RunJob], run_id: int, by: str) -> str:
    """Cancel run ``run_id`` for ``by``: a queued run ends now (``cancelled``); a solving
    one is asked to stop (``cancelling``) and its solver stops at its next progress step,
    writing nothing. The new status.

    Raises
    ------
    RunRefused
        404 when there is no such run, 409 when it has already ended.
    """
    job = session.get(table, run_id)
    if job is None:
        raise RunRefused(404, f"no run {run_id}")
    if job.status not in ACTIVE:
        raise RunRefused(409, f"run {run_id} has already ended ({job.status})")
    if job.status == "queued":
        job.status, job.stage, job.finished_at = "cancelled", f"cancelled by {by}", now()
        job.error = f"By {by}, before it started; nothing was written."
    elif job.status == "solving":
        job.status, job.stage = "cancelling", f"stopping: cancelled by {by}"
        job.error = f"By {by}, while it ran; nothing was written."
    return job.status


def stop_if_cancelled(factory: sessionmaker[Session], table: type[RunJob], run_id: int) -> None:
    """Raise :class:`RunCancelled` when the run has been asked to stop (a progress step), or
    :class:`SolverStopping` when its solver has."""
    if STOPPING.is_set():
        raise SolverStopping(run_id)
    with factory() as session:
        if session.scalar(select(table.status).where(table.id == run_id)) == "cancelling":
            raise RunCancelled(run_id)


def end_cancelled(
    factory: sessionmaker[Session], table: type[RunJob], run_id: int, why: RunCancelled
) -> None:
    """End a run that stopped on being cancelled (``cancelled``), or put it back in the
    queue when its solver is stopping; nothing written either way."""
    if isinstance(why, SolverStopping):
        set_run(
            factory,
            table,
            run_id,
            status="queued",
            solver_pid=None,
            progress=0.0,
            stage="queued again: the workspace stopped while it ran",
        )
        return
    set_run(factory, table, run_id, status="cancelled", stage="cancelled", finished_at=now())


def busy_run(session: Session, table: type[RunJob], name: str) -> int | None:
    """The id of a queued or running run of ``table`` writing the folder ``name``, if any."""
    return session.scalar(select(table.id).where(table.name == name, table.status.in_(ACTIVE)))


def requeue_dead_runs(session: Session, alive: Any) -> int:
    """Put back in the queue the runs (of every kind) whose solver process has died (``alive``
    says whether a pid lives); how many."""
    count = 0
    for table in RUN_TABLES:
        stuck = table.status.in_(("solving", "cancelling"))
        for job in session.scalars(select(table).where(stuck)).all():
            if alive(job.solver_pid):
                continue
            if job.status == "cancelling":  # it was to stop anyway
                job.status, job.stage, job.finished_at = "cancelled", "cancelled", now()
            else:
                job.status, job.solver_pid, job.progress = "queued", None, 0.0
                job.stage = "queued again: its solver stopped"
            count += 1
    return count
