"""Tests for approving (workspace/api/routes/proposals.py approve, approvals.py): reasons and
review dates above the threshold, the head of service's second step, 409 on a changed state."""

from __future__ import annotations

from datetime import date, timedelta

REVIEW = (date.today() + timedelta(days=28)).isoformat()


def solved(client, solve, teams):
    proposal_id = client.post("/api/proposals", json={"team_ids": teams}).json()["proposal_id"]
    solve()
    return proposal_id


def test_approving_applies_the_proposal_as_the_current_caseload(client_of, solve):
    """T2's approval (200) leaves no child waiting and moves the team's version on."""
    tess = client_of("tess")
    proposal_id = solved(tess, solve, ["T2"])
    done = tess.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": []})
    assert done.status_code == 200 and done.json()["status"] == "applied"
    team = tess.get("/api/caseloads?team_id=T2").json()
    assert team["waiting"] == [] and team["version"] == 2
    assert sum(w["children"] for w in team["workers"]) == 4


def test_an_allocation_above_the_threshold_needs_a_reason_and_review_date(client_of, solve):
    """N1 takes W1 above 22: without a reason and review date the approval is 422, naming N1."""
    mo = client_of("mo")
    proposal_id = solved(mo, solve, ["T1"])
    body = mo.get(f"/api/proposals/{proposal_id}").json()
    n1 = next(a for a in body["allocations"] if a["child_id"] == "N1")
    assert n1["worker_id"] == "W1" and "head_of_service" in n1["needs_approval"]
    done = mo.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": []})
    assert done.status_code == 422
    assert {p["child_id"] for p in done.json()["detail"]} == {"N1"}
    past = {"child_id": "N1", "reason": "no one else", "review_date": "2020-01-01"}
    done = mo.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": [past]})
    assert done.status_code == 422


def test_a_managers_approval_waits_for_a_head_of_service(client_of, solve):
    """A manager's approval above 22 waits (202) until the head of service approves (200)."""
    mo, hos = client_of("mo"), client_of("hos")
    proposal_id = solved(mo, solve, ["T1"])
    decision = {"child_id": "N1", "reason": "only worker accepting", "review_date": REVIEW}
    done = mo.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]})
    assert done.status_code == 202 and done.json()["status"] == "awaiting_head_of_service"
    assert [c["child_id"] for c in mo.get("/api/caseloads?team_id=T1").json()["waiting"]] == ["N1"]
    waiting = hos.get("/api/approvals").json()
    assert [w["proposal_id"] for w in waiting] == [proposal_id]
    assert waiting[0]["manager"] == "mo"
    assert waiting[0]["decisions"][0]["reason"] == "only worker accepting"
    assert client_of("hof").get("/api/approvals").json() == []  # another service's head
    done = hos.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]})
    assert done.status_code == 200, done.text
    assert hos.get("/api/approvals").json() == []
    assert mo.get("/api/caseloads?team_id=T1").json()["waiting"] == []
    batch = mo.get("/api/history?team_id=T1").json()["batches"][0]
    assert (batch["approved_by"], batch["head_of_service"]) == ("mo", "hos")
    n1 = next(d for d in batch["decisions"] if d["child_id"] == "N1")
    assert n1["reason"] == "only worker accepting" and n1["review_date"] == REVIEW


def test_two_approvals_on_the_same_state_the_second_is_409(client_of, solve):
    """Of two proposals made on one state, the second approved gets 409; a new one applies."""
    tess = client_of("tess")
    first, second = solved(tess, solve, ["T2"]), solved(tess, solve, ["T2"])
    assert tess.post(f"/api/proposals/{first}/approve", json={}).status_code == 200
    done = tess.post(f"/api/proposals/{second}/approve", json={})
    assert done.status_code == 409 and "changed" in done.json()["detail"]
    again = solved(tess, solve, ["T2"])
    assert tess.post(f"/api/proposals/{again}/approve", json={}).status_code == 200


def test_a_proposal_is_applied_once(client_of, solve):
    """Approving an applied proposal again is 409."""
    tess = client_of("tess")
    proposal_id = solved(tess, solve, ["T2"])
    assert tess.post(f"/api/proposals/{proposal_id}/approve", json={}).status_code == 200
    assert tess.post(f"/api/proposals/{proposal_id}/approve", json={}).status_code == 409


def test_other_teams_and_roles_may_not_approve(client_of, solve):
    """T1's manager gets 403 on T2's proposal; an admin and a planner may not approve."""
    proposal_id = solved(client_of("tess"), solve, ["T2"])
    for user in ("mo", "admin", "pat", "wanda"):
        done = client_of(user).post(f"/api/proposals/{proposal_id}/approve", json={})
        assert done.status_code == 403, user


def test_approvals_list_is_for_heads_of_service_and_admins(client_of):
    """A manager and a planner get 403 on /api/approvals."""
    assert client_of("mo").get("/api/approvals").status_code == 403
    assert client_of("pat").get("/api/approvals").status_code == 403
    assert client_of("admin").get("/api/approvals").status_code == 200
