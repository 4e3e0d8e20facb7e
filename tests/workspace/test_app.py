"""Tests for workspace/app.py: no child's data in the server's log, headers, CSRF on forms."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from tests.support import password_of


def test_the_servers_log_holds_routes_never_childrens_data(app, client_of, solve, caplog):
    """A whole allocation logs route templates only: no child id, worker name or reason."""
    caplog.set_level(logging.DEBUG)
    mo, hos = client_of("mo"), client_of("hos")
    mo.get("/api/caseloads?team_id=T1")
    proposal_id = mo.post("/api/proposals", json={"team_ids": ["T1"]}).json()["proposal_id"]
    solve()
    body = mo.get(f"/api/proposals/{proposal_id}").json()
    decision = {"child_id": "N1", "reason": "Secret reason text", "review_date": "2099-01-01"}
    hos.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": [decision]})
    mo.get(f"/proposals/{proposal_id}/why/N1")
    mo.get("/api/exports/caseloads.csv?team_id=T1")
    # Everything logged but the test client's own lines (httpx prints the URLs it asks for).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "GET /api/proposals/{proposal_id} 200" in text
    assert "/proposals/{proposal_id}/why/{child_id}" in text
    for secret in ("N1", "H00", "Wanda", "Secret reason", body["allocations"][0]["reason"][:30]):
        assert secret not in text, secret


def test_pages_and_api_answers_carry_security_headers(client_of):
    """No framing, no sniffing, a content security policy, nothing cached."""
    answer = client_of("mo").get("/teams/T1")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


def test_a_form_without_its_csrf_token_changes_nothing(client_of):
    """Starting an allocation from a page without the session's token is 403."""
    mo = client_of("mo")
    refused = mo.post("/allocate", data={"team_ids": "T1"}, follow_redirects=False)
    assert refused.status_code == 403
    assert mo.get("/api/caseloads?team_id=T1").json()["version"] == 1


def test_signing_in_through_the_page_needs_the_forms_token(app):
    """The sign-in form's double-submit token is checked; with it, the user is signed in."""
    browser = TestClient(app)
    form = browser.get("/signin").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    wrong = browser.post(
        "/signin", data={"username": "mo", "password": password_of("mo"), "csrf_token": "x"}
    )
    assert wrong.status_code == 403
    token = wrong.text.split('name="csrf_token" value="')[1].split('"')[0]  # a fresh form
    done = browser.post(
        "/signin",
        data={
            "username": "mo",
            "password": password_of("mo"),
            "csrf_token": token,
            "next": "/teams",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/teams"
    assert browser.get("/teams").status_code == 200


def test_a_page_without_a_session_sends_to_sign_in(app):
    """Pages redirect to the sign-in page; the API answers 401."""
    anonymous = TestClient(app)
    answer = anonymous.get("/teams/T1", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


def test_an_offsite_next_is_not_followed(app):
    """After sign-in, a 'next' pointing off the site goes to the start page instead."""
    browser = TestClient(app)
    token = browser.get("/signin").text.split('name="csrf_token" value="')[1].split('"')[0]
    done = browser.post(
        "/signin",
        data={
            "username": "mo",
            "password": password_of("mo"),
            "csrf_token": token,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/"
