"""The planner's commands end to end through click's CliRunner (caseload/planning.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from caseload.cli import main


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped example plans and the authority they run on."""
    folder = tmp_path_factory.mktemp("plans") / "plans"
    result = run("scenario", "example", folder)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small example authority (12 FTE) with more referrals than room."""
    folder = tmp_path_factory.mktemp("small") / "data"
    assert run("example", folder, "--fte", "12", "--new", "60").exit_code == 0
    return folder


def test_scenario_subcommands_have_help_with_an_example():
    """``caseload scenario run --help`` and ``scenario example --help`` show an example."""
    for sub in ("run", "example"):
        result = run("scenario", sub, "--help")
        assert result.exit_code == 0 and "Example" in result.output


def test_shipped_example_runs_end_to_end(examples, tmp_path):
    """The shipped CIN pressures plan runs, prints the table with differences, writes DIR."""
    out = tmp_path / "cin"
    result = run(
        "scenario", "run", examples / "cin-pressures.toml", "--out", out, "--work-limit", "0.1"
    )
    assert result.exit_code == 0, result.output
    assert "lose 3 FTE in CIN" in result.output and "137.5 (-3)" in result.output
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["variant"] for r in rows][:2] == ["base", "lose 3 FTE in CIN"]
    assert float(rows[1]["case_holding_fte"]) == float(rows[0]["case_holding_fte"]) - 3
    assert (out / "comparison.svg").exists()
    assert (out / "variants" / "merton-caps" / "proposal" / "summary.json").exists()


def test_a_bad_plan_exits_2_and_writes_nothing(examples, tmp_path):
    """Every plan problem is listed with file, variant and change; exit 2; no output folder."""
    plan = tmp_path / "bad.toml"
    text = (examples / "cin-pressures.toml").read_text()
    text = text.replace('base = "data/"', f'base = "{examples / "data"}"')
    text = text.replace('service = "cin", fte = 3.0', 'service = "cn", fte = 3.0')
    text = text.replace('team = "T07", count = 3', 'team = "T99", count = 3')
    plan.write_text(text)
    out = tmp_path / "out"
    result = run("scenario", "run", plan, "--out", out)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: 2 problems found",
        f"  {plan}: variant 'lose 3 FTE in CIN': change 1 (reduce_fte): unknown service 'cn'; "
        "the data's services: cin, cla, disabled_children, first_response, leaving_care, "
        "youth_justice; did you mean 'cin'?",
        f"  {plan}: variant 'ASYE cohort and 10% more referrals': change 1 (asye_cohort): "
        "unknown team 'T99'; did you mean 'T19', 'T09'?",
    ]
    assert not out.exists()


def test_plan_staffing_writes_staffing_and_proposal(small, tmp_path):
    """--add-fte 2 proposes two posts, says why, and writes a proposal that reads back."""
    out = tmp_path / "staff"
    result = run(
        "plan-staffing",
        small,
        "--add-fte",
        "2",
        "--out",
        out,
        "--as-of",
        "2026-11-23",
        "--work-limit",
        "2",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "staffing.csv").open()))
    assert list(rows[0])[:7] == [
        "team_id",
        "service",
        "fte_now",
        "fte_proposed",
        "children",
        "children_per_fte_now",
        "children_per_fte_proposed",
    ]
    added = sum(float(r["fte_proposed"]) - float(r["fte_now"]) for r in rows)
    assert added == pytest.approx(2)
    info = json.loads((out / "summary.json").read_text())
    assert info["mode"] == "add_fte" and info["fte_proposed"] == pytest.approx(
        sum(float(r["fte_now"]) for r in rows) + 2
    )
    assert run("explain", out / "proposal", "C00001").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-per-fte", "0"], "--target-per-fte 0: must be a number above 0"),
        (
            ["--target-per-fte", "18", "--granularity", "0.3"],
            "--granularity 0.3: does not divide 1",
        ),
        (["--total-fte", "1"], "--total-fte 1: below the"),
        ([], "give exactly one of --total-fte, --add-fte or --target-per-fte"),
    ],
)
def test_plan_staffing_bad_options_exit_2(small, tmp_path, args, message):
    """Each bad option is named, exit 2, nothing written."""
    out = tmp_path / "x"
    result = run("plan-staffing", small, "--out", out, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_plan_teams_writes_data_ready_to_allocate(small, tmp_path):
    """plan-teams writes data/ that allocates, moves.csv and teams_summary.csv."""
    out = tmp_path / "teams"
    result = run("plan-teams", small, "--policy", "merton", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "moves.csv").read_text().startswith("worker_id,role,fte,service,from_team")
    spans = list(csv.DictReader((out / "teams_summary.csv").open()))
    assert all(float(r["fte_after"]) <= 6 for r in spans if r["span"] != "no manager")
    again = run("validate", out / "data", "--policy", "merton")
    assert again.exit_code == 0, again.output


def test_plan_teams_impossible_limit_exits_2(examples, tmp_path):
    """An ASYE limit that cannot be met is said in numbers, exit 2, nothing written."""
    out = tmp_path / "t"
    result = run("plan-teams", examples / "data", "--out", out, "--max-asye-per-manager", "0")
    assert result.exit_code == 2
    assert not out.exists()
    assert "service cin: 2 ASYE workers and" in result.output
    assert "--max-asye-per-manager 0 lets no manager take one" in result.output


@pytest.mark.parametrize("command", ["scenario run", "plan-staffing", "plan-teams"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_solving(
    examples, small, tmp_path, monkeypatch, command
):
    """A user's folder or a file in the way: exit 2 at once, before any variant is solved."""
    import scenarios

    def never(*args, **kwargs):
        raise AssertionError("solved before checking --out")

    for name in ("run_plan", "plan_staffing", "plan_teams"):
        monkeypatch.setattr(scenarios, name, never)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x")
    first = {
        "scenario run": ["scenario", "run", examples / "cin-pressures.toml"],
        "plan-staffing": ["plan-staffing", small, "--add-fte", "1"],
        "plan-teams": ["plan-teams", small, "--policy", "merton"],
    }[command]
    refused = run(*first, "--out", mine)
    assert refused.exit_code == 2 and "a folder caseload did not write" in refused.output
    assert (mine / "notes.txt").read_text() == "keep me"
    blocked = run(*first, "--out", in_the_way / "sub")
    assert blocked.exit_code == 2 and "is a file, so no folder can be made" in blocked.output
