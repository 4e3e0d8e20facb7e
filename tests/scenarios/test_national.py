"""The national view: finding authorities, benchmarks, DfE-shaped plan bases, the totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import (
    NationalError,
    PlanError,
    benchmark_authority,
    dfe_authority,
    find_authority,
    prepare_plan,
)
from scenarios.national import NINE_REGIONS, dfe_rows, national_totals, select_authorities
from tests.support import CIN


def test_authorities_are_found_by_name_or_code_and_unknown_names_suggest():
    """Names in any case and both codes find the authority; a misspelling names the closest."""
    assert find_authority("STOCKTON-ON-TEES")["new_la_code"] == "E06000004"
    assert find_authority("E06000004")["la_name"] == "Stockton-on-Tees"
    assert find_authority("808")["la_name"] == "Stockton-on-Tees"
    with pytest.raises(NationalError, match="did you mean 'Stockton-on-Tees'"):
        find_authority("Stokton")


def test_benchmark_places_the_authority_against_its_region_and_england():
    """Stockton's 2025 caseload per FTE, its region's and England's, read from the DfE file."""
    bench = benchmark_authority("Stockton-on-Tees")
    assert [y["year"] for y in bench.years] == list(range(2017, 2026))
    assert bench.years[-1]["caseload_fte"] == {"authority": 17.2, "region": 16.5, "england": 15.2}
    place, of = bench.ranks["caseload_fte"]["england"]
    assert of == 149  # two authorities suppressed in 2025
    assert 1 <= place <= of


def _published_only(year: int) -> tuple[list[dict], list[dict]]:
    """Every authority of the year as a national row whose FTE is its published FTE."""
    from scenarios.national import _published

    published, suppressed = select_authorities(year)
    rows = [
        {
            **_published(r),
            "fte_now": r["case_holders_fte"],
            "fte_needed": r["case_holders_fte"] + 1,
            "difference": 1.0,
            "children_waiting": 0,
            "proven": True,
        }
        for r in published
    ]
    return rows, suppressed


def test_national_totals_add_up_to_the_dfe_england_row():
    """England's row = the published rows' sum + the suppressed authorities' remainder."""
    rows, suppressed = _published_only(2025)
    england = next(
        r for r in dfe_rows() if r["geographic_level"] == "National" and r["time_period"] == 2025
    )
    totals = {t["la_name"]: t for t in national_totals(rows, suppressed, england)}
    assert sorted(r["la_name"] for r in suppressed) == ["Kensington and Chelsea", "Westminster"]
    summed = totals["England (sum of authorities)"]
    remainder = totals["suppressed authorities (Kensington and Chelsea, Westminster)"]
    assert summed["published_case_holders_fte"] == pytest.approx(
        sum(r["case_holders_fte"] for r in select_authorities(2025)[0])
    )
    assert summed["published_case_holders_fte"] + remainder[
        "published_case_holders_fte"
    ] == pytest.approx(england["case_holders_fte"])
    assert summed["published_cases"] + remainder["published_cases"] == england["cases"]
    assert remainder["fte_needed"] is None  # never guessed
    assert summed["fte_needed"] == pytest.approx(summed["fte_now"] + len(rows))
    regions = [totals[name] for name in NINE_REGIONS]
    assert sum(t["published_cases"] for t in regions) == summed["published_cases"]
    assert totals["England (DfE)"]["published_case_holders_fte"] == england["case_holders_fte"]


def test_region_and_limit_narrow_the_sweep():
    """London means Inner and Outer London; a limit takes the first authorities in file order."""
    london, suppressed = select_authorities(2025, "london")
    assert {r["region_name"] for r in london} == {"Inner London", "Outer London"}
    assert len(suppressed) == 2
    first_two, _ = select_authorities(2025, "South East", 2)
    assert [r["la_name"] for r in first_two] == ["Bracknell Forest", "Brighton and Hove"]
    with pytest.raises(NationalError, match="did you mean 'North East'"):
        select_authorities(2025, "North Est")


def test_a_dfe_authority_has_the_published_size():
    """A generated authority holds the published cases, and suppressed figures are refused."""
    data, row = dfe_authority("Rutland", CIN.model_copy(update={"name": "cin"}))
    assert len(data.children) == row["cases"]
    with pytest.raises(NationalError, match="suppressed"):
        dfe_authority("Westminster", CIN)


def test_a_plan_can_start_from_an_authoritys_published_figures(tmp_path: Path):
    """base = "dfe:Rutland" builds the base from DfE figures; an unknown name is a plan error."""
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "r"\nbase = "dfe:Rutland"\nas_of = "2026-11-23"\n')
    prepared = prepare_plan(plan)
    assert len(prepared.base.children) == find_authority("Rutland")["cases"]
    plan.write_text('name = "r"\nbase = "dfe:Rutlnd"\nas_of = "2026-11-23"\n')
    with pytest.raises(PlanError) as caught:
        prepare_plan(plan)
    assert "base 'dfe:Rutlnd': no local authority named 'Rutlnd'" in caught.value.problems[0]
    assert "did you mean 'Rutland'" in caught.value.problems[0]
