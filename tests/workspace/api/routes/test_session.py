"""Tests for workspace/api/routes/session.py: signing in and out, sessions that expire."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.support import password_of
from workspace.tables import UserSession, now


def test_signing_in_sets_an_httponly_strict_cookie(app):
    """The right password answers 200 with the user's role and an HttpOnly, SameSite cookie."""
    client = TestClient(app)
    done = client.post("/api/session", json={"username": "mo", "password": password_of("mo")})
    assert done.status_code == 200
    assert done.json()["role"] == "team_manager" and done.json()["teams"] == ["T1"]
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_wrong_password_or_user_is_401(app):
    """A wrong password and an unknown user both get 401 and no cookie."""
    client = TestClient(app)
    for body in ({"username": "mo", "password": "wrong"}, {"username": "nobody", "password": "x"}):
        done = client.post("/api/session", json=body)
        assert done.status_code == 401 and "set-cookie" not in done.headers


def test_without_a_session_every_route_is_401(app):
    """No cookie: the team routes answer 401, not data."""
    client = TestClient(app)
    assert client.get("/api/caseloads?team_id=T1").status_code == 401
    assert client.get("/api/history?team_id=T1").status_code == 401
    assert client.post("/api/proposals", json={"team_ids": ["T1"]}).status_code == 401


def test_signing_out_ends_the_session_on_the_server(client_of):
    """After DELETE /api/session the old cookie no longer works."""
    mo = client_of("mo")
    cookie = mo.cookies.get("caseload_session")
    assert mo.delete("/api/session").status_code == 204
    replay = TestClient(mo.app, cookies={"caseload_session": cookie})
    assert replay.get("/api/caseloads?team_id=T1").status_code == 401


def test_a_session_idle_past_its_limit_expires(app, client_of):
    """A session whose idle limit has passed answers 401."""
    mo = client_of("mo")
    assert mo.get("/api/me").status_code == 200
    with app.state.session_factory() as db, db.begin():
        db.execute(update(UserSession).values(expires_at=now() - timedelta(seconds=1)))
    assert mo.get("/api/me").status_code == 401


def test_a_session_ends_after_its_longest_life_even_when_used(app, client_of):
    """A session older than session_hours answers 401 however recently it was used."""
    mo = client_of("mo")
    with app.state.session_factory() as db, db.begin():
        db.execute(update(UserSession).values(created_at=now() - timedelta(hours=11)))
    assert mo.get("/api/me").status_code == 401
