"""Typed containers for the CP-SAT variables of one component.

Constraint code indexes these by child and worker index, so it reads like the
maths: ``assign[c, w]`` is 1 when child ``c`` goes to worker ``w``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass
class Component:
    """Workers and movable children that share no eligible worker with the rest."""

    workers: list[int]
    children: list[int]
    """Movable children (waiting, released, or rebalanced) of this component."""
    fixed: dict[int, list[int]] = field(default_factory=dict)
    """Worker index -> children it keeps whatever the solve does."""
    teams: list[str] = field(default_factory=list)


@dataclass
class Variables:
    """All decision and auxiliary variables of one component's model."""

    assign: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    load: dict[int, cp_model.IntVar] = field(default_factory=dict)
    excess: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """``excess[w] = load[w] - load_offset[w] >= 0``: the part of the load the solve decides."""
    square: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """``square[w] = excess[w]**2``."""
    holds_family: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """``holds_family[f, w]``: worker ``w`` holds at least one child of family ``f``."""
    together: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    """``together[c, w]``: child ``c`` is held by ``w`` with a sibling (gets the discount)."""
    crosses: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """``crosses[w]``: worker ``w`` ends above an approval threshold the policy lets a
    proposal cross."""
    crossing_limits: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    """Worker -> ``(measure, limit)`` of each threshold ``crosses[w]`` stands for (limit
    in children, or in load units)."""
    indicators: list[tuple[cp_model.IntVar, list[tuple[int, int]], bool]] = field(
        default_factory=list
    )
    """``(var, pairs, constant)``: a boolean the model forces to 1 when ``constant`` or
    any ``assign[c, w]`` of ``pairs`` is 1 (hinted as exactly that)."""
    complex_count: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Complex children worker ``w`` holds, where a choice changes it."""
    complex_square: dict[int, cp_model.IntVar] = field(default_factory=dict)
    load_offset: dict[int, int] = field(default_factory=dict)
    """Lower end of each load's domain."""
    by_worker: dict[int, list[int]] = field(default_factory=dict)
    """Worker index -> movable children that may go to it, in child order."""

    def add_assign(self, model: cp_model.CpModel, child: int, worker: int) -> None:
        self.assign[child, worker] = model.new_bool_var(f"assign[{child},{worker}]")
        self.by_worker.setdefault(worker, []).append(child)

    def on_worker(self, worker: int) -> list[int]:
        return self.by_worker.get(worker, [])
