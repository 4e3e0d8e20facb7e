"""Tests for workspace/api/routes/forecasts.py: forecasts in the plans folder read and
compared through the JSON API (bands, charts, report), each route checking the role."""

from __future__ import annotations

import pytest


@pytest.fixture
def client_of(forecasts_client_of):
    """Clients of a workspace whose plans folder holds the forecasts ``calm`` and ``busy``."""
    return forecasts_client_of


def test_forecasts_are_listed_with_the_authoritys_last_week(client_of):
    """Only forecast folders are listed, each with its settings and last week's bands."""
    listed = {f["name"]: f for f in client_of("pat").get("/api/forecasts").json()}
    assert set(listed) == {"busy", "calm"}
    busy, calm = listed["busy"], listed["calm"]
    assert (busy["weeks"], busy["runs"], busy["as_of"]) == (2, 4, "2026-11-23")
    assert [b["week"] for b in busy["last_week"]] == [2, 2, 2, 2]

    def per_fte(f: dict) -> float:
        return next(b["median"] for b in f["last_week"] if b["measure"] == "children_per_fte")

    assert per_fte(calm) == 5.0 and per_fte(busy) > 5.0


def test_a_forecast_gives_its_bands_chart_and_report(client_of):
    """Every band row, its scopes, the reports' fan chart of a scope as SVG and the report."""
    pat = client_of("pat")
    read = pat.get("/api/forecasts/calm").json()
    assert read["scopes"] == ["authority:all", "service:cin", "team:T1"]
    assert len(read["bands"]) == 3 * 3 * 4  # weeks 0-2, three scopes, four measures
    assert read["summary"]["settings"]["seed"] == 0
    chart = pat.get("/api/forecasts/calm/fan.svg", params={"scope": "team:T1"})
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert "Team T1" in chart.text and "Children waiting for a worker" in chart.text
    assert pat.get("/api/forecasts/calm/fan.svg", params={"scope": "team:T9"}).status_code == 404
    report = pat.get("/api/forecasts/calm/report")
    assert report.status_code == 200 and "<svg" in report.text
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert pat.get("/api/forecasts/notes").status_code == 404
    assert pat.get("/api/forecasts/nothing/fan.svg").status_code == 404


def test_forecasts_are_compared_at_chosen_weeks(client_of):
    """Rows per forecast, week and measure; a week past a forecast's end has no figures."""
    pat = client_of("pat")
    answer = pat.get(
        "/api/forecast-comparison", params={"name": ["calm", "busy"], "weeks": "2, 0, 5"}
    )
    assert answer.status_code == 200, answer.text
    compared = answer.json()
    assert compared["weeks"] == [0, 2, 5] and compared["scope"] == "authority:all"
    rows = {(r["forecast"], r["week"], r["measure"]): r for r in compared["rows"]}
    waiting = "children_waiting"
    assert rows[("calm", 0, waiting)]["median"] == rows[("busy", 0, waiting)]["median"] == 0
    assert (
        rows[("busy", 2, "children_per_fte")]["median"]
        > rows[("calm", 2, "children_per_fte")]["median"]
    )
    assert rows[("busy", 5, waiting)]["median"] is None
    default = pat.get("/api/forecast-comparison", params={"name": ["calm", "busy"]}).json()
    assert default["weeks"] == [0, 1, 2]
    chart = pat.get(
        "/api/forecast-comparison.svg", params={"name": ["calm", "busy"], "scope": "team:T1"}
    )
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert "Forecasts compared: team T1" in chart.text


def test_a_comparison_needs_two_known_forecasts_and_good_weeks(client_of):
    """One forecast, a bad week or a scope none has is 422; an unknown forecast 404."""
    pat = client_of("pat")

    def ask(**params):
        return pat.get("/api/forecast-comparison", params=params)

    assert ask(name=["calm"]).status_code == 422
    assert ask(name=["calm", "gone"]).status_code == 404
    assert "whole numbers" in ask(name=["calm", "busy"], weeks="1, two").json()["detail"]
    assert ask(name=["calm", "busy"], scope="team:T7").status_code == 422


def test_every_forecast_route_checks_the_role(client_of):
    """Heads of service read forecasts; managers and workers get 403 on every route."""
    routes = (
        "/api/forecasts",
        "/api/forecasts/calm",
        "/api/forecasts/calm/report",
        "/api/forecasts/calm/fan.svg",
        "/api/forecast-comparison?name=calm&name=busy",
        "/api/forecast-comparison.svg?name=calm&name=busy",
        "/api/forecast-runs",
        "/forecasts",
        "/forecasts/calm",
        "/forecasts/compare?name=calm&name=busy",
    )
    for route in routes:
        assert client_of("hos").get(route).status_code == 200, route
        for user in ("mo", "wanda"):
            assert client_of(user).get(route).status_code == 403, (route, user)
