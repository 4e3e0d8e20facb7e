"""Proving the balance optimal: candidate measure vectors, cheapest first, tested exactly.

Pure Python, no solver: :mod:`.floor` (water-filling floors and windows),
:mod:`.search` (the packing relaxation and the exact packer), :mod:`.prove`
(the loop). :mod:`allocator.cpsat.proof` supplies the exact test, the CP-SAT
model with the measures fixed.
"""

from allocator.proof.floor import Fill, integer_fill, water_fill, windows
from allocator.proof.prove import Confirm, Proof, Verdict, optima, prove
from allocator.proof.search import (
    GiveUp,
    OutOfTime,
    Piece,
    Problem,
    Search,
    Slot,
    coarse_moduli,
)

__all__ = [
    "Confirm",
    "Fill",
    "GiveUp",
    "OutOfTime",
    "Piece",
    "Problem",
    "Proof",
    "Search",
    "Slot",
    "Verdict",
    "coarse_moduli",
    "integer_fill",
    "optima",
    "prove",
    "water_fill",
    "windows",
]
