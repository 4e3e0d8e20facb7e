"""Explanations: a reason per child, every candidate worker, findings and fairness."""

from allocator.explain.candidates import candidates_for
from allocator.explain.child import UnknownChildError, explain_child
from allocator.explain.fairness import fairness
from allocator.explain.findings import findings
from allocator.explain.reasons import reason

__all__ = [
    "UnknownChildError",
    "candidates_for",
    "explain_child",
    "fairness",
    "findings",
    "reason",
]
