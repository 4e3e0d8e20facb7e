"""Tests for workspace/web/routes/forecasts.py: the forecast pages through the test client
(the browser's own run is in tests/workspace/web/test_pages.py)."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def client_of(forecasts_client_of):
    """Clients of a workspace whose plans folder holds the forecasts ``calm`` and ``busy``."""
    return forecasts_client_of


def form_token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_bad_numbers_are_shown_next_to_their_fields(client_of):
    """Each bad number is said beside its field (aria-describedby) and in the summary."""
    pat = client_of("pat")
    token = form_token(pat.get("/forecasts").text)
    answer = pat.post(
        "/forecasts/run",
        data={"csrf_token": token, "on": "workspace", "weeks": "999", "runs": "x", "seed": "-1"},
    )
    assert answer.status_code == 422
    page = answer.text
    assert re.search(r'id="f-weeks"[^>]*aria-invalid="true" aria-describedby="e-weeks"', page)
    assert 'id="e-runs"><span class="visually-hidden">Error:</span> runs &#39;x&#39;' in page
    assert '<a href="#f-seed">seed -1: from 0 to' in page
    assert 'value="999"' in page  # what was typed stays in the form


def test_choosing_to_upload_a_plan_without_a_file_is_said_at_the_plan_field(client_of):
    """'Your plan file' chosen with no file is a problem of the plan field, not ignored."""
    pat = client_of("pat")
    token = form_token(pat.get("/forecasts").text)
    answer = pat.post(
        "/forecasts/run",
        data={"csrf_token": token, "on": "example", "plan_source": "upload", "variant": "x"},
    )
    assert answer.status_code == 422
    assert '<a href="#f-plan">choose your plan file to upload' in answer.text


def test_heads_of_service_see_no_run_form_and_cannot_post_one(client_of):
    """A head of service reads the list without the form; posting one is 403."""
    hos = client_of("hos")
    page = hos.get("/forecasts").text
    assert "Run the forecast" not in page and "busy" in page
    answer = hos.post("/forecasts/run", data={"csrf_token": form_token(page), "on": "example"})
    assert answer.status_code == 403


def test_the_compare_page_shows_each_forecasts_band_at_each_week(client_of):
    """A table per measure, a column per forecast; one forecast alone is refused."""
    pat = client_of("pat")
    page = pat.get("/forecasts/compare?name=calm&name=busy&weeks=0,2").text
    assert "Children waiting for a worker for the authority" in page
    assert re.search(r'<th scope="row" class="num">0</th><td class="num">0.0 \(0.0 to 0.0\)', page)
    assert "/api/forecast-comparison.svg?name=calm&amp;name=busy&amp;scope=authority%3Aall" in page
    alone = pat.get("/forecasts/compare?name=calm")
    assert alone.status_code == 422 and "choose from 2 to 6 forecasts" in alone.text


@pytest.mark.parametrize("scope", ["authority:all", "team:T1"])
def test_a_forecasts_page_gives_every_week_of_a_scope(client_of, scope):
    """Weeks 0 to 2, each with the four measures' bands; an unknown scope is 404."""
    page = client_of("pat").get("/forecasts/calm", params={"scope": scope}).text
    assert len(re.findall(r'<th scope="row" class="num">\d</th>', page)) == 3
    assert client_of("pat").get("/forecasts/calm?scope=team:T9").status_code == 404


def test_overlong_values_are_said_at_their_fields_not_on_a_bare_page(client_of):
    """25-digit runs and a 150-character name keep the form, each problem at its field."""
    pat = client_of("pat")
    token = form_token(pat.get("/forecasts").text)
    answer = pat.post(
        "/forecasts/run",
        data={"csrf_token": token, "on": "example", "runs": "9" * 25, "name": "n" * 150},
    )
    assert answer.status_code == 422
    assert re.search(r'id="f-runs"[^>]*aria-invalid="true"', answer.text)
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', answer.text)
    assert "body.runs" not in answer.text


def test_a_bad_work_limit_on_the_plan_form_keeps_the_form(client_of):
    """A negative work limit for a plan run is said on the plans page, with the form."""
    pat = client_of("pat")
    token = form_token(pat.get("/plans").text)
    answer = pat.post(
        "/plans/run",
        data={"csrf_token": token, "source": "cin-pressures.toml", "work_limit": "-5"},
    )
    assert answer.status_code == 422
    assert "Work limit: &#39;-5&#39; is not a number above 0" in answer.text
    assert 'name="work_limit"' in answer.text and 'value="-5"' in answer.text


def test_a_run_page_cancels_its_run_with_a_button(client_of):
    """A queued run's page has 'Cancel this run'; pressed, the page says it was cancelled."""
    pat = client_of("pat")
    started = pat.post("/api/forecast-runs", data={"base": "example", "weeks": "1", "runs": "1"})
    run_id = started.json()["run_id"]
    page = pat.get(f"/forecasts/runs/{run_id}").text
    assert "Cancel this run" in page and "Runs done" in page
    answer = pat.post(
        f"/forecasts/runs/{run_id}/cancel",
        data={"csrf_token": form_token(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = pat.get(f"/forecasts/runs/{run_id}").text
    assert "The forecast run was cancelled" in page and "By pat, before it started" in page
    assert "Cancel this run" not in page
