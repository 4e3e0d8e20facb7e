"""Tests for reports.html: the page, rendered in headless Chromium as a manager opens it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reports import build_report, render_html
from tests.support import chromium, report_proposal


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_proposal(tmp_path_factory.mktemp("proposal") / "out")


@pytest.fixture(scope="module")
def html(folder: Path) -> str:
    return render_html(build_report(folder))


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, html):
    """The report open in a fresh page; console messages, page errors and every request
    the page makes are recorded (and any request is refused)."""
    context = browser.new_context()
    tab = context.new_page()
    tab.messages, tab.requests = [], []
    tab.on("console", lambda m: tab.messages.append(f"{m.type}: {m.text}"))
    tab.on("pageerror", lambda e: tab.messages.append(f"pageerror: {e}"))

    def refuse(route):
        tab.requests.append(route.request.url)
        route.abort()

    tab.route("**/*", refuse)
    tab.set_content(html, wait_until="load")
    yield tab
    context.close()


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text("utf-8"))


def test_the_page_logs_nothing_and_requests_nothing(page):
    """No console message or script error, and no request leaves the page."""
    assert page.messages == []
    assert page.requests == []


def test_nothing_links_off_the_page(page):
    """Every href is an anchor on the page; no element has a src."""
    hrefs = page.eval_on_selector_all("[href]", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith("#") for h in hrefs)
    assert page.eval_on_selector_all("[src]", "els => els.length") == 0
    assert "url(" not in page.eval_on_selector_all(
        "style", "els => els.map(e => e.textContent).join('')"
    )


def test_headline_numbers_equal_summary_json(page, folder):
    """The figures shown are summary.json's: allocated, waiting, split, threshold bands."""
    info = summary(folder)
    shown = {
        f: page.get_attribute(f"[data-figure='{f}']", "data-value")
        for f in ("allocated", "waiting", "split", "above-threshold")
    }
    assert shown == {
        "allocated": str(info["children_allocated"]),
        "waiting": str(info["children_unallocated"]),
        "split": str(info["sibling_groups_split"]),
        "above-threshold": str(sum(info["workers_above_threshold"].values())),
    }
    text = page.inner_text("[data-figure='allocated'] .value")
    assert text == str(info["children_allocated"])


def test_every_chart_is_an_inline_svg_with_alt_text(page, folder):
    """Each chart figure holds a drawn SVG and an aria-label naming its figures."""
    figures = page.query_selector_all("figure.chart")
    assert len(figures) == len(build_report(folder).charts()) == 4
    for figure in figures:
        assert figure.get_attribute("role") == "img"
        assert len(figure.get_attribute("aria-label")) > 40
        assert figure.query_selector("svg .mark-rect, svg .mark-symbol, svg .mark-line")


def test_tables_hold_one_row_per_worker_and_child(page, folder):
    """Team tables have a row per worker of workers.csv; the list a row per batch child."""
    with (folder / "workers.csv").open(encoding="utf-8", newline="") as f:
        teams = [r["team_id"] for r in csv.DictReader(f)]
    for team in ("T1", "T2"):
        rows = page.query_selector_all(f"#table-workers-{team} tbody tr")
        assert len(rows) == teams.count(team)
    info = summary(folder)
    batch = info["children_allocated"] + info["children_unallocated"] + info["children_moved"]
    assert len(page.query_selector_all("#table-allocations tbody tr")) == batch


def test_threshold_and_cap_cells_are_highlighted_with_their_meaning(page):
    """W1's children per FTE is marked as above the approval threshold, with the policy's words."""
    cell = page.query_selector(
        "#table-workers-T1 tbody tr:has(td.c-worker:text-is('W1')) td.c-per_fte_after"
    )
    assert "t-approval" in cell.get_attribute("class")
    assert cell.get_attribute("title") == (
        "above 22 children per FTE: agreed by the head of service; an action plan to reduce "
        "this number"
    )
    after = page.query_selector(
        "#table-workers-T1 tbody tr:has(td.c-worker:text-is('W1')) td.c-after"
    )
    assert "t-cap" in after.get_attribute("class")


def test_the_allocation_list_sorts_by_a_column(page):
    """Clicking 'weight' orders the rows by weight, numerically, then reverses them."""
    page.click("#table-allocations button.sort[data-sort='c-weight']")
    weights = [
        float(t)
        for t in page.eval_on_selector_all(
            "#table-allocations tbody tr td.c-weight", "els => els.map(e => e.textContent)"
        )
    ]
    assert weights == sorted(weights) and len(set(weights)) > 1
    page.click("#table-allocations button.sort[data-sort='c-weight']")
    again = [
        float(t)
        for t in page.eval_on_selector_all(
            "#table-allocations tbody tr td.c-weight", "els => els.map(e => e.textContent)"
        )
    ]
    assert again == sorted(weights, reverse=True)


def test_the_allocation_list_filters_and_searches(page, folder):
    """Picking status 'unallocated' shows the waiting children; a search finds one child."""
    page.select_option("#table-allocations select[data-column='status']", "unallocated")
    shown = page.eval_on_selector_all(
        "#table-allocations tbody tr td.c-child", "els => els.map(e => e.textContent)"
    )
    assert shown == ["C-SKILL"]
    assert page.inner_text("#table-allocations .shown").startswith("1 of ")
    page.select_option("#table-allocations select[data-column='status']", "")
    page.fill("#table-allocations input.search", "N3")
    shown = page.eval_on_selector_all(
        "#table-allocations tbody tr td.c-child", "els => els.map(e => e.textContent)"
    )
    assert shown == ["N3"]


def test_user_text_is_escaped(tmp_path):
    """A reason or id holding markup is shown as text, never run."""
    from reports.model import Column, Report, Section, Table

    report = Report(
        kind="allocation",
        title="<script>alert(1)</script>",
        sections=(
            Section(
                id="s",
                title="s",
                tables=(
                    Table(
                        id="t",
                        title="t",
                        columns=(Column(key="reason", label="reason"),),
                        rows=(("<img src=x onerror=alert(1)>",),),
                    ),
                ),
            ),
        ),
    )
    page = render_html(report)
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<script>alert" not in page
