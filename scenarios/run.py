"""``caseload scenario run``: evaluate a plan's base and variants and write the comparison.

:func:`prepare_plan` reads the base and policy and builds every variant
(collecting every problem, nothing solved); :func:`run_plan` evaluates them
with :func:`scenarios.tasks.evaluate_variant`, inline or through the executor
it is given; :func:`write_plan` writes ``DIR`` all at once.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from allocator import InputError, read_data, summary, write_data, write_outputs
from models import PRESETS, Options, Policy, PolicyError, ProblemData, load_policy
from scenarios.changes import VariantState, build_variant
from scenarios.chart import CHART_FILES, write_chart
from scenarios.compare import COLUMNS
from scenarios.example import generate_authority
from scenarios.folder import atomic_output, cell
from scenarios.plan import BASE, Plan, PlanError, read_plan, variant_slugs
from scenarios.tasks import (
    VariantOutcome,
    VariantTask,
    evaluate_variant,
    run_tasks,
    variant_cost,
)

PLAN_FILES = frozenset(
    {"comparison.csv", "summary.json", "variants", *CHART_FILES}
    | {"report.html", "report.xlsx", "report.pdf"}
)
"""What ``scenario run --out DIR`` writes, and the reports ``caseload report DIR`` renders
into it (they belong to the folder: a later run replaces them with the rest)."""


@dataclass(frozen=True)
class RunSettings:
    """How the variants are solved: limits per variant (the plan says what is solved).

    ``work_limit`` is the deterministic limit per sub-problem that makes runs
    reproducible; ``time_limit`` only a wall-clock safety stop per variant
    (a variant it stops is marked ``wall_limited``).
    """

    work_limit: float = 10.0
    time_limit: float = 120.0
    gap_limit: float = 1e-4


@dataclass(frozen=True)
class PreparedPlan:
    """A plan with its base read and every variant built, ready to solve."""

    plan: Plan
    base: ProblemData
    policy: Policy
    variants: tuple[tuple[str, VariantState], ...]
    """``(name, state)``, ``base`` first."""


@dataclass(frozen=True)
class PlanRun:
    """A plan evaluated: each variant's outcome, ``base`` first."""

    prepared: PreparedPlan
    settings: RunSettings
    outcomes: tuple[VariantOutcome, ...]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [o.row for o in self.outcomes]


def _policy(plan: Plan) -> Policy:
    name = plan.policy
    source = name if name in PRESETS else str(plan.path(name))
    try:
        return load_policy(source)
    except PolicyError as exc:
        raise PlanError([f"{plan.file}: policy: {exc}"]) from None


DFE_BASE = "dfe:"
"""A plan's ``base = "dfe:NAME"`` starts from a DfE-shaped authority of that size."""


def _read_base(plan: Plan, policy: Policy) -> ProblemData:
    """The plan's base: a data folder or workbook, or ``dfe:NAME_OR_CODE`` (an authority
    generated at its latest published size with the plan's seed and date)."""
    if plan.base.startswith(DFE_BASE):
        from scenarios.national import NationalError, dfe_authority

        try:
            data, _ = dfe_authority(
                plan.base.removeprefix(DFE_BASE), policy, seed=plan.seed, as_of=plan.as_of
            )
        except NationalError as exc:
            raise PlanError([f"{plan.file}: base {plan.base!r}: {exc}"]) from None
        return data
    base_path = plan.path(plan.base)
    try:
        return read_data(base_path, policy)
    except InputError as exc:
        raise PlanError([f"{plan.file}: base {base_path}: {p}" for p in exc.problems]) from None


def prepare_plan(plan: Plan | Path | str) -> PreparedPlan:
    """Read the plan's base and policy and build every variant (nothing is solved).

    Raises
    ------
    PlanError
        Every problem: the plan file, its base data (file, row and column),
        its policy, and each change that cannot apply (plan file, variant,
        change).
    """
    if not isinstance(plan, Plan):
        plan = read_plan(plan)
    policy = _policy(plan)
    base = _read_base(plan, policy)
    problems: list[str] = []
    variants: list[tuple[str, VariantState]] = [
        (
            BASE,
            VariantState(
                data=base, policy=policy, as_of=plan.as_of, seed=plan.seed, folder=plan.folder
            ),
        )
    ]
    for variant in plan.variant:
        try:
            variants.append((variant.name, build_variant(plan, variant, base, policy)))
        except PlanError as exc:
            problems += exc.problems
    if problems:
        raise PlanError(problems)
    return PreparedPlan(plan, base, policy, tuple(variants))


def variant_tasks(prepared: PreparedPlan, settings: RunSettings) -> list[VariantTask]:
    """One task per variant, ``base`` first: one search thread, the plan's seed."""
    plan = prepared.plan
    tasks = []
    for name, state in prepared.variants:
        options = Options(
            as_of=plan.as_of,
            seed=plan.seed,
            work_limit=settings.work_limit,
            time_limit=settings.time_limit,
            gap_limit=settings.gap_limit,
            release=state.release,
            threads=1,
            processes=1,
        )
        tasks.append(VariantTask(name, state.data, state.policy, options, plan.granularity))
    return tasks


def run_plan(
    prepared: PreparedPlan,
    settings: RunSettings,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PlanRun:
    """Evaluate every variant (side by side through ``executor`` when given); the outcomes
    are the same whichever way they run. ``progress(done, total)`` follows the variants."""
    tasks = variant_tasks(prepared, settings)
    outcomes = run_tasks(evaluate_variant, tasks, executor, progress, variant_cost)
    return PlanRun(prepared, settings, tuple(outcomes))


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("caseload", "ortools", "matplotlib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "unknown"
    return out


def _hash_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def plan_summary(run: PlanRun) -> dict[str, Any]:
    """The content of ``summary.json``: the plan, the options, versions and input hashes."""
    prepared = run.prepared
    plan = prepared.plan
    slugs = variant_slugs([name for name, _ in prepared.variants])
    policy_file = None if plan.policy in PRESETS else plan.path(plan.policy)
    variants = []
    for slug, (name, state), outcome in zip(slugs, prepared.variants, run.outcomes, strict=True):
        info = summary(outcome.result)
        variants.append(
            {
                "name": name,
                "folder": f"variants/{slug}",
                "policy": state.policy.name,
                "release": list(state.release),
                "notes": list(state.notes),
                "input_hash": info["reproduce"]["input_hash"],
                "status": info["status"],
                "solve_seconds": info["solve_seconds"],
                "check_violations": list(outcome.violations),
            }
        )
    return {
        "plan": plan.model_dump(mode="json"),
        "plan_file": str(Path(plan.file).resolve()),
        "options": {
            "work_limit": run.settings.work_limit,
            "time_limit": run.settings.time_limit,
            "gap_limit": run.settings.gap_limit,
            "threads": 1,
        },
        "inputs": {
            "plan_sha256": _hash_file(Path(plan.file)),
            "base": plan.base if plan.base.startswith(DFE_BASE) else str(plan.path(plan.base)),
            "base_input_hash": summary(run.outcomes[0].result)["reproduce"]["input_hash"],
            "policy_sha256": _hash_file(policy_file) if policy_file else None,
        },
        "versions": _versions(),
        "variants": variants,
        "comparison": run.rows,
    }


def write_plan(run: PlanRun, out: Path | str) -> None:
    """Write ``comparison.csv``, the chart, ``summary.json`` and ``variants/<slug>/`` (each
    variant's ``data/`` and ``proposal/``) into ``out``, all at once.

    Raises
    ------
    FolderError
        ``out`` holds files caseload did not write as a plan folder.
    """
    import csv
    import json

    rows = run.rows
    slugs = variant_slugs([name for name, _ in run.prepared.variants])
    with atomic_output(Path(out), "plan", PLAN_FILES) as tmp:
        with open(tmp / "comparison.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([cell(row[c]) for c in COLUMNS])
        for slug, (_, state), outcome in zip(
            slugs, run.prepared.variants, run.outcomes, strict=True
        ):
            folder = tmp / "variants" / slug
            write_data(state.data, folder / "data")
            write_outputs(outcome.result, folder / "proposal")
        write_chart(rows, run.prepared.plan.name, tmp)
        text = json.dumps(plan_summary(run), sort_keys=True, indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")


EXAMPLE_AS_OF = date(2026, 11, 23)
"""The example plans' ``as_of`` (and the example authority's date)."""
EXAMPLE_PLANS = ("cin-pressures.toml", "ten-variants.toml", "merton-caps-on-barnet.toml")


def write_example(folder: Path | str) -> list[Path]:
    """Write the example plans (``scenarios/examples/``) with the data they run on: the
    example authority under the default policy (``data/``) and under Barnet's
    (``data-barnet/``), all at once. Returns the plan files written.

    Raises
    ------
    FolderError
        ``folder`` holds files caseload did not write as a plan example.
    """
    folder = Path(folder)
    names = frozenset({"data", "data-barnet", *EXAMPLE_PLANS})
    with atomic_output(folder, "plan-example", names) as tmp:
        for policy_name, sub in (("default", "data"), ("barnet", "data-barnet")):
            data = generate_authority(load_policy(policy_name), seed=0, as_of=EXAMPLE_AS_OF)
            write_data(data, tmp / sub)
        examples = resources.files("scenarios.examples")
        for name in EXAMPLE_PLANS:
            (tmp / name).write_text(examples.joinpath(name).read_text("utf-8"), encoding="utf-8")
    return [folder / name for name in EXAMPLE_PLANS]
