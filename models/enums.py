"""Small vocabularies shared by the domain, the allocator and the outputs."""

from enum import StrEnum


class Role(StrEnum):
    """A worker's role. Team managers and heads of service carry no cases."""

    SOCIAL_WORKER = "social_worker"
    SENIOR_PRACTITIONER = "senior_practitioner"
    ADVANCED_PRACTITIONER = "advanced_practitioner"
    ASYE = "asye"
    TEAM_MANAGER = "team_manager"
    HEAD_OF_SERVICE = "head_of_service"

    @property
    def carries_cases(self) -> bool:
        return self not in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)


class SiblingMode(StrEnum):
    """How strictly new siblings are kept with one worker."""

    TOGETHER_WHERE_POSSIBLE = "together_where_possible"
    ALWAYS = "always"


class SolveStatus(StrEnum):
    """Outcome of a solve, as written to ``summary.json``."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    ERROR = "error"


class ChildStatus(StrEnum):
    """What happened to one child, as written to ``allocations.csv``."""

    KEPT = "kept"
    ALLOCATED = "allocated"
    MOVED = "moved"
    UNALLOCATED = "unallocated"
