"""Fast heuristics: the greedy baseline (what a manager does by hand, and the solver's
first hint) and steepest-descent moves (the hint a rebalance starts from)."""

from allocator.heuristics.greedy import greedy
from allocator.heuristics.moves import improve_by_moves

__all__ = ["greedy", "improve_by_moves"]
