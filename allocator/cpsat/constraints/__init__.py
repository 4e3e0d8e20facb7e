"""Constraint families of the allocation model, registered in the order they apply.

Every hard rule of the policy is here, one function per family; ``CONSTRAINTS``
is the one list a reader needs to see them all.
"""

from allocator.cpsat.constraints.assignment import add_assignment, add_max_moves
from allocator.cpsat.constraints.capacity import (
    add_category_caps,
    add_count_caps,
    add_load_caps,
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
    ("category_cap", add_category_caps),
    ("pacing", add_pacing),
    ("oversight", add_oversight),
    ("max_moves", add_max_moves),
    ("siblings", add_family_holders),
    ("siblings_always", add_siblings_always),
)
"""(name, function) pairs; eligibility (team, accepting, skill, ASYE exclusions,
release, 'always' siblings) is applied earlier by only creating allowed variables."""

__all__ = [
    "CONSTRAINTS",
    "add_assignment",
    "add_category_caps",
    "add_count_caps",
    "add_family_holders",
    "add_load_caps",
    "add_max_moves",
    "add_oversight",
    "add_pacing",
    "add_siblings_always",
    "add_symmetry_breaking",
    "add_together_discount",
    "symmetric_groups",
]
