"""The NPAP public instances as regression tests: best known objectives, proven."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from allocator import allocate, check
from allocator.io.npap import NPAP_BEST_KNOWN, npap_instances, read_npap
from models import Options
from tests.support import NPAP_ROOT

NPAP = NPAP_ROOT
INSTANCES = npap_instances(NPAP) if NPAP.is_dir() else []


@pytest.mark.skipif(not INSTANCES, reason="shared/benchmarks/npap is not beside the repo")
@pytest.mark.parametrize(("name", "path"), INSTANCES, ids=[n for n, _ in INSTANCES])
def test_npap_reaches_best_known_objective_with_proof(name: str, path: Path) -> None:
    """Each instance is solved to its published best objective and proven optimal."""
    data, policy = read_npap(path)
    as_of = date(2026, 1, 1)
    result = allocate(data, policy, Options(as_of=as_of, time_limit=120, gap_limit=0.0))
    assert result.status.value == "optimal"
    assert result.objective == NPAP_BEST_KNOWN[name]
    assert result.best_bound == NPAP_BEST_KNOWN[name]
    assert result.children_unallocated == 0
    assert check(data, policy, result) == []
