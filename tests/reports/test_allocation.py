"""Tests for reports.allocation: the figures a manager reads come from the folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reports import Report, build_report
from tests.support import report_proposal


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small proposal of tests.support, written once for the module."""
    return report_proposal(tmp_path_factory.mktemp("proposal") / "out")


@pytest.fixture(scope="module")
def report(folder: Path) -> Report:
    return build_report(folder)


def figures(report: Report) -> dict[str, float | int | None]:
    return {f.id: f.value for f in report.headline}


def table(report: Report, table_id: str):
    return next(t for t in report.tables() if t.id == table_id)


def test_headline_figures_equal_summary_json(folder, report):
    """Allocated, waiting, split and threshold counts are summary.json's own."""
    info = json.loads((folder / "summary.json").read_text("utf-8"))
    got = figures(report)
    assert got["allocated"] == info["children_allocated"] == 7
    assert got["waiting"] == info["children_unallocated"] == 1
    assert got["split"] == info["sibling_groups_split"]
    assert got["above-threshold"] == sum(info["workers_above_threshold"].values()) == 1
    assert got["above-cap"] == 1  # W1 holds 23 under a cap of 20


def test_the_waiting_child_is_explained_in_the_headline(report):
    """The unallocated finding (a skill nobody has) is among the headline's notes."""
    assert any("sign_language" in note for note in report.notes)


def test_solver_standing_is_in_plain_words(report):
    """An optimal proposal is described as proven as even as possible."""
    assert (
        report.notes[0] == "The solver proved this proposal as even as possible under the policy."
    )


def test_exceptions_name_the_worker_with_numbers_and_the_policy_action(report):
    """W1 appears above the approval threshold (with its action) and above its cap."""
    rows = table(report, "exceptions").records()
    w1 = [r for r in rows if r["who"] == "W1"]
    assert {r["exception"] for r in w1} == {
        "above 22 children per FTE",
        "above their cap of 20",
    }
    threshold = next(r for r in w1 if r["exception"].startswith("above 22"))
    assert threshold["children"] == 23
    assert threshold["per_fte"] == 23.0
    assert threshold["action"] == (
        "agreed by the head of service; an action plan to reduce this number"
    )


def test_team_without_manager_is_an_exception(report):
    """Team T2 has no manager_id: the span finding is listed for action."""
    rows = table(report, "exceptions").records()
    assert any(r["who"] == "T2" and r["exception"] == "span" for r in rows)


def test_team_tables_use_the_numbers_of_workers_csv(folder, report):
    """Each worker row's children before/after and FTE match workers.csv."""
    with (folder / "workers.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["worker_id"]: r for r in csv.DictReader(f)}
    shown = table(report, "workers-T1").records() + table(report, "workers-T2").records()
    assert {r["worker"] for r in shown} == set(rows)
    for r in shown:
        csv_row = rows[str(r["worker"])]
        assert r["before"] == int(csv_row["children_before"])
        assert r["after"] == int(csv_row["children_after"])
        assert r["fte"] == float(csv_row["fte"])


def test_part_time_and_asye_workers_are_marked(report):
    """The notes column marks the ASYE and the part-timer."""
    notes = {r["worker"]: r["notes"] for r in table(report, "workers-T1").records()}
    assert "ASYE" in str(notes["A1"])
    assert "part-time 0.5 FTE" in str(notes["W2"])


def test_by_hand_columns_come_from_the_greedy_baseline(folder, report):
    """'per FTE by hand' is the recorded greedy count over FTE."""
    greedy = json.loads((folder / "summary.json").read_text("utf-8"))["model"]["greedy_children"]
    rows = {r["worker"]: r for r in table(report, "workers-T1").records()}
    assert rows["W2"]["per_fte_by_hand"] == greedy["W2"] / 0.5
    assert rows["M1"]["per_fte_by_hand"] is None  # a manager holds no cases


def test_span_and_oversight_are_stated_per_team(report):
    """Team T1's facts give the manager's case-holding FTE and the cases held."""
    teams = next(s for s in report.sections if s.id == "teams")
    t1 = dict(next(s for s in teams.subsections if s.id == "team-T1").facts)
    assert t1["manager's span"].startswith("M1: 3.5 case-holding FTE")
    # 23 + 5 held, and N1-N4 placed (C-SKILL waits): the family N1, N2 counts once.
    assert t1["cases held"].startswith("31 ")


def test_allocation_list_holds_the_batch_with_reasons(folder, report):
    """The list has every child not kept, with the reason from allocations.csv."""
    with (folder / "allocations.csv").open(encoding="utf-8", newline="") as f:
        batch = {r["child_id"]: r for r in csv.DictReader(f) if r["status"] != "kept"}
    rows = table(report, "allocations").records()
    assert {r["child"] for r in rows} == set(batch)
    for r in rows:
        assert r["reason"] == batch[str(r["child"])]["reason"]


def test_every_team_with_case_holders_has_a_chart_with_alt_text(report):
    """A chart per team, and its alt text names each worker's figure."""
    charts = {c.id: c for c in report.charts()}
    assert {"chart-team-T1", "chart-team-T2", "chart-distribution", "chart-spread"} <= set(charts)
    assert "W1 23.0 (before 23.0, cap 20.0)" in charts["chart-team-T1"].alt


def test_a_folder_without_greedy_counts_still_reports(folder, tmp_path):
    """A folder from before greedy counts were recorded says so instead of failing."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(folder, old)
    info = json.loads((old / "summary.json").read_text("utf-8"))
    del info["model"]["greedy_children"]
    (old / "summary.json").write_text(json.dumps(info), encoding="utf-8")
    report = build_report(old)
    spread = next(f for f in report.headline if f.id == "spread")
    assert spread.detail.startswith("by hand: not recorded")


def test_cover_and_approvals_are_shown(folder):
    """An allocation that needs approval is an exception; cover is noted in the list."""
    import json as _json

    from allocator import read_outputs, summary
    from reports.allocation import allocation_report

    result = read_outputs(folder)
    changed = tuple(
        a.model_copy(update={"needs_approval": "head_of_service_approval: head of service"})
        if a.child_id == "N4"
        else a.model_copy(update={"cover_for": "W3"})
        if a.child_id == "N3"
        else a
        for a in result.allocations
    )
    result = result.model_copy(update={"allocations": changed})
    recorded = _json.loads((folder / "summary.json").read_text("utf-8"))
    report = allocation_report(result, summary(result), recorded, "proposal")
    rows = table(report, "exceptions").records()
    assert any(r["who"] == "N4" and r["exception"] == "needs approval" for r in rows)
    notes = {r["child"]: r["note"] for r in table(report, "allocations").records()}
    assert notes["N3"] == "cover for W3"
    assert notes["N4"] == "needs approval: head_of_service_approval: head of service"


def test_a_worker_above_a_cap_in_cases_counts_as_above_their_cap(tmp_path):
    """Merton's 12 cases: a worker holding 13 is above their cap in the headline and exceptions."""
    from allocator import allocate, write_outputs
    from models import Options, load_policy
    from tests.support import AS_OF, child, problem, team, worker

    data = problem(
        teams=[team("T1", service="first_response")],
        workers=[worker("W1"), worker("W2")],
        children=[*(child(f"K{i}", worker_id="W1") for i in range(13)), child("N1")],
    )
    policy = load_policy("merton")
    write_outputs(allocate(data, policy, Options(as_of=AS_OF, work_limit=1)), tmp_path / "out")
    info = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    report = build_report(tmp_path / "out")
    assert info["findings"]["above_cap"] == 1
    (above,) = [f for f in report.headline if f.label == "workers above their cap"]
    assert above.value == 1
    rows = [r for r in table(report, "exceptions").rows if "W1" in r]
    assert any("holds 13 cases, above their cap of 12 cases" in map(str, r) for r in rows)
