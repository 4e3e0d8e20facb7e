"""The four reported cases (tests/cases/, copied from shared/cases/) give what each
EXPECTED.md says. Each stands for a kind of fault; the rule tests cover the kind."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import pytest

from allocator import allocate, check, read_data
from models import AllocationResult, Options, load_policy
from tests.support import ROOT, SHARED

CASES = ROOT / "tests" / "cases"
AS_OF = date(2026, 11, 1)
"""The cases' README: run each with --as-of 2026-11-01."""


def run(name: str) -> AllocationResult:
    """Read the case folder with its own policy (or the default), allocate and check."""
    folder = CASES / name
    policy_file = folder / "policy.toml"
    policy = load_policy(policy_file if policy_file.exists() else "default")
    data = read_data(folder, policy)
    result = allocate(data, policy, Options(as_of=AS_OF))
    assert check(data, policy, result) == []
    return result


def test_statutory_loses_to_count():
    """CP1 takes the room before two children in need, whose reasons name CP1."""
    result = run("statutory-loses-to-count")
    placed = {a.child_id: a for a in result.allocations}
    assert placed["CP1"].worker_id == "W1"
    assert result.children_unallocated == 2
    for child_id in ("L1", "L2"):
        assert "the room went to CP1 (child protection, court) at W1" in placed[child_id].reason


def test_points_threshold_bands():
    """A threshold in points bands both workers; utilisation and reasons name the load cap."""
    result = run("points-threshold-bands")
    workers = {w.worker_id: w for w in result.workers}
    for wid in ("W1", "W2"):
        assert workers[wid].band == "amber_over_55_points"
        assert (workers[wid].utilisation, workers[wid].binding_cap) == (1.0, "load")
    reasons = [a.reason for a in result.allocations if a.status.value == "allocated"]
    assert all("weighted load 70 of their cap of 70 (100%)" in r for r in reasons)


def test_agreed_cap_ignores_reduction():
    """An agreed cap of 12 under a 50% reduction is 6; the rest wait with a shortfall."""
    result = run("agreed-cap-ignores-reduction")
    w1 = next(w for w in result.workers if w.worker_id == "W1")
    assert (w1.max_children, w1.children_after) == (6, 6)
    assert result.children_unallocated == 8
    assert any(f.kind == "unallocated" for f in result.findings)


def test_siblings_across_teams():
    """Under 'always' each team's part is allocated, and the split is blamed on the teams."""
    result = run("siblings-across-teams")
    assert result.children_unallocated == 0
    split = next(f for f in result.findings if f.kind == "split")
    assert "referred to different teams" in split.message and "forced by the teams" in split.message
    assert not any("room" in a.reason for a in result.allocations)


@pytest.mark.skipif(
    not (SHARED / "cases").is_dir(), reason="../shared/cases is not beside the clone"
)
@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_the_cases_are_the_shared_ones(name):
    """The repository's copy of each case is the shared one, file for file."""
    ours, theirs = CASES / name, SHARED / "cases" / name
    names = sorted(p.name for p in ours.iterdir())
    assert names == sorted(p.name for p in theirs.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(ours, theirs, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_every_case_folder_is_tested():
    """A case added to tests/cases/ needs its own test here."""
    tested = {
        "statutory-loses-to-count",
        "points-threshold-bands",
        "agreed-cap-ignores-reduction",
        "siblings-across-teams",
    }
    assert {p.name for p in CASES.iterdir() if p.is_dir()} == tested
    assert Path(__file__).name == "test_cases.py"
