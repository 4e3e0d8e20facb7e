"""Solves outside the web server's threads: ``SolveJob`` rows (proposals) and solver processes.

A route writes a queued :class:`~workspace.tables.Proposal` and answers 202; a
solver process (:func:`solver_loop`, started by ``caseload serve``) claims the
oldest queued one, reads the teams' current data, calls the engine's
``allocate`` and stores the result or the error. FastAPI's ``BackgroundTasks``
is not used: it runs inside the server process after the response, and its
exceptions go unnoticed. A solver that dies leaves its job ``solving``; the next
solver to start puts it back in the queue. Solvers also run the planners' scenario
plans (``plan_runs``, :mod:`workspace.planning`) and forecasts (``forecast_runs``,
:mod:`workspace.forecasting`), once no proposal is waiting: a manager's allocation is not
kept behind a plan of many variants or a forecast of many runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import psutil
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from allocator import InputError, allocate, describe_problems, summary
from models import Adjustment, AllocationResult, Options, ProblemData
from workspace.forecasting import claim_forecast_run, run_forecast_job
from workspace.jobs import STOPPING, claim_run, requeue_dead_runs
from workspace.planning import claim_plan_run, run_plan_job
from workspace.state import policy_of, problem_for, require_snapshot
from workspace.tables import Proposal, Snapshot, TeamRow, now

log = logging.getLogger("caseload.workspace.solver")
POLL_SECONDS = 0.2
ORPHAN_CHECK_SECONDS = 30.0


class UnknownTeamError(LookupError):
    """A team that is not in the current data."""


def submit(
    *,
    session: Session,
    username: str,
    team_ids: Sequence[str],
    options: dict[str, Any],
    adjustments: Sequence[dict[str, Any]] = (),
    parent_id: int | None = None,
) -> Proposal:
    """Queue a proposal for these teams on the current state (a ``SolveJob``).

    Raises
    ------
    NoDataError
        Nothing imported yet.
    UnknownTeamError
        A team the current data does not hold.
    """
    snapshot = require_snapshot(session)
    teams = sorted(dict.fromkeys(team_ids))
    known = set(
        session.scalars(
            select(TeamRow.team_id).where(
                TeamRow.snapshot_id == snapshot.id, TeamRow.team_id.in_(teams)
            )
        )
    )
    missing = [t for t in teams if t not in known]
    if missing:
        raise UnknownTeamError(f"no team {', '.join(map(repr, missing))} in the current data")
    proposal = Proposal(
        created_by=username,
        team_ids=teams,
        options=options,
        adjustments=list(adjustments),
        parent_id=parent_id,
        snapshot_id=snapshot.id,
        based_on={},
    )
    session.add(proposal)
    session.flush()
    return proposal


def claim(factory: sessionmaker[Session]) -> int | None:
    """Mark the oldest queued proposal ``solving`` for this process; its id, or ``None``."""
    return claim_run(factory, Proposal, stage=None)


def engine_options(options: dict[str, Any], default_work_limit: float) -> Options:
    """The engine's ``Options`` for a proposal's options (one thread: reproducible)."""
    values = dict(options)
    values.setdefault("work_limit", None)
    if values["work_limit"] is None:
        values["work_limit"] = default_work_limit
    values["as_of"] = values.get("as_of") or date.today().isoformat()
    values["release"] = tuple(values.get("release") or ())
    return Options.model_validate({**values, "threads": 1, "processes": 1})


def plan_hash(result: AllocationResult) -> str:
    """A hash of who takes each child in a proposal: what an approval points at."""
    rows = sorted((a.child_id, a.worker_id or "", a.status.value) for a in result.allocations)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def load_result(proposal: Proposal) -> AllocationResult:
    """The engine's result stored with a proposal (``done`` proposals only)."""
    if proposal.result is None:
        raise ValueError(f"proposal {proposal.id} has no result ({proposal.status})")
    return AllocationResult.model_validate_json(proposal.result)


def run(factory: sessionmaker[Session], proposal_id: int, default_work_limit: float = 10.0) -> None:
    """Solve one claimed proposal and store its result (or its error: ``failed``)."""
    with factory() as session, session.begin():
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        snapshot = session.get(Snapshot, proposal.snapshot_id)
        current = require_snapshot(session)
        teams = list(proposal.team_ids)
        data: ProblemData | None = None
        error = None
        if snapshot is None or current.id != snapshot.id:
            error = "the data was imported again since this proposal was asked for: run it again"
        else:
            data = problem_for(session, current, teams)
            versions = dict(
                session.execute(
                    select(TeamRow.team_id, TeamRow.version).where(
                        TeamRow.snapshot_id == current.id, TeamRow.team_id.in_(teams)
                    )
                ).all()
            )
            proposal.based_on = {"snapshot_id": current.id, "teams": versions}
            policy = policy_of(current)
            options = dict(proposal.options)
            options.setdefault("as_of", None)
            options["as_of"] = options["as_of"] or current.as_of.isoformat()
            engine = engine_options(options, default_work_limit)
    if data is None:
        _finish(factory, proposal_id, status="failed", error=error)
        return
    try:
        adjustments = tuple(Adjustment.model_validate(a) for a in proposal.adjustments)
        if adjustments:
            data = ProblemData.model_validate({**data.model_dump(), "adjustments": adjustments})

        def progress(done: int, total: int, _elapsed: float) -> None:
            with factory() as s, s.begin():
                s.execute(
                    update(Proposal)
                    .where(Proposal.id == proposal_id)
                    .values(progress=done / max(total, 1))
                )

        result = allocate(data, policy, engine, progress=progress)
    except InputError as exc:
        _finish(
            factory, proposal_id, status="failed", error="; ".join(describe_problems(exc.problems))
        )
        return
    except Exception as exc:  # recorded for the manager; never logged with the data
        log.warning("proposal %s failed: %s", proposal_id, type(exc).__name__)
        _finish(
            factory, proposal_id, status="failed", error=f"the solve failed ({type(exc).__name__})"
        )
        return
    _finish(
        factory,
        proposal_id,
        status="done",
        result=result.model_dump_json(),
        summary=json.loads(json.dumps(summary(result), default=str)),
    )


def _finish(factory: sessionmaker[Session], proposal_id: int, **values: Any) -> None:
    with factory() as session, session.begin():
        session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id)
            .values(finished_at=now(), progress=1.0, **values)
        )


def run_pending(factory: sessionmaker[Session], default_work_limit: float = 10.0) -> int:
    """Solve every queued proposal, then every queued plan run and forecast run, in this
    process (tests and one-off runs); how many."""
    solved = 0
    while (job := next_job(factory)) is not None:
        run_job(factory, job, default_work_limit)
        solved += 1
    return solved


def next_job(factory: sessionmaker[Session]) -> tuple[str, int] | None:
    """Claim the oldest queued proposal or, when none waits, the oldest queued plan run, then
    the oldest queued forecast run."""
    proposal_id = claim(factory)
    if proposal_id is not None:
        return ("proposal", proposal_id)
    run_id = claim_plan_run(factory)
    if run_id is not None:
        return ("plan", run_id)
    run_id = claim_forecast_run(factory)
    return None if run_id is None else ("forecast", run_id)


def run_job(
    factory: sessionmaker[Session], job: tuple[str, int], default_work_limit: float
) -> None:
    kind, job_id = job
    if kind == "proposal":
        run(factory, job_id, default_work_limit)
    elif kind == "plan":
        run_plan_job(factory, job_id)
    else:
        run_forecast_job(factory, job_id)


def _alive(pid: int | None) -> bool:
    """Whether process ``pid`` still runs: a zombie (ended, not yet reaped by the server)
    has died, though ``os.kill(pid, 0)`` still finds it."""
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def requeue_orphans(factory: sessionmaker[Session]) -> int:
    """Put back in the queue the proposals, plan runs and forecast runs whose solver process
    has died; how many."""
    with factory() as session, session.begin():
        solving = session.scalars(select(Proposal).where(Proposal.status == "solving")).all()
        orphans = [p for p in solving if not _alive(p.solver_pid)]
        for p in orphans:
            p.status, p.solver_pid, p.progress = "queued", None, 0.0
        return len(orphans) + requeue_dead_runs(session, _alive)


def solver_loop(
    database_url: str, default_work_limit: float = 10.0, max_jobs: int | None = None
) -> None:
    """A solver process: claim and solve queued proposals until SIGTERM (or ``max_jobs``)."""
    from workspace.core.db import make_engine, session_factory

    stop = False

    def _stop(*_: Any) -> None:
        nonlocal stop
        stop = True
        STOPPING.set()  # a plan or forecast run stops at its next step and is queued again

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    requeue_orphans(factory)
    done = 0
    checked = time.monotonic()
    while not stop and (max_jobs is None or done < max_jobs):
        if time.monotonic() - checked > ORPHAN_CHECK_SECONDS:  # another solver may have died
            requeue_orphans(factory)
            checked = time.monotonic()
        job = next_job(factory)
        if job is None:
            time.sleep(POLL_SECONDS)
            continue
        run_job(factory, job, default_work_limit)
        done += 1
    engine.dispose()
