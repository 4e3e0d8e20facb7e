"""The caseload engine: from a data folder and a policy to an explained proposal.

This module is the engine's public API; everything else in ``allocator`` is
private to it. The layers above (``scenarios``, ``reports``, ``workspace`` and
the ``caseload`` command) use only what is exported here.

Typical use::

    from datetime import date

    from allocator import read_data, allocate, write_outputs
    from models import Options, load_policy

    policy = load_policy("barnet")
    data = read_data("data/", policy)
    result = allocate(data, policy, Options(as_of=date(2026, 11, 23)))
    write_outputs(result, "proposal/")
"""

from typing import TYPE_CHECKING, Any

from allocator.checker import check
from allocator.explain import UnknownChildError, UnknownWorkerError, explain_child, explain_worker
from allocator.io import (
    REPORT_FILES,
    InputError,
    InputProblem,
    OutputError,
    check_output_folder,
    describe_problems,
    read_data,
    read_outputs,
    summary,
    write_data,
    write_outputs,
)

if TYPE_CHECKING:
    from allocator.cpsat.interrupt import stoppable
    from allocator.solve import Progress, allocate


def __getattr__(name: str) -> Any:
    """``allocate``, ``Progress`` and ``stoppable`` load the solver (OR-Tools, which pulls
    in pandas: about 0.3 s) on first use, so commands that only read, explain or check
    start at once."""
    if name in ("allocate", "Progress"):
        from allocator import solve

        return getattr(solve, name)
    if name == "stoppable":
        from allocator.cpsat import interrupt

        return interrupt.stoppable
    raise AttributeError(f"module 'allocator' has no attribute {name!r}")


__all__ = [
    "REPORT_FILES",
    "InputError",
    "InputProblem",
    "OutputError",
    "Progress",
    "UnknownChildError",
    "UnknownWorkerError",
    "allocate",
    "check",
    "check_output_folder",
    "describe_problems",
    "explain_child",
    "explain_worker",
    "read_data",
    "read_outputs",
    "stoppable",
    "summary",
    "write_data",
    "write_outputs",
]
