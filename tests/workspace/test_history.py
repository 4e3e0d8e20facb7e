"""Tests for workspace/history.py: escalation after "any longer than a two-month period"
(Barnet 001 s.5 item 4), overrides past review, weekly and monthly figures."""

from __future__ import annotations

from datetime import date

import pytest

from workspace.history import above_maximum_since, escalations, period_averages, record_loads
from workspace.tables import LoadRecord


def loads(utilisation: float, children: int = 25) -> dict:
    worker = {
        "worker_id": "W1",
        "fte": 1.0,
        "capacity": 1.0,
        "children_after": children,
        "load_after": float(children),
        "max_children": 24,
        "utilisation": utilisation,
        "band": "within",
    }
    return {"T1": {"workers": [worker], "weights": {}}}


@pytest.fixture
def db(app):
    with app.state.session_factory() as session:
        session.query(LoadRecord).delete()
        yield session


@pytest.mark.parametrize(
    ("today", "escalated"),
    [
        (date(2026, 3, 1), False),  # exactly two months above: not yet "longer than"
        (date(2026, 3, 2), True),  # a day longer
    ],
)
def test_escalated_only_after_more_than_two_months(db, today, escalated):
    """Above the maximum since 1 January: on 1 March it is two months, on 2 March longer."""
    record_loads(session=db, loads=loads(1.04), on=date(2026, 1, 1), source="import 1")
    record_loads(session=db, loads=loads(1.04), on=date(2026, 2, 15), source="import 2")
    found = escalations(session=db, today=today, months=2)
    assert bool(found) is escalated
    if found:
        assert found[0]["above_max_since"] == date(2026, 1, 1)


def test_a_spell_within_the_maximum_restarts_the_count(db):
    """Above in January, within in February, above again in March: counted from March."""
    for day, use in ((date(2026, 1, 5), 1.1), (date(2026, 2, 5), 0.9), (date(2026, 3, 5), 1.1)):
        record_loads(session=db, loads=loads(use), on=day, source="import")
    assert escalations(session=db, today=date(2026, 5, 1), months=2) == []
    assert escalations(session=db, today=date(2026, 5, 6), months=2)[0]["above_max_since"] == date(
        2026, 3, 5
    )


def test_at_the_maximum_is_not_above_it(db):
    """A utilisation of exactly 1 (at the cap) is never escalated."""
    record_loads(session=db, loads=loads(1.0, 24), on=date(2026, 1, 1), source="import")
    assert escalations(session=db, today=date(2026, 12, 1), months=2) == []


def test_the_run_ends_with_the_latest_record():
    """above_maximum_since reads an unbroken run ending with the latest record."""
    rows = [LoadRecord(on=date(2026, 1, d), above_max=a) for d, a in ((1, True), (2, True))]
    assert above_maximum_since(rows) == date(2026, 1, 1)
    assert above_maximum_since([]) is None


def test_monthly_figures_use_each_workers_last_record(db):
    """Two records in November: the month shows the later one's children."""
    record_loads(session=db, loads=loads(0.5, 12), on=date(2026, 11, 2), source="a")
    record_loads(session=db, loads=loads(0.6, 14), on=date(2026, 11, 20), source="b")
    record_loads(session=db, loads=loads(0.6, 10), on=date(2026, 10, 20), source="c")
    months = period_averages(session=db, team_id="T1", period="month")
    assert [(m["month"], m["children"], m["children_per_fte"]) for m in months] == [
        ("2026-11", 14, 14.0),
        ("2026-10", 10, 10.0),
    ]


def test_an_override_past_its_review_date_is_listed(db):
    """An above-threshold allocation whose review date has passed is listed; a later one not."""
    from workspace.history import overrides_past_review
    from workspace.tables import Batch, Decision

    batch = Batch(team_ids=["T1"], approved_by="mo", plan_hash="x")
    db.add(batch)
    db.flush()
    for child, review in (("N1", date(2026, 12, 1)), ("N2", date(2027, 3, 1))):
        db.add(
            Decision(
                batch_id=batch.id,
                team_id="T1",
                child_id=child,
                worker_id="W1",
                status="allocated",
                engine_reason="r",
                reason="agreed",
                review_date=review,
                needs_approval="head_of_service_approval",
            )
        )
    db.flush()
    found = overrides_past_review(session=db, today=date(2027, 1, 2))
    assert [(o["child_id"], o["review_date"]) for o in found] == [("N1", date(2026, 12, 1))]
