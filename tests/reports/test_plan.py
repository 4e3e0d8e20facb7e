"""Tests for reports.plan: a scenario plan's comparison, from the files the spec fixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocator import InputError
from reports import build_report, folder_kind, render_html
from tests.support import chromium

# A comparison.csv as scenario-format.md (v1) fixes it, with one extra column after.
COMPARISON = """\
variant,case_holding_fte,children,children_allocated,children_unallocated,mean_children_per_fte,max_children_per_fte,workers_above_cap,workers_above_threshold,sibling_groups_split,objective,fte_needed,stopped
base,140.5,2516,225,25,17.9,30,12,26,3,69418.43,1.4,
lose 3 FTE in CIN,137.5,2516,214,36,18.3,30,12,31,3,70102.2,4.6,
Merton caps,140.5,2516,225,25,17.9,30,9,26,3,69418.43,1.4,yes
"""


def write_plan(folder: Path, comparison: str = COMPARISON) -> Path:
    """A plan output folder by hand: comparison.csv, summary.json, a variants/ folder."""
    (folder / "variants" / "base").mkdir(parents=True)
    (folder / "comparison.csv").write_text(comparison, encoding="utf-8")
    summary = {"plan": {"name": "CIN pressures, spring", "seed": 0}, "caseload_version": "0.1.0"}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def table(report, table_id):
    return next(t for t in report.tables() if t.id == table_id)


def test_a_plan_folder_is_recognised(tmp_path):
    """comparison.csv makes a folder a plan's output."""
    assert folder_kind(write_plan(tmp_path)) == "plan"


def test_the_comparison_keeps_every_column_and_row(tmp_path):
    """The table holds the spec's columns, then the extra one, a row per variant, base first."""
    report = build_report(write_plan(tmp_path))
    comparison = table(report, "comparison")
    keys = [c.key for c in comparison.columns]
    assert keys[:12] == [
        "variant",
        "case_holding_fte",
        "children",
        "children_allocated",
        "children_unallocated",
        "mean_children_per_fte",
        "max_children_per_fte",
        "workers_above_cap",
        "workers_above_threshold",
        "sibling_groups_split",
        "objective",
        "fte_needed",
    ]
    assert keys[12] == "stopped"
    rows = comparison.records()
    assert [r["variant"] for r in rows] == ["base", "lose 3 FTE in CIN", "Merton caps"]
    assert rows[1]["children_unallocated"] == 36 and rows[1]["fte_needed"] == 4.6
    assert report.title == "Scenario plan: CIN pressures, spring"


def test_differences_from_base_are_computed_and_highlighted(tmp_path):
    """Differences are variant minus base; on the page only changed cells are marked."""
    report = build_report(write_plan(tmp_path))
    diffs = {r["variant"]: r for r in table(report, "differences").records()}
    assert diffs["lose 3 FTE in CIN"]["children_unallocated"] == 11
    assert diffs["lose 3 FTE in CIN"]["case_holding_fte"] == -3
    assert diffs["Merton caps"]["workers_above_cap"] == -3
    assert diffs["Merton caps"]["objective"] == 0
    page = render_html(report)
    marked = page.count(' t-changed" data-raw')  # highlighted cells, not the legend
    # lose 3 FTE: FTE, allocated, waiting, mean, threshold, objective and FTE needed
    # differ (7); Merton caps: workers above cap only (1).
    assert marked == 8


def test_a_chart_per_key_measure(tmp_path):
    """Seven key measures, each a chart naming every variant in its alt text."""
    report = build_report(write_plan(tmp_path))
    charts = report.charts()
    assert len(charts) == 7
    waiting = next(c for c in charts if c.id == "chart-children_unallocated")
    assert waiting.alt == (
        "children waiting per variant: base 25.00; lose 3 FTE in CIN 36.00; Merton caps 25.00."
    )


def test_the_plan_page_renders_without_errors(tmp_path):
    """In Chromium the plan page logs nothing and shows both tables and the charts."""
    page_html = render_html(build_report(write_plan(tmp_path)))
    with chromium() as browser:
        page = browser.new_page()
        messages = []
        page.on("console", lambda m: messages.append(m.text))
        page.on("pageerror", lambda e: messages.append(str(e)))
        page.set_content(page_html, wait_until="load")
        assert messages == []
        assert len(page.query_selector_all("#table-comparison tbody tr")) == 3
        assert len(page.query_selector_all("#table-differences tbody tr")) == 2
        assert len(page.query_selector_all("figure.chart svg")) == 7
        base = page.get_attribute("[data-figure='base-waiting']", "data-value")
        assert base == "25"


def test_bad_cells_and_missing_columns_are_named(tmp_path):
    """A number column holding text is named by row and column; all problems together."""
    bad = COMPARISON.replace("137.5", "lots").replace(",36,", ",n/a,")
    with pytest.raises(InputError) as caught:
        build_report(write_plan(tmp_path, bad))
    assert [(p.file, p.row, p.column, p.message) for p in caught.value.problems] == [
        ("comparison.csv", 3, "case_holding_fte", "not a number: 'lots'"),
        ("comparison.csv", 3, "children_unallocated", "not a number: 'n/a'"),
    ]


def test_a_comparison_without_the_specs_columns_is_refused(tmp_path):
    """Missing columns are listed; a first row other than base is named."""
    folder = write_plan(tmp_path / "a", "variant,children\nbase,3\n")
    with pytest.raises(InputError, match="missing column"):
        build_report(folder)
    lines = COMPARISON.splitlines()
    swapped = "\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n"
    with pytest.raises(InputError, match="not 'base'"):
        build_report(write_plan(tmp_path / "b", swapped))
