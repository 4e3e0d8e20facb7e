"""Tests for allocator.io.outputs: the proposal folder as a self-contained record."""

from __future__ import annotations

import json

import pytest

from allocator import (
    REPORT_FILES,
    InputError,
    OutputError,
    allocate,
    read_outputs,
    write_outputs,
)
from models import Options, load_policy
from tests.support import AS_OF, child, problem, worker

POLICY = load_policy("default")


@pytest.fixture(scope="module")
def result():
    """A small proposal: a family of two joins a team of two, one child is kept."""
    data = problem(
        workers=[worker("W1"), worker("W2", fte=0.6, name="Wanda")],
        children=[
            child("K1", worker_id="W1", level=3),
            child("N1", family_id="F1", flags=frozenset({"dv"})),
            child("N2", family_id="F1", category="cp"),
        ],
    )
    return allocate(data, POLICY, Options(as_of=AS_OF, release=(), seed=3))


def test_the_folder_reads_back_as_the_same_proposal(result, tmp_path):
    """read_outputs returns the rows, the input data, the policy and the options written."""
    write_outputs(result, tmp_path / "out")
    back = read_outputs(tmp_path / "out")
    assert back.data.model_dump(exclude={"source"}) == result.data.model_dump(exclude={"source"})
    assert back.policy == result.policy
    assert back.options == result.options
    assert back.allocations == result.allocations
    assert back.candidates == result.candidates
    assert back.findings == result.findings
    assert back.fairness == result.fairness
    assert [w.worker_id for w in back.workers] == [w.worker_id for w in result.workers]
    assert (back.status, back.objective, back.best_bound) == (
        result.status,
        result.objective,
        result.best_bound,
    )
    assert back.stats["solver"] == result.stats["solver"]


def test_the_folder_holds_its_input_and_policy(result, tmp_path):
    """input/ holds the data files and policy.toml; the contract's files are unchanged."""
    write_outputs(result, tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out" / "input").iterdir())
    assert names == ["children.csv", "policy.toml", "teams.csv", "workers.csv"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reproduce"]["options"]["seed"] == 3
    assert summary["reproduce"]["solver"]["squares"] == "auto"


def test_writing_again_replaces_the_input_too(result, tmp_path):
    """A second write to the same folder replaces every file, input/ included."""
    out = tmp_path / "out"
    write_outputs(result, out)
    (out / "input" / "teams.csv").write_text("stale", encoding="utf-8")
    write_outputs(result, out)
    assert (out / "input" / "teams.csv").read_text(encoding="utf-8").startswith("team_id")


def test_reports_in_the_folder_are_replaced_with_the_rest(result, tmp_path):
    """Reports rendered into a proposal folder belong to it: a new write replaces them."""
    out = tmp_path / "out"
    write_outputs(result, out)
    for name in REPORT_FILES:
        (out / name).write_text("an earlier report", encoding="utf-8")
    write_outputs(result, out)
    assert not any((out / name).exists() for name in REPORT_FILES)


def test_greedy_children_are_recorded_per_case_holding_worker(result, tmp_path):
    """summary.json records the greedy baseline's children per case-holding worker."""
    write_outputs(result, tmp_path / "out")
    back = read_outputs(tmp_path / "out")
    greedy = back.stats["greedy_children"]
    assert set(greedy) == {w.worker_id for w in result.workers if w.capacity > 0}
    # Every child of this team is placed by hand too: the counts add up to the team's.
    assert sum(greedy.values()) == sum(w.children_after for w in result.workers)


def test_a_folder_with_a_foreign_sub_folder_is_refused(result, tmp_path):
    """A sub-folder other than input/ is the user's: the folder is not replaced."""
    out = tmp_path / "out"
    write_outputs(result, out)
    (out / "notes").mkdir()
    with pytest.raises(OutputError, match="notes"):
        write_outputs(result, out)


def test_a_data_folder_is_not_an_output_folder(tmp_path):
    """read_outputs on another folder names what is missing."""
    (tmp_path / "workers.csv").write_text("worker_id\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_outputs(tmp_path)
    (problem_,) = err.value.problems
    assert "is not a caseload output folder" in problem_.message
    assert "allocations.csv" in problem_.message and "input" in problem_.message


def test_a_corrupt_summary_and_row_are_named(result, tmp_path):
    """Damaged files give one error naming each file, and the row and column where known."""
    out = tmp_path / "out"
    write_outputs(result, out)
    (out / "summary.json").write_text("{not json", encoding="utf-8")
    text = (out / "allocations.csv").read_text(encoding="utf-8").replace(",kept,", ",lost,")
    (out / "allocations.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_outputs(out)
    where = {(p.file, p.row, p.column) for p in err.value.problems}
    assert ("summary.json", None, None) in where
    assert ("allocations.csv", 2, "status") in where


def test_rows_that_do_not_match_the_input_are_named(result, tmp_path):
    """A row deleted from allocations.csv, or a child removed from the input, is an error."""
    out = tmp_path / "out"
    write_outputs(result, out)
    lines = (out / "allocations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "allocations.csv").write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_outputs(out)
    (found,) = err.value.problems
    assert found.file == "allocations.csv" and "missing N1" in found.message


def test_a_summary_whose_figures_disagree_with_the_files_is_named(result, tmp_path):
    """A hand-edited summary.json (5 allocated, no gap) is refused: a report would mislead."""
    write_outputs(result, tmp_path / "out")
    path = tmp_path / "out" / "summary.json"
    info = json.loads(path.read_text("utf-8"))
    info["children_allocated"] = info["children_allocated"] + 5
    del info["gap"]
    path.write_text(json.dumps(info), "utf-8")
    with pytest.raises(InputError) as caught:
        read_outputs(tmp_path / "out")
    found = {(p.file, p.column): p.message for p in caught.value.problems}
    assert found[("summary.json", "gap")] == "is missing"
    assert found[("summary.json", "children_allocated")].startswith(
        f"says {info['children_allocated']}, but the folder's files give "
    )
