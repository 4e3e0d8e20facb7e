"""Tests for models.options: what a user decides about a run, and its ranges."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from models import Options

AS_OF = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_limit", 0),
        ("time_limit", -1),
        ("time_limit", float("nan")),
        ("time_limit", float("inf")),
        ("work_limit", 0),
        ("gap_limit", -0.1),
        ("gap_limit", 1),
        ("gap_limit", float("nan")),
        ("seed", -1),
        ("seed", 2**40),
        ("threads", 0),
        ("processes", 0),
        ("max_moves", -1),
    ],
)
def test_out_of_range_option_is_refused_by_name(field, value):
    """A limit, seed or count outside its range is an error naming the option."""
    with pytest.raises(ValidationError) as err:
        Options(as_of=AS_OF, **{field: value})
    assert err.value.errors()[0]["loc"] == (field,)


def test_work_budget_is_the_work_limit_else_the_time_limit():
    """Without a work limit the deterministic budget is the time limit."""
    assert Options(as_of=AS_OF, time_limit=12).work_budget == 12
    assert Options(as_of=AS_OF, time_limit=12, work_limit=3).work_budget == 3


def test_options_are_immutable_and_release_is_deduplicated():
    """Options cannot change after construction; a worker released twice is released once."""
    options = Options(as_of=AS_OF, release=("W1", "W2", "W1"))
    assert options.release == ("W1", "W2")
    with pytest.raises(ValidationError):
        options.seed = 3  # type: ignore[misc]
