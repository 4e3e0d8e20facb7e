"""What a user decides about one allocation run (recorded in ``summary.json``).

Solver tuning (how squares are modelled, symmetry breaking, hints) is not a
user's decision: it lives with the model in ``allocator.cpsat``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from models._base import Frozen

MAX_SEED = 2**31 - 1
"""CP-SAT's ``random_seed`` is a signed 32-bit integer."""
MAX_PARALLEL = 1024
"""Most search threads or processes a run may ask for."""
MAX_MOVES = 10_000_000
"""Most moves a rebalance may allow (far above any authority's children)."""


class Options(Frozen):
    """Settings of one run, as given on the command line or by a caller.

    Attributes
    ----------
    as_of
        The allocation date: ASYE months served, active reductions and days
        waiting are counted to it. Give it to reproduce a run later.
    time_limit
        Wall-clock safety stop of the whole solve, in seconds (> 0). A run it
        stops is marked ``wall_limited`` and may differ between runs.
    work_limit
        Deterministic work limit per sub-problem, in CP-SAT work units (> 0);
        ``None`` uses ``time_limit``. A run that ends on this limit is
        reproducible.
    gap_limit
        Relative gap at which the balance stage may stop (0 <= gap < 1; 0
        insists on proof). A run stopped this way is ``feasible``, never
        ``optimal``.
    seed
        Solver random seed (0 to 2**31 - 1).
    release
        Workers whose children are reallocated across their team (long leave).
    release_managers
        Reallocate children that a team manager or head of service still holds
        (Barnet 001 s.3.8: they "must not carry a caseload"); on by default.
    release_long_leave
        Reallocate, as temporary cover, the children of workers away for longer
        than the policy's limit (Barnet 001 s.3.12: "over 15 working days");
        without it such workers are only reported.
    rebalance, max_moves
        Allow up to ``max_moves`` existing children to move to even loads
        (0 to 10,000,000).
    threads
        CP-SAT search workers per sub-problem (1 to 1,024); 1 keeps runs
        byte-identical.
    processes
        Sub-problems (teams) solved side by side (1 to 1,024), in separate
        processes.
    method
        How each sub-problem is solved: ``"cp-sat"`` (the staged model, with its
        proof stage; the default) or ``"greedy"`` (the greedy baseline, which keeps
        every rule, unsearched: fast and never proven optimal). The greedy method
        serves simulations that solve thousands of weekly batches (``caseload
        forecast --mode greedy``); a proposal for a manager uses the default.

    Examples
    --------
    >>> Options(as_of=date(2026, 11, 23), release=("W012",)).work_limit is None
    True
    """

    as_of: date
    time_limit: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    work_limit: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    gap_limit: float = Field(default=1e-4, ge=0, lt=1, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    release: tuple[str, ...] = ()
    release_managers: bool = True
    release_long_leave: bool = False
    rebalance: bool = False
    max_moves: int = Field(default=0, ge=0, le=MAX_MOVES)
    threads: int = Field(default=1, ge=1, le=MAX_PARALLEL)
    processes: int = Field(default=1, ge=1, le=MAX_PARALLEL)
    method: Literal["cp-sat", "greedy"] = "cp-sat"

    @field_validator("release")
    @classmethod
    def _distinct(cls, release: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(release))

    @property
    def work_budget(self) -> float:
        """The deterministic work limit in force: ``work_limit``, else ``time_limit``."""
        return self.work_limit if self.work_limit is not None else self.time_limit
