"""Running a plan: serial and pooled runs identical, the output folder, the chart, errors."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from allocator import read_outputs, write_data
from models import load_policy
from scenarios import (
    EXAMPLE_PLANS,
    FolderError,
    PlanError,
    PlanRun,
    RunSettings,
    generate_authority,
    prepare_plan,
    run_plan,
    write_example,
    write_plan,
)
from scenarios.compare import COLUMNS, CONTRACT_COLUMNS
from scenarios.tasks import run_tasks

PLAN = """\
name = "small"
base = "data/"
policy = "default"
as_of = "2026-11-23"
seed = 3

[[variant]]
name = "lose a post in T02"
changes = [ { kind = "reduce_fte", team = "T02", fte = 1 } ]

[[variant]]
name = "more referrals"
changes = [ { kind = "demand", service = "cin", count = 12 } ]
"""
SETTINGS = RunSettings(work_limit=0.1, time_limit=60)


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan over a small example authority (12 FTE, 3 teams, 40 referrals)."""
    folder = tmp_path_factory.mktemp("plan")
    data = generate_authority(load_policy("default"), case_holding_fte=12, new_referrals=40)
    write_data(data, folder / "data")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    return folder / "plan.toml"


@pytest.fixture(scope="module")
def small_run(small_plan: Path) -> PlanRun:
    """The small plan, run once in this process."""
    return run_plan(prepare_plan(small_plan), SETTINGS)


def test_serial_and_pooled_runs_are_identical(small_plan, small_run):
    """Two processes give the same rows and the same allocation of every child as one."""
    prepared = prepare_plan(small_plan)
    serial = small_run
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = run_plan(prepared, SETTINGS, pool)
    assert serial.rows == pooled.rows
    for a, b in zip(serial.outcomes, pooled.outcomes, strict=True):
        assert a.result.allocations == b.result.allocations
        assert a.violations == () and b.violations == ()


def test_the_plan_folder(small_run, tmp_path):
    """The comparison, chart, summary and each variant's data and proposal are written."""
    run = small_run
    out = tmp_path / "out"
    write_plan(run, out)
    lines = (out / "comparison.csv").read_text().splitlines()
    assert lines[0].split(",") == COLUMNS and COLUMNS[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    assert [line.split(",")[0] for line in lines[1:]] == [
        "base",
        "lose a post in T02",
        "more referrals",
    ]
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (out / "comparison.svg").read_text()
    info = json.loads((out / "summary.json").read_text())
    assert info["plan"]["seed"] == 3 and info["options"]["work_limit"] == 0.1
    assert [v["folder"] for v in info["variants"]] == [
        "variants/base",
        "variants/lose-a-post-in-t02",
        "variants/more-referrals",
    ]
    proposal = read_outputs(out / "variants" / "more-referrals" / "proposal")
    assert len(proposal.allocations) == run.rows[2]["children"]
    again = tmp_path / "again"
    write_plan(run, again)
    for name in ("comparison.csv", "comparison.svg", "comparison.png"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


def test_variant_rows_say_what_changed(small_run):
    """Losing a post lowers case-holding FTE by 1; 12 referrals add 12 children."""
    rows = small_run.rows
    base, cut, more = rows
    assert cut["case_holding_fte"] == base["case_holding_fte"] - 1
    assert more["children"] == base["children"] + 12
    assert base["children"] == base["children_allocated"] + base["children_unallocated"]
    assert more["fte_needed"] >= base["fte_needed"]


def test_a_foreign_folder_is_never_replaced(small_run, tmp_path):
    """An --out folder holding the user's files is refused, untouched."""
    run = small_run
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(FolderError, match="not a plan folder"):
        write_plan(run, out)
    assert (out / "notes.txt").read_text() == "keep me"


def test_plan_errors_name_the_base_row(tmp_path):
    """Bad base data is reported by plan file, file, row and column."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "teams.csv").write_text("team_id,service\nT1,nowhere\n")
    (tmp_path / "data" / "workers.csv").write_text("worker_id,team_id,role,fte\n")
    (tmp_path / "data" / "children.csv").write_text("child_id,team_id,category\n")
    (tmp_path / "plan.toml").write_text(PLAN)
    with pytest.raises(PlanError) as caught:
        prepare_plan(tmp_path / "plan.toml")
    assert "teams.csv, row 2, column service: unknown service 'nowhere'" in caught.value.problems[0]


def test_shipped_examples_build(tmp_path):
    """Every example plan under scenarios/examples/ builds on the example authority."""
    plans = write_example(tmp_path / "ex")
    assert [p.name for p in plans] == list(EXAMPLE_PLANS)
    for plan in plans:
        prepared = prepare_plan(plan)
        assert prepared.variants[0][0] == "base" and len(prepared.variants) > 2


def test_run_tasks_keeps_the_order_of_items():
    """Inline and executor runs return results in the order of the items."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        assert run_tasks(abs, [-3, 1, -2], pool) == run_tasks(abs, [-3, 1, -2]) == [3, 1, 2]


def test_a_plan_folder_with_its_report_is_replaced(small_run, tmp_path):
    """A report rendered into a plan folder belongs to it: the next run replaces the folder."""
    out = tmp_path / "out"
    write_plan(small_run, out)
    (out / "report.html").write_text("<html></html>")
    write_plan(small_run, out)
    assert not (out / "report.html").exists()
