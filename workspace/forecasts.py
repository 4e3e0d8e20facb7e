"""Planners' read-only views of forecasts: the folders under ``PLANS/forecasts``, each
forecast's bands, and forecasts compared side by side.

A forecast's folder is what ``caseload forecast --out`` writes (``bands.csv``,
``rates.csv``, ``summary.json``, ``fan.svg``; docs/forecast.md); it is read
through the reports' public API (``read_bands``, ``read_forecast_summary``), so
a folder the report would refuse is refused here too, and the comparison's
chart is the reports' ``forecast_comparison_chart``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios import FORECAST_MEASURES
from workspace.forecasting import FORECASTS_FOLDER
from workspace.jobs import RunRefused

MEASURE_LABELS = {
    "children_per_fte": "Children per case-holding FTE",
    "children_waiting": "Children waiting for a worker",
    "workers_above_approval": "Workers above an approval threshold",
    "workers_above_exception": "Workers above an exception threshold",
}
"""The measures' names as the pages show them (a forecast's summary.json may name its own)."""
AUTHORITY = "authority:all"
MAX_COMPARED = 6
"""At most six forecasts side by side: the chart tells them apart by six dash patterns."""
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class Forecast:
    """A forecast's folder read: its settings and its bands (``reports.Band`` rows)."""

    name: str
    folder: Path
    summary: dict[str, Any]
    bands: list[Any]

    @property
    def weeks(self) -> int:
        return max((b.week for b in self.bands), default=0)

    @property
    def runs(self) -> int | None:
        runs = self.summary.get("settings", {}).get("runs")
        return runs if isinstance(runs, int) else None

    def labels(self) -> dict[str, str]:
        given = self.summary.get("measures")
        named = given if isinstance(given, dict) else {}
        return {m: str(named.get(m, MEASURE_LABELS.get(m, m))) for m in self.measures()}

    def measures(self) -> list[str]:
        found = list(dict.fromkeys(b.measure for b in self.bands))
        return [m for m in FORECAST_MEASURES if m in found] + [
            m for m in found if m not in FORECAST_MEASURES
        ]

    def scopes(self) -> list[str]:
        """``level:scope`` of every scope, the authority first, then services, then teams."""
        return list(dict.fromkeys(f"{b.level}:{b.scope}" for b in self.bands))

    def at(self, scope: str) -> list[Any]:
        level, _, name = scope.partition(":")
        return [b for b in self.bands if b.level == level and b.scope == name]

    def plan_words(self) -> str:
        plan = self.summary.get("plan")
        if not isinstance(plan, dict):
            return "no change"
        file = Path(str(plan.get("file", ""))).name
        return f"{file}: {plan.get('variant')} from week {plan.get('from_week')}"

    def rates_words(self) -> str:
        """Where the rates came from: the rates file given, or the estimate."""
        given = (self.summary.get("inputs") or {}).get("rates")
        if given:
            return f"rates file {Path(str(given).removeprefix('given: ')).name}"
        return "estimated from referred_on, closures at the steady state"


def forecasts_dir(plans_dir: Path | None) -> Path | None:
    return None if plans_dir is None else plans_dir / FORECASTS_FOLDER


def forecast_names(plans_dir: Path | None) -> list[str]:
    """The forecasts' folders under ``PLANS/forecasts``, by name (unreadable ones too: their
    page says what is wrong)."""
    from reports import folder_kind

    root = forecasts_dir(plans_dir)
    if root is None or not root.is_dir():
        return []
    names = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and NAME.match(p.name)):
        try:
            if folder_kind(folder) == "forecast":
                names.append(folder.name)
        except Exception:
            continue
    return names


def read_forecast(plans_dir: Path | None, name: str) -> Forecast:
    """The forecast of that name, read and checked.

    Raises
    ------
    RunRefused
        404: no such forecast; 422: its folder cannot be read (the problems named by
        file, row and column).
    """
    from allocator import InputError, describe_problems
    from reports import read_bands, read_forecast_summary

    if name not in forecast_names(plans_dir):
        raise RunRefused(404, f"no forecast {name!r} in the forecasts folder")
    root = forecasts_dir(plans_dir)
    assert root is not None
    folder = root / name
    try:
        return Forecast(name, folder, read_forecast_summary(folder), read_bands(folder))
    except InputError as exc:
        raise RunRefused(
            422,
            f"the forecast {name!r} cannot be read: " + "; ".join(describe_problems(exc.problems)),
        ) from None


def overview(forecast: Forecast) -> dict[str, Any]:
    """A forecast in the list: its settings and the authority's bands at its last week."""
    settings = forecast.summary.get("settings", {})
    last = forecast.weeks
    return {
        "name": forecast.name,
        "as_of": settings.get("as_of"),
        "weeks": last,
        "runs": forecast.runs,
        "seed": settings.get("seed"),
        "work_limit": settings.get("work_limit"),
        "data": (forecast.summary.get("inputs") or {}).get("data"),
        "policy": (forecast.summary.get("inputs") or {}).get("policy"),
        "plan": forecast.plan_words(),
        "rates": forecast.rates_words(),
        "last_week": [band_row(b) for b in forecast.at(AUTHORITY) if b.week == last],
    }


def band_row(band: Any) -> dict[str, Any]:
    return {
        "week": band.week,
        "date": band.date,
        "level": band.level,
        "scope": band.scope,
        "measure": band.measure,
        "p10": band.p10,
        "median": band.median,
        "p90": band.p90,
    }


def parse_weeks(text: str | list[str] | None, last: int) -> list[int]:
    """The weeks asked for (``"0, 13, 26"``), or week 0, the middle and the last.

    Raises
    ------
    RunRefused
        422: a week that is not a whole number from 0.

    Examples
    --------
    >>> parse_weeks(None, 26), parse_weeks("26, 4,4", 26)
    ([0, 13, 26], [4, 26])
    """
    parts = text if isinstance(text, list) else [text or ""]
    found = [w.strip() for part in parts for w in re.split(r"[\s,;]+", part) if w.strip()]
    if not found:
        return sorted({0, last // 2, last})
    bad = [w for w in found if not w.isdigit()]
    if bad:
        raise RunRefused(422, f"weeks {', '.join(bad)}: whole numbers from 0, such as 0, 13, 26")
    return sorted({int(w) for w in found})


def compare(
    plans_dir: Path | None, names: list[str], scope: str = AUTHORITY, weeks: Any = None
) -> tuple[dict[str, Any], list[Forecast]]:
    """Forecasts side by side at chosen weeks for one scope.

    Returns
    -------
    dict, list of Forecast
        The comparison: ``scope``, ``weeks``, ``forecasts`` (each one's overview) and ``rows``: per
        forecast, week and measure, ``p10``, ``median`` and ``p90`` (``None`` where a
        forecast has no such week or scope); and the forecasts read.

    Raises
    ------
    RunRefused
        422: fewer than two forecasts or more than six, a bad week or scope; 404: an
        unknown forecast.
    """
    chosen = list(dict.fromkeys(names))
    if not 2 <= len(chosen) <= MAX_COMPARED:
        raise RunRefused(422, f"choose from 2 to {MAX_COMPARED} forecasts to compare")
    if not re.match(r"^(authority|service|team):.{1,100}$", scope):
        raise RunRefused(422, f"scope {scope!r}: authority:all, service:NAME or team:TEAM_ID")
    forecasts = [read_forecast(plans_dir, n) for n in chosen]
    if not any(scope in f.scopes() for f in forecasts):
        raise RunRefused(422, f"no forecast chosen has the scope {scope!r}")
    chosen_weeks = parse_weeks(weeks, max(f.weeks for f in forecasts))
    rows = []
    for forecast in forecasts:
        bands = {(b.week, b.measure): b for b in forecast.at(scope)}
        for week in chosen_weeks:
            for measure in forecast.measures():
                band = bands.get((week, measure))
                rows.append(
                    {
                        "forecast": forecast.name,
                        "week": week,
                        "date": band.date if band else None,
                        "measure": measure,
                        "p10": band.p10 if band else None,
                        "median": band.median if band else None,
                        "p90": band.p90 if band else None,
                    }
                )
    compared = {
        "scope": scope,
        "weeks": chosen_weeks,
        "forecasts": [overview(f) for f in forecasts],
        "rows": rows,
    }
    return compared, forecasts


def scope_words(scope: str) -> str:
    level, _, name = scope.partition(":")
    return "the authority" if level == "authority" else f"{level} {name}"


def comparison_svg(forecasts: list[Forecast], scope: str) -> str:
    """The forecasts' chart for ``scope`` (the reports' ``forecast_comparison_chart``), as
    SVG text: every week, each forecast's median over its band."""
    from reports import chart_svg, forecast_comparison_chart

    labels: dict[str, str] = {}
    for f in forecasts:
        labels.update({m: v for m, v in f.labels().items() if m not in labels})
    series = [(f.name, [band_row(b) for b in f.at(scope)]) for f in forecasts]
    chart = forecast_comparison_chart(scope_words(scope), list(labels.items()), series)
    return chart_svg(chart)


def fan_chart_of(forecast: Forecast, scope: str) -> Any:
    """The reports' fan chart of one scope of the forecast (``reports.fan_chart``): a panel
    per measure, the median by week over the band from the 10th to the 90th percentile."""
    from reports import fan_chart

    words = scope_words(scope)
    labels = forecast.labels()
    bands = forecast.at(scope)
    measures = [
        (m, labels[m], [band_row(b) for b in bands if b.measure == m]) for m in forecast.measures()
    ]
    title = words[0].upper() + words[1:]
    return fan_chart((f"chart-fan-{scope}", title), words, measures, forecast.runs)
