"""Tests for workspace/planning.py: plan runs from the browser, queued and run by a solver
process on the workspace's data or the example authority; problems named, nothing written."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support import WORKSPACE_POLICY, workspace_csv, workspace_upload
from tests.workspace.conftest import signed_in
from workspace import create_app, run_pending

PLAN = """\
name = "Caps and posts"
base = "data/"
as_of = "2026-11-23"

[[variant]]
name = "a post in T1"
changes = [ { kind = "add_workers", team = "T1", count = 1 } ]

[[variant]]
name = "cap of 20"
changes = [ { kind = "policy", set = { "services.cin.max_children_per_fte" = 20 } } ]
"""
"""A plan for the test workspace's two CiN teams (22 children held by W1, five waiting)."""


@pytest.fixture
def planning(settings, tmp_path):
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


def start(client: TestClient, text: str = PLAN, file: str = "caps.toml", **fields: str):
    files = {"plan": (file, text.encode())}
    return client.post("/api/plan-runs", files=files, data={"work_limit": "2", **fields})


def test_a_plan_on_the_workspaces_data_is_run_and_listed(planning):
    """An uploaded plan runs on the current data under its policy; the folder is then listed."""
    client_of, solve, plans = planning
    pat = client_of("pat")
    started = start(pat, base="workspace")
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert pat.get(f"/api/plan-runs/{run_id}").json()["status"] == "queued"
    assert solve() == 1
    run = pat.get(f"/api/plan-runs/{run_id}").json()
    assert run["status"] == "done", run
    rows = {r["variant"]: r for r in run["comparison"]}
    assert list(rows) == ["base", "a post in T1", "cap of 20"]
    # The workspace's 27 children, all placed under its own cap of 24 (W1 takes N1 to 23)...
    assert rows["base"]["children"] == 27 and rows["base"]["children_unallocated"] == 0
    # ...while a cap of 20 leaves W1 above it, N1 waiting and a post needed.
    assert rows["cap of 20"]["workers_above_cap"] == 1
    assert rows["cap of 20"]["children_unallocated"] == 1
    assert rows["cap of 20"]["fte_needed"] >= 1
    assert (plans / "caps" / "comparison.csv").is_file()
    assert {"name": "caps", "variants": 3} in pat.get("/api/plans").json()
    assert pat.get("/api/plans/caps").json()["comparison"][2]["variant"] == "cap of 20"
    chart = pat.get("/api/plans/caps/comparison.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"


def test_a_plans_format_problems_are_422_by_file_variant_and_change(planning):
    """Every format problem is listed with the plan file, variant and change; nothing queued."""
    client_of, _, plans = planning
    bad = PLAN.replace("count = 1", "count = 0").replace('as_of = "2026-11-23"\n', "")
    answer = start(client_of("pat"), bad, base="workspace")
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    assert {
        "file": "caps.toml",
        "variant": None,
        "change": None,
        "message": "as_of: Field required",
    } in problems
    post = next(p for p in problems if p["variant"] == "a post in T1")
    assert post["file"] == "caps.toml" and post["change"] == "1 (add_workers)"
    assert "count" in post["message"]
    assert client_of("pat").get("/api/plan-runs").json() == []
    assert list(plans.iterdir()) == []


def test_a_change_the_data_refuses_fails_the_run_and_writes_nothing(planning):
    """An unknown team fails the run with its problem named; no plan folder is written."""
    client_of, solve, plans = planning
    pat = client_of("pat")
    run_id = start(pat, PLAN.replace('team = "T1"', 'team = "T9"'), base="workspace").json()[
        "run_id"
    ]
    solve()
    run = pat.get(f"/api/plan-runs/{run_id}").json()
    assert run["status"] == "failed" and "nothing was written" in run["error"]
    [problem] = run["problems"]
    assert problem["file"] == "caps.toml" and problem["variant"] == "a post in T1"
    assert problem["change"] == "1 (add_workers)" and "unknown team 'T9'" in problem["message"]
    assert list(plans.iterdir()) == []


def test_a_plan_on_the_example_authority_reads_the_examples_data(planning):
    """A plan on the example authority's Barnet-shaped data is checked against that data."""
    client_of, solve, plans = planning
    pat = client_of("pat")
    text = PLAN.replace('base = "data/"', 'base = "data-barnet/"\npolicy = "barnet"')
    run_id = start(pat, text.replace('team = "T1"', 'team = "T99"'), base="example").json()[
        "run_id"
    ]
    solve()
    run = pat.get(f"/api/plan-runs/{run_id}").json()
    assert run["status"] == "failed"
    # The example authority has teams T01..T27: the suggestion comes from its data.
    assert "unknown team 'T99'; did you mean" in run["problems"][0]["message"]
    assert list(plans.iterdir()) == []


def test_the_example_authority_needs_one_of_its_folders_as_base(planning):
    """A plan on the example authority whose base is another path is refused at once."""
    client_of, _, _ = planning
    answer = start(client_of("pat"), PLAN.replace('"data/"', '"/srv/children/"'), base="example")
    assert answer.status_code == 422
    assert "'/srv/children/' is not a folder of the example authority" in answer.text


def test_a_policy_file_named_in_a_plan_is_refused(planning):
    """The workspace reads no policy file a plan names, at the top or in a change."""
    client_of, _, _ = planning
    text = PLAN.replace("as_of =", 'policy = "../../policy.toml"\nas_of =')
    text = text.replace('set = { "services.cin.max_children_per_fte" = 20 }', 'file = "p.toml"')
    problems = start(client_of("pat"), text, base="workspace").json()["detail"]
    assert [p["variant"] for p in problems] == [None, "cap of 20"]
    assert all("reads no policy file" in p["message"] for p in problems)


def test_only_planners_and_admins_run_plans(planning):
    """Managers, workers and heads of service get 403; heads of service still read runs."""
    client_of, _, _ = planning
    for user in ("mo", "wanda", "hos"):
        assert start(client_of(user), base="workspace").status_code == 403
    assert client_of("hos").get("/api/plan-runs").status_code == 200
    assert client_of("wanda").get("/api/plan-runs").status_code == 403
    assert start(client_of("admin"), base="workspace").status_code == 202


def test_a_plan_folder_is_replaced_only_when_asked(planning):
    """A second run to a folder name in use is 409 unless it asks to replace it."""
    client_of, solve, _ = planning
    pat = client_of("pat")
    assert start(pat, base="workspace").status_code == 202
    assert start(pat, base="workspace").status_code == 409  # the first is still queued
    solve()
    assert start(pat, base="workspace").status_code == 409
    assert start(pat, base="workspace", replace="true").status_code == 202
    assert start(pat, base="workspace", name="caps-2").status_code == 202


def test_a_service_restricts_the_data_to_its_teams(planning):
    """A run on one service reads only its teams' children; an unknown service is 404."""
    client_of, solve, _ = planning
    csv = workspace_csv()
    csv["teams"] = csv["teams"].replace("T2,cin", "T2,cla")
    for k in ("K1", "K2", "K3", "K4"):
        csv["children"] = csv["children"].replace(f"{k},T2,cin", f"{k},T2,cla")
    policy = WORKSPACE_POLICY + "[services.cla]\nmax_children_per_fte = 15\n"
    imported = client_of("admin").post(
        "/api/snapshots", files=workspace_upload(csv, policy), data={"as_of": "2026-11-23"}
    )
    assert imported.status_code == 201, imported.text
    pat = client_of("pat")
    assert start(pat, base="workspace", service="fostering").status_code == 404
    text = PLAN.replace("T1", "T2").replace("services.cin", "services.cla")
    run_id = start(pat, text, base="workspace", service="cla").json()["run_id"]
    solve()
    rows = pat.get(f"/api/plan-runs/{run_id}").json()["comparison"]
    assert [r["children"] for r in rows] == [4, 4, 4]  # T2's four, not T1's 23
    assert rows[0]["case_holding_fte"] == 1.5


def test_without_a_plans_folder_runs_are_409(settings, client_of):
    """A workspace started without --plans says how to start it with one."""
    answer = start(client_of("pat"), base="workspace")
    assert answer.status_code == 409 and "--plans" in answer.json()["detail"]


def test_the_example_plans_are_listed_and_downloadable(planning):
    """The planner's example plans are listed with their variants and given as TOML."""
    client_of, _, _ = planning
    pat = client_of("pat")
    examples = {e["file"]: e for e in pat.get("/api/plan-examples").json()}
    assert examples["merton-caps-on-barnet.toml"]["variants"] == [
        "Merton caps",
        "Merton caps, 2 more posts in T07",
    ]
    text = pat.get("/api/plan-examples/merton-caps-on-barnet.toml")
    assert text.status_code == 200 and 'base = "data-barnet/"' in text.text
    assert pat.get("/api/plan-examples/nothing.toml").status_code == 404


KILLED_PLAN_RUN = """
import sys, time
import workspace.planning as planning
from workspace.core.db import make_engine, session_factory

def stall(*args, **kwargs):
    open(sys.argv[2], "w").close()
    time.sleep(60)

planning.run_plan = stall
factory = session_factory(make_engine(sys.argv[1]))
planning.run_plan_job(factory, planning.claim_plan_run(factory))
"""


def test_a_plan_run_whose_solver_died_is_run_by_the_next(planning, settings, tmp_path):
    """A solver killed mid-run leaves no plan folder, and the next solver runs the plan."""
    from tests.support import killed_midway
    from workspace.solving import requeue_orphans

    client_of, solve, plans = planning
    pat = client_of("pat")
    run_id = start(pat, base="workspace").json()["run_id"]
    killed_midway(KILLED_PLAN_RUN, settings.sqlalchemy_url, tmp_path / "inside")
    assert pat.get(f"/api/plan-runs/{run_id}").json()["status"] == "solving"
    assert list(plans.iterdir()) == []
    left = list(Path(tempfile.gettempdir()).glob(f"caseload-plan-run-*-{run_id}-*"))
    assert [p for p in left if list(p.rglob("children.csv"))], "the killed run left no data"
    factory = pat.app.state.session_factory
    assert requeue_orphans(factory) == 1
    assert solve() == 1
    assert pat.get(f"/api/plan-runs/{run_id}").json()["status"] == "done"
    assert [p.name for p in plans.iterdir()] == ["caps"]
    assert not [p for p in left if p.exists()], "the children's data the killed run left"


def test_a_plan_is_an_example_or_a_file_not_both(planning):
    """An example with a file beside it, or neither, is refused with what to do."""
    client_of, _, _ = planning
    pat = client_of("pat")
    both = start(pat, example="merton-caps-on-barnet.toml")
    assert both.status_code == 422 and "choose one of them" in both.json()["detail"]
    neither = pat.post("/api/plan-runs", data={"base": "workspace"})
    assert neither.status_code == 422 and "upload a plan file" in neither.json()["detail"]


def test_a_plan_run_is_cancelled_queued_or_running_and_writes_nothing(planning):
    """Queued: cancelled at once; running: stops after the variant in hand; no folder."""
    from workspace.planning import claim_plan_run, run_plan_job

    client_of, solve, plans = planning
    pat = client_of("pat")
    first = start(pat, base="workspace").json()["run_id"]
    assert client_of("mo").post(f"/api/plan-runs/{first}/cancel").status_code == 403
    assert pat.post(f"/api/plan-runs/{first}/cancel").json()["status"] == "cancelled"
    assert solve() == 0
    second = start(pat, base="workspace").json()["run_id"]
    factory = pat.app.state.session_factory
    assert claim_plan_run(factory) == second
    assert pat.post(f"/api/plan-runs/{second}/cancel").json()["status"] == "cancelling"
    run_plan_job(factory, second)
    assert pat.get(f"/api/plan-runs/{second}").json()["status"] == "cancelled"
    assert list(plans.iterdir()) == []
