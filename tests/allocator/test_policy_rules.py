"""One test per published rule, named after its source (shared/policies/), on tiny data.

Every proposal goes through ``solve_and_check``, so the independent checker must
agree with the engine on each rule too.
"""

from __future__ import annotations

from datetime import date

import pytest

from allocator import InputError
from models import (
    Adjustment,
    AdjustmentAction,
    CaseloadMix,
    ChildStatus,
    Complexity,
    LeavePolicy,
    ManagerSpan,
    Override,
    Pacing,
    Policy,
    Reduction,
    ServicePolicy,
    Threshold,
    Weighting,
    load_policy,
)
from tests.support import (
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

ONE = Weighting(category={"cin": 1.0, "cp": 1.0, "cla": 1.0, "care_leaver": 1.0}, flags={})
"""Every child weighs 1 (the weights are not what these tests are about)."""


def policy(**fields) -> Policy:
    """A one-service ``cin`` policy with unit weights and the given fields."""
    services = fields.pop("services", {"cin": ServicePolicy(max_children_per_fte=20)})
    return Policy(services=services, weighting=fields.pop("weighting", ONE), **fields)


def findings(result, kind: str) -> list[str]:
    return [f.message for f in result.findings if f.kind == kind]


def away(worker_id: str, start: date, end: date, reason: str = "annual leave") -> Reduction:
    return Reduction(worker_id=worker_id, fraction=1.0, reason=reason, start=start, end=end)


# --- Barnet 001 ---------------------------------------------------------------------------


def test_barnet_3_8_a_managers_children_are_reallocated_by_default():
    """Barnet 001 s.3.8 "Team Managers must not carry a caseload": their children move."""
    data = problem(
        teams=[team(manager_id="M1")],
        workers=[worker("M1", role="team_manager"), worker("W1")],
        children=[child("K1", worker_id="M1"), child("K2", worker_id="M1")],
    )
    result = solve_and_check(data, policy())
    assert placed(result) == {"K1": "W1", "K2": "W1"}
    assert row(result, "K1").status is ChildStatus.MOVED
    assert "carries no cases" in row(result, "K1").reason
    assert findings(result, "manager_caseload")
    kept = solve_and_check(data, policy(), release_managers=False)
    assert placed(kept) == {"K1": "M1", "K2": "M1"}


def test_barnet_4_complex_children_are_spread_once_the_load_is_even():
    """Barnet 001 s.4 "a balance of complexity across the team": level 3-4 children spread."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("H1", level=4, weight=1),
            child("L1", level=1, weight=1),
            child("H2", level=4, weight=1),
            child("L2", level=1, weight=1),
        ],
    )
    # The greedy hint (in this order, ties to the first worker) puts H1 and H2 on W1,
    # already an even 2 + 2 load: only the complexity stage parts them.
    flat = solve_and_check(
        data, policy(complexity=Complexity(balance=False, match_experience=False))
    )
    assert placed(flat)["H1"] == placed(flat)["H2"]
    result = solve_and_check(data, policy())
    assert placed(result)["H1"] != placed(result)["H2"]
    assert result.objective == flat.objective == 8  # 2**2 + 2**2: the load balance held


def test_barnet_4_complex_work_goes_by_preference_to_experience():
    """Barnet 001 s.4 "according to experience": a complex child prefers a senior worker."""
    data = problem(
        workers=[worker("W1"), worker("S1", role="senior_practitioner")],
        children=[child("K1", worker_id="W1", weight=1), child("H", level=4, weight=1)],
    )
    result = solve_and_check(data, policy())
    # S1 is empty and experienced; balance also prefers S1 (0 + 1 < 1 + 2**2).
    assert placed(result)["H"] == "S1"
    assert "an experienced worker for complex work" in row(result, "H").reason


def test_barnet_3_10_interim_cover_when_the_only_eligible_worker_is_away():
    """Barnet 001 s.3.10: allocated "to another member of the team pending" the worker."""
    data = problem(
        workers=[worker("W1", skills=frozenset({"bsl"})), worker("W2")],
        children=[child("C1", required_skill="bsl")],
        reductions=[away("W1", date(2026, 11, 16), date(2026, 11, 27))],
    )
    result = solve_and_check(data, policy())
    c1 = row(result, "C1")
    assert (c1.worker_id, c1.status, c1.cover_for) == ("W2", ChildStatus.ALLOCATED, "W1")
    assert c1.cover_until == date(2026, 11, 28)  # the first day W1 is back
    assert "interim cover for W1" in c1.reason


def test_barnet_3_11_an_away_workers_children_are_listed_for_cover():
    """Barnet 001 s.3.11: managers must arrange cover for an away worker's casework."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("K1", worker_id="W1"), child("K2", worker_id="W1")],
        reductions=[away("W1", date(2026, 11, 16), date(2026, 11, 27))],
    )
    result = solve_and_check(data, policy(leave=LeavePolicy(reallocate_after_working_days=15)))
    (message,) = findings(result, "cover")
    assert "arrange cover for their 2 children (K1, K2)" in message
    assert placed(result) == {"K1": "W1", "K2": "W1"}  # 10 working days: not reallocated


def test_barnet_3_12_long_leave_is_flagged_and_released_on_request():
    """Barnet 001 s.3.12: leave "over 15 working days", the case should be reallocated."""
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3")],
        children=[child("K1", worker_id="W1"), child("K2", worker_id="W1")],
        # 2026-11-16 to 2026-12-18: 25 working days.
        reductions=[away("W1", date(2026, 11, 16), date(2026, 12, 18))],
    )
    rules = policy(leave=LeavePolicy(reallocate_after_working_days=15))
    flagged = solve_and_check(data, rules)
    (message,) = findings(flagged, "long_leave")
    assert "25 working days (over 15 working days)" in message and "--release-long-leave" in message
    assert placed(flagged) == {"K1": "W1", "K2": "W1"}
    released = solve_and_check(data, rules, release_long_leave=True)
    for child_id in ("K1", "K2"):
        r = row(released, child_id)
        assert r.worker_id in ("W2", "W3") and r.status is ChildStatus.ALLOCATED
        assert (r.cover_for, r.cover_until) == ("W1", date(2026, 12, 19))


def test_barnet_3_12_cover_obeys_pacing_like_new_work():
    """Children reallocated for leave obey the same pacing as new work."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"K{i}", worker_id="W1") for i in range(3)],
        reductions=[away("W1", date(2026, 11, 16), date(2026, 12, 18))],
    )
    rules = policy(
        leave=LeavePolicy(reallocate_after_working_days=15), pacing=Pacing(max_new_per_worker=1)
    )
    result = solve_and_check(data, rules, release_long_leave=True)
    assert result.children_allocated == 1 and result.children_unallocated == 2


def test_leave_look_ahead_stops_new_work_before_leave_starts():
    """With a look-ahead, a worker whose leave starts within it gets no new child."""
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("K1", worker_id="W2"), child("K2", worker_id="W2"), child("N1")],
        reductions=[away("W1", date(2026, 11, 26), date(2026, 12, 4))],
    )
    result = solve_and_check(data, policy(leave=LeavePolicy(lookahead_days=7)))
    # Balance alone would send N1 to the empty W1; W1's leave starts in 3 days.
    assert placed(result)["N1"] == "W2"
    assert findings(result, "leave_soon")
    assert placed(solve_and_check(data, policy()))["N1"] == "W1"


def test_barnet_3_7_an_approval_threshold_is_not_crossed_by_default():
    """Barnet 001 s.3.7 "higher than 22 ... agreed by the Head of Service": children wait."""
    threshold = Threshold(name="hos", above=2, approval="head_of_service")
    data = problem(workers=[worker("W1")], children=[child(f"C{i}") for i in range(3)])
    result = solve_and_check(data, policy(thresholds=(threshold,)))
    # Two children take W1 to 2 per FTE (not above 2); a third would need agreement.
    assert result.children_allocated == 2
    waiting = next(a for a in result.allocations if a.worker_id is None)
    assert "head of service agreement needed" in waiting.reason


def test_barnet_3_7_a_policy_may_let_the_proposal_cross_with_approval_marked():
    """With allow_crossing, children cross where the alternative is waiting, marked."""
    threshold = Threshold(name="hos", above=2, approval="head_of_service", allow_crossing=True)
    data = problem(
        workers=[worker("W1"), worker("W2", max_children=0)],
        children=[child(f"C{i}") for i in range(3)],
    )
    result = solve_and_check(data, policy(thresholds=(threshold,)))
    assert result.children_allocated == 3
    assert all(a.needs_approval == "hos (head of service)" for a in result.allocations)
    assert "head of service agreement needed" in row(result, "C0").reason


def test_barnet_3_7_crossing_needs_a_hard_ceiling():
    """A crossable threshold is refused unless every service names its hard cap."""
    threshold = Threshold(name="hos", above=22, approval="head_of_service", allow_crossing=True)
    with pytest.raises(ValueError, match="max_children_per_fte is not set"):
        Policy(services={"cin": ServicePolicy()}, thresholds=(threshold,))


def test_barnet_5_overrides_raise_a_cap_until_their_review_date():
    """Barnet 001 s.5 items 2-3: an override is recorded, time-limited and reviewed."""
    data = problem(
        workers=[worker("W1", max_children=1)],
        children=[child("N1"), child("N2")],
        overrides=[
            Override(
                worker_id="W1",
                max_children=2,
                reason="sibling court deadline",
                approver="HoS",
                review_date=date(2026, 12, 31),
            )
        ],
    )
    result = solve_and_check(data, policy())
    assert result.children_allocated == 2
    assert "agreed by HoS" in findings(result, "override")[0]
    expired = data.model_copy(
        update={
            "overrides": (data.overrides[0].model_copy(update={"review_date": date(2026, 11, 1)}),)
        }
    )
    late = solve_and_check(expired, policy())
    assert late.children_allocated == 1
    assert "passed its review date 2026-11-01" in findings(late, "override_expired")[0]


def test_barnet_5_4_escalate_after_two_months_above_the_maximum():
    """Barnet 001 s.5 item 4: above the maximum for over two months, tell the Head of Service."""
    data = problem(
        workers=[worker("W1", max_children=1, above_max_since=date(2026, 9, 1))],
        children=[child("K1", worker_id="W1"), child("K2", worker_id="W1")],
    )
    result = solve_and_check(data, policy(escalation_months=2))
    (message,) = findings(result, "escalation")
    assert "since 2026-09-01" in message and "Head of Service must be informed" in message


def test_barnet_4_deviation_from_the_team_average_and_monthly_averages():
    """Barnet 001 s.3.7 and s.4: deviations from the team average; s.5 item 6: averages."""
    rules = policy(
        services={"cin": ServicePolicy(max_children_per_fte=20, target_children_per_fte=2)}
    )
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"K{i}", worker_id="W1") for i in range(3)],
    )
    result = solve_and_check(data, rules)
    assert "above the team average of 2" in findings(result, "deviation")[0]
    (average,) = result.stats["team_averages"]
    assert (average["children_per_fte"], average["target_children_per_fte"]) == (1.5, 2)


# --- Merton 002 ---------------------------------------------------------------------------


def test_merton_2_1_first_response_counts_cases_and_children():
    """Merton 002 s.2.1 "10-12 cases and no more than 26 children": a family is one case."""
    rules = policy(services={"fr": ServicePolicy(max_cases_per_fte=2, max_children_per_fte=26)})
    data = problem(
        teams=[team(service="fr")],
        workers=[worker("W1")],
        children=[
            child("K1", worker_id="W1", family_id="A"),
            child("A2", family_id="A"),
            child("B1", family_id="B"),
            child("B2", family_id="B"),
            child("C1"),
        ],
    )
    result = solve_and_check(data, rules)
    # Cases: A (held) + B = 2; A2 joins case A; C1 would be a third case.
    assert placed(result) == {"K1": "W1", "A2": "W1", "B1": "W1", "B2": "W1", "C1": None}
    assert "cap in cases" in row(result, "C1").reason or "cases" in row(result, "C1").reason


def test_merton_2_4_leaving_care_caps_depend_on_the_mix():
    """Merton 002 s.2.4: 10 + 10 when mixed; 16 for only under-18s, 25 for only over-18s."""
    mix = CaseloadMix(
        mixed_per_fte={"cla": 1, "care_leaver": 1},
        only_max_per_fte={"cla": 2, "care_leaver": 3},
    )
    rules = policy(services={"lc": ServicePolicy(mix=mix)})
    only_leavers = problem(
        teams=[team(service="lc")],
        workers=[worker("W1")],
        children=[child(f"L{i}", category="care_leaver") for i in range(4)],
    )
    assert solve_and_check(only_leavers, rules).children_allocated == 3  # only: 3
    mixed = problem(
        teams=[team(service="lc")],
        workers=[worker("W1")],
        children=[
            child("K1", category="cla", worker_id="W1"),
            *[child(f"L{i}", category="care_leaver") for i in range(3)],
        ],
    )
    result = solve_and_check(mixed, rules)
    # Holding a child in care, W1 is mixed: at most 1 care leaver.
    assert result.children_allocated == 1
    assert "caseload-mix cap" in next(a.reason for a in result.allocations if a.worker_id is None)
    # The mix cap is the cap in force: W1 is full on it, and workers.csv says so.
    (load,) = result.workers
    assert (load.utilisation, load.binding_cap) == (1.0, "mix:cla")
    alone = solve_and_check(only_leavers, rules).workers[0]
    assert (alone.utilisation, alone.binding_cap) == (1.0, "mix:care_leaver")


def test_merton_3_2_oversight_is_reported_not_enforced():
    """Merton 002 s.3.2 "50 - 100 cases depending on the nature of the work" is a range."""
    rules = policy(span=ManagerSpan(oversight_max=2))
    data = problem(
        teams=[team("T1", manager_id="M1"), team("T2", manager_id="M1")],
        workers=[worker("M1", role="team_manager"), worker("W1"), worker("X1", team_id="T2")],
        children=[
            child("K1", worker_id="W1"),
            child("K2", worker_id="X1", team_id="T2"),
            child("N1"),
        ],
    )
    result = solve_and_check(data, rules)
    assert placed(result)["N1"] == "W1"  # not blocked
    (message,) = findings(result, "oversight")
    # Counted per manager, across both teams they lead.
    assert "manager M1 oversees 3 cases in T1, T2, above 2" in message


def test_merton_3_1_more_management_input_for_many_asye_workers():
    """Merton 002 s.3.1: teams with more ASYE workers "will need more management input"."""
    asye = {"role": "asye", "asye_start": date(2026, 9, 1)}
    data = problem(
        teams=[team("T1", manager_id="M1"), team("T2", manager_id="M2")],
        workers=[
            worker("M1", role="team_manager"),
            worker("A1", **asye),
            worker("A2", **asye),
            worker("W1"),
            worker("M2", team_id="T2", role="team_manager"),
            *[worker(f"X{i}", team_id="T2") for i in range(3)],
        ],
    )
    result = solve_and_check(data, policy())
    (message,) = findings(result, "asye_support")
    assert message.startswith("manager M1's teams (T1) have 2 ASYE workers")


# --- Welsh report 003 -----------------------------------------------------------------------


def test_welsh_5_2_exception_reporting_below_20_and_above_28():
    """Welsh 003 s.5.2: exception reports for caseloads above 28 or below 20 per FTE."""
    data = problem(
        teams=[team(service="intake")],
        workers=[worker("W1"), worker("W2")],
        children=[
            *[child(f"A{i}", worker_id="W1", weight=1) for i in range(29)],
            *[child(f"B{i}", worker_id="W2", weight=1) for i in range(19)],
        ],
    )
    result = solve_and_check(data, load_policy("welsh"))
    bands = {w.worker_id: w.band for w in result.workers}
    assert bands == {"W1": "exception_above_28", "W2": "exception_below_20"}


def test_welsh_5_5_cases_awaiting_closure_are_not_the_active_caseload():
    """Welsh 003 s.5.5: cases "awaiting closure" give "a false impression of the caseload"."""
    data = problem(
        workers=[worker("W1", max_children=2), worker("W2", max_children=2)],
        children=[
            child("K1", worker_id="W1", awaiting_closure=True),
            child("K2", worker_id="W1", awaiting_closure=True),
            child("N1"),
            child("N2"),
        ],
    )
    result = solve_and_check(data, policy())
    w1 = load_of(result, "W1")
    assert (w1.children_before, w1.awaiting_closure) == (0, 2)
    assert result.children_allocated == 2 and placed(result)["K1"] == "W1"
    assert findings(result, "awaiting_closure")


def test_welsh_5_4_cover_from_another_team_is_suggested():
    """Welsh 003 s.5.4: staff deployed "from other parts of the service": suggested only."""
    data = problem(
        teams=[team("T1"), team("T2")],
        workers=[worker("W1", max_children=1), worker("X1", team_id="T2")],
        children=[child("N1"), child("N2")],
    )
    result = solve_and_check(data, policy())
    assert result.children_unallocated == 1  # never moved across teams silently
    (message,) = findings(result, "cover_suggestion")
    assert "T2 has room for 20" in message


# --- Sutton 000 and weights ------------------------------------------------------------------


def test_sutton_supervising_seniors_and_weights_for_age_and_large_families():
    """Sutton 000 and Merton 002 s.2.4: supervisors, 16/17-year-olds, large sibling groups."""
    rules = policy(
        supervisor_factor=0.5,
        weighting=ONE.model_copy(
            update={"ages": {16: 0.5}, "large_family_size": 3, "large_family_addition": 0.25}
        ),
    )
    data = problem(
        workers=[worker("S1", role="senior_practitioner", supervisor=True)],
        children=[
            child("T16", age=16),
            *[child(f"F{i}", family_id="BIG") for i in range(3)],
        ],
    )
    result = solve_and_check(data, rules)
    assert load_of(result, "S1").capacity == 0.5
    weights = {a.child_id: a.weight for a in result.allocations}
    assert weights == {"T16": 1.5, "F0": 1.25, "F1": 1.25, "F2": 1.25}


# --- shortfalls (National Workload Action Group 004; Barnet 001 s.1) --------------------------


def test_a_shortfall_says_what_capacity_would_place_the_children():
    """A shortfall names the FTE, or children per worker, that would place those waiting."""
    data = problem(
        workers=[worker("W1", max_children=1)], children=[child(f"N{i}") for i in range(4)]
    )
    result = solve_and_check(data, policy())
    (message,) = findings(result, "unallocated")
    assert "about 0.2 more case-holding FTE at the cin caps" in message
    assert "3 children more per worker for the 1 worker who takes new work" in message


# --- the manager's adjustments ----------------------------------------------------------------


def test_a_pin_a_forbidden_pairing_and_an_exclusion_are_kept_and_costed():
    """Adjustments hold in the proposal, and their cost against the proposal without them."""
    adjust = (
        Adjustment(action=AdjustmentAction.PIN, child_id="N1", worker_id="W1", reason="knows dad"),
        Adjustment(
            action=AdjustmentAction.FORBID, child_id="N2", worker_id="W2", reason="conflict"
        ),
        Adjustment(action=AdjustmentAction.EXCLUDE, worker_id="W3", reason="training week"),
    )
    data = problem(
        workers=[worker("W1"), worker("W2"), worker("W3")],
        children=[child("K1", worker_id="W1"), child("N1"), child("N2")],
        adjustments=adjust,
    )
    result = solve_and_check(data, policy())
    assert placed(result) == {"K1": "W1", "N1": "W1", "N2": None} or placed(result)["N1"] == "W1"
    assert placed(result)["N2"] not in ("W2", "W3")
    assert "the manager pinned the child to them" in row(result, "N1").reason
    # Every worker of the team is still a row of the pinned child's candidates.
    verdicts = {c.worker_id: (c.verdict, c.rule) for c in result.candidates if c.child_id == "N1"}
    assert verdicts == {
        "W1": ("chosen", ""),
        "W2": ("ruled_out", "pinned"),
        "W3": ("ruled_out", "excluded"),
    }
    cost = result.stats["adjustments"]
    assert cost["objective_with"] > cost["objective_without"]
    assert findings(result, "adjustment_cost")


def test_an_adjustment_that_breaks_a_hard_rule_is_an_error_naming_it():
    """Pinning a child to a worker who may not take it is bad input naming the row and rule."""
    data = problem(
        teams=[team("T1"), team("T2")],
        workers=[worker("W1"), worker("X1", team_id="T2"), worker("A1", max_children=0)],
        children=[child("N1"), child("N2")],
        adjustments=(
            Adjustment(action=AdjustmentAction.PIN, child_id="N1", worker_id="A1", reason="r"),
            Adjustment(action=AdjustmentAction.PIN, child_id="N2", worker_id="X1", reason="r"),
        ),
    )
    with pytest.raises(InputError) as err:
        solve_and_check(data, CIN)
    problems = [(p.file, p.row, p.column) for p in err.value.problems]
    assert problems == [("adjustments.csv", 2, "worker_id"), ("adjustments.csv", 3, "worker_id")]
    assert "count_cap" in err.value.problems[0].message
    assert "not in the child's team T1" in err.value.problems[1].message


# --- data the engine must not take silently ---------------------------------------------------


def test_a_child_held_by_another_teams_worker_is_reported():
    """A child of team T1 held by a worker of T2 is a data finding naming both."""
    data = problem(
        teams=[team("T1"), team("T2")],
        workers=[worker("W1"), worker("X1", team_id="T2")],
        children=[child("K1", worker_id="X1")],
    )
    result = solve_and_check(data, policy())
    assert "child K1 of team T1 is held by X1 of team T2" in findings(result, "data")


def test_barnet_5_1_a_large_intake_in_one_run_is_reported():
    """Barnet 001 s.5 item 1: review the caseload of a worker receiving many new cases."""
    data = problem(
        workers=[worker("W1"), worker("W2", max_children=2)],
        children=[
            child("K1", worker_id="W1"),
            child("K2", worker_id="W2"),
            *[child(f"N{i}") for i in range(4)],
        ],
    )
    result = solve_and_check(data, policy())
    # W2 is one short of their cap and takes 1; W1 goes from 1 to 4 (+3, +300%).
    (message,) = findings(result, "intake")
    assert message.startswith("W1 (social worker) goes from 1 to 4 children")


def test_merton_2_2_a_caseload_below_the_range_is_reported_not_filled():
    """Merton 002 s.2.2 "in the range of 18-20": the lower end is reported when undershot."""
    rules = policy(
        services={"cin": ServicePolicy(max_children_per_fte=20, min_children_per_fte=18)}
    )
    data = problem(
        workers=[worker("W1")], children=[child(f"K{i}", worker_id="W1") for i in range(17)]
    )
    result = solve_and_check(data, rules)
    (message,) = findings(result, "below_range")
    assert "17.0 children per FTE of capacity, below the expected 18" in message
