"""Tests for reports.forecast: a real ``caseload forecast`` folder (two teams in two services,
3 weeks, 3 runs) rendered as a page, a workbook and, for bad folders, an error."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from allocator import InputError
from caseload.cli import main
from reports import build_report, folder_kind, render_html, render_xlsx
from tests.support import chromium

MEASURES = (
    "children_per_fte",
    "children_waiting",
    "workers_above_approval",
    "workers_above_exception",
)


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A forecast folder written by the real command at the smallest useful scope."""
    root = tmp_path_factory.mktemp("forecast")
    made = run("example", root / "data", "--fte", 12, "--new", 4)
    assert made.exit_code == 0, made.output
    args = ("--weeks", 3, "--runs", 3, "--as-of", "2026-11-23", "--seed", 5)
    done = run("forecast", root / "data", *args, "--out", root / "fc")
    assert done.exit_code == 0, done.output
    return root / "fc"


@pytest.fixture(scope="module")
def report(folder: Path):
    return build_report(folder)


def bands(folder: Path) -> list[dict[str, str]]:
    with (folder / "bands.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def copy(folder: Path, to: Path) -> Path:
    """A copy of the forecast folder (its marker too) to spoil."""
    return Path(shutil.copytree(folder, to))


def test_a_forecast_folder_is_recognised(folder, tmp_path):
    """The marker makes a forecast folder, even when bands.csv is missing."""
    assert folder_kind(folder) == "forecast"
    spoiled = copy(folder, tmp_path / "fc")
    (spoiled / "bands.csv").unlink()
    assert folder_kind(spoiled) == "forecast"


def test_headline_numbers_equal_bands_csv_and_summary(report, folder):
    """Weeks, runs, seed are summary.json's; each measure's figure is bands.csv's last week."""
    settings = json.loads((folder / "summary.json").read_text("utf-8"))["settings"]
    figures = {f.id: f for f in report.headline}
    assert (figures["weeks"].value, figures["runs"].value, figures["seed"].value) == (3, 3, 5)
    assert (settings["weeks"], settings["runs"], settings["seed"]) == (3, 3, 5)
    last = {
        r["measure"]: r for r in bands(folder) if r["level"] == "authority" and r["week"] == "3"
    }
    assert sorted(last) == sorted(MEASURES)
    for measure, row in last.items():
        figure = figures[f"last-{measure}"]
        assert figure.value == float(row["median"])
        decimals = 1
        assert f"{float(row['p10']):,.{decimals}f} to {float(row['p90']):,.{decimals}f}" in (
            figure.detail
        )
    assert figures["last-children_per_fte"].value > 0


def test_the_notes_say_fast_mode_and_where_rates_came_from(report):
    """The fast mode and the rates' sources (estimated from referred_on, steady state)."""
    notes = " ".join(report.notes)
    assert "fast mode (greedy)" in notes and "keeps every rule of the policy" in notes
    assert "estimated from the data's referred_on dates" in notes
    assert "steady state, equal to arrivals" in notes


def test_a_fan_chart_per_authority_service_and_team_with_the_csv_numbers(report, folder):
    """One chart for the authority, each service and each team; its points are bands.csv's."""
    rows = bands(folder)
    scopes = list(dict.fromkeys((r["level"], r["scope"]) for r in rows))
    assert [s[0] for s in scopes].count("team") == 2
    assert [s[0] for s in scopes].count("service") == 2
    charts = {c.id: c for c in report.charts()}
    assert sorted(charts) == sorted(f"chart-fan-{level}-{scope}" for level, scope in scopes)
    labels = json.loads((folder / "summary.json").read_text("utf-8"))["measures"]
    for level, scope in scopes:
        chart = charts[f"chart-fan-{level}-{scope}"]
        points = {
            (p["measure"], p["week"]): (p["p10"], p["median"], p["p90"])
            for p in chart.spec["data"]["values"]
        }
        expected = {
            (labels[r["measure"]], int(r["week"])): (
                float(r["p10"]),
                float(r["median"]),
                float(r["p90"]),
            )
            for r in rows
            if (r["level"], r["scope"]) == (level, scope)
        }
        assert points == expected
        assert "median" in chart.alt and "10th to 90th percentile" in chart.alt
        assert "over 3 runs" in chart.alt


def test_the_tables_hold_every_band_and_rate(report, folder):
    """The bands table is bands.csv row for row; the rates table is rates.csv's."""
    tables = {t.id: t for t in report.tables()}
    shown = [
        tuple(str(v) if isinstance(v, str) else float(v) for v in row)
        for row in tables["bands"].rows
    ]
    expected = [
        (
            float(r["week"]),
            r["date"],
            r["level"],
            r["scope"],
            r["measure"],
            float(r["p10"]),
            float(r["median"]),
            float(r["p90"]),
        )
        for r in bands(folder)
    ]
    assert shown == expected
    with (folder / "rates.csv").open(encoding="utf-8", newline="") as stream:
        rates = list(csv.DictReader(stream))
    assert [r["arrivals_per_week"] for r in tables["rates"].records()] == [
        float(r["arrivals_per_week"]) for r in rates
    ]
    assert [r["closures_source"] for r in tables["rates"].records()] == [
        r["closures_source"] for r in rates
    ]


def test_the_workbook_has_a_sheet_per_table(report):
    """Authority, services, teams, bands and rates each have a sheet with a frozen header."""
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    for name in ("Authority", "Services", "Teams", "Bands", "Rates"):
        assert name in book.sheetnames
        assert book[name].freeze_panes == "A2"
    sheet = book["Bands"]
    assert [c.value for c in sheet[1]][:5] == ["week", "date", "level", "scope", "measure"]
    assert sheet.max_row == 1 + len(next(t for t in report.tables() if t.id == "bands").rows)
    assert isinstance(sheet.cell(2, 7).value, int | float)


def test_the_page_renders_in_chromium_without_errors(report, folder):
    """In Chromium: no console error or request, every chart drawn, bands.csv's median shown."""
    page_html = render_html(report)
    with chromium() as browser:
        page = browser.new_page()
        messages, requests = [], []
        page.on("console", lambda m: messages.append(m.text))
        page.on("pageerror", lambda e: messages.append(str(e)))
        page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
        page.set_content(page_html, wait_until="load")
        assert messages == [] and requests == []
        figures = page.query_selector_all("figure.chart")
        assert len(figures) == 5
        for figure in figures:
            assert figure.get_attribute("role") == "img"
            assert figure.query_selector("svg .mark-area") and figure.query_selector(
                "svg .mark-line"
            )
        assert len(page.query_selector_all("#table-bands tbody tr")) == len(bands(folder))
        last = next(
            r
            for r in bands(folder)
            if (r["level"], r["measure"], r["week"]) == ("authority", "children_per_fte", "3")
        )
        shown = page.get_attribute("[data-figure='last-children_per_fte']", "data-value")
        assert float(shown) == float(last["median"])


def test_caseload_report_writes_the_forecast_report_and_a_new_forecast_replaces_it(
    folder, tmp_path
):
    """caseload report FC writes FC/report.html; a later forecast to FC is not refused."""
    fc = copy(folder, tmp_path / "fc")
    done = run("report", fc)
    assert done.exit_code == 0, done.output
    assert (fc / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert run("report", fc, "--format", "xlsx").exit_code == 0
    data = json.loads((fc / "summary.json").read_text("utf-8"))["inputs"]["data"]
    again = run("forecast", data, "--weeks", 1, "--runs", 1, "--as-of", "2026-11-23", "--out", fc)
    assert again.exit_code == 0, again.output
    assert not (fc / "report.html").exists() and not (fc / "report.xlsx").exists()


def test_a_corrupt_bands_csv_is_named_by_row_and_column(folder, tmp_path):
    """Every bad cell of bands.csv is listed (file, row, column), exit 2, nothing written."""
    fc = copy(folder, tmp_path / "fc")
    lines = (fc / "bands.csv").read_text("utf-8").splitlines()
    cells = lines[2].split(",")
    cells[5] = "lots"  # p10 of row 3
    lines[2] = ",".join(cells)
    cells = lines[5].split(",")
    cells[0] = "-1"  # week of row 6
    cells[2] = "region"  # level of row 6
    lines[5] = ",".join(cells)
    cells = lines[6].split(",")
    cells[5], cells[7] = "9", "1"  # p10 above p90 in row 7
    lines[6] = ",".join(cells)
    (fc / "bands.csv").write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(InputError) as caught:
        build_report(fc)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("bands.csv", 3, "p10"),
        ("bands.csv", 6, "week"),
        ("bands.csv", 6, "level"),
        ("bands.csv", 7, "median"),
    ]
    done = run("report", fc)
    assert done.exit_code == 2
    assert "bands.csv, row 3, column p10: not a number: 'lots'" in done.output
    assert "Traceback" not in done.output
    assert not (fc / "report.html").exists()


def test_a_missing_bands_csv_or_column_is_named(folder, tmp_path):
    """No bands.csv, or one without a column, is an error naming the file; exit 2."""
    fc = copy(folder, tmp_path / "a")
    (fc / "bands.csv").unlink()
    done = run("report", fc, "--format", "xlsx")
    assert done.exit_code == 2
    assert "bands.csv: is missing" in done.output
    assert not (fc / "report.xlsx").exists()
    fc = copy(folder, tmp_path / "b")
    text = (fc / "bands.csv").read_text("utf-8").replace(",median,", ",middle,", 1)
    (fc / "bands.csv").write_text(text, "utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) median"):
        build_report(fc)


def test_every_files_problems_are_listed_together(folder, tmp_path):
    """A bad date, a bad rate and a corrupt summary.json are named together (file, row, column)."""
    fc = copy(folder, tmp_path / "fc")
    lines = (fc / "rates.csv").read_text("utf-8").splitlines()
    cells = lines[1].split(",")
    cells[2] = "often"
    lines[1] = ",".join(cells)
    (fc / "rates.csv").write_text("\n".join(lines) + "\n", "utf-8")
    (fc / "summary.json").write_text("{not json", "utf-8")
    text = (fc / "bands.csv").read_text("utf-8").replace("2026-11-23", "23/11/2026", 1)
    (fc / "bands.csv").write_text(text, "utf-8")
    with pytest.raises(InputError) as caught:
        build_report(fc)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("bands.csv", 2, "date"),
        ("rates.csv", 2, "arrivals_per_week"),
        ("summary.json", None, None),
    ]
