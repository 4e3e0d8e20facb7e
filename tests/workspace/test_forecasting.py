"""Tests for workspace/forecasting.py: forecasts asked for from the browser, checked at once
(problems by field, file, row and column, nothing queued), then run by a solver process and
written into the plans folder's forecasts/."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.workspace.conftest import signed_in
from tests.workspace.test_planning import PLAN
from workspace import create_app, run_pending
from workspace.forecasting import form_request

RATES = "team_id,category,arrivals_per_week,closures_per_week\nT1,cin,6,0.01\n"
"""Six referrals a week into T1 and almost no closures: T1's load can only grow."""


@pytest.fixture
def forecasting(settings, tmp_path):
    """``(client_of, solve, plans)``: a workspace with a plans folder."""
    plans = tmp_path / "plans"
    plans.mkdir()
    app = create_app(settings.model_copy(update={"plans_dir": plans}))
    clients: dict[str, TestClient] = {}

    def client_of(user: str) -> TestClient:
        if user not in clients:
            clients[user] = signed_in(app, user)
        return clients[user]

    def solve() -> int:
        return run_pending(app.state.session_factory, default_work_limit=2)

    yield client_of, solve, plans
    app.state.engine.dispose()


def start(client: TestClient, files: dict | None = None, **fields: str):
    """Ask for a tiny forecast (2 weeks, 2 runs) on the workspace's data."""
    data = {"base": "workspace", "weeks": "2", "runs": "2", **fields}
    return client.post("/api/forecast-runs", data=data, files=files or {})


def authority(bands: list[dict], measure: str, week: int) -> dict:
    return next(
        b
        for b in bands
        if b["level"] == "authority" and b["measure"] == measure and b["week"] == week
    )


def test_a_forecast_with_a_rates_file_runs_and_is_listed(forecasting):
    """Given arrivals into T1, T1's children grow; the folder is listed with its bands."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    started = start(pat, {"rates": ("rates.csv", RATES.encode())}, name="more-referrals")
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert pat.get(f"/api/forecast-runs/{run_id}").json()["status"] == "queued"
    assert solve() == 1
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "done", run
    assert run["progress"] == 1.0 and run["rates_file"] == "rates.csv"
    assert {b["measure"] for b in run["headline"]} >= {"children_per_fte", "children_waiting"}
    folder = plans / "forecasts" / "more-referrals"
    assert (folder / "bands.csv").is_file() and (folder / "fan.svg").is_file()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["settings"]["runs"] == 2 and summary["settings"]["as_of"] == "2026-11-23"
    assert summary["inputs"]["rates"] == "given: rates.csv"
    assert summary["inputs"]["data"].endswith(f"(snapshot {run['snapshot_id']}, every team)")
    [listed] = pat.get("/api/forecasts").json()
    assert listed["name"] == "more-referrals" and listed["weeks"] == 2 and listed["runs"] == 2
    assert listed["rates"] == "rates file rates.csv"
    read = pat.get("/api/forecasts/more-referrals", params={"scope": "team:T1"}).json()
    t1 = {(b["week"], b["measure"]): b for b in read["bands"]}
    assert {b["scope"] for b in read["bands"]} == {"T1"}

    def load(week: int) -> float:  # T1's children held (per FTE) and waiting
        return t1[(week, "children_per_fte")]["median"] + t1[(week, "children_waiting")]["median"]

    assert load(2) > load(0)
    t2 = pat.get("/api/forecasts/more-referrals", params={"scope": "team:T2"}).json()["bands"]
    medians = {b["median"] for b in t2 if b["measure"] == "children_per_fte"}
    assert len(medians) == 1  # T2 has no rate in the file: no arrivals, no closures
    chart = pat.get("/api/forecasts/more-referrals/fan.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    report = pat.get("/api/forecasts/more-referrals/report")
    assert report.status_code == 200 and "Forecast" in report.text


def test_every_problem_is_422_by_field_file_row_and_column_and_nothing_is_queued(forecasting):
    """Bad numbers and a bad rates file are listed together; nothing is queued or written."""
    client_of, _, plans = forecasting
    pat = client_of("pat")
    rates = "team_id,category,arrivals_per_week\nT9,cin,2\nT1,cin,-1\n"
    answer = start(pat, {"rates": ("my-rates.csv", rates.encode())}, weeks="0", runs="lots")
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    fields = {p["field"]: p for p in problems if p["file"] is None}
    assert fields["weeks"]["message"] == "weeks 0: from 1 to 156"
    assert fields["runs"]["message"] == "runs 'lots': a whole number of runs"
    files = [(p["file"], p["row"], p["column"]) for p in problems if p["file"]]
    assert files == [
        ("my-rates.csv", 2, "team_id"),
        ("my-rates.csv", 3, "arrivals_per_week"),
    ]
    assert problems[-2]["message"] == "unknown team 'T9'"
    assert pat.get("/api/forecast-runs").json() == []
    assert list(plans.iterdir()) == []


def test_a_plans_variant_applies_from_a_week(forecasting):
    """A post added to T1 from week 1 lowers T1's children per FTE from that week on."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    plan = {"plan": ("caps.toml", PLAN.encode())}
    base = start(pat, name="as-now", seed="3").json()["run_id"]
    post = start(pat, plan, name="a-post", seed="3", variant="a post in T1", from_week="1")
    assert post.status_code == 202, post.text
    assert solve() == 2
    for run_id in (base, post.json()["run_id"]):
        assert pat.get(f"/api/forecast-runs/{run_id}").json()["status"] == "done"
    summary = json.loads((plans / "forecasts" / "a-post" / "summary.json").read_text())
    assert summary["plan"]["variant"] == "a post in T1" and summary["plan"]["from_week"] == 1
    now, later = (
        {
            (b["week"], b["measure"]): b["median"]
            for b in pat.get(f"/api/forecasts/{n}", params={"scope": "team:T1"}).json()["bands"]
        }
        for n in ("as-now", "a-post")
    )
    assert later[(0, "children_per_fte")] == now[(0, "children_per_fte")]
    assert later[(1, "children_per_fte")] < now[(1, "children_per_fte")]


def test_a_plans_problems_are_named_by_file_variant_and_change(forecasting):
    """An unknown variant is refused at once; a team the data lacks fails the run unwritten."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    plan = {"plan": ("caps.toml", PLAN.encode())}
    answer = start(pat, plan, variant="a post in T2")
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "variant" and problem["file"] == "caps.toml"
    assert "did you mean 'a post in T1'" in problem["message"]
    bad = {"plan": ("caps.toml", PLAN.replace('team = "T1"', 'team = "T9"').encode())}
    run_id = start(pat, bad, variant="a post in T1").json()["run_id"]
    solve()
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "failed" and "nothing was written" in run["error"]
    [problem] = run["problems"]
    assert (problem["file"], problem["variant"], problem["change"]) == (
        "caps.toml",
        "a post in T1",
        "1 (add_workers)",
    )
    assert "unknown team 'T9'" in problem["message"]
    assert not (plans / "forecasts").exists() or list((plans / "forecasts").iterdir()) == []


def test_only_planners_and_admins_run_forecasts_and_heads_of_service_read(forecasting):
    """Managers, workers and heads of service get 403 running one; workers read nothing."""
    client_of, _, _ = forecasting
    for user in ("mo", "wanda", "hos"):
        assert start(client_of(user)).status_code == 403
    for route in ("/api/forecast-runs", "/api/forecasts"):
        assert client_of("hos").get(route).status_code == 200
        assert client_of("wanda").get(route).status_code == 403
        assert client_of("mo").get(route).status_code == 403
    assert start(client_of("admin")).status_code == 202
    log = client_of("admin").get("/api/access-log?team_id=T1").json()
    seen = {(r["username"], r["action"], r["route"], r["status_code"]) for r in log}
    assert ("admin", "change", "POST /api/forecast-runs", 202) in seen


def test_names_default_to_the_settings_and_are_replaced_only_when_asked(forecasting):
    """Unnamed forecasts are numbered; a name in use is 409 unless it asks to replace it."""
    client_of, solve, _ = forecasting
    pat = client_of("pat")
    assert start(pat).json()["name"] == "2-weeks-2-runs"
    assert start(pat).json()["name"] == "2-weeks-2-runs-2"  # the first is still queued
    solve()
    assert start(pat, name="2-weeks-2-runs").status_code == 409
    assert start(pat, name="2-weeks-2-runs", replace="true").status_code == 202


def test_without_a_plans_folder_or_data_a_forecast_is_409(settings, client_of):
    """A workspace started without --plans says how to start it with one."""
    answer = start(client_of("pat"))
    assert answer.status_code == 409 and "--plans" in answer.json()["detail"]


def test_an_empty_number_takes_the_planners_default():
    """Empty fields are ForecastSettings' defaults; the week a change applies from is 0."""
    asked = form_request(
        base="example",
        service=None,
        name=" ",
        numbers={"weeks": "", "runs": None, "from_week": ""},
        rates=None,
        plan=None,
        variant="",
        replace=False,
    )
    assert (asked.weeks, asked.runs, asked.seed, asked.work_limit) == (26, 200, 0, 1.0)
    assert asked.mode == "greedy"
    assert asked.from_week == 0 and asked.name is None and asked.problems == ()


def test_a_forecast_whose_solver_died_is_queued_again_and_run(forecasting):
    """A run left 'solving' by a dead process goes back to the queue, then runs to the end."""
    import subprocess

    from sqlalchemy import update

    from workspace.solving import requeue_orphans
    from workspace.tables import ForecastRunJob

    client_of, solve, plans = forecasting
    pat = client_of("pat")
    run_id = start(pat, name="orphan").json()["run_id"]
    dead = subprocess.Popen(["true"])
    dead.wait()
    factory = pat.app.state.session_factory
    with factory() as db, db.begin():
        db.execute(
            update(ForecastRunJob)
            .where(ForecastRunJob.id == run_id)
            .values(status="solving", solver_pid=dead.pid)
        )
    assert requeue_orphans(factory) == 1
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "queued" and run["stage"] == "queued again: its solver stopped"
    assert solve() == 1
    assert pat.get(f"/api/forecast-runs/{run_id}").json()["status"] == "done"
    assert (plans / "forecasts" / "orphan" / "bands.csv").is_file()


def test_the_cp_sat_mode_takes_a_work_limit_and_the_greedy_mode_refuses_one(forecasting):
    """A work limit with the greedy mode is a problem of its field; cp-sat runs under it."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    answer = start(pat, work_limit="2")
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "work_limit" and "cp-sat" in problem["message"]
    assert start(pat, mode="fast").json()["detail"][0]["field"] == "mode"
    run_id = start(pat, mode="cp-sat", work_limit="2", name="searched").json()["run_id"]
    solve()
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "done" and run["settings"]["mode"] == "cp-sat"
    summary = json.loads((plans / "forecasts" / "searched" / "summary.json").read_text())
    assert summary["settings"]["mode"] == "cp-sat" and summary["settings"]["work_limit"] == 2
    assert summary["fast_mode"].startswith("fast mode (cp-sat)")


def test_every_variant_of_a_plan_is_forecast_together_to_compare(forecasting):
    """The teams as they are and each variant, same settings, queued at once and compared."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    plan = {"plan": ("caps.toml", PLAN.encode())}
    answer = start(pat, plan, every_variant="true", from_week="1", name="caps")
    assert answer.status_code == 202, answer.text
    names = [r["name"] for r in answer.json()["runs"]]
    assert names == ["caps-as-now", "caps-a-post-in-T1", "caps-cap-of-20"]
    assert start(pat, plan, every_variant="true", name="caps").status_code == 409
    assert solve() == 3
    runs = {r["name"]: r for r in pat.get("/api/forecast-runs").json()}
    assert runs["caps-as-now"]["plan_file"] is None and runs["caps-as-now"]["from_week"] == 0
    assert runs["caps-cap-of-20"]["variant"] == "cap of 20"
    assert all(r["settings"]["seed"] == 0 and r["status"] == "done" for r in runs.values())
    compared = pat.get("/api/forecast-comparison", params={"name": names, "scope": "team:T1"})
    week1 = {
        r["forecast"]: r["median"]
        for r in compared.json()["rows"]
        if r["week"] == 1 and r["measure"] == "children_per_fte"
    }
    assert week1["caps-a-post-in-T1"] < week1["caps-as-now"]
    page = pat.get(
        "/forecasts", params={"queued": ",".join(str(r["run_id"]) for r in runs.values())}
    )
    assert "Compare them" in page.text
    without = start(pat, every_variant="true")
    assert without.json()["detail"][0]["message"] == "choose a plan whose variants to forecast"
    assert len(list((plans / "forecasts").iterdir())) == 3


def test_a_queued_forecast_is_cancelled_at_once_and_only_by_a_planner(forecasting):
    """A queued run cancelled ends at once; again is 409; a manager or head of service: 403."""
    client_of, solve, plans = forecasting
    pat = client_of("pat")
    run_id = start(pat, name="not-wanted").json()["run_id"]
    assert client_of("mo").post(f"/api/forecast-runs/{run_id}/cancel").status_code == 403
    assert client_of("hos").post(f"/api/forecast-runs/{run_id}/cancel").status_code == 403
    cancelled = pat.post(f"/api/forecast-runs/{run_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert "By pat, before it started" in cancelled.json()["error"]
    assert pat.post(f"/api/forecast-runs/{run_id}/cancel").status_code == 409
    assert pat.post("/api/forecast-runs/99999/cancel").status_code == 404
    assert solve() == 0
    assert not (plans / "forecasts" / "not-wanted").exists()
    again = start(pat, name="not-wanted")  # the name is free again
    assert again.status_code == 202, again.text


def test_a_running_forecast_stops_at_its_next_step_and_writes_nothing(forecasting):
    """Cancelled while solving: 'cancelling', then 'cancelled' at its next progress step."""
    from workspace.forecasting import claim_forecast_run, run_forecast_job

    client_of, _, plans = forecasting
    pat = client_of("pat")
    run_id = start(pat, name="stopped", runs="4").json()["run_id"]
    factory = pat.app.state.session_factory
    assert claim_forecast_run(factory) == run_id
    asked = pat.post(f"/api/forecast-runs/{run_id}/cancel").json()
    assert asked["status"] == "cancelling"
    run_forecast_job(factory, run_id)
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "cancelled" and run["finished_at"] is not None, run
    assert not (plans / "forecasts" / "stopped").exists()


def test_variants_forecast_together_are_compared_when_one_did_not_finish(forecasting):
    """One of three cancelled: the page offers to compare the two that finished, and says so."""
    client_of, solve, _ = forecasting
    pat = client_of("pat")
    plan = {"plan": ("caps.toml", PLAN.encode())}
    runs = start(pat, plan, every_variant="true", name="some").json()["runs"]
    assert pat.post(f"/api/forecast-runs/{runs[1]['run_id']}/cancel").status_code == 200
    assert solve() == 2
    page = pat.get("/forecasts", params={"queued": ",".join(str(r["run_id"]) for r in runs)})
    assert "Compare the first 2 that finished" in page.text
    assert "(1 did not finish: see its run page)" in page.text


def test_a_forecast_whose_solver_is_stopping_goes_back_in_the_queue(forecasting):
    """SIGTERM to a solver: its run stops at the next step and waits for the next start."""
    from workspace.forecasting import claim_forecast_run, run_forecast_job
    from workspace.jobs import STOPPING

    client_of, solve, plans = forecasting
    pat = client_of("pat")
    run_id = start(pat, name="again", runs="4").json()["run_id"]
    factory = pat.app.state.session_factory
    assert claim_forecast_run(factory) == run_id
    STOPPING.set()
    try:
        run_forecast_job(factory, run_id)
    finally:
        STOPPING.clear()
    run = pat.get(f"/api/forecast-runs/{run_id}").json()
    assert run["status"] == "queued" and "the workspace stopped" in run["stage"], run
    assert not (plans / "forecasts" / "again").exists()
    assert solve() == 1
    assert pat.get(f"/api/forecast-runs/{run_id}").json()["status"] == "done"


def test_an_overlong_field_gets_the_documented_problem_shape(forecasting):
    """The framework's own 422 (a 300-character name) lists problems as the docs say."""
    client_of, _, _ = forecasting
    answer = start(client_of("pat"), name="n" * 300)
    assert answer.status_code == 422
    (problem,) = answer.json()["detail"]
    assert problem["field"] == "name" and problem["message"].startswith("name: ")
    assert {"file", "row", "column", "variant", "change"} <= set(problem)
