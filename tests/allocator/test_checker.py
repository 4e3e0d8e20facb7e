"""The independent checker catches broken proposals.

Each test takes a valid proposal, breaks one rule by editing the result
(``model_copy(update=...)``) and asserts the checker names that rule.
"""

from __future__ import annotations

from datetime import date

import pytest

from allocator import check
from models import (
    AllocationResult,
    AsyeSchedule,
    ChildStatus,
    ManagerSpan,
    Pacing,
    Policy,
    ProblemData,
    ServicePolicy,
    SiblingMode,
)
from tests.support import CIN, child, problem, solve_and_check, team, worker

# T1: a manager, two social workers (W2 signs), a closed worker and an ASYE;
# T2: one worker. K1 and K2 are held by W1; N1-N3 wait; S1/S2 are siblings.
DATA = problem(
    teams=[team("T1", manager_id="M1"), team("T2")],
    workers=[
        worker("M1", role="team_manager"),
        worker("W1"),
        worker("W2", skills=frozenset({"bsl"})),
        worker("W3", accepting=False),
        worker("A1", role="asye", asye_start=date(2026, 5, 23)),
        worker("X1", team_id="T2"),
    ],
    children=[
        child("K1", worker_id="W1", weight=1),
        child("K2", worker_id="W1", weight=1),
        child("N1", weight=1, flags=frozenset({"court"})),
        child("N2", weight=1, required_skill="bsl"),
        child("N3", weight=1),
        child("S1", weight=1, family_id="F"),
        child("S2", weight=1, family_id="F"),
        child("Y1", team_id="T2", weight=1),
    ],
)
POLICY = Policy(
    services={"cin": ServicePolicy(max_children_per_fte=4, max_load_per_fte=6)},
    asye=AsyeSchedule(excluded=("court",)),  # the opt-in protection, so the checker sees it
)


@pytest.fixture(scope="module")
def valid() -> AllocationResult:
    return solve_and_check(DATA, POLICY)


def reassign(
    result: AllocationResult, data: ProblemData, moves: dict[str, str | None]
) -> AllocationResult:
    """The result with some children given other workers, statuses kept consistent."""
    before = {c.child_id: c.worker_id for c in data.children}
    rows = []
    for a in result.allocations:
        if a.child_id in moves:
            now, was = moves[a.child_id], before[a.child_id]
            status = (
                ChildStatus.UNALLOCATED
                if now is None
                else ChildStatus.ALLOCATED
                if was is None
                else ChildStatus.KEPT
                if now == was
                else ChildStatus.MOVED
            )
            a = a.model_copy(update={"worker_id": now, "status": status})
        rows.append(a)
    return result.model_copy(update={"allocations": tuple(rows)})


def rules(data: ProblemData, policy: Policy, result: AllocationResult) -> set[str]:
    """The rules ``check`` says ``result`` breaks (its options are the result's own)."""
    return {v.rule for v in check(data, policy, result)}


def test_valid_proposal_passes(valid):
    """The untouched proposal breaks no rule."""
    assert check(DATA, POLICY, valid) == []


@pytest.mark.parametrize(
    ("moves", "rule"),
    [
        ({"N3": "X1"}, "team"),  # X1 is in T2, N3 belongs to T1
        ({"N3": "W3"}, "not_accepting"),  # W3 is closed to new work
        ({"N3": "M1"}, "role"),  # a team manager carries no cases
        ({"N2": "W1"}, "skill"),  # N2 needs BSL; only W2 signs
        ({"N1": "A1"}, "asye"),  # N1 has a court flag; A1 is an ASYE
        ({"K1": "W2"}, "kept"),  # moving a held child needs --rebalance or --release
        ({"K1": None}, "kept"),  # a held child may not lose its worker
    ],
)
def test_checker_catches_an_ineligible_worker(valid, moves, rule):
    """A child given to a worker the rules exclude is reported under that rule."""
    assert rule in rules(DATA, POLICY, reassign(valid, DATA, moves))


def test_checker_catches_a_count_cap_breach(valid):
    """Piling every waiting T1 child on W2 breaks its count cap of 4."""
    moves = dict.fromkeys(["N2", "N3", "S1", "S2"], "W2") | {"N1": "W2"}
    # W2 would hold 5 children against floor(4 * 1) = 4.
    assert "count_cap" in rules(DATA, POLICY, reassign(valid, DATA, moves))


def test_checker_catches_a_load_cap_breach():
    """Children heavier than the load cap allows are reported as a load_cap breach."""
    data = problem(
        workers=[worker("W1"), worker("W2")], children=[child("A", weight=4), child("B", weight=4)]
    )
    policy = Policy(services={"cin": ServicePolicy(max_children_per_fte=20, max_load_per_fte=6)})
    result = solve_and_check(data, policy)
    # Both on W1 make load 8 > 6.
    assert "load_cap" in rules(data, policy, reassign(result, data, {"A": "W1", "B": "W1"}))


def test_checker_catches_a_category_cap_breach():
    """Leaving care: six children in care on one 0.5 FTE worker break the cla cap of 5."""
    data = problem(
        teams=[team("T1", service="leaving_care")],
        workers=[worker("W1", fte=0.5), worker("W2")],
        children=[child(f"L{i}", category="cla", weight=1) for i in range(6)],
    )
    result = solve_and_check(data, CIN)
    # floor(10 * 0.5) = 5 children in care for W1.
    moves = {f"L{i}": "W1" for i in range(6)}
    assert "category_cap" in rules(data, CIN, reassign(result, data, moves))


def test_checker_catches_a_worker_at_cap_getting_new_work():
    """A worker already at cap may not receive anyone, even while still at cap."""
    data = problem(
        workers=[worker("W1", max_children=1), worker("W2")],
        children=[child("K", worker_id="W1", weight=1), child("N", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # W1 is at its cap of 1 before the batch, so N on W1 is a breach.
    assert "count_cap" in rules(data, CIN, reassign(result, data, {"N": "W1"}))


def test_checker_catches_a_wrong_objective(valid):
    """An objective that does not match sum load**2 / capacity is reported."""
    assert valid.objective is not None
    wrong = valid.model_copy(update={"objective": valid.objective + 1})
    assert "objective" in rules(DATA, POLICY, wrong)


def test_checker_catches_a_wrong_child_status(valid):
    """A newly allocated child reported as 'kept' has the wrong status."""
    rows = tuple(
        a.model_copy(update={"status": ChildStatus.KEPT}) if a.child_id == "N3" else a
        for a in valid.allocations
    )
    # N3 had no worker before, so it is 'allocated', not 'kept'.
    assert "status" in rules(DATA, POLICY, valid.model_copy(update={"allocations": rows}))


def test_checker_catches_a_wrong_weight(valid):
    """A weight in allocations.csv that is not the policy's weight is reported."""
    rows = tuple(
        a.model_copy(update={"weight": 2.0}) if a.child_id == "N3" else a for a in valid.allocations
    )
    assert "weight" in rules(DATA, POLICY, valid.model_copy(update={"allocations": rows}))


def test_checker_catches_workers_rows_that_do_not_add_up(valid):
    """A workers.csv row whose counts do not match the allocations is reported."""
    rows = tuple(
        w.model_copy(update={"children_after": w.children_after + 1}) if w.worker_id == "W1" else w
        for w in valid.workers
    )
    assert "workers_csv" in rules(DATA, POLICY, valid.model_copy(update={"workers": rows}))


def test_checker_catches_missing_or_reordered_rows(valid):
    """allocations must list every child once, in input order."""
    missing = valid.model_copy(update={"allocations": valid.allocations[1:]})
    shuffled = valid.model_copy(update={"allocations": valid.allocations[::-1]})
    assert rules(DATA, POLICY, missing) == {"rows"}
    assert rules(DATA, POLICY, shuffled) == {"rows"}


def test_checker_catches_a_child_left_with_a_released_worker():
    """Under --release W1, a child still with W1 is a breach."""
    data = problem(
        workers=[worker("W1"), worker("W2")], children=[child("K", worker_id="W1", weight=1)]
    )
    result = solve_and_check(data, CIN, release=("W1",))
    # The valid proposal moved K to W2; putting it back with W1 is not allowed.
    broken = reassign(result, data, {"K": "W1"})
    assert "release" in rules(data, CIN, broken)


def test_checker_catches_too_many_moves():
    """Rebalance with max_moves=1: a second move is reported."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"K{i}", worker_id="W1", weight=1) for i in range(4)],
    )
    result = solve_and_check(data, CIN, rebalance=True, max_moves=1)
    broken = reassign(result, data, {"K0": "W2", "K1": "W2"})
    assert "max_moves" in rules(data, CIN, broken)


def test_checker_catches_a_pacing_breach():
    """pacing.max_new_per_worker=1: two new children on one worker is a breach."""
    policy = CIN.model_copy(update={"pacing": Pacing(max_new_per_worker=1)})
    data = problem(
        workers=[worker("W1"), worker("W2")], children=[child("A", weight=1), child("B", weight=1)]
    )
    result = solve_and_check(data, policy)
    assert "pacing" in rules(data, policy, reassign(result, data, {"A": "W1", "B": "W1"}))


def test_checker_catches_an_oversight_breach():
    """A team pushed above the manager's oversight maximum is reported."""
    span = ManagerSpan(oversight_max=1, oversight_hard=True)
    policy = CIN.model_copy(update={"span": span})
    data = problem(
        workers=[worker("W1"), worker("W2")], children=[child("A", weight=1), child("B", weight=1)]
    )
    result = solve_and_check(data, policy)
    # The valid proposal allocates one child; allocating both makes 2 > 1.
    assert result.children_allocated == 1
    assert "oversight" in rules(data, policy, reassign(result, data, {"A": "W1", "B": "W2"}))


def test_checker_catches_a_split_family_under_always():
    """siblings='always': new siblings on two workers is reported."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("S1", family_id="F", weight=1), child("S2", family_id="F", weight=1)],
    )
    result = solve_and_check(data, policy)
    broken = reassign(result, data, {"S1": "W1", "S2": "W2"})
    assert "siblings_always" in rules(data, policy, broken)


def test_checker_catches_a_new_sibling_parted_from_its_held_sibling_under_always():
    """siblings='always': a new child placed apart from the worker holding its sibling."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("S2", family_id="F", weight=1),
        ],
    )
    result = solve_and_check(data, policy)
    # The model puts S2 with W1, who holds S1 and has room; S2 on W2 splits the family.
    assert result.allocations[1].worker_id == "W1"
    broken = reassign(result, data, {"S2": "W2"})
    assert "siblings_always" in rules(data, policy, broken)


def test_checker_catches_a_family_placed_in_part_under_always():
    """siblings='always': one new sibling placed while the other waits is a split."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1")],
        children=[child("S1", family_id="F", weight=1), child("S2", family_id="F", weight=1)],
    )
    result = solve_and_check(data, policy)
    # W1 has room for both, so the model places the family together.
    assert [a.worker_id for a in result.allocations] == ["W1", "W1"]
    broken = reassign(result, data, {"S2": None})
    assert "siblings_always" in rules(data, policy, broken)


def test_rows_naming_an_unknown_worker_or_another_team_are_violations():
    """A row with an unknown worker or the wrong team is a 'rows' violation, not a crash."""
    valid = solve_and_check(DATA, POLICY)
    first = valid.allocations[0]
    unknown = first.model_copy(update={"worker_id": "W999"})
    other_team = first.model_copy(update={"team_id": "T9"})
    for row in (unknown, other_team):
        tampered = valid.model_copy(update={"allocations": (row, *valid.allocations[1:])})
        assert rules(DATA, POLICY, tampered) == {"rows"}
