"""Planning tasks: pure, module-level functions of their arguments.

The serial loop, a process pool and (later) Dask run the same functions
through a ``concurrent.futures.Executor``, so a plan gives the same result
whichever way it runs: every solve is under a deterministic work limit, with
the seed as an argument, one search thread, and no shared state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from allocator import allocate, check
from models import AllocationResult, Options, Policy, ProblemData
from scenarios.compare import comparison_row
from scenarios.staffing import fte_needed

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class VariantTask:
    """Everything one variant's evaluation needs (picklable)."""

    name: str
    data: ProblemData
    policy: Policy
    options: Options
    granularity: float = 1.0


@dataclass(frozen=True)
class VariantOutcome:
    """A variant's comparison row and the engine's result."""

    name: str
    row: dict[str, Any]
    result: AllocationResult
    violations: tuple[str, ...] = ()


def evaluate_variant(task: VariantTask) -> VariantOutcome:
    """Allocate the variant, check the proposal, and find the FTE it needs (``fte_needed``).

    Examples
    --------
    >>> from datetime import date
    >>> from models import Child, Team, Worker, Role, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=0.5),),
    ...     children=tuple(Child(child_id=f"C{i}", team_id="T1", category="cin")
    ...                    for i in range(12)),
    ... )
    >>> options = Options(as_of=date(2027, 3, 1), work_limit=5)
    >>> outcome = evaluate_variant(VariantTask("base", data, load_policy("default"), options))
    >>> outcome.row["children_unallocated"], outcome.row["fte_needed"]
    (2, 1.0)
    """
    result = allocate(task.data, task.policy, task.options)
    violations = tuple(str(v.message) for v in check(task.data, task.policy, result))
    fte, stuck, proven = fte_needed(task.data, task.policy, task.options, result, task.granularity)
    row = comparison_row(task.name, task.data, result, fte, stuck, proven)
    return VariantOutcome(task.name, row, result, violations)


def run_tasks(
    function: Callable[[T], R],
    items: Sequence[T],
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    cost: Callable[[T], float] | None = None,
) -> list[R]:
    """``function`` over ``items``, in the order of ``items``: inline without an executor
    (or for a single item), else submitted to ``executor`` (the costliest first when
    ``cost`` estimates it, so a long task does not start last) and collected in order;
    ``progress(done, total)`` after each result."""
    out: list[R] = []
    if executor is None or len(items) <= 1:
        for item in items:
            out.append(function(item))
            if progress:
                progress(len(out), len(items))
        return out
    order = sorted(range(len(items)), key=lambda i: -cost(items[i]) if cost else 0)
    futures = {i: executor.submit(function, items[i]) for i in order}
    for i in range(len(items)):
        out.append(futures[i].result())
        if progress:
            progress(len(out), len(items))
    return out


def variant_cost(task: VariantTask) -> float:
    """A variant's expected solving effort: the children it must place."""
    released = set(task.options.release)
    return sum(1 for c in task.data.children if c.worker_id is None or c.worker_id in released)
