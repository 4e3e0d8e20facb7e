"""The forecast report: a forecast's bands as a service planner reads them.

Reads the files ``caseload forecast --out DIR`` writes (``bands.csv``,
``rates.csv``, ``summary.json``; docs/forecast.md, "Outputs") and never runs
the forecast again: a headline (weeks, runs, seed, the fast mode, where the
rates came from, and the authority's median and band at the last week for each
measure), a fan chart for the authority, each service and each team (the median
by week and the band from the 10th to the 90th percentile), and the bands and
rates as tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator import InputError, InputProblem
from reports import charts
from reports.about import report_version
from reports.model import Cell, Chart, Column, Figure, Report, Section, Table
from reports.plan import _flatten
from scenarios import FORECAST_BAND_COLUMNS as BAND_COLUMNS
from scenarios import FORECAST_MEASURES
from scenarios import FORECAST_RATE_COLUMNS as RATE_COLUMNS

BANDS_FILE = "bands.csv"
"""The file that makes a folder a forecast's output (with its ``.caseload`` marker)."""
RATES_FILE = "rates.csv"
SUMMARY_FILE = "summary.json"
MARKER = ".caseload"
"""The marker ``caseload forecast`` writes into its folder: ``{"kind": "forecast"}``."""

LEVELS = ("authority", "service", "team")
"""The levels of ``bands.csv``, widest first; the authority's scope is ``all``."""

MEASURE_DECIMALS = {"children_per_fte": 1}
"""Decimals shown per measure; the counts (children, workers) show one too, since a
median over an even number of runs can fall between two counts."""


@dataclass(frozen=True)
class Band:
    """One row of ``bands.csv``: a measure's percentiles over the runs, for one week and
    scope (children per FTE, children or workers)."""

    week: int
    date: str
    level: str
    scope: str
    measure: str
    p10: float
    median: float
    p90: float


def is_forecast(folder: Path) -> bool:
    """Whether ``folder`` is a forecast's output: its marker says so, or it holds
    ``bands.csv``."""
    try:
        marker = json.loads((folder / MARKER).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        marker = None
    if isinstance(marker, dict) and marker.get("kind") == "forecast":
        return True
    return (folder / BANDS_FILE).is_file()


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _read_csv(folder: Path, name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of ``name``, once the file is found, readable and holds ``columns``.

    Raises
    ------
    InputError
        Missing, unreadable, or without one of ``columns`` (named).
    """
    path = folder / name
    if not path.is_file():
        raise InputError(
            [InputProblem(name, None, None, "is missing; 'caseload forecast --out' writes it")]
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            header = [h for h in (reader.fieldnames or []) if h]
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError([InputProblem(name, None, None, f"cannot be read: {exc}")]) from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError([InputProblem(name, 1, None, f"missing column(s) {', '.join(missing)}")])
    return records


def read_bands(folder: Path) -> list[Band]:
    """The rows of a forecast's ``bands.csv``, checked.

    Returns
    -------
    list of Band
        In the file's order.

    Raises
    ------
    InputError
        The file is missing or unreadable, lacks a column, or has a row whose week is
        not a whole number from 0, whose date is not YYYY-MM-DD, whose level is not
        authority, service or team, whose scope or measure is empty, whose p10, median
        or p90 is not a number, whose percentiles are out of order, or that repeats a
        week, scope and measure; or no row is the authority's. Every problem, by row and
        column.
    """
    records = _read_csv(folder, BANDS_FILE, BAND_COLUMNS)
    problems: list[InputProblem] = []
    bands: list[Band] = []
    seen: dict[tuple[int, str, str, str], int] = {}
    for number, record in enumerate(records, start=2):

        def bad(column: str | None, message: str, number: int = number) -> None:
            problems.append(InputProblem(BANDS_FILE, number, column, message))

        if None in record:
            bad(None, "more cells than columns")
            continue
        text = {c: (record.get(c) or "").strip() for c in BAND_COLUMNS}
        row_problems = len(problems)
        week = -1
        if not text["week"].isdigit():
            bad("week", f"not a week number (0, 1, 2, ...): {text['week']!r}")
        else:
            week = int(text["week"])
        try:
            dt.date.fromisoformat(text["date"])
        except ValueError:
            bad("date", f"not a date (YYYY-MM-DD): {text['date']!r}")
        if text["level"] not in LEVELS:
            bad("level", f"not one of {', '.join(LEVELS)}: {text['level']!r}")
        for column in ("scope", "measure"):
            if not text[column]:
                bad(column, "empty")
        values: dict[str, float] = {}
        for column in ("p10", "median", "p90"):
            try:
                values[column] = _finite(text[column])
            except ValueError:
                bad(column, f"not a number: {text[column]!r}")
        if len(values) == 3 and not values["p10"] <= values["median"] <= values["p90"]:
            bad(
                "median",
                f"percentiles out of order: p10 {text['p10']}, median {text['median']}, "
                f"p90 {text['p90']}",
            )
        if len(problems) > row_problems:
            continue
        key = (week, text["level"], text["scope"], text["measure"])
        if key in seen:
            bad(
                "measure",
                f"week {week}, {text['level']} {text['scope']}, {text['measure']} repeats "
                f"row {seen[key]}",
            )
            continue
        seen[key] = number
        bands.append(Band(week, text["date"], text["level"], text["scope"], text["measure"],
                          values["p10"], values["median"], values["p90"]))  # fmt: skip
    if not records:
        problems.append(InputProblem(BANDS_FILE, None, None, "has no rows"))
    elif not problems and not any(b.level == "authority" for b in bands):
        problems.append(InputProblem(BANDS_FILE, None, "level", "has no authority rows"))
    if problems:
        raise InputError(problems)
    return bands


def read_rates(folder: Path) -> list[dict[str, Cell]]:
    """The rows of a forecast's ``rates.csv``: team, category, arrivals and closures per
    week (children) and where each came from.

    Raises
    ------
    InputError
        Missing or unreadable, a column missing, or a rate that is not a number of 0 or
        more (by row and column).
    """
    records = _read_csv(folder, RATES_FILE, RATE_COLUMNS)
    problems: list[InputProblem] = []
    rows: list[dict[str, Cell]] = []
    for number, record in enumerate(records, start=2):
        if None in record:
            problems.append(InputProblem(RATES_FILE, number, None, "more cells than columns"))
            continue
        row: dict[str, Cell] = {c: (record.get(c) or "").strip() or None for c in RATE_COLUMNS}
        for column in ("arrivals_per_week", "closures_per_week"):
            text = str(row[column] or "")
            try:
                value = _finite(text)
                if value < 0:
                    raise ValueError(text)
            except ValueError:
                problems.append(
                    InputProblem(RATES_FILE, number, column, f"not a rate of 0 or more: {text!r}")
                )
                continue
            row[column] = value
        rows.append(row)
    if problems:
        raise InputError(problems)
    return rows


def read_summary(folder: Path) -> dict[str, Any]:
    """The forecast's ``summary.json`` (settings, fast mode, plan, notes, versions).

    Raises
    ------
    InputError
        Missing, unreadable, or not a JSON object.
    """
    path = folder / SUMMARY_FILE
    if not path.is_file():
        raise InputError(
            [InputProblem(SUMMARY_FILE, None, None, "is missing; 'caseload forecast' writes it")]
        )
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            [InputProblem(SUMMARY_FILE, None, None, f"cannot be read: {exc}")]
        ) from None
    if not isinstance(info, dict):
        raise InputError([InputProblem(SUMMARY_FILE, None, None, "is not a JSON object")])
    return info


def _measure_order(bands: list[Band]) -> list[str]:
    """The forecast's measures first, in its order, then any other the file holds."""
    found = list(dict.fromkeys(b.measure for b in bands))
    return [m for m in FORECAST_MEASURES if m in found] + [
        m for m in found if m not in FORECAST_MEASURES
    ]


def _label(measure: str, labels: dict[str, Any]) -> str:
    label = labels.get(measure)
    return str(label) if isinstance(label, str) and label else measure.replace("_", " ")


def _lower(label: str) -> str:
    """``label`` with its first letter in lower case (an acronym such as FTE kept)."""
    return label[:1].lower() + label[1:]


def _rates_words(rates: list[dict[str, Cell]], given: object) -> str:
    """Where the rates came from, counted by kind of source (``referred_on``, ``given``,
    ``steady state``)."""
    if not rates:
        return "No rates: no team had arrivals or closures."
    parts = []
    for column, what in (("arrivals_source", "arrivals"), ("closures_source", "closures")):
        kinds = Counter(str(r[column] or "not stated").split(":")[0] for r in rates)
        parts.append(
            f"{what}: "
            + ", ".join(
                f"{_SOURCE_WORDS.get(k, k)} ({n} of {len(rates)})" for k, n in kinds.most_common()
            )
        )
    where = f" Rates file: {given}." if given else ""
    return "Where the rates came from: " + "; ".join(parts) + "." + where


_SOURCE_WORDS = {
    "referred_on": "estimated from the data's referred_on dates",
    "given": "given in a rates file",
    "steady state": "steady state, equal to arrivals",
}


def forecast_report(folder: Path) -> Report:
    """Build the report of a ``caseload forecast --out`` folder from its files.

    Raises
    ------
    InputError
        ``bands.csv``, ``rates.csv`` or ``summary.json`` missing, unreadable or corrupt:
        every problem of every file, by row and column (see :func:`read_bands`).
    """
    folder = Path(folder)
    problems: list[InputProblem] = []
    bands: list[Band] = []
    rates: list[dict[str, Cell]] = []
    info: dict[str, Any] = {}
    try:
        bands = read_bands(folder)
    except InputError as error:
        problems += error.problems
    try:
        rates = read_rates(folder)
    except InputError as error:
        problems += error.problems
    try:
        info = read_summary(folder)
    except InputError as error:
        problems += error.problems
    if problems:  # every file's problems together
        raise InputError(problems)
    settings: dict[str, Any] = info["settings"] if isinstance(info.get("settings"), dict) else {}
    inputs: dict[str, Any] = info["inputs"] if isinstance(info.get("inputs"), dict) else {}
    labels: dict[str, Any] = info["measures"] if isinstance(info.get("measures"), dict) else {}
    plan: dict[str, Any] | None = info["plan"] if isinstance(info.get("plan"), dict) else None
    runs = settings.get("runs") if isinstance(settings.get("runs"), int) else None
    seed = settings.get("seed")
    measures = _measure_order(bands)
    last = max(b.week for b in bands)
    weeks_ahead = settings.get("weeks") if isinstance(settings.get("weeks"), int) else last
    as_of = str(settings.get("as_of") or min(bands, key=lambda b: b.week).date)

    scopes = list(dict.fromkeys((b.level, b.scope) for b in bands))
    scopes.sort(key=lambda s: LEVELS.index(s[0]))  # stable: the file's order within a level
    series: dict[tuple[str, str, str], list[Band]] = {}
    for b in bands:
        series.setdefault((b.level, b.scope, b.measure), []).append(b)
    for rows in series.values():
        rows.sort(key=lambda b: b.week)

    headline = [
        Figure(id="weeks", label="weeks ahead", value=weeks_ahead, detail=f"from {as_of}"),
        Figure(id="runs", label="runs", value=runs, detail="percentiles are over the runs"),
        Figure(id="seed", label="seed", value=seed if isinstance(seed, int) else None),
    ]
    authority = next(s for s in scopes if s[0] == "authority")
    for m in measures:
        at_end = [b for b in series.get((*authority, m), []) if b.week == last]
        if not at_end:
            continue
        b = at_end[0]
        decimals = MEASURE_DECIMALS.get(m, 1)
        headline.append(
            Figure(
                id=f"last-{m}",
                label=f"{_lower(_label(m, labels))}, median at week {last}",
                value=b.median,
                kind="number",
                decimals=decimals,
                detail=(
                    f"10th to 90th percentile {b.p10:,.{decimals}f} to {b.p90:,.{decimals}f} "
                    f"({b.date}, the authority)"
                ),
            )
        )

    def chart(level: str, scope: str) -> Chart:
        what = {"authority": "the authority", "service": f"service {scope}"}.get(
            level, f"team {scope}"
        )
        title = what[0].upper() + what[1:]
        return charts.fan_chart(
            (f"chart-fan-{level}-{scope}", title),
            what,
            [
                (
                    m,
                    _label(m, labels),
                    [
                        {
                            "week": b.week,
                            "date": b.date,
                            "p10": b.p10,
                            "median": b.median,
                            "p90": b.p90,
                        }
                        for b in series.get((level, scope, m), [])
                    ],
                )
                for m in measures
            ],
            runs,
        )

    key = "Each chart: a panel per measure, weeks along the bottom, each panel its own scale."

    def level(name: str, title: str, chosen: list[tuple[str, str]]) -> Section:
        return Section(
            id=name,
            title=title,
            paragraphs=(key,) if chosen else (f"The forecast has no {name} rows.",),
            charts=tuple(chart(*s) for s in chosen),
            tables=(_at_end_table(series, chosen, measures, labels, last, name),),
            page_break=name != "authority",
        )

    sections = [
        level("authority", "The authority", [authority]),
        level("services", "Services", [s for s in scopes if s[0] == "service"]),
        level("teams", "Teams", [s for s in scopes if s[0] == "team"]),
        Section(
            id="bands",
            title="Bands",
            tables=(_bands_table(bands),),
            page_break=True,
        ),
        Section(id="rates", title="Rates", tables=(_rates_table(rates),), page_break=True),
    ]
    notes = []
    if isinstance(info.get("fast_mode"), str):
        notes.append(str(info["fast_mode"]))
    notes.append(_rates_words(rates, inputs.get("rates")))
    if plan is not None:
        notes.append(
            f"Plan {plan.get('file')}, variant {plan.get('variant')!r}, from week "
            f"{plan.get('from_week')}."
        )
    notes += [
        str(n) for n in info.get("notes", []) if isinstance(n, str) and n != info.get("fast_mode")
    ]
    about = (
        ("forecast folder", str(folder)),
        *_flatten({k: v for k, v in info.items() if k != "measures"}),
        ("report rendered by caseload", report_version()),
    )
    sections.append(
        Section(
            id="about",
            title="About this forecast",
            paragraphs=("From the forecast's summary.json: what reproduces the run.",),
            facts=about,
            page_break=True,
        )
    )
    data = inputs.get("data") or "the data"
    variant = f", variant {plan.get('variant')!r} from week {plan.get('from_week')}" if plan else ""
    return Report(
        kind="forecast",
        title=f"Forecast: {weeks_ahead} weeks from {as_of}{variant}",
        subtitle=(
            f"{data} · {runs if runs is not None else 'unknown number of'} runs · seed "
            f"{seed} · {folder}"
        ),
        headline=tuple(headline),
        notes=tuple(notes),
        sections=tuple(sections),
        about=about,
        footer=f"caseload forecast of {data} · {runs} runs · seed {seed} · from {as_of}",
    )


def _at_end_table(
    series: dict[tuple[str, str, str], list[Band]],
    scopes: list[tuple[str, str]],
    measures: list[str],
    labels: dict[str, Any],
    last: int,
    name: str,
) -> Table:
    """Per scope and measure: the median at week 0 and the band at the last week."""
    rows: list[tuple[Cell, ...]] = []
    for level, scope in scopes:
        for m in measures:
            found = series.get((level, scope, m), [])
            if not found:
                continue
            start, end = found[0], found[-1]
            rows.append(
                (scope, _label(m, labels), start.median, end.p10, end.median, end.p90,
                 round(end.median - start.median, 6))
            )  # fmt: skip
    return Table(
        id=f"at-end-{name}",
        title=f"Week {last}, against week 0",
        caption=(
            "Median over the runs at week 0 and at the last week, the last week's 10th and "
            "90th percentiles, and the change in the median; as bands.csv has them."
        ),
        columns=(
            Column(key="scope", label="scope"),
            Column(key="measure", label="measure"),
            Column(key="start", label="median, week 0", kind="number", decimals=2),
            Column(key="p10", label=f"10th percentile, week {last}", kind="number", decimals=2),
            Column(key="median", label=f"median, week {last}", kind="number", decimals=2),
            Column(key="p90", label=f"90th percentile, week {last}", kind="number", decimals=2),
            Column(key="change", label="change in median", kind="number", decimals=2),
        ),
        rows=tuple(rows),
        sheet={"authority": "Authority", "services": "Services", "teams": "Teams"}[name],
    )


def _bands_table(bands: list[Band]) -> Table:
    """Every row of ``bands.csv``, in its order, filtered by level, scope and measure."""
    return Table(
        id="bands",
        title="Every band",
        caption=(
            "bands.csv as written: per week, scope and measure, the 10th percentile, median "
            "and 90th percentile over the runs. Filter by level, scope or measure."
        ),
        columns=(
            Column(key="week", label="week", kind="int"),
            Column(key="date", label="date"),
            Column(key="level", label="level"),
            Column(key="scope", label="scope"),
            Column(key="measure", label="measure"),
            Column(key="p10", label="10th percentile", kind="number", decimals=2),
            Column(key="median", label="median", kind="number", decimals=2),
            Column(key="p90", label="90th percentile", kind="number", decimals=2),
        ),
        rows=tuple(
            (b.week, b.date, b.level, b.scope, b.measure, b.p10, b.median, b.p90) for b in bands
        ),
        sheet="Bands",
        interactive=True,
        filters=("level", "scope", "measure"),
    )


def _rates_table(rates: list[dict[str, Cell]]) -> Table:
    """``rates.csv``: every team and category's arrivals and closures and their source."""
    return Table(
        id="rates",
        title="Arrivals and closures per week",
        caption="rates.csv as written: children a week, per team and category, and the source.",
        columns=(
            Column(key="team_id", label="team"),
            Column(key="category", label="category"),
            Column(key="arrivals_per_week", label="arrivals a week", kind="number", decimals=2),
            Column(key="closures_per_week", label="closures a week", kind="number", decimals=2),
            Column(key="arrivals_source", label="arrivals from"),
            Column(key="closures_source", label="closures from"),
        ),
        rows=tuple(tuple(r[c] for c in RATE_COLUMNS) for r in rates),
        sheet="Rates",
        empty="No rates: no team had arrivals or closures.",
    )
