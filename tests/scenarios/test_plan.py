"""Reading and validating plan files (scenarios/plan.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scenarios.plan import PlanError, read_plan, slug, variant_slugs

SPEC_EXAMPLE = """\
name = "CIN pressures, spring"
base = "data/"
policy = "default"
as_of = "2027-03-01"
seed = 0

[[variant]]
name = "lose 3 FTE in CIN"
changes = [
  { kind = "reduce_fte", service = "cin", fte = 3.0 },
]

[[variant]]
name = "Merton caps"
changes = [ { kind = "policy", preset = "merton" } ]

[[variant]]
name = "ASYE cohort and 10% more referrals"
changes = [
  { kind = "asye_cohort", team = "T07", count = 3, fte = 1.0, start = "2027-02-01" },
  { kind = "demand", service = "cin", percent = 10 },
]
"""


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "plan.toml"
    file.write_text(text, encoding="utf-8")
    return file


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        read_plan(write(tmp_path, text))
    return [p.split(": ", 1)[1] for p in caught.value.problems]


def test_the_spec_example_reads(tmp_path):
    """The plan in scenario-format.md reads, dates as dates, changes in order."""
    plan = read_plan(write(tmp_path, SPEC_EXAMPLE))
    assert plan.as_of == date(2027, 3, 1)
    assert [v.name for v in plan.variant] == [
        "lose 3 FTE in CIN",
        "Merton caps",
        "ASYE cohort and 10% more referrals",
    ]
    assert [c.kind for c in plan.variant[2].changes] == ["asye_cohort", "demand"]
    assert plan.path("data/") == (tmp_path / "data").resolve()


def test_every_problem_is_named_by_variant_and_change(tmp_path):
    """Several bad changes give one line each, naming the variant and the change."""
    text = """\
name = "x"
base = "data/"
as_of = 2027-03-01
[[variant]]
name = "cut"
changes = [
  { kind = "reduce_fte", service = "cin", fte = -1 },
  { kind = "leave", workers = ["W1"], from = 2027-03-10, to = 2027-03-01 },
]
[[variant]]
name = "odd"
changes = [ { kind = "hire", team = "T1" }, { kind = "change_fte", worker = "W1", fte = 1, x = 2 } ]
"""
    assert problems(tmp_path, text) == [
        "variant 'odd': change 1: unknown kind 'hire'; kinds: add_workers, remove_workers, "
        "reduce_fte, change_fte, leave, move_worker, asye_cohort, demand, policy",
        "variant 'cut': change 1 (reduce_fte): fte: Input should be greater than 0",
        "variant 'cut': change 2 (leave): dates out of order: 'to' 2027-03-01 is before "
        "'from' 2027-03-10",
        "variant 'odd': change 2 (change_fte): x: unknown field for this kind of change",
    ]


def test_scope_and_size_must_be_one_each(tmp_path):
    """A demand with two scopes and a reduction with none are errors."""
    text = """\
name = "x"
base = "data/"
as_of = 2027-03-01
[[variant]]
name = "v"
changes = [
  { kind = "demand", team = "T1", service = "cin", count = 3 },
  { kind = "reduce_fte", fte = 1 },
  { kind = "demand", team = "T1" },
]
"""
    assert problems(tmp_path, text) == [
        "variant 'v': change 1 (demand): give exactly one of 'team', 'service' or 'category'",
        "variant 'v': change 2 (reduce_fte): give exactly one of 'team' or 'service'",
        "variant 'v': change 3 (demand): give exactly one of 'percent' or 'count'",
    ]


def test_names_base_and_repeats_are_refused(tmp_path):
    """'base' is reserved and a variant name may not repeat; unknown top-level keys fail."""
    text = """\
name = "x"
base = "data/"
as_of = 2027-03-01
colour = "red"
[[variant]]
name = "Base"
[[variant]]
name = "a"
[[variant]]
name = "a"
"""
    assert problems(tmp_path, text) == ["colour: unknown key"]
    text = text.replace('colour = "red"\n', "")
    assert problems(tmp_path, text) == [
        "variant 1: the name 'base' is reserved for the base",
        "variant 'a': the name is used twice",
    ]


def test_missing_and_broken_files(tmp_path):
    """A missing file and bad TOML are one clean line each, naming the file."""
    with pytest.raises(PlanError, match="plan file not found"):
        read_plan(tmp_path / "nope.toml")
    assert problems(tmp_path, "name = ")[0].startswith("not valid TOML")


def test_slugs_are_distinct_folder_names():
    """Variant folders are readable and never collide."""
    assert slug("ASYE cohort and 10% more referrals") == "asye-cohort-and-10-more-referrals"
    assert variant_slugs(["base", "A b", "a-b", "!!"]) == ["base", "a-b", "a-b-2", "variant"]


def test_a_post_size_that_does_not_divide_1_is_refused(tmp_path):
    """granularity 0.3 is refused as plan-staffing's --granularity is: posts a council fills."""
    file = write(tmp_path, SPEC_EXAMPLE.replace("seed = 0", "seed = 0\ngranularity = 0.3"))
    with pytest.raises(PlanError) as caught:
        read_plan(file)
    assert caught.value.problems == [
        f"{file}: granularity: 0.3 does not divide 1 (use 1, 0.5, 0.25, 0.2 or 0.1)"
    ]
    fine = write(tmp_path, SPEC_EXAMPLE.replace("seed = 0", "seed = 0\ngranularity = 0.25"))
    assert read_plan(fine).granularity == 0.25
