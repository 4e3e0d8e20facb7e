"""Scenario plans run from the browser: ``plan_runs`` jobs, run by the solver processes.

A planner (or an admin) chooses one of the planner's example plans or uploads a
plan file (the scenario format of docs/planner.md) and what it runs on: the
example authority, as ``caseload scenario example`` writes it, or the
workspace's current data (every team, or one service's). The route checks the
plan's format and queues a :class:`~workspace.tables.PlanRunJob`; a solver
process (:func:`workspace.solving.solver_loop`) claims it once no manager's
proposal is waiting, builds the plan's folder in a temporary directory (the
base data, the policy, the plan file), and runs it with the planner's public
API: ``prepare_plan``, ``run_plan`` (its progress stored on the job) and
``write_plan``, which writes the plan folder into the plans folder all at once.
A plan that cannot run (``PlanError``) leaves its problems on the job, each
naming the plan file, the variant and the change, and nothing is written.

The server reads no path a plan names: with the workspace's data the plan's
``base`` is replaced by that data; with the example authority it must be one of
the example's folders (``data/``, ``data-barnet/``); and a policy is a preset
(a policy file named in a plan is refused), the workspace's policy in force
when a plan on the workspace's data names none.
"""

from __future__ import annotations

import ast
import functools
import logging
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from allocator import write_data
from models import PRESETS
from scenarios import (
    EXAMPLE_PLANS,
    FolderError,
    Plan,
    PlanError,
    RunSettings,
    prepare_plan,
    read_plan,
    run_plan,
    write_example,
    write_plan,
)
from workspace.jobs import (
    RunCancelled,
    RunRefused,
    busy_run,
    claim_run,
    end_cancelled,
    finish_run,
    run_folder,
    run_public,
    set_run,
    stop_if_cancelled,
)
from workspace.state import current_snapshot, problem_for, team_rows
from workspace.tables import PlanRunJob

log = logging.getLogger("caseload.workspace.planner")

BASES = ("example", "workspace")
"""What a plan runs on: the example authority, or the workspace's current data."""
EXAMPLE_FOLDERS = ("data", "data-barnet")
"""The example authority's data folders (default policy, Barnet's), as plans name them."""
WORKSPACE_POLICY_FILE = "workspace-policy.toml"
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"
"""A plan folder's name: letters, digits, ``_``, ``.`` and ``-``; not starting with a dot."""


PlanRunRefused = RunRefused
"""A plan run that cannot be asked for now (``status``: the HTTP answer)."""


@dataclass(frozen=True)
class ExamplePlan:
    """One of the planner's example plans, as ``caseload scenario example`` writes it."""

    file: str
    name: str
    base: str
    policy: str
    variants: tuple[str, ...]
    text: str


@functools.cache
def example_plans() -> tuple[ExamplePlan, ...]:
    """The planner's example plans (written once, then kept), in the planner's order."""
    found = []
    with tempfile.TemporaryDirectory(prefix="caseload-examples-") as tmp:
        for path in write_example(Path(tmp) / "examples"):
            plan = read_plan(path)
            found.append(
                ExamplePlan(
                    file=path.name,
                    name=plan.name,
                    base=plan.base,
                    policy=plan.policy,
                    variants=tuple(v.name for v in plan.variant),
                    text=path.read_text(encoding="utf-8"),
                )
            )
    return tuple(found)


def example_plan(file: str) -> ExamplePlan:
    """The example plan of that file name.

    Raises
    ------
    PlanRunRefused
        404: no example plan has that name (the names are listed).
    """
    for example in example_plans():
        if example.file == file:
            return example
    raise PlanRunRefused(404, f"no example plan {file!r}; the examples: {', '.join(EXAMPLE_PLANS)}")


def _located(problems: list[str], folder: Path) -> list[str]:
    """Problems with the temporary folder's path taken out: ``plan.toml: variant ...``."""
    prefix = str(folder) + os.sep
    return [p.replace(prefix, "").replace(str(folder), ".") for p in problems]


def _policy_files(plan: Plan, raw: dict[str, Any], file: str) -> list[str]:
    """A policy file named by the plan or a variant: the server does not read them."""
    problems = []
    if "policy" in raw and plan.policy not in PRESETS:
        problems.append(
            f"{file}: policy: {plan.policy!r} is not a preset ({', '.join(PRESETS)}); "
            "the workspace reads no policy file a plan names: name a preset, or leave "
            "'policy' out to use the policy of the data the plan runs on"
        )
    for variant in plan.variant:
        for number, change in enumerate(variant.changes, start=1):
            if change.kind == "policy" and getattr(change, "file", None) is not None:
                problems.append(
                    f"{file}: variant {variant.name!r}: change {number} (policy): file: the "
                    "workspace reads no policy file a plan names: use 'preset' and 'set'"
                )
    return problems


def _example_base(plan: Plan, file: str) -> list[str]:
    written = PurePosixPath(plan.base.replace("\\", "/"))
    if len(written.parts) == 1 and written.parts[0] in EXAMPLE_FOLDERS:
        return []
    return [
        f"{file}: base: {plan.base!r} is not a folder of the example authority; "
        f"use {' or '.join(repr(f + '/') for f in EXAMPLE_FOLDERS)} "
        "(the default policy's data, Barnet's)"
    ]


def check_plan(text: str, file: str, base: str) -> Plan:
    """The plan read from ``text`` as the workspace will run it (nothing solved).

    Raises
    ------
    PlanError
        Every problem of the plan's format (each naming ``file``, the variant
        and the change), a policy file named, or a base the example authority
        lacks.

    Examples
    --------
    >>> text = 'name = "x"\\nbase = "data/"\\nas_of = 2026-11-23\\n[[variant]]\\nname = "b"\\n'
    >>> check_plan(text, "x.toml", "example").variant[0].name
    'b'
    >>> try:
    ...     check_plan(text.replace('"data/"', '"/etc/"'), "x.toml", "example")
    ... except PlanError as error:
    ...     print(error.problems[0][:42])
    x.toml: base: '/etc/' is not a folder of t
    """
    with tempfile.TemporaryDirectory(prefix="caseload-plan-") as tmp:
        folder = Path(tmp)
        path = folder / file
        path.write_text(text, encoding="utf-8")
        try:
            plan = read_plan(path)
        except PlanError as exc:
            raise PlanError(_located(exc.problems, folder)) from None
    raw = tomllib.loads(text)
    problems = _policy_files(plan, raw, file)
    if base == "example":
        problems += _example_base(plan, file)
    if problems:
        raise PlanError(problems)
    return plan


PROBLEM = re.compile(
    r"^(?P<file>[^:\n]+?): "
    r"(?:variant (?P<variant>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d+): )?"
    r"(?:change (?P<change>\d+(?: \([\w?]+\))?): )?"
    r"(?P<message>.*)$",
    re.S,
)


def problem_parts(line: str) -> dict[str, str | None]:
    """A plan problem as ``{"file", "variant", "change", "message"}`` (variant by name).

    Examples
    --------
    >>> problem_parts("x.toml: variant 'cut': change 1 (reduce_fte): fte: too low")
    {'file': 'x.toml', 'variant': 'cut', 'change': '1 (reduce_fte)', 'message': 'fte: too low'}
    >>> problem_parts("x.toml: as_of: Field required")["variant"] is None
    True
    """
    found = PROBLEM.match(line)
    if found is None:
        return {"file": None, "variant": None, "change": None, "message": line}
    variant = found["variant"]
    if variant is not None and variant[0] in "'\"":
        variant = str(ast.literal_eval(variant))
    return {
        "file": found["file"],
        "variant": variant,
        "change": found["change"],
        "message": found["message"],
    }


def submit_plan_run(
    *,
    session: Session,
    plans_dir: Path | None,
    username: str,
    plan_file: str,
    plan_toml: str,
    example: bool,
    base: str,
    service: str | None,
    name: str | None,
    settings: dict[str, Any],
) -> PlanRunJob:
    """Queue a plan run after checking what can be checked at once.

    Parameters
    ----------
    plans_dir
        The workspace's plans folder (``caseload serve --plans``); the plan
        folder is written to ``plans_dir / name``.
    plan_file, plan_toml
        The plan file's name (``.toml``) and text.
    base
        ``example`` or ``workspace``; ``service`` restricts the workspace's
        data to that service's teams.
    name
        The plan folder's name (default: the plan file's name without ``.toml``).
    settings
        ``work_limit`` and ``time_limit`` (per variant), ``gap_limit``, and
        ``replace`` (replace a plan folder of that name).

    Raises
    ------
    PlanRunRefused
        409: no plans folder, nothing imported for a workspace run, a plan
        folder or a queued run of that name; 404: an unknown service.
    PlanError
        The plan's problems (format, policy files, the example's base).
    """
    if plans_dir is None:
        raise PlanRunRefused(
            409, "the workspace has no plans folder: start it with 'caseload serve --plans DIR'"
        )
    if base not in BASES:
        raise PlanRunRefused(422, f"base {base!r}: choose {' or '.join(BASES)}")
    snapshot_id = None
    if base == "workspace":
        snapshot = current_snapshot(session)
        if snapshot is None:
            raise PlanRunRefused(409, "nothing has been imported yet: import data first")
        snapshot_id = snapshot.id
        services = sorted({t.service for t in team_rows(session, snapshot.id)})
        if service is not None and service not in services:
            raise PlanRunRefused(
                404,
                f"no service {service!r} in the current data; its services: " + ", ".join(services),
            )
    elif service is not None:
        raise PlanRunRefused(422, "a service only applies to a run on the workspace's data")
    plan = check_plan(plan_toml, plan_file, base)
    name = name or Path(plan_file).stem
    if not re.match(NAME_PATTERN, name):
        raise PlanRunRefused(
            422,
            f"folder name {name!r}: use up to 100 letters, digits, '_', '.' and '-', "
            "not starting with '.'",
        )
    out = (plans_dir / name).resolve()
    if out.exists() and not settings.get("replace"):
        raise PlanRunRefused(
            409, f"the plans folder already holds {name!r}: choose another name, or replace it"
        )
    busy = busy_run(session, PlanRunJob, name)
    if busy is not None:
        raise PlanRunRefused(409, f"plan run {busy} is already writing {name!r}: wait for it")
    job = PlanRunJob(
        created_by=username,
        name=name,
        out_dir=str(out),
        plan_file=plan_file,
        plan_toml=plan_toml,
        example=example,
        base=base,
        service=service,
        snapshot_id=snapshot_id,
        settings=dict(settings),
        stage=f"{plan.name}: waiting for a solver",
    )
    session.add(job)
    session.flush()
    return job


def claim_plan_run(factory: sessionmaker[Session]) -> int | None:
    """Mark the oldest queued plan run ``solving`` for this process; its id, or ``None``."""
    return claim_run(factory, PlanRunJob, "preparing the plan")


def _set(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    set_run(factory, PlanRunJob, run_id, **values)


def _finish(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    finish_run(factory, PlanRunJob, run_id, **values)


def _write_workspace_base(
    factory: sessionmaker[Session], run_id: int, service: str | None, folder: Path
) -> str | None:
    """The current data (every team, or ``service``'s) and its policy into ``folder``;
    an error message, or ``None``."""
    with factory() as session, session.begin():
        snapshot = current_snapshot(session)
        if snapshot is None:
            return "nothing has been imported: import data first"
        teams = [
            t.team_id
            for t in team_rows(session, snapshot.id)
            if service is None or t.service == service
        ]
        if not teams:
            return f"no team of service {service!r} in the current data"
        data = problem_for(session, snapshot, teams)
        policy_text = snapshot.policy_toml
        session.execute(
            update(PlanRunJob).where(PlanRunJob.id == run_id).values(snapshot_id=snapshot.id)
        )
    write_data(data, folder / "data")
    (folder / WORKSPACE_POLICY_FILE).write_text(policy_text, encoding="utf-8")
    return None


def run_plan_job(factory: sessionmaker[Session], run_id: int) -> None:
    """Run one claimed plan run: its plan folder written, or its problems stored (``failed``)."""
    with factory() as session:
        job = session.get(PlanRunJob, run_id)
        assert job is not None
        session.expunge(job)
    limits = job.settings
    run_settings = RunSettings(
        work_limit=float(limits.get("work_limit", 10.0)),
        time_limit=float(limits.get("time_limit", 120.0)),
        gap_limit=float(limits.get("gap_limit", 1e-4)),
    )
    with run_folder(factory, "plan-run", run_id) as tmp:
        folder = tmp / "plan"
        try:
            plan = check_plan(job.plan_toml, job.plan_file, job.base)
            if job.base == "example":
                write_example(folder)
                update_: dict[str, Any] = {}
            else:
                folder.mkdir()
                error = _write_workspace_base(factory, run_id, job.service, folder)
                if error is not None:
                    _finish(factory, run_id, status="failed", error=error, stage="failed")
                    return
                update_ = {"base": "data/"}
                if "policy" not in tomllib.loads(job.plan_toml):
                    update_["policy"] = WORKSPACE_POLICY_FILE
            path = folder / job.plan_file
            path.write_text(job.plan_toml, encoding="utf-8")
            plan = plan.model_copy(update={**update_, "file": str(path)})
            prepared = prepare_plan(plan)
        except PlanError as exc:
            problems = _located(exc.problems, folder)
            _finish(
                factory,
                run_id,
                status="failed",
                stage="failed",
                error=f"the plan cannot run: {len(problems)} problem"
                + ("s" if len(problems) != 1 else "")
                + "; nothing was written",
                problems=problems,
            )
            return
        except Exception as exc:  # recorded for the planner; never logged with the data
            log.warning("plan run %s failed: %s", run_id, type(exc).__name__)
            _finish(
                factory,
                run_id,
                status="failed",
                stage="failed",
                error=f"the plan could not be prepared ({type(exc).__name__})",
            )
            return
        total = len(prepared.variants)
        _set(factory, run_id, stage=f"solving {total} variants (the base first)", progress=0.0)

        def progress(done: int, of: int) -> None:
            stop_if_cancelled(factory, PlanRunJob, run_id)
            _set(
                factory,
                run_id,
                progress=0.95 * done / max(of, 1),
                stage=f"solved {done} of {of} variants",
            )

        try:
            run = run_plan(prepared, run_settings, None, progress)
            _set(factory, run_id, stage="writing the plan folder", progress=0.95)
            write_plan(run, job.out_dir)
        except RunCancelled as why:
            end_cancelled(factory, PlanRunJob, run_id, why)
            return
        except FolderError as exc:
            _finish(
                factory,
                run_id,
                status="failed",
                stage="failed",
                error=str(exc).replace(str(Path(job.out_dir).parent) + os.sep, ""),
            )
            return
        except Exception as exc:
            log.warning("plan run %s failed: %s", run_id, type(exc).__name__)
            _finish(
                factory,
                run_id,
                status="failed",
                stage="failed",
                error=f"the plan run failed ({type(exc).__name__}); nothing was written",
            )
            return
    rows = [{k: _plain(v) for k, v in row.items()} for row in run.rows]
    _finish(factory, run_id, status="done", stage="done", comparison=rows)


def _plain(value: Any) -> Any:
    """A comparison cell as JSON can hold it (no NaN)."""
    if isinstance(value, float) and value != value:
        return None
    return value


def plan_run_public(job: PlanRunJob) -> dict[str, Any]:
    """A plan run as the API returns it (``PlanRunPublic``)."""
    return {
        **run_public(job),
        "plan_file": job.plan_file,
        "example": job.example,
        "problems": [problem_parts(p) for p in job.problems],
        "comparison": job.comparison,
    }


def plan_runs(session: Session, limit: int = 50) -> list[PlanRunJob]:
    """The latest plan runs, newest first."""
    return list(session.scalars(select(PlanRunJob).order_by(PlanRunJob.id.desc()).limit(limit)))


def _typed(value: Any) -> Any:
    """A comparison cell read from ``comparison.csv`` (text) as the number or flag it is."""
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value or None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def compared(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The comparison as text, each variant's figure followed by its difference from the
    base where it differs: ``99 (+98)``; ``*`` marks a changed status or flag.

    Examples
    --------
    >>> compared([{"variant": "base", "children_unallocated": "1", "status": "optimal"},
    ...           {"variant": "cut", "children_unallocated": "99", "status": "feasible"}])[1]
    {'variant': 'cut', 'children_unallocated': '99 (+98)', 'status': 'feasible *'}
    """
    typed = [{k: _typed(v) for k, v in row.items()} for row in rows]
    if not typed:
        return []
    base = typed[0]
    out = []
    for row in typed:
        cells = {}
        for column, value in row.items():
            text = _cell(value)
            if row is not base and column != "variant" and value != base.get(column):
                other = base.get(column)
                numbers = all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in (value, other)
                )
                if numbers:
                    delta = round(value - other, 2)
                    text += f" ({'+' if delta > 0 else ''}{_cell(delta)})"
                else:
                    text += " *"
            cells[column] = text
        out.append(cells)
    return out
