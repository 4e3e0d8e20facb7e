"""Tests for workspace/api/routes/proposals.py: starting, reading and adjusting solves."""

from __future__ import annotations

import pytest


def test_a_proposal_is_queued_then_solved_outside_the_request(client_of, solve):
    """POST answers 202 at once with the proposal queued; after a solver runs it is done."""
    tess = client_of("tess")
    done = tess.post("/api/proposals", json={"team_ids": ["T2"], "options": {"seed": 3}})
    assert done.status_code == 202
    proposal_id = done.json()["proposal_id"]
    assert tess.get(f"/api/proposals/{proposal_id}").json()["status"] == "queued"
    assert solve() == 1
    body = tess.get(f"/api/proposals/{proposal_id}").json()
    assert body["status"] == "done" and body["progress"] == 1.0
    assert body["based_on"]["teams"] == {"T2": 1}
    placed = {a["child_id"]: a["worker_id"] for a in body["allocations"]}
    assert set(placed) == {"K1", "K2", "K3", "K4"} and None not in placed.values()
    assert placed["K3"] == placed["K4"]  # siblings together where possible
    assert {w["worker_id"] for w in body["workers"]} == {"W3", "W4"}
    assert body["summary"]["children_allocated"] == 4
    assert all(a["reason"] for a in body["allocations"])


def test_the_same_request_gives_the_same_proposal(client_of, solve):
    """Two proposals with the same options on the same state place every child alike."""
    tess = client_of("tess")
    ids = [
        tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
        for _ in range(2)
    ]
    solve()
    first, second = (tess.get(f"/api/proposals/{i}").json()["allocations"] for i in ids)
    assert first == second


@pytest.mark.parametrize(("user", "status"), [("mo", 403), ("pat", 403), ("wanda", 403)])
def test_others_may_not_start_or_read_a_teams_proposal(client_of, solve, user, status):
    """T1's manager, a planner and a worker can neither start nor read T2's proposal."""
    other = client_of(user)
    assert other.post("/api/proposals", json={"team_ids": ["T2"]}).status_code == status
    proposal_id = client_of("tess").post("/api/proposals", json={"team_ids": ["T2"]}).json()
    assert other.get(f"/api/proposals/{proposal_id['proposal_id']}").status_code == status


def test_a_head_of_service_runs_a_whole_service(client_of, solve):
    """The head of service of cin starts one proposal for both cin teams."""
    hos = client_of("hos")
    done = hos.post("/api/proposals", json={"team_ids": ["T1", "T2"]})
    assert done.status_code == 202
    solve()
    body = hos.get(f"/api/proposals/{done.json()['proposal_id']}").json()
    assert body["status"] == "done" and body["team_ids"] == ["T1", "T2"]
    assert {a["team_id"] for a in body["allocations"]} == {"T1", "T2"}


def test_an_unknown_team_is_404_and_bad_options_422(client_of):
    """An admin asking for team T9 gets 404; a negative work limit is 422."""
    admin = client_of("admin")
    assert admin.post("/api/proposals", json={"team_ids": ["T9"]}).status_code == 404
    bad = {"team_ids": ["T1"], "options": {"work_limit": -1}}
    assert admin.post("/api/proposals", json=bad).status_code == 422


def test_adjusting_re_solves_with_the_change_and_reports_its_cost(client_of, solve):
    """Pinning K1 elsewhere re-solves with K1 there, the change listed and its cost reported."""
    tess = client_of("tess")
    first = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    placed = {
        a["child_id"]: a["worker_id"]
        for a in tess.get(f"/api/proposals/{first}").json()["allocations"]
    }
    other = "W4" if placed["K1"] == "W3" else "W3"
    done = tess.post(
        f"/api/proposals/{first}/adjust",
        json={"pin": [{"child_id": "K1", "worker_id": other}], "reason": "knows the family"},
    )
    assert done.status_code == 202
    second = done.json()["proposal_id"]
    assert second != first
    solve()
    body = tess.get(f"/api/proposals/{second}").json()
    assert body["parent_id"] == first
    assert {a["child_id"]: a["worker_id"] for a in body["allocations"]}["K1"] == other
    assert body["adjustments"] == [
        {"action": "pin", "child_id": "K1", "worker_id": other, "reason": "knows the family"}
    ]
    cost = body["summary"]["adjustments"]
    assert cost["objective_difference"] >= 0
    assert any(f["kind"] == "adjustment_cost" for f in body["findings"])


def test_forbid_and_exclude_are_kept(client_of, solve):
    """Excluding W4 and forbidding K1 with W3 leaves K1 waiting and W4 with no child."""
    tess = client_of("tess")
    first = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    change = {"forbid": [{"child_id": "K1", "worker_id": "W3"}], "exclude_workers": ["W4"]}
    second = tess.post(f"/api/proposals/{first}/adjust", json=change).json()["proposal_id"]
    solve()
    body = tess.get(f"/api/proposals/{second}").json()
    placed = {a["child_id"]: a["worker_id"] for a in body["allocations"]}
    assert placed["K1"] is None
    assert "W4" not in placed.values()


def test_an_adjustment_naming_another_teams_worker_is_422(client_of, solve):
    """Pinning a child to a worker outside the proposal's teams is refused, with the name."""
    tess = client_of("tess")
    first = tess.post("/api/proposals", json={"team_ids": ["T2"]}).json()["proposal_id"]
    solve()
    done = tess.post(
        f"/api/proposals/{first}/adjust", json={"pin": [{"child_id": "K1", "worker_id": "W1"}]}
    )
    assert done.status_code == 422 and "W1" in str(done.json()["detail"])
