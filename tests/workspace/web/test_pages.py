"""The pages end to end: `caseload serve` (web server and solver process) driven through
Playwright in the machine's headless Chromium, each page checked with axe-core for WCAG 2.2
AA. Sign-in, import, allocate, adjust, approve (with the head of service's step), history."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from importlib.resources import files

import pytest

from tests.support import ROOT, WORKSPACE_POLICY, chromium, password_of, workspace_csv
from tests.workspace.conftest import SECRET

AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SECRETS = ("Wanda Worker", "Sam Smith", "N1", "K1", "H00", "no one else can")
"""What must never reach the server's log: children's ids, names, reasons."""


@pytest.fixture(scope="module")
def server(template_db, tmp_path_factory):
    """`caseload serve` on a free loopback port, on a copy of the test database; its log."""
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(template_db, folder / "ws.db")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (folder / "server.log").open("w")
    env = {**os.environ, "CASELOAD_SECRET_KEY": SECRET}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "caseload",
            "serve",
            "--database",
            f"sqlite:///{folder / 'ws.db'}",
            "--port",
            str(port),
            "--plans",
            str(folder / "plans"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/signin", timeout=2)
            break
        except OSError:
            assert process.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    yield base, folder
    process.terminate()
    process.wait(30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def open_as(browser, server):
    """``open_as("mo")``: a new browser context signed in through the sign-in page."""
    base, _ = server
    contexts = []

    def sign_in(username: str):
        context = browser.new_context(bypass_csp=True, base_url=base)  # to inject axe-core
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto("/signin")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password_of(username))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/signin" not in page.url
        return page

    yield sign_in
    for context in contexts:
        context.close()


def accessible(page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page, and no script failed."""
    page.wait_for_load_state("load")  # the stylesheet applied: sizes and colours are final
    page.add_script_tag(content=AXE)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    problems = [
        f"{v['id']}: {v['help']} ({[(n['target'], n['failureSummary']) for n in v['nodes']][:3]})"
        for v in found["violations"]
    ]
    assert problems == [], f"{page.url}: {problems}"
    assert page.errors == []


def wait_for_proposal(page) -> None:
    """The progress indicator shows while it solves; the page shows the proposal after."""
    page.wait_for_selector("text=Per child: the worker and the reason", timeout=60_000)


def test_an_admin_imports_with_errors_shown_by_file_row_and_column(open_as, tmp_path):
    """A bad upload lists each problem with file, row and column; a good one is imported."""
    page = open_as("admin")
    page.goto("/import")
    accessible(page)
    csvs = workspace_csv()
    csvs["workers"] = csvs["workers"].replace("W4,T2,social_worker,0.5", "W4,T2,social_worker,7")
    for name, text in csvs.items():
        (tmp_path / f"{name}.csv").write_text(text)
    (tmp_path / "policy.toml").write_text(WORKSPACE_POLICY)
    for name in ("teams", "workers", "children"):
        page.get_by_label(f"{name}.csv", exact=True).set_input_files(tmp_path / f"{name}.csv")
    page.get_by_label("or your council's policy file (policy.toml)").set_input_files(
        tmp_path / "policy.toml"
    )
    page.get_by_role("button", name="Import", exact=True).click()
    problems = page.get_by_role("table", name="Problems, by file, row and column")
    assert problems.locator("tbody tr").count() == 1, problems.inner_text()
    assert problems.locator("tbody tr td").nth(0).inner_text() == "workers.csv"
    assert problems.locator("tbody tr td").nth(1).inner_text() == "6"
    assert problems.locator("tbody tr td").nth(2).inner_text() == "fte"
    accessible(page)
    (tmp_path / "workers.csv").write_text(workspace_csv()["workers"])
    for name in ("teams", "workers", "children"):
        page.get_by_label(f"{name}.csv", exact=True).set_input_files(tmp_path / f"{name}.csv")
    page.get_by_label("or your council's policy file (policy.toml)").set_input_files(
        tmp_path / "policy.toml"
    )
    page.get_by_role("button", name="Import", exact=True).click()
    assert "is now the current state" in page.get_by_role("status").first.inner_text()
    for path in ("/admin", "/teams", "/teams/T1", "/escalations", "/approvals", "/plans"):
        page.goto(path)
        accessible(page)


def test_a_manager_allocates_adjusts_and_approves(open_as):
    """Tess runs T2, pins K1 to W4, sees the cost, approves, and reads notes and history."""
    page = open_as("tess")
    page.goto("/teams/T2")
    accessible(page)
    page.get_by_role("button", name="Run an allocation for 4 waiting children").click()
    wait_for_proposal(page)
    accessible(page)
    page.get_by_label("Child", exact=True).select_option("K1")
    page.get_by_label("Worker", exact=True).select_option("W4")
    page.get_by_label("Reason", exact=True).fill("knows the family")
    page.get_by_role("button", name="Solve again with this change").click()
    wait_for_proposal(page)
    assert "What your changes cost" in page.content()
    row = page.get_by_role("row").filter(has_text="K1").first
    assert "W4" in row.inner_text()
    page.get_by_role("link", name="Why not another worker for K1?").click()
    first = page.get_by_role("table").locator("tbody tr").first.inner_text()
    assert first.startswith("W4") and "chosen" in first
    accessible(page)
    page.go_back()
    page.get_by_role("button", name="Approve this proposal").click()
    page.wait_for_selector("text=Case notes")
    notes = [t.input_value() for t in page.locator("textarea").all()]
    assert len(notes) == 4 and all(n.startswith("Case allocated on") for n in notes)
    accessible(page)
    page.goto("/history?team_id=T2")
    assert (
        page.get_by_role("table", name="Approved batches, newest first").locator("tbody tr").count()
        == 1
    )
    accessible(page)


def test_above_the_threshold_the_head_of_service_approves_second(open_as):
    """Mo's approval of N1 above 22 needs reason and date, then waits for the head of service."""
    page = open_as("mo")
    page.goto("/teams/T1")
    page.get_by_role("button", name="Run an allocation for 1 waiting child").click()
    wait_for_proposal(page)
    page.get_by_role("button", name="Approve this proposal").click()  # the browser asks first
    assert page.get_by_label("Reason for N1").evaluate("e => e.validity.valueMissing")
    page.get_by_label("Reason for N1").fill("no one else can take a child this week")
    review = (date.today() + timedelta(days=28)).isoformat()
    page.get_by_label("Review date for N1").fill(review)
    page.get_by_role("button", name="Approve this proposal").click()
    page.wait_for_load_state()
    assert "Nothing changes until a head of service approves" in page.content()
    accessible(page)
    proposal_url = page.url.split("?")[0]
    hos = open_as("hos")
    hos.goto("/approvals")
    assert "no one else can take a child this week" in hos.content()
    accessible(hos)
    hos.goto(proposal_url)
    assert (
        hos.get_by_label("Reason for N1").input_value() == "no one else can take a child this week"
    )
    hos.get_by_role("button", name="Approve this proposal").click()
    hos.wait_for_selector("text=Case notes")
    assert "agreed by hos (head of service)" in hos.content()
    assert "To be reviewed by" in hos.locator("textarea").first.input_value()


def test_a_worker_sees_only_their_own_caseload(open_as):
    """Wanda's start page is her own caseload; a team page is refused."""
    page = open_as("wanda")
    assert page.url.endswith("/me")
    assert page.get_by_role("heading", name="Your caseload").is_visible()
    accessible(page)
    assert page.goto("/teams/T1").status == 403
    accessible(page)


def test_a_planner_reads_but_cannot_allocate(open_as):
    """Pat sees a team's caseloads without the allocation button."""
    page = open_as("pat")
    page.goto("/teams/T1")
    assert page.get_by_role("button", name="Run an allocation").count() == 0
    accessible(page)


BAD_PLAN = """\
name = "Typos"
base = "data/"
as_of = "2026-11-23"

[[variant]]
name = "fewer posts"
changes = [ { kind = "reduce_fte", service = "cin", fte = -1 } ]
"""


def test_a_planner_runs_an_example_plan_and_compares_it(open_as, server, tmp_path):
    """A bad plan's problems are listed; the smallest example plan runs and is compared."""
    page = open_as("pat")
    page.goto("/plans")
    accessible(page)
    (tmp_path / "typos.toml").write_text(BAD_PLAN)
    page.get_by_label("Your plan file, uploaded below").check()
    page.get_by_label("Your plan file (.toml)").set_input_files(tmp_path / "typos.toml")
    page.get_by_role("button", name="Run the plan").click()
    problems = page.get_by_role("table", name="Problems, by plan file, variant and change")
    cells = problems.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == ["typos.toml", "fewer posts", "1 (reduce_fte)"], cells
    assert "greater than 0" in cells[3]
    accessible(page)
    page.get_by_label("Example: Merton caps on a Barnet-shaped authority").check()
    page.get_by_label("Work limit per solve").fill("1")
    page.get_by_role("button", name="Run the plan").click()
    assert "/plans/runs/" in page.url
    assert page.get_by_role("progressbar", name="Variants solved").is_visible()
    accessible(page)  # while the solver process runs it
    table = page.get_by_role("table", name="Variants compared, the base first")
    table.wait_for(timeout=120_000)
    variants = table.locator("tbody tr th").all_inner_texts()
    assert variants == ["base", "Merton caps", "Merton caps, 2 more posts in T07"]
    assert "(+" in table.locator("tbody tr").nth(1).inner_text()  # differences from the base
    assert page.get_by_role("img", name="Chart of the key measures per variant").is_visible()
    accessible(page)
    page.get_by_role("link", name="merton-caps-on-barnet", exact=True).click()
    assert page.get_by_role("heading", name="Plan merton-caps-on-barnet").is_visible()
    accessible(page)
    page.goto("/plans")
    assert page.get_by_role("link", name="merton-caps-on-barnet", exact=True).count() == 1
    _, folder = server
    assert (folder / "plans" / "merton-caps-on-barnet" / "comparison.csv").is_file()


def run_forecast_in_browser(page, name: str, rates=None) -> None:
    """Fill the run form for a tiny forecast of the workspace's data and wait for its bands."""
    page.goto("/forecasts")
    page.get_by_label("Forecast", exact=True).select_option("workspace")
    page.get_by_label("Weeks ahead").fill("2")
    page.get_by_label("Runs (1 to").fill("2")
    page.get_by_label("Folder name").fill(name)
    if rates is not None:
        page.get_by_label("Rates file").set_input_files(rates)
    page.get_by_role("button", name="Run the forecast").click()
    assert "/forecasts/runs/" in page.url
    page.get_by_role("table", name="The whole authority at week 2").wait_for(timeout=60_000)


def test_a_planner_runs_two_forecasts_and_compares_them(open_as, server, tmp_path):
    """A bad number is shown at its field; two tiny forecasts run, show bands and compare."""
    page = open_as("pat")
    page.goto("/forecasts")
    accessible(page)
    page.get_by_label("Weeks ahead").fill("0")
    page.get_by_role("button", name="Run the forecast").click()
    weeks = page.get_by_label("Weeks ahead")
    assert weeks.get_attribute("aria-invalid") == "true"
    said = " ".join(page.locator("#e-weeks").text_content().split())
    assert said == "Error: weeks 0: from 1 to 156"
    accessible(page)
    run_forecast_in_browser(page, "as-now")
    accessible(page)
    assert page.get_by_role("img", name="Fan chart of the forecast").is_visible()
    (tmp_path / "rates.csv").write_text("team_id,category,arrivals_per_week\nT1,cin,5\n")
    run_forecast_in_browser(page, "more-referrals", tmp_path / "rates.csv")
    page.get_by_role("link", name="more-referrals", exact=True).click()
    bands = page.get_by_role("table", name="Bands by week for the authority")
    bands.wait_for()
    assert bands.locator("tbody tr").count() == 3  # weeks 0, 1 and 2
    page.get_by_role("img", name="Fan chart. Forecast for the authority over 2 runs").wait_for()
    page.get_by_label("Bands for").select_option(label="team T1")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("table", name="Bands by week for team T1").wait_for()
    accessible(page)
    page.goto("/forecasts")
    page.get_by_label("Compare as-now").check()
    page.get_by_label("Compare more-referrals").check()
    page.get_by_label("At weeks").fill("0, 2")
    page.get_by_role("button", name="Compare the chosen forecasts").click()
    waiting = page.get_by_role("table", name="Children waiting for a worker for the authority")
    waiting.wait_for()  # the comparison's page, not the list still on screen
    assert waiting.locator("thead th").all_inner_texts() == ["Week", "as-now", "more-referrals"]
    assert waiting.locator("tbody th").all_inner_texts() == ["0", "2"]
    chart = page.get_by_role("img", name="Chart of the forecasts for the authority")
    chart.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", chart.element_handle())
    accessible(page)
    _, folder = server
    assert (folder / "plans" / "forecasts" / "more-referrals" / "bands.csv").is_file()


def test_the_servers_log_names_no_child(server):
    """After all of the above, the server's own log holds no child id, name or reason."""
    _, folder = server
    text = (folder / "server.log").read_text()
    assert "GET /teams/{team_id}" in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_the_accessibility_check_is_not_vacuous(browser):
    """The same check fails on a page with an unlabelled field and an image without text."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.set_content(
        '<html lang="en"><title>t</title><main><input type="text"><img src="x.png"></main></html>'
    )
    with pytest.raises(AssertionError, match="label"):
        accessible(page)
    context.close()
