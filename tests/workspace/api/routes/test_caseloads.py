"""Tests for workspace/api/routes/caseloads.py: a team's caseloads, and who may see them."""

from __future__ import annotations

import pytest


def test_a_team_shows_each_worker_with_children_load_caps_and_bands(client_of):
    """T1: W1 holds 22 children (of 24 per FTE), M1 holds none; N1 waits."""
    body = client_of("mo").get("/api/caseloads?team_id=T1").json()
    workers = {w["worker_id"]: w for w in body["workers"]}
    assert set(workers) == {"M1", "W1", "W2"}
    w1 = workers["W1"]
    assert w1["children"] == 22 and len(w1["child_ids"]) == 22
    assert w1["max_children"] == 24 and w1["name"] == "Wanda Worker"
    assert w1["utilisation"] == pytest.approx(22 / 24, abs=1e-3)
    assert w1["load_per_fte"] > 0 and w1["band"] == "within"
    assert [c["child_id"] for c in body["waiting"]] == ["N1"]
    assert body["waiting"][0]["referred_on"] == "2026-11-20"


@pytest.mark.parametrize(
    ("user", "team", "status"),
    [
        ("mo", "T1", 200),
        ("mo", "T2", 403),  # a manager of one team cannot see another's
        ("tess", "T1", 403),
        ("hos", "T2", 200),  # head of service of cin: both cin teams
        ("hof", "T1", 403),  # head of service of cla only
        ("pat", "T2", 200),  # planners read every team
        ("admin", "T1", 200),
        ("wanda", "T1", 403),  # a worker sees only their own caseload
    ],
)
def test_who_may_see_which_team(client_of, user, team, status):
    """Each role sees only the teams or services it is given."""
    assert client_of(user).get(f"/api/caseloads?team_id={team}").status_code == status


def test_an_unknown_team_is_404_for_an_admin(client_of):
    """A team the data does not hold is 404, with its name."""
    done = client_of("admin").get("/api/caseloads?team_id=T9")
    assert done.status_code == 404 and "T9" in done.json()["detail"]


def test_a_worker_sees_their_own_caseload_read_only(client_of):
    """GET /api/my-caseload gives W1's own row; the worker cannot start a proposal."""
    wanda = client_of("wanda")
    mine = wanda.get("/api/my-caseload").json()
    assert mine["worker_id"] == "W1" and mine["children"] == 22
    assert wanda.post("/api/proposals", json={"team_ids": ["T1"]}).status_code == 403
