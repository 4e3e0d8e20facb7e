"""The CP-SAT allocation model: variables, constraint families, objectives, staged solve.

Laid out like PyJobShop's ``solvers/ortools/``: :mod:`.variables` (typed
containers), :mod:`.constraints` (one module per family, one registry list),
:mod:`.objective` (every weight declared), :mod:`.model` (building),
:mod:`.stages` (the lexicographic solve), :mod:`.proof` (the proof stage's exact
test), :mod:`.settings` (tuning).
"""

from allocator.cpsat.components import components
from allocator.cpsat.proof import PROVED_STAGES
from allocator.cpsat.settings import SolverSettings
from allocator.cpsat.stages import STAGES, ComponentSolution, Stage, StageResult, solve_component
from allocator.cpsat.variables import Component

__all__ = [
    "PROVED_STAGES",
    "STAGES",
    "Component",
    "ComponentSolution",
    "SolverSettings",
    "Stage",
    "StageResult",
    "components",
    "solve_component",
]
