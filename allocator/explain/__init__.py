"""Explanations: a reason per child, every candidate worker, findings and fairness."""

from allocator.explain.candidates import candidates_for
from allocator.explain.child import (
    UnknownChildError,
    UnknownWorkerError,
    explain_child,
    explain_worker,
)
from allocator.explain.fairness import fairness
from allocator.explain.findings import findings
from allocator.explain.reasons import reason

__all__ = [
    "UnknownChildError",
    "UnknownWorkerError",
    "candidates_for",
    "explain_child",
    "explain_worker",
    "fairness",
    "findings",
    "reason",
]
