"""Tests for workspace/notes.py: the case note of an allocation or transfer (Barnet 001
s.3.9-3.10)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workspace.notes import case_note
from workspace.tables import Batch, Decision

BATCH = Batch(
    id=7,
    approved_by="mo",
    head_of_service="hos",
    approved_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
)


def decision(**fields) -> Decision:
    values = {
        "child_id": "C1",
        "team_id": "T1",
        "worker_id": "W2",
        "worker_before": None,
        "status": "allocated",
        "engine_reason": "Allocated to W2.",
        "reason": None,
        "review_date": None,
        "needs_approval": None,
        "cover_for": None,
    }
    return Decision(**{**values, **fields})


def test_an_allocation_names_worker_date_approvers_and_reason():
    """The note gives the date, the worker by name, both approvers and the reason."""
    note = case_note(decision(), BATCH, {"W2": "Ash Able"})
    assert note.startswith("Case allocated on 23/11/2026 to Ash Able (W2).")
    assert "mo (team manager) and agreed by hos (head of service), batch 7" in note
    assert note.endswith("Reason: Allocated to W2.")


def test_a_transfer_names_both_workers_and_the_transfer_policy():
    """A move is a transfer from the old worker to the new, in line with the policy (s.3.9)."""
    note = case_note(decision(status="moved", worker_before="W1"), BATCH, {})
    assert "transferred on 23/11/2026 from W1 to W2, in line with the transfer policy" in note


def test_interim_cover_asks_for_the_tasks_of_the_temporary_worker():
    """Cover for an absent worker leaves a place for the interim worker's tasks (s.3.10)."""
    note = case_note(decision(cover_for="W9"), BATCH, {})
    assert "interim cover until W9 is available" in note and "Tasks for the interim worker" in note


def test_above_the_threshold_the_reason_and_review_date_are_in_the_note():
    """An allocation needing approval carries the manager's reason and the review date."""
    note = case_note(
        decision(
            needs_approval="head_of_service_approval (head of service)",
            reason="no one else has room",
            review_date=date(2027, 1, 4),
        ),
        BATCH,
        {},
    )
    assert "no one else has room. To be reviewed by 04/01/2027." in note


def test_a_child_still_waiting_has_no_note():
    """No allocation, no note."""
    assert case_note(decision(status="unallocated", worker_id=None), BATCH, {}) is None
