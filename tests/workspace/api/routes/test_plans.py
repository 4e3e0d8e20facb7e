"""Tests for workspace/api/routes/plans.py: planners read plans' output folders."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.reports.test_plan import write_plan
from tests.workspace.conftest import signed_in
from workspace import create_app


@pytest.fixture
def planner(settings, tmp_path):
    """A planner's client of a workspace whose plans folder holds one plan, 'staffing'."""
    plans = tmp_path / "plans"
    write_plan(plans / "staffing")
    (plans / "not-a-plan").mkdir()
    app = create_app(settings.model_copy(update={"plans_dir": plans}))
    yield lambda user="pat": signed_in(app, user)
    app.state.engine.dispose()


def test_a_planner_lists_and_reads_plans(planner):
    """The plan folder is listed (the other folder is not) and its comparison rows read."""
    pat = planner()
    assert pat.get("/api/plans").json() == [{"name": "staffing", "variants": 3}]
    rows = pat.get("/api/plans/staffing").json()["comparison"]
    assert rows[0]["variant"] == "base" and len(rows) == 3
    assert pat.get("/api/plans/nowhere").status_code == 404


def test_the_plan_report_is_the_reports_page(planner):
    """The report of a plan is the reports package's HTML page."""
    page = planner().get("/api/plans/staffing/report")
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")


def test_managers_and_workers_do_not_read_plans(planner):
    """A team manager and a worker get 403 on the plans."""
    assert planner("mo").get("/api/plans").status_code == 403
    assert planner("wanda").get("/api/plans").status_code == 403


def test_without_a_session_plans_are_401(settings):
    """No session, no plans."""
    app = create_app(settings)
    assert TestClient(app).get("/api/plans").status_code == 401
    app.state.engine.dispose()


def test_a_half_written_plan_folder_is_not_listed(settings, tmp_path):
    """The temporary folder of a plan being written (a dot name) is not a plan to read."""
    plans = tmp_path / "plans"
    write_plan(plans / ".staffing.tmp-1234")
    app = create_app(settings.model_copy(update={"plans_dir": plans}))
    assert signed_in(app, "pat").get("/api/plans").json() == []
    app.state.engine.dispose()
