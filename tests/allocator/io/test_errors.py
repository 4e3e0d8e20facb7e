"""Tests for allocator.io.errors: problems, their severity, and repeated problems summed up."""

from __future__ import annotations

from allocator.io import InputError, InputProblem, describe_problems


def test_a_few_problems_are_listed_one_per_line():
    """Up to three of the same problem stay one line each, in the order given."""
    rows = [
        InputProblem("workers.csv", r, "fte", f"must be > 0 and <= 1 (got '{r}')")
        for r in (2, 3, 4)
    ]
    assert describe_problems(rows) == [str(p) for p in rows]


def test_the_same_problem_on_many_rows_is_one_line():
    """Many rows with one problem give the count, the first rows and the first values."""
    rows = [InputProblem("children.csv", r, "team_id", "unknown team_id 'T9': not in teams.csv")
            for r in range(2, 200)]  # fmt: skip
    other = InputProblem("children.csv", 7, "level", "must be <= 4 (got '9')")
    assert describe_problems([*rows[:3], other, *rows[3:]]) == [
        "children.csv, column team_id, 198 rows (2, 3, 4, 5, 6, ...): "
        "unknown team_id 'T9': not in teams.csv",
        "children.csv, row 7, column level: must be <= 4 (got '9')",
    ]


def test_errors_and_warnings_are_never_summed_together():
    """A warning and an error with the same words stay apart."""
    rows = [InputProblem("c.csv", r, "x", "odd", "warning" if r % 2 else "error") for r in range(8)]
    lines = describe_problems(rows)
    assert len(lines) == 2 and all("4 rows" in line for line in lines)


def test_input_error_text_is_summarised_but_keeps_every_problem():
    """``str(InputError)`` is summed up; ``problems`` keeps each row for programs."""
    rows = [InputProblem("c.csv", r, "x", f"bad (got '{r}')") for r in range(2, 12)]
    error = InputError(rows)
    assert len(error.problems) == 10
    assert (
        str(error) == "c.csv, column x, 10 rows (2, 3, 4, 5, 6, ...): bad (got '2', '3', '4', ...)"
    )


def test_severity_defaults_to_error():
    """A problem is an error unless it says it is a warning."""
    assert InputProblem("a.csv", 2, "b", "c").severity == "error"
