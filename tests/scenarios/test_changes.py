"""Each change kind on tiny data: what it changes, and that nothing else changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from models import Policy, ProblemData, Role, ServicePolicy, load_policy
from scenarios.changes import build_variant
from scenarios.plan import PlanError, parse_plan
from tests.support import child, problem, team, worker

AS_OF = date(2027, 3, 1)
POLICY = Policy(
    name="tiny",
    services={
        "cin": ServicePolicy(max_children_per_fte=10),
        "cla": ServicePolicy(max_children_per_fte=5),
    },
)


def base() -> ProblemData:
    """Two teams: T1 (cin) with W1 (4 children), W2 (1 child, half time), W3 (none); T2 (cla)."""
    return problem(
        teams=[team("T1", "cin", manager_id="M1"), team("T2", "cla")],
        workers=[
            worker("M1", "T1", "team_manager"),
            worker("W1", "T1"),
            worker("W2", "T1", fte=0.5),
            worker("W3", "T1"),
            worker("W4", "T2"),
        ],
        children=[
            *(child(f"C{i}", "T1", worker_id="W1") for i in range(1, 4)),
            child("C4", "T1", worker_id="W1", family_id="F1"),
            child("C5", "T1", family_id="F1", previous_worker_id="W1"),
            child("C6", "T1", worker_id="W2", category="cp"),
            child("C7", "T2", category="cla", worker_id="W4"),
        ],
    )


def build(
    *changes: dict[str, Any],
    data: ProblemData | None = None,
    policy: Policy = POLICY,
    seed: int = 0,
):
    plan = parse_plan(
        {
            "name": "t",
            "base": "data/",
            "as_of": AS_OF,
            "seed": seed,
            "variant": [{"name": "v", "changes": list(changes)}],
        },
        "plan.toml",
    )
    return build_variant(plan, plan.variant[0], data or base(), policy)


def errors(*changes: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(PlanError) as caught:
        build(*changes, **kwargs)
    return caught.value.problems


def same_except(
    before: ProblemData, after: ProblemData, workers: set[str], children: set[str]
) -> None:
    """Every worker and child not named is unchanged."""
    old_w = {w.worker_id: w for w in before.workers}
    for w in after.workers:
        if w.worker_id not in workers and w.worker_id in old_w:
            assert old_w[w.worker_id] == w
    old_c = {c.child_id: c for c in before.children}
    for c in after.children:
        if c.child_id not in children and c.child_id in old_c:
            assert old_c[c.child_id] == c
    assert after.teams == before.teams


def test_add_workers_adds_named_posts_only():
    """add_workers appends <team>-NEW-<k> posts with the given FTE, role and skills."""
    state = build({"kind": "add_workers", "team": "T1", "count": 2, "fte": 0.5, "skills": "dv;bsl"})
    new = [w for w in state.data.workers if "NEW" in w.worker_id]
    assert [(w.worker_id, w.fte, w.role, w.skills) for w in new] == [
        ("T1-NEW-1", 0.5, Role.SOCIAL_WORKER, frozenset({"dv", "bsl"})),
        ("T1-NEW-2", 0.5, Role.SOCIAL_WORKER, frozenset({"dv", "bsl"})),
    ]
    same_except(base(), state.data, set(), set())
    again = build(
        {"kind": "add_workers", "team": "T1"}, {"kind": "add_workers", "team": "T1"}
    ).data.workers
    assert [w.worker_id for w in again][-2:] == ["T1-NEW-1", "T1-NEW-2"]


def test_remove_workers_leaves_their_children_waiting():
    """remove_workers: the post is gone, its children wait, links to it are cleared."""
    state = build({"kind": "remove_workers", "workers": ["W1"]})
    assert "W1" not in {w.worker_id for w in state.data.workers}
    by_id = {c.child_id: c for c in state.data.children}
    assert [by_id[f"C{i}"].worker_id for i in range(1, 5)] == [None] * 4
    assert by_id["C5"].previous_worker_id is None
    same_except(base(), state.data, {"W1"}, {"C1", "C2", "C3", "C4", "C5"})


def test_reduce_fte_takes_the_most_spare_first_and_cuts_the_last_part_way():
    """reduce_fte takes whole posts with the most spare room first, then cuts one part-way."""
    # Spare room in T1: W3 10, W1 6, W2 4 (cap 5, holds 1); 1.25 FTE takes W3 whole and cuts
    # W1 from 1 to 0.75 FTE, its children waiting for reallocation.
    state = build({"kind": "reduce_fte", "team": "T1", "fte": 1.25})
    workers = {w.worker_id: w for w in state.data.workers}
    assert "W3" not in workers
    assert workers["W1"].fte == 0.75 and workers["W2"].fte == 0.5
    by_id = {c.child_id: c for c in state.data.children}
    assert [by_id[f"C{i}"].worker_id for i in range(1, 5)] == [None] * 4
    assert by_id["C1"].previous_worker_id == "W1"  # continuity with the worker cut part-way
    assert state.notes == ("posts removed: W3; W1 cut from 1 to 0.75 FTE",)
    assert errors({"kind": "reduce_fte", "service": "cla", "fte": 2}) == [
        "plan.toml: variant 'v': change 1 (reduce_fte): only 1 case-holding FTE there to "
        "remove, not 2"
    ]


def test_change_fte_changes_one_worker():
    """change_fte sets the contracted FTE; held children stay."""
    state = build({"kind": "change_fte", "worker": "W2", "fte": 0.8})
    assert next(w for w in state.data.workers if w.worker_id == "W2").fte == 0.8
    same_except(base(), state.data, {"W2"}, set())


def test_leave_closes_to_new_work_and_releases_when_long():
    """Leave over 15 working days releases by default; shorter leave only closes."""
    long = build(
        {"kind": "leave", "workers": ["W1"], "from": date(2027, 2, 1), "to": date(2027, 4, 30)}
    )
    assert long.release == ("W1",)
    assert not next(w for w in long.data.workers if w.worker_id == "W1").accepting
    short = build(
        {"kind": "leave", "workers": ["W1"], "from": date(2027, 2, 22), "to": date(2027, 3, 5)}
    )
    assert short.release == ()
    same_except(base(), short.data, {"W1"}, set())
    forced = build(
        {
            "kind": "leave",
            "workers": ["W1"],
            "from": date(2027, 3, 1),
            "to": date(2027, 3, 2),
            "release": True,
        }
    )
    assert forced.release == ("W1",)
    assert errors(
        {"kind": "leave", "workers": ["W1"], "from": date(2027, 4, 1), "to": date(2027, 5, 1)}
    ) == [
        "plan.toml: variant 'v': change 1 (leave): the leave from 2027-04-01 to 2027-05-01 does "
        "not cover the plan's as_of 2027-03-01, so it would change nothing"
    ]


def test_move_worker_takes_the_caseload():
    """move_worker: the worker and the children they hold change team, nothing else."""
    state = build({"kind": "move_worker", "worker": "W2", "team": "T2"})
    assert next(w for w in state.data.workers if w.worker_id == "W2").team_id == "T2"
    assert next(c for c in state.data.children if c.child_id == "C6").team_id == "T2"
    same_except(base(), state.data, {"W2"}, {"C6"})


def test_asye_cohort_joins_on_its_start():
    """asye_cohort adds ASYE posts starting on ``start``; a start after as_of is an error."""
    state = build({"kind": "asye_cohort", "team": "T2", "count": 2, "start": date(2027, 2, 1)})
    new = [w for w in state.data.workers if "NEW" in w.worker_id]
    assert [(w.worker_id, w.role, w.asye_start) for w in new] == [
        ("T2-NEW-1", Role.ASYE, date(2027, 2, 1)),
        ("T2-NEW-2", Role.ASYE, date(2027, 2, 1)),
    ]
    assert errors({"kind": "asye_cohort", "team": "T2", "count": 1, "start": date(2027, 4, 1)}) == [
        "plan.toml: variant 'v': change 1 (asye_cohort): start 2027-04-01 is after the plan's "
        "as_of 2027-03-01: the cohort would not have joined yet"
    ]


def test_demand_draws_from_the_scope_with_the_seed():
    """demand adds referrals drawn from the scope's children, the same for the same seed."""
    state = build({"kind": "demand", "team": "T1", "percent": 50})  # 6 children in T1 -> 3
    new = [c for c in state.data.children if "-REF-" in c.child_id]
    assert len(new) == 3
    assert all(c.worker_id is None and c.team_id == "T1" and c.referred_on == AS_OF for c in new)
    assert {c.category for c in new} <= {"cin", "cp"}
    same_except(base(), state.data, set(), set())
    again = build({"kind": "demand", "team": "T1", "percent": 50})
    assert again.data == state.data
    draws = {
        tuple(
            c.category
            for c in build({"kind": "demand", "team": "T1", "count": 12}, seed=s).data.children[7:]
        )
        for s in range(5)
    }
    assert len(draws) > 1
    cla = build({"kind": "demand", "category": "cla", "count": 2}).data.children[7:]
    assert [(c.team_id, c.category) for c in cla] == [("T2", "cla"), ("T2", "cla")]


def test_policy_change_maps_services_and_sets_keys():
    """A preset with a mapping renames the data's services; ``set`` changes one key."""
    data = problem(
        teams=[team("T1", "intervention_planning")],
        workers=[worker("W1", "T1")],
        children=[child("C1", "T1", worker_id="W1")],
    )
    barnet = load_policy("barnet")
    state = build(
        {
            "kind": "policy",
            "preset": "merton",
            "services": {"intervention_planning": "cin"},
            "set": {"services.cin.max_children_per_fte": 19},
        },
        data=data,
        policy=barnet,
    )
    assert state.policy.name == "merton"
    assert state.data.teams[0].service == "cin"
    assert state.policy.services["cin"].max_children_per_fte == 19
    assert state.data.workers == data.workers and state.data.children == data.children


def test_policy_change_errors_list_both_vocabularies():
    """An unmapped service lists the data's and the policy's services; unknown keys are named."""
    data = problem(teams=[team("T1", "intervention_planning")], workers=[worker("W1", "T1")])
    assert errors(
        {"kind": "policy", "preset": "merton"}, data=data, policy=load_policy("barnet")
    ) == [
        "plan.toml: variant 'v': change 1 (policy): policy 'merton' has no service for the data's "
        "intervention_planning. The data's services: intervention_planning; the policy's: "
        "first_response, cin, disabled_children, cla, leaving_care, supervising_social_workers, "
        "independent_reviewing, youth_justice. Map each to the policy's service whose rules "
        'should apply: services = { intervention_planning = "..." }'
    ]
    unknown = errors({"kind": "policy", "set": {"services.cin.max_kids": 3}})[0]
    assert "set: unknown key 'services.cin.max_kids': services.cin has no 'max_kids' (keys: " in (
        unknown
    )
    assert "max_children_per_fte" in unknown.split("(keys: ")[1]
    assert errors({"kind": "policy", "set": {"services.cin.max_children_per_fte": -2}})[0].endswith(
        "set 'services.cin.max_children_per_fte': services.cin.max_children_per_fte: "
        "Input should be greater than 0"
    )


def test_unknown_names_and_orphaned_teams_are_collected():
    """Every failing change is reported, with close matches; later changes still checked."""
    assert errors(
        {"kind": "add_workers", "team": "T9"},
        {"kind": "remove_workers", "workers": ["W4"]},
        {"kind": "change_fte", "worker": "W11", "fte": 0.5},
        {"kind": "demand", "service": "cn", "count": 1},
    ) == [
        "plan.toml: variant 'v': change 1 (add_workers): unknown team 'T9'",
        "plan.toml: variant 'v': change 2 (remove_workers): leaves team T2 with children and no "
        "case-holder",
        "plan.toml: variant 'v': change 3 (change_fte): unknown worker 'W11'; did you mean 'W1'?",
        "plan.toml: variant 'v': change 4 (demand): unknown service 'cn'; the data's services: "
        "cin, cla; did you mean 'cin'?",
    ]


def test_the_base_is_never_altered(tmp_path: Path):
    """Building a variant leaves the base data object as it was."""
    data = base()
    copy = data.model_copy(deep=True)
    build(
        {"kind": "remove_workers", "workers": ["W1"]},
        {"kind": "demand", "team": "T1", "count": 4},
        data=data,
    )
    assert data == copy
