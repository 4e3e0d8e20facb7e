"""The caseload domain: inputs, policy and results. No solver, no pandas."""

from models.enums import ChildStatus, Role, SiblingMode, SolveStatus
from models.policy import (
    PRESETS,
    AsyeSchedule,
    ManagerSpan,
    Pacing,
    Policy,
    PolicyError,
    Priorities,
    ServicePolicy,
    Threshold,
    Weighting,
    load_policy,
    parse_policy,
)
from models.problem import Child, ProblemData, Reduction, Team, Worker, reference_problems
from models.result import (
    AllocationResult,
    Candidate,
    ChildAllocation,
    Finding,
    TeamFairness,
    Violation,
    WorkerLoad,
)

__all__ = [
    "PRESETS",
    "AllocationResult",
    "AsyeSchedule",
    "Candidate",
    "Child",
    "ChildAllocation",
    "ChildStatus",
    "Finding",
    "ManagerSpan",
    "Pacing",
    "Policy",
    "PolicyError",
    "Priorities",
    "ProblemData",
    "Reduction",
    "Role",
    "ServicePolicy",
    "SiblingMode",
    "SolveStatus",
    "Team",
    "TeamFairness",
    "Threshold",
    "Violation",
    "Weighting",
    "Worker",
    "WorkerLoad",
    "load_policy",
    "parse_policy",
    "reference_problems",
]
