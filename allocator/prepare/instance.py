"""The prepared instance: every worker and child with what the rules need.

Built once by :func:`allocator.prepare.prepare` and shared by the greedy
baseline, the CP-SAT model, the findings and the explanations, so every part
applies the same rules. Nothing here imports the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models import Child, Options, Policy, ProblemData, Worker


@dataclass
class WorkerInfo:
    """One worker with everything the rules need, in original units."""

    index: int
    worker: Worker
    team_id: str
    capacity: float
    """FTE x role factor x (1 - reductions)."""
    role_factor: float
    reduction: float
    reduction_reason: str
    count_cap: int
    load_cap: float | None
    category_caps: dict[str, int]
    pacing_limit: int | None
    accepting: bool
    """Open to new children in this batch (accepting, not released, with capacity)."""
    released: bool
    children_before: int = 0
    load_before: float = 0.0
    category_before: dict[str, int] = field(default_factory=dict)

    @property
    def worker_id(self) -> str:
        return self.worker.worker_id

    @property
    def case_holding(self) -> bool:
        return self.capacity > 0


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
    waiting_days: int = 0
    family: str | None = None

    @property
    def child_id(self) -> str:
        return self.child.child_id

    @property
    def case(self) -> str:
        """The case this child belongs to: its sibling group, or itself (Merton counts
        a manager's oversight in cases, and a family is one case)."""
        return f"family {self.family}" if self.family is not None else f"child {self.child_id}"


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
    oversight_max: dict[str, int | None]
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
