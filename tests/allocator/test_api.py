"""Tests for allocator's public API: what the layers above may use, and how it behaves."""

from __future__ import annotations

import threading

import pytest

import allocator
from allocator import UnknownChildError, allocate, explain_child
from models import Options, load_policy
from scenarios import generate_authority
from tests.support import AS_OF

PUBLIC = {
    "InputError",
    "InputProblem",
    "OutputError",
    "Progress",
    "REPORT_FILES",
    "UnknownChildError",
    "UnknownWorkerError",
    "allocate",
    "check",
    "check_output_folder",
    "describe_problems",
    "explain_child",
    "explain_worker",
    "read_data",
    "read_outputs",
    "stoppable",
    "summary",
    "write_data",
    "write_outputs",
}


def test_the_public_api_is_what_the_docs_list():
    """allocator exports exactly the documented names, each with an example in its docstring."""
    assert set(allocator.__all__) == PUBLIC
    for name in (
        "allocate",
        "check",
        "explain_child",
        "read_data",
        "write_data",
        "read_outputs",
        "write_outputs",
        "summary",
        "describe_problems",
        "check_output_folder",
        "stoppable",
    ):
        doc = getattr(allocator, name).__doc__ or ""
        assert "Examples" in doc and ">>>" in doc, name


@pytest.fixture(scope="module")
def authority():
    """A small example authority: several teams, so several sub-problems."""
    policy = load_policy("barnet")
    return generate_authority(policy, seed=5, case_holding_fte=18, new_referrals=40), policy


def test_processes_from_a_thread_give_the_serial_proposal(authority):
    """Two spawned processes, called from a thread as a web server would, match one process."""
    data, policy = authority
    serial = allocate(data, policy, Options(as_of=AS_OF, work_limit=5))
    found = {}

    def run() -> None:
        found["result"] = allocate(data, policy, Options(as_of=AS_OF, work_limit=5, processes=2))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    parallel = found["result"]
    assert parallel.allocations == serial.allocations
    assert parallel.workers == serial.workers
    assert parallel.objective == serial.objective
    assert not parallel.stats["wall_limited"]


def test_explain_child_suggests_close_ids(authority):
    """A mistyped child id is an error naming the closest ids."""
    data, policy = authority
    result = allocate(data, policy, Options(as_of=AS_OF, work_limit=2))
    waiting = next(c.child_id for c in data.children if c.worker_id is None)
    why = explain_child(result, f" {waiting} ")
    assert why.allocation.child_id == waiting
    assert why.candidates[0].verdict == "chosen"
    with pytest.raises(UnknownChildError) as err:
        explain_child(result, waiting + "x")
    assert err.value.suggestions[0] == waiting


def test_the_greedy_method_keeps_every_rule_without_searching(authority):
    """Options(method="greedy") keeps every rule, runs no CP-SAT stage and is never optimal."""
    data, policy = authority
    greedy = allocate(data, policy, Options(as_of=AS_OF, method="greedy"))
    assert allocator.check(data, policy, greedy) == []
    assert greedy.status.value == "feasible"
    assert greedy.stats["stage_seconds"] == {}
    assert greedy.objective == greedy.greedy_objective
    assert greedy.children_allocated > 0
    searched = allocate(data, policy, Options(as_of=AS_OF, work_limit=5))
    assert searched.objective is not None and greedy.objective is not None
    assert searched.objective <= greedy.objective
    assert searched.children_unallocated <= greedy.children_unallocated
    assert not greedy.stats["wall_limited"]
