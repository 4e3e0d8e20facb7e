"""One test per rule of the allocation model, on tiny teams where the answer is obvious.

Every proposal goes through ``solve_and_check``, so the independent checker must
also find nothing wrong with it.
"""

from __future__ import annotations

from datetime import date

import pytest

from allocator.cpsat.bounds import integer_water_filling, water_filling
from allocator.prepare import prepare
from models import (
    AsyeSchedule,
    ChildStatus,
    ManagerSpan,
    Options,
    Pacing,
    Policy,
    Priorities,
    Reduction,
    ServicePolicy,
    SiblingMode,
    SolveStatus,
    Weighting,
    load_policy,
)
from tests.support import (
    AS_OF,
    CIN,
    child,
    load_of,
    placed,
    problem,
    row,
    solve_and_check,
    team,
    worker,
)


def capped(per_fte: float, **service: float) -> Policy:
    """A one-service (``cin``) policy with the given count cap per FTE."""
    return Policy(services={"cin": ServicePolicy(max_children_per_fte=per_fte, **service)})


def findings_of(result, kind: str):
    return [f for f in result.findings if f.kind == kind]


# --- eligibility ---------------------------------------------------------------


def test_child_needing_a_skill_goes_to_an_accepting_team_member_with_it():
    """A required skill limits a child to accepting case holders of its own team with it."""
    data = problem(
        teams=[team("T1", manager_id="M1"), team("T2")],
        workers=[
            worker("M1", role="team_manager", skills=frozenset({"bsl"})),
            worker("H1", role="head_of_service", skills=frozenset({"bsl"})),
            worker("W1"),
            worker("W2", skills=frozenset({"bsl"})),
            worker("W3", skills=frozenset({"bsl"}), accepting=False),
            worker("X1", team_id="T2", skills=frozenset({"bsl"})),
        ],
        children=[child("C1", required_skill="bsl", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # W2 is the only member of T1 who carries cases, accepts work and signs (BSL);
    # X1 signs too but belongs to another team.
    assert placed(result) == {"C1": "W2"}


def test_managers_and_non_accepting_workers_get_no_children():
    """Team managers, heads of service and non-accepting workers receive nothing."""
    data = problem(
        teams=[team("T1", manager_id="M1")],
        workers=[
            worker("M1", role="team_manager"),
            worker("H1", role="head_of_service"),
            worker("W1", accepting=False),
            worker("W2"),
        ],
        children=[child(f"C{i}", weight=1) for i in range(5)],
    )
    result = solve_and_check(data, CIN)
    # Balance would spread five children over every worker with capacity; only W2
    # both carries cases and accepts new work, and its cap (20) fits all five.
    assert set(placed(result).values()) == {"W2"}
    assert {w.worker_id: w.children_after for w in result.workers} == {
        "M1": 0,
        "H1": 0,
        "W1": 0,
        "W2": 5,
    }
    assert load_of(result, "M1").capacity == 0
    assert load_of(result, "H1").capacity == 0


def test_child_of_a_team_with_no_eligible_worker_stays_unallocated():
    """A child never crosses to another team, even when its own team has nobody."""
    data = problem(
        teams=[team("T1"), team("T2")],
        workers=[worker("W1", accepting=False), worker("X1", team_id="T2")],
        children=[child("C1", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # X1 has all the room in the world but is in T2; W1 is closed to new work.
    assert placed(result) == {"C1": None}
    assert row(result, "C1").status is ChildStatus.UNALLOCATED


def test_skill_limited_child_with_interchangeable_colleagues():
    """Identical colleagues who can take no waiting child do not upset the model."""
    data = problem(
        workers=[worker("W1", skills=frozenset({"bsl"})), worker("W2"), worker("W3")],
        children=[child("C1", required_skill="bsl", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # W2 and W3 are interchangeable but neither signs; only W1 may take C1.
    assert placed(result) == {"C1": "W1"}


# --- count caps ------------------------------------------------------------------


def test_count_cap_is_floor_of_per_fte_cap_times_capacity():
    """The count cap is floor(max_children_per_fte * capacity)."""
    data = problem(
        workers=[worker("W1", fte=0.8)],
        children=[child(f"C{i}", weight=1) for i in range(5)],
    )
    result = solve_and_check(data, capped(4))
    # floor(4 * 0.8) = floor(3.2) = 3, so two of the five children wait.
    assert load_of(result, "W1").max_children == 3
    assert load_of(result, "W1").children_after == 3
    assert result.children_unallocated == 2


def test_part_time_cap_is_pro_rata():
    """A 0.5 FTE worker under a cap of 20 per FTE holds at most 10."""
    data = problem(
        workers=[worker("W1", fte=0.5)],
        children=[child(f"C{i}", weight=1) for i in range(12)],
    )
    result = solve_and_check(data, CIN)
    # 20 * 0.5 = 10: ten children allocated, two left.
    assert load_of(result, "W1").max_children == 10
    assert result.children_allocated == 10
    assert result.children_unallocated == 2


def test_individual_max_children_overrides_the_computed_cap():
    """``max_children`` agreed in supervision replaces the policy cap."""
    data = problem(
        workers=[worker("W1", max_children=2)],
        children=[child(f"C{i}", weight=1) for i in range(4)],
    )
    result = solve_and_check(data, CIN)
    # The policy would allow 20; the agreed cap of 2 wins.
    assert load_of(result, "W1").max_children == 2
    assert load_of(result, "W1").children_after == 2
    assert result.children_unallocated == 2


def test_worker_above_cap_keeps_children_but_gets_none_new():
    """A worker already above cap keeps everything, gets nothing new, and is reported."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            *[child(f"K{i}", worker_id="W1", weight=1) for i in range(3)],
            child("N1", weight=1),
            child("N2", weight=1),
        ],
    )
    result = solve_and_check(data, capped(2))
    # W1 holds 3 against a cap of 2: the model must not become infeasible, W1
    # keeps its 3, and both newcomers go to W2 (whose cap of 2 fits them).
    assert result.status is SolveStatus.OPTIMAL
    assert load_of(result, "W1").children_after == 3
    assert placed(result)["N1"] == placed(result)["N2"] == "W2"
    above = findings_of(result, "above_cap")
    assert [f.entities for f in above] == [("W1",)]


# --- ASYE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asye_start", "capacity"),
    [
        (date(2026, 11, 23), 0.5),  # first day: the start factor
        (date(2026, 5, 23), 0.75),  # 6 months: halfway from 0.5 to 1
        (date(2025, 11, 23), 1.0),  # 12 months: a qualified worker's caseload
        (date(2024, 11, 23), 1.0),  # later: held at the end factor
    ],
)
def test_barnet_3_6_asye_capacity_rises_from_half_through_the_year(asye_start, capacity):
    """Barnet 001 s.3.6: an ASYE holds about 50% of a caseload, rising to 100% in 12 months."""
    data = problem(
        teams=[team(service="intervention_planning")],
        workers=[worker("A1", role="asye", asye_start=asye_start)],
    )
    inst = prepare(data, load_policy("barnet"), Options(as_of=AS_OF))
    # factor(m) = 0.5 + 0.5 * min(m, 12) / 12
    assert inst.workers[0].capacity == pytest.approx(capacity)


def test_asye_six_months_in_has_cap_of_its_capacity():
    """A 6-month ASYE (capacity 0.75) under 20 per FTE has count cap 15."""
    data = problem(
        workers=[worker("A1", role="asye", asye_start=date(2026, 5, 23))],
        children=[child(f"C{i}", weight=1) for i in range(18)],
    )
    result = solve_and_check(data, CIN)
    # floor(20 * 0.75) = 15.
    assert load_of(result, "A1").capacity == pytest.approx(0.75)
    assert load_of(result, "A1").max_children == 15
    assert result.children_allocated == 15


def test_opt_in_asye_protection_keeps_court_work_from_an_asye():
    """With the opt-in exclusion, a 'court' child never goes to an ASYE, however idle."""
    data = problem(
        workers=[
            worker("W1"),
            worker("A1", role="asye", asye_start=date(2026, 5, 23)),
        ],
        children=[
            *[child(f"K{i}", worker_id="W1", weight=1) for i in range(4)],
            child("COURT", flags=frozenset({"court"}), weight=1),
        ],
    )
    protected = CIN.model_copy(update={"asye": AsyeSchedule(excluded=("court",))})
    result = solve_and_check(data, protected)
    # Balance alone would pick the empty ASYE; the exclusion sends it to W1.
    assert placed(result)["COURT"] == "W1"
    # No preset sets it (no source policy does): without it balance decides.
    assert placed(solve_and_check(data, CIN))["COURT"] == "A1"


# --- weighted and category caps ------------------------------------------------------


def test_weighted_load_cap():
    """``max_load_per_fte`` caps the sum of weights a worker holds, pro rata."""
    data = problem(
        workers=[worker("W1", fte=0.5)],
        children=[child(f"C{i}", weight=2) for i in range(3)],
    )
    result = solve_and_check(data, capped(20, max_load_per_fte=10))
    # Load cap 10 * 0.5 = 5: two children of weight 2 (load 4) fit, a third would
    # make 6; the count cap (10) is not what binds.
    assert load_of(result, "W1").max_load == 5
    assert load_of(result, "W1").load_after == 4
    assert result.children_unallocated == 1


def test_leaving_care_category_caps():
    """Leaving care: at most 10 in care and 10 care leavers per FTE."""
    data = problem(
        teams=[team("T1", service="leaving_care")],
        workers=[worker("W1", fte=0.5)],
        children=[
            *[child(f"L{i}", category="cla", weight=1) for i in range(7)],
            *[child(f"Q{i}", category="care_leaver", weight=1) for i in range(7)],
        ],
    )
    result = solve_and_check(data, CIN)
    # At 0.5 FTE: 5 cla + 5 care leavers (count cap 10 is not the binding rule
    # for either category on its own).
    got = placed(result)
    assert sum(got[f"L{i}"] == "W1" for i in range(7)) == 5
    assert sum(got[f"Q{i}"] == "W1" for i in range(7)) == 5


# --- siblings ------------------------------------------------------------------------


def test_new_siblings_go_together_when_room_allows():
    """Two new siblings share a worker even though splitting them would balance better."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("S1", family_id="F", weight=1), child("S2", family_id="F", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # Split (1, 1) gives objective 2 and together (2, 0) gives 4, but fewer
    # splits come before balance.
    got = placed(result)
    assert got["S1"] == got["S2"] is not None
    assert not findings_of(result, "split")


def test_new_sibling_joins_the_worker_who_holds_the_family():
    """A new child whose sibling is already allocated goes to that sibling's worker."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("K1", worker_id="W1", weight=1),
            child("K2", worker_id="W1", weight=1),
            child("S2", family_id="F", weight=1),
        ],
    )
    result = solve_and_check(data, CIN)
    # W2 is empty, so balance alone would choose it; W1 holds S2's sibling and has room.
    assert placed(result)["S2"] == "W1"


def test_siblings_split_only_when_unavoidable_and_reported():
    """When nobody has room for the whole family, it is split and a 'split' finding says so."""
    data = problem(
        workers=[worker("W1", max_children=1), worker("W2", max_children=1)],
        children=[child("S1", family_id="F", weight=1), child("S2", family_id="F", weight=1)],
    )
    result = solve_and_check(data, CIN)
    # Each worker has room for one: allocating both (split) beats leaving one waiting.
    got = placed(result)
    assert {got["S1"], got["S2"]} == {"W1", "W2"}
    assert [f.entities for f in findings_of(result, "split")] == [("F",)]


def test_siblings_always_keeps_family_together_or_leaves_it_waiting():
    """Policy siblings='always': a family is never split; if it cannot fit, it waits."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1", max_children=1), worker("W2", max_children=1)],
        children=[child("S1", family_id="F", weight=1), child("S2", family_id="F", weight=1)],
    )
    result = solve_and_check(data, policy)
    # Neither worker can take both, and 'always' forbids a split: both wait, and
    # the reason names the conflict between the sibling rule and the caps.
    assert placed(result) == {"S1": None, "S2": None}
    for a in result.allocations:
        assert "rules conflict" in a.reason


def test_siblings_always_conflict_is_named_when_others_fill_the_room():
    """A family of 3 that never fit waits for the sibling rule, not because P1 took the room."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1", max_children=3), worker("W2", max_children=3)],
        children=[
            *(child(f"H{i}", worker_id="W1") for i in range(2)),
            *(child(f"K{i}", worker_id="W2") for i in range(2)),
            *(child(f"F{i}", family_id="FAM") for i in range(3)),
            child("P1", category="cp"),
            child("Q1"),
        ],
    )
    result = solve_and_check(data, policy)
    assert {placed(result)[c] for c in ("F0", "F1", "F2")} == {None}
    assert placed(result)["P1"] is not None and placed(result)["Q1"] is not None
    for c in ("F0", "F1", "F2"):
        assert "Unallocated: rules conflict: siblings must stay together" in row(result, c).reason
        assert "the most room is 1" in row(result, c).reason
    (conflict,) = [f for f in result.findings if f.kind == "conflict"]
    assert conflict.entities == ("FAM",)


def test_siblings_always_together_when_room_allows():
    """Policy siblings='always' with room: the family shares one worker."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1", max_children=1), worker("W2", max_children=3)],
        children=[
            child("S1", family_id="F", weight=1),
            child("S2", family_id="F", weight=1),
            child("S3", family_id="F", weight=1),
        ],
    )
    result = solve_and_check(data, policy)
    # Only W2 has room for all three.
    assert placed(result) == {"S1": "W2", "S2": "W2", "S3": "W2"}


def test_siblings_always_a_sibling_awaiting_closure_anchors_nobody():
    """'always': a new sibling joins the active case's worker, not a closing sibling's worker."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3")],
        children=[
            child("NEW", family_id="F"),
            child("HELD", family_id="F", worker_id="W1"),
            child("CLOSING", family_id="F", worker_id="W2", awaiting_closure=True),
            child("OTHER", worker_id="W1"),
        ],
    )
    assert placed(solve_and_check(data, policy))["NEW"] == "W1"


def test_siblings_always_with_a_closing_sibling_and_interchangeable_workers():
    """'always' with a closing sibling and otherwise alike workers: no symmetry-breaking crash."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W0"), worker("W1"), worker("W2"), worker("W3", skills=frozenset({"bsl"}))],
        children=[
            *[child(f"C{i}") for i in range(4)],
            child("HELD", family_id="F", worker_id="W0"),
            child("NEW", family_id="F"),
            child("CLOSING", family_id="F", worker_id="W1", awaiting_closure=True),
        ],
    )
    assert placed(solve_and_check(data, policy))["NEW"] == "W0"


def test_sibling_discount_applies_to_siblings_held_together():
    """With sibling_discount 0.1, siblings with one worker count weight * 0.9."""
    policy = CIN.model_copy(update={"weighting": Weighting(sibling_discount=0.1)})
    data = problem(
        workers=[worker("W1")],
        children=[
            child("S1", family_id="F", weight=2),
            child("S2", family_id="F", weight=2),
            child("X", weight=2),
        ],
    )
    result = solve_and_check(data, policy)
    # S1 and S2 are together with W1: 2 * 0.9 = 1.8 each; X has no sibling: 2.
    assert {a.child_id: a.weight for a in result.allocations} == {"S1": 1.8, "S2": 1.8, "X": 2}
    assert load_of(result, "W1").load_after == pytest.approx(5.6)


# --- manager oversight and span ---------------------------------------------------------


def test_hard_oversight_limit_stops_new_cases_at_the_maximum():
    """Where a policy makes oversight a limit, a manager at the maximum gets nothing new."""
    span = ManagerSpan(oversight_max=3, oversight_hard=True)
    policy = CIN.model_copy(update={"span": span})
    data = problem(
        teams=[team("T1", manager_id="M1")],
        workers=[worker("M1", role="team_manager"), worker("W1"), worker("W2")],
        children=[
            *[child(f"K{i}", worker_id="W1", weight=1) for i in range(3)],
            child("N1", weight=1),
        ],
    )
    result = solve_and_check(data, policy)
    # The team holds 3 = oversight_max; W2 has room but the manager does not.
    assert placed(result)["N1"] is None
    assert "oversight" in row(result, "N1").reason


def test_merton_3_2_oversight_counts_a_sibling_group_as_one_case():
    """Merton 002 s.3.2: at a hard oversight maximum a new sibling of a held family may join."""
    span = ManagerSpan(oversight_max=3, oversight_hard=True)
    policy = CIN.model_copy(update={"span": span})
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("K1", worker_id="W1", weight=1),
            child("K2", worker_id="W2", weight=1),
            child("S2", family_id="F", weight=1),
            child("N1", weight=1),
        ],
    )
    result = solve_and_check(data, policy)
    # The team holds 3 cases (family F, K1, K2) = oversight_max. S2 joins case F
    # and adds no case; N1 would be a fourth case.
    assert placed(result)["S2"] == "W1"
    assert placed(result)["N1"] is None
    assert "oversight" in row(result, "N1").reason


def test_merton_3_1_span_has_a_maximum_of_six_and_no_minimum():
    """Merton 002 s.3.1: more than 6 case-holding FTE is reported; fewer than 5 is not."""
    data = problem(
        teams=[team("T1", manager_id="M1"), team("T2", manager_id="M2")],
        workers=[
            worker("M1", role="team_manager"),
            worker("W1"),
            worker("W2", fte=0.5),
            worker("M2", team_id="T2", role="team_manager"),
            *[worker(f"X{i}", team_id="T2") for i in range(6)],
            worker("X6", team_id="T2", fte=0.5),
        ],
    )
    result = solve_and_check(data, load_policy("merton"))
    # M1 supervises 1.5 FTE: "ideally 5" is no minimum. M2 supervises 6.5 FTE (the
    # manager's own FTE does not count), above "not more than 6".
    spans = findings_of(result, "span")
    assert [f.entities for f in spans] == [("M2", "T2")]
    assert "more than 6, ideally 5" in spans[0].message


# --- priorities when capacity is short ----------------------------------------------------


def test_statutory_child_comes_before_child_in_need():
    """With room for one, a child protection case is allocated before a CiN case."""
    data = problem(
        workers=[worker("W1", max_children=1)],
        children=[
            child("CIN", category="cin", weight=1, referred_on=date(2026, 1, 1)),
            child("CP", category="cp", weight=1, referred_on=date(2026, 11, 1)),
        ],
    )
    result = solve_and_check(data, CIN)
    # CP is statutory (tier 2) and wins although the CiN child waited longer.
    assert placed(result) == {"CIN": None, "CP": "W1"}


def test_earlier_referral_wins_among_equals():
    """Among children of the same tier, the one referred earlier is allocated."""
    data = problem(
        workers=[worker("W1", max_children=1)],
        children=[
            child("LATE", weight=1, referred_on=date(2026, 11, 1)),
            child("EARLY", weight=1, referred_on=date(2026, 10, 1)),
        ],
    )
    result = solve_and_check(data, CIN)
    # Same category and flags; EARLY has waited 53 days, LATE 22 days.
    assert placed(result) == {"LATE": None, "EARLY": "W1"}


def test_statutory_work_first_beats_the_count_by_default():
    """When room is short, one statutory child is placed before two non-statutory ones."""
    data = problem(
        workers=[worker("W1")],
        children=[
            child("CP", category="cp", weight=4),
            child("A", weight=2),
            child("B", weight=2),
        ],
    )
    result = solve_and_check(data, capped(20, max_load_per_fte=4))
    # Load cap 4: either CP alone or A + B. Statutory work first.
    assert placed(result) == {"CP": "W1", "A": None, "B": None}
    assert "the room went to CP (child protection) at W1" in row(result, "A").reason


def test_a_policy_may_put_the_count_of_children_first():
    """With priorities.order = count_first, two children that fit beat one statutory child."""
    data = problem(
        workers=[worker("W1")],
        children=[
            child("CP", category="cp", weight=4),
            child("A", weight=2),
            child("B", weight=2),
        ],
    )
    policy = capped(20, max_load_per_fte=4)
    policy = policy.model_copy(update={"priorities": Priorities(order="count_first")})
    result = solve_and_check(data, policy)
    assert placed(result) == {"CP": None, "A": "W1", "B": "W1"}


def test_unallocated_children_get_a_reason_and_a_team_finding():
    """Every unallocated child has a reason starting 'Unallocated:' and its team a finding."""
    data = problem(
        teams=[team("T1"), team("T2")],
        workers=[worker("W1", max_children=1), worker("X1", team_id="T2")],
        children=[child(f"C{i}", weight=1) for i in range(3)],
    )
    result = solve_and_check(data, CIN)
    # W1 takes one of three; the other two need about 2/20 = 0.1 more FTE.
    left = [a for a in result.allocations if a.status is ChildStatus.UNALLOCATED]
    assert len(left) == 2
    assert all(a.reason.startswith("Unallocated:") for a in left)
    short = findings_of(result, "unallocated")
    assert [f.entities for f in short] == [("T1",)]
    assert "FTE" in short[0].message


# --- objective ---------------------------------------------------------------------------


def test_objective_is_minimum_sum_of_squared_loads_over_capacity():
    """The proposal minimises sum load**2 / capacity where greedy does not."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"C{i}", weight=w) for i, w in enumerate([3, 3, 2, 2, 2])],
    )
    result = solve_and_check(data, CIN)
    # Greedy, heaviest first to the least loaded (ties to W1): W1 3+2+2 = 7,
    # W2 3+2 = 5, so 49 + 25 = 74. The optimum is 3+3 / 2+2+2 = 6 / 6: 72.
    assert result.greedy_objective == 74
    assert result.objective == 72
    assert result.status is SolveStatus.OPTIMAL
    assert result.best_bound == result.objective


def test_objective_weighs_load_by_capacity():
    """A half-time worker takes half the load a full-time worker takes."""
    data = problem(
        workers=[worker("W1", fte=0.5), worker("W2")],
        children=[child(f"C{i}", weight=1) for i in range(3)],
    )
    result = solve_and_check(data, CIN)
    # (1**2 / 0.5 + 2**2 / 1) = 6 beats (0 + 9) = 9 and (4 / 0.5 + 1) = 9.
    assert load_of(result, "W1").load_after == 1
    assert load_of(result, "W2").load_after == 2
    assert result.objective == 6


def test_objective_is_exact_for_a_capacity_with_four_decimals():
    """A 0.5 FTE ASYE 7 months in (capacity 0.3375) is weighed by exactly that capacity."""
    data = problem(
        workers=[worker("W1"), worker("A1", role="asye", fte=0.5, asye_start=date(2026, 4, 23))],
        children=[child("C1", weight=1.0), child("C2", weight=1.02), child("C3", weight=1.98)],
    )
    policy = CIN.model_copy(update={"asye": AsyeSchedule(end_factor=0.8)})
    result = solve_and_check(data, policy)
    # Capacity 0.5 * (0.5 + 0.3 * 7 / 12) = 0.3375. C1 on A1: 1 / 0.3375 + 3**2
    # = 11.962963; C2 on A1: 1.02**2 / 0.3375 + 2.98**2 = 11.963067. Every other
    # split is far worse, so C1 must go to the ASYE, and the bound must meet it.
    assert load_of(result, "A1").capacity == 0.3375
    assert placed(result)["C1"] == "A1"
    assert result.objective == pytest.approx(1 / 0.3375 + 9, abs=1e-6)
    assert result.best_bound == result.objective


# --- preferences -------------------------------------------------------------------------


def test_continuity_with_previous_worker_on_equal_balance():
    """With equal balance, a child goes back to the worker who knew it before."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("C1", weight=1, previous_worker_id="W2")],
    )
    result = solve_and_check(data, CIN)
    # W1 and W2 are identical and empty: balance is the same either way.
    assert placed(result) == {"C1": "W2"}


def test_locality_match_breaks_ties():
    """With equal balance, a child goes to the worker in its locality."""
    data = problem(
        workers=[worker("W1", locality="north"), worker("W2", locality="south")],
        children=[child("C1", weight=1, locality="south")],
    )
    result = solve_and_check(data, CIN)
    # Either worker gives the same balance; W2 works in the child's patch.
    assert placed(result) == {"C1": "W2"}


def test_balance_comes_before_continuity():
    """Continuity is a tie-breaker: it does not overturn a better balance."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            *[child(f"K{i}", worker_id="W2", weight=1) for i in range(3)],
            child("C1", weight=1, previous_worker_id="W2"),
        ],
    )
    result = solve_and_check(data, CIN)
    # W2 holds 3, W1 none: 3**2 + 1 = 10 < 4**2 = 16, so C1 goes to W1.
    assert placed(result)["C1"] == "W1"


def test_pacing_spreads_new_children_one_per_worker():
    """pacing.max_new_per_worker = 1: no worker takes more than one new child."""
    policy = CIN.model_copy(update={"pacing": Pacing(max_new_per_worker=1)})
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3")],
        children=[
            *[child(f"K{i}", worker_id="W2", weight=1) for i in range(2)],
            *[child(f"J{i}", worker_id="W3", weight=1) for i in range(2)],
            *[child(f"N{i}", weight=1) for i in range(3)],
        ],
    )
    result = solve_and_check(data, policy)
    # Without pacing empty W1 would take two (loads 2, 3, 2); with it each takes one.
    assert [w.new_children for w in result.workers] == [1, 1, 1]


# --- reductions ---------------------------------------------------------------------------


def test_active_reduction_halves_capacity_and_cap():
    """A 0.5 'phased return' reduction active on as_of halves capacity and the cap."""
    reduction = Reduction(
        worker_id="W1",
        fraction=0.5,
        reason="phased return",
        start=date(2026, 11, 1),
        end=date(2026, 12, 31),
    )
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"C{i}", weight=1) for i in range(3)],
        reductions=[reduction],
    )
    result = solve_and_check(data, CIN)
    w1 = load_of(result, "W1")
    # Capacity 1 * (1 - 0.5) = 0.5, cap 20 * 0.5 = 10; W1 (half capacity) gets
    # one child and W2 two: 1/0.5 + 4 = 6 is the minimum.
    assert (w1.capacity, w1.max_children) == (0.5, 10)
    assert "phased return" in w1.reduction
    assert w1.load_after == 1
    assert load_of(result, "W2").load_after == 2


def test_reduction_outside_its_dates_has_no_effect():
    """A reduction that starts after as_of leaves capacity and cap alone."""
    reduction = Reduction(
        worker_id="W1",
        fraction=0.5,
        reason="phased return",
        start=date(2027, 1, 1),
        end=date(2027, 3, 31),
    )
    data = problem(workers=[worker("W1")], reductions=[reduction])
    result = solve_and_check(data, CIN)
    w1 = load_of(result, "W1")
    # The reduction begins in January 2027; on 23 November 2026 W1 is at full capacity.
    assert (w1.capacity, w1.max_children, w1.reduction) == (1.0, 20, "")


# --- release and rebalance ----------------------------------------------------------------


def test_release_moves_every_child_off_the_released_worker():
    """Releasing W1 moves its children to team colleagues, or leaves them with a reason."""
    data = problem(
        workers=[worker("W1"), worker("W2", max_children=2), worker("W3", max_children=1)],
        children=[child(f"C{i}", worker_id="W1", weight=1) for i in range(4)],
    )
    result = solve_and_check(data, CIN, release=("W1",))
    # W2 and W3 have room for 3 of W1's 4 children; the fourth waits with a reason.
    assert load_of(result, "W1").children_after == 0
    statuses = sorted(a.status.value for a in result.allocations)
    assert statuses == ["moved", "moved", "moved", "unallocated"]
    for a in result.allocations:
        if a.status is ChildStatus.UNALLOCATED:
            assert a.reason.startswith("Unallocated:")
        else:
            assert a.worker_id in ("W2", "W3")


def test_rebalance_moves_children_from_an_overloaded_worker():
    """Rebalance with max_moves=2 moves at most two children and improves the balance."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"C{i}", worker_id="W1", weight=1) for i in range(8)],
    )
    plain = solve_and_check(data, CIN)
    result = solve_and_check(data, CIN, rebalance=True, max_moves=2)
    # 8 / 0 costs 64; two moves give 6 / 2 = 40, the best that two moves can do.
    assert plain.objective == 64
    assert result.children_moved == 2
    assert result.objective == 40
    assert result.objective <= plain.objective


def test_rebalance_never_exceeds_max_moves():
    """However unbalanced the team, rebalance makes at most max_moves moves."""
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3")],
        children=[
            *[child(f"C{i}", worker_id="W1", weight=1) for i in range(9)],
            child("N1", weight=1),
        ],
    )
    plain = solve_and_check(data, CIN)
    result = solve_and_check(data, CIN, rebalance=True, max_moves=1)
    # The best split (4/3/3) would need 5 moves; only one is allowed.
    assert result.children_moved <= 1
    assert result.objective <= plain.objective


def test_rebalance_with_a_worker_on_full_leave():
    """Rebalancing a team where a worker on full leave still holds a child does not crash."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("K1", worker_id="W1", weight=1)],
        reductions=[Reduction(worker_id="W1", fraction=1.0, reason="sick leave")],
    )
    result = solve_and_check(data, CIN, rebalance=True, max_moves=1)
    # W1 has capacity 0, so its load is not in the objective: keeping K1 there
    # (objective 0) beats moving it to W2 (objective 1).
    assert placed(result) == {"K1": "W1"}


def test_rebalance_with_siblings_always_and_a_full_worker():
    """siblings='always' plus rebalance: a family already split across workers does not crash."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1", max_children=1), worker("W2"), worker("W3")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("S2", worker_id="W2", family_id="F", weight=1),
        ],
    )
    result = solve_and_check(data, policy, rebalance=True, max_moves=0)
    # No moves are allowed, so both children stay where they are.
    assert placed(result) == {"S1": "W1", "S2": "W2"}


def test_rebalance_with_siblings_always_keeps_a_new_sibling_with_the_family():
    """siblings='always' plus rebalance: a new sibling ends with one of its siblings."""
    policy = CIN.model_copy(update={"siblings": SiblingMode.ALWAYS})
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("S2", worker_id="W2", family_id="F", weight=0.5),
            child("S3", family_id="F", weight=2),
        ],
    )
    result = solve_and_check(data, policy, rebalance=True, max_moves=1)
    # S3 must end with a sibling. With one move: S3 on W2 beside S2 gives
    # 1**2 + 2.5**2 = 7.25, the best such plan (S3 on W1: 3**2 + 0.5**2 = 9.25;
    # S3 plus a moved sibling on one worker: 3.5**2 = 12.25). Moving S2 to W1 and
    # S3 to W2 gives 6.25 but leaves S3 alone.
    assert placed(result) == {"S1": "W1", "S2": "W2", "S3": "W2"}
    assert result.objective == 7.25


# --- determinism and bounds ----------------------------------------------------------------


def test_same_input_same_proposal():
    """Two runs on the same data and options give identical allocations and workers."""
    data = problem(
        teams=[team("T1", manager_id="M1")],
        workers=[
            worker("M1", role="team_manager"),
            worker("W1", locality="north"),
            worker("W2", fte=0.6),
            worker("A1", role="asye", asye_start=date(2026, 3, 1)),
        ],
        children=[
            child("K1", worker_id="W1", family_id="F1"),
            child("N1", family_id="F1", flags=frozenset({"dv"})),
            child("N2", category="cp", level=3, flags=frozenset({"court"})),
            child("N3", locality="north"),
            child("N4", level=4),
            child("N5", category="cla", family_id="F2"),
            child("N6", category="cla", family_id="F2"),
        ],
    )
    policy = load_policy("default")
    first = solve_and_check(data, policy)
    second = solve_and_check(data, policy)
    assert first.allocations == second.allocations
    assert first.workers == second.workers
    assert first.objective == second.objective


@pytest.mark.parametrize(
    ("total", "floors", "coefs", "expected"),
    [
        (7, [0, 0], [1, 1], 25),  # 3 + 4: 9 + 16
        (10, [6, 0, 0], [1, 1, 1], 44),  # 6 kept, the rest 2 + 2: 36 + 4 + 4
        (6, [0, 0], [2, 1], 24),  # 2 on the double-weighted load, 4 on the other: 8 + 16
        (6, [5, 0], [1, 1], 26),  # 5 kept, 1 on the other: 25 + 1
        (4, [3, 3], [1, 1], None),  # the floors already exceed the total
    ],
)
def test_integer_water_filling(total, floors, coefs, expected):
    """integer_water_filling: least sum a_w L_w**2 of integer loads adding up to total."""
    assert integer_water_filling(total, floors, coefs) == expected


@pytest.mark.parametrize(
    ("total", "floors", "coefs", "expected"),
    [
        (6, [0, 0], [1, 1], 18),  # 3 + 3: 9 + 9
        (6, [0, 0], [1, 0.5], 12),  # capacities 1 and 2 share 2 + 4: 4 + 16 / 2
        (6, [5, 0], [1, 1], 26),  # 5 kept, 1 on the other: 25 + 1
        (4, [5, 0], [1, 1], 25),  # nothing to spread: the floors alone
    ],
)
def test_water_filling(total, floors, coefs, expected):
    """water_filling: continuous least sum a_w L_w**2 with loads above their floors."""
    assert water_filling(total, floors, coefs) == pytest.approx(expected, rel=1e-6)


def test_greedy_sends_a_new_sibling_to_the_first_worker_when_it_holds_the_family():
    """The greedy baseline prefers the worker holding a sibling, even the first in the file."""
    from allocator.heuristics import greedy

    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", worker_id="W1", family_id="F", weight=1),
            child("S2", family_id="F", weight=1),
        ],
    )
    inst = prepare(data, CIN, Options(as_of=AS_OF))
    # W2 is emptier, but W1 (index 0) holds S1 and has room: S2 joins its sibling.
    assert greedy(inst) == [0, 0]
