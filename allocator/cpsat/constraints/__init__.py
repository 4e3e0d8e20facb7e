"""Constraint families of the allocation model, registered in the order they apply.

Every hard rule of the policy is here, one function per family; ``CONSTRAINTS``
is the one list a reader needs to see them all.
"""

from allocator.cpsat.constraints.assignment import add_assignment, add_max_moves
from allocator.cpsat.constraints.capacity import (
    add_approval_limits,
    add_cases_caps,
    add_category_caps,
    add_count_caps,
    add_load_caps,
    add_mix_caps,
    add_oversight,
    add_pacing,
)
from allocator.cpsat.constraints.siblings import (
    add_family_holders,
    add_siblings_always,
    add_together_discount,
)
from allocator.cpsat.constraints.symmetry import add_symmetry_breaking, symmetric_groups

CONSTRAINTS = (
    ("assignment", add_assignment),
    ("count_cap", add_count_caps),
    ("load_cap", add_load_caps),
    ("cases_cap", add_cases_caps),
    ("category_cap", add_category_caps),
    ("mix_cap", add_mix_caps),
    ("approval", add_approval_limits),
    ("pacing", add_pacing),
    ("oversight", add_oversight),
    ("max_moves", add_max_moves),
    ("siblings", add_family_holders),
    ("siblings_always", add_siblings_always),
)
"""(name, function) pairs; eligibility (team, role, release, the manager's exclusions
and forbidden pairings, away, accepting, leave about to start, skill, ASYE exclusions,
'always' siblings, pins) is applied earlier by only creating allowed variables."""

__all__ = [
    "CONSTRAINTS",
    "add_approval_limits",
    "add_assignment",
    "add_cases_caps",
    "add_category_caps",
    "add_count_caps",
    "add_family_holders",
    "add_load_caps",
    "add_max_moves",
    "add_mix_caps",
    "add_oversight",
    "add_pacing",
    "add_siblings_always",
    "add_symmetry_breaking",
    "add_together_discount",
    "symmetric_groups",
]
