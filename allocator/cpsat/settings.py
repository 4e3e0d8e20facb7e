"""How the CP-SAT model is built and searched: tuning, not a user's decision.

The defaults are what the benchmarks measured best (docs/benchmarks.md);
benchmarks and tests may change them to compare, users never need to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SolverSettings:
    """Model-building and search choices of the allocation model.

    Attributes
    ----------
    squares
        How ``load**2`` is modelled: a table of squares (``table``), a product
        constraint (``product``), or a table when the load's domain is at most
        :data:`allocator.cpsat.model.TABLE_LIMIT` wide (``auto``).
    symmetry
        Break symmetry between interchangeable workers and children.
    hint
        Give CP-SAT the greedy baseline (then each stage's answer) as a complete hint.
    decompose
        Solve teams that share no eligible worker as separate sub-problems (exact).
    proof
        Prove the balance and complexity stages by enumeration
        (:mod:`allocator.cpsat.proof`) before CP-SAT, and close the gap CP-SAT
        leaves after it.
    """

    squares: Literal["auto", "table", "product"] = "auto"
    symmetry: bool = True
    hint: bool = True
    decompose: bool = True
    proof: bool = True
