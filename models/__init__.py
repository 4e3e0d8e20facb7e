"""The caseload domain: inputs, policy, options and results. No solver, no pandas."""

from models.calendar import days_between, months_between
from models.enums import ChildStatus, Role, SiblingMode, SolveStatus
from models.options import Options
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
    policy_toml,
)
from models.problem import Child, ProblemData, Reduction, Team, Worker, reference_problems
from models.result import (
    AllocationResult,
    Candidate,
    ChildAllocation,
    ChildExplanation,
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
    "ChildExplanation",
    "ChildStatus",
    "Finding",
    "ManagerSpan",
    "Options",
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
    "days_between",
    "load_policy",
    "months_between",
    "parse_policy",
    "policy_toml",
    "reference_problems",
]
