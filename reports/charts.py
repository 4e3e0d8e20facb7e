"""One function per chart: each returns a :class:`~reports.model.Chart` (a Vega-Lite spec
built with Altair, its data inline) with alt text and a key.

Charts are drawn in black, white and greys, with shapes and dash patterns
rather than colour, so they read the same printed in black and white.
:func:`chart_svg` renders a spec to SVG text with vl-convert (no browser, no
network, local files blocked).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from typing import Any

import altair as alt

from reports.formats import format_value
from reports.model import Chart

INK = "#111111"
BAR = "#b0b0b0"
LIGHT = "#e2e2e2"
FONT = "Helvetica, Arial, sans-serif"
WIDTH = 560

_CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelColor": INK, "titleColor": INK, "gridColor": LIGHT, "tickColor": INK},
    "title": {"anchor": "start", "fontSize": 13, "color": INK},
}


def _chart(
    layers: list[Any],
    rows: list[dict[str, Any]],
    ids: tuple[str, str],
    alt_text: str,
    key: str,
    **properties: Any,
) -> Chart:
    """A layered chart over ``rows``, as a :class:`Chart` with id and title ``ids``.

    The data and every property are given to one constructor (each Altair
    ``.properties()`` call copies the whole chart, data included), and the spec is
    not validated here: the tests validate every chart against the Vega-Lite
    schema (``tests/reports/test_charts.py``); doing it at render time would double
    the report's time.
    """
    chart = alt.LayerChart(
        layer=layers,
        data=alt.Data(values=rows),
        description=alt_text,
        config=_CONFIG,
        **properties,
    )
    spec = chart.to_dict(validate=False)
    return Chart(id=ids[0], title=ids[1], alt=alt_text, key=key, spec=spec)


def _number(value: float) -> str:
    return format_value(value, "number", 1)


def team_workers_chart(
    team_id: str,
    workers: Sequence[dict[str, Any]],
    thresholds: Sequence[tuple[str, float]],
    average: float | None,
) -> Chart:
    """Each case-holding worker's children per FTE before and after, against their cap,
    the team average and the policy's threshold lines.

    Parameters
    ----------
    team_id
        The team, for the title and alt text.
    workers
        One mapping per worker: ``label`` (worker id, with ``ASYE`` or the FTE of a
        part-time worker), ``before``, ``after`` and ``cap`` in children per FTE
        (``cap`` may be None when the worker has no cap).
    thresholds
        ``(name, children per FTE)`` lines to draw (the policy's bands).
    average
        The team's children per FTE after allocation (total children over total FTE).
    """
    rows = [
        {"worker": w["label"], "before": w["before"], "after": w["after"], "cap": w["cap"]}
        for w in workers
    ]
    top = max(
        [r["after"] for r in rows]
        + [r["before"] for r in rows]
        + [r["cap"] or 0 for r in rows]
        + [v for _, v in thresholds]
        + [1.0]
    )
    scale = alt.Scale(domain=[0, top * 1.08], nice=False)
    order = [r["worker"] for r in rows]
    x_title = "children per FTE"
    y = alt.Y("worker:N", sort=order, title=None)
    base = alt.Chart()
    bars = base.mark_bar(color=BAR, stroke=INK, strokeWidth=0.5, height=12).encode(
        x=alt.X("after:Q", scale=scale, title=x_title), y=y
    )
    before = base.mark_point(shape="circle", filled=False, color=INK, size=50).encode(
        x=alt.X("before:Q", scale=scale), y=y
    )
    caps = (
        base.transform_filter("datum.cap != null")
        .mark_tick(color=INK, thickness=2, size=16)
        .encode(x=alt.X("cap:Q", scale=scale), y=y)
    )
    layers: list[alt.Chart] = [bars, before, caps]
    if average is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"average": average}]))
            .mark_rule(color=INK, strokeDash=[6, 3], strokeWidth=1.2)
            .encode(x=alt.X("average:Q", scale=scale))
        )
    if thresholds:
        lines = alt.Chart(alt.Data(values=[{"name": n, "value": v} for n, v in thresholds]))
        layers.append(
            lines.mark_rule(color=INK, strokeDash=[1, 2], strokeWidth=1).encode(
                x=alt.X("value:Q", scale=scale)
            )
        )
        layers.append(
            lines.mark_text(align="left", dx=3, dy=-4, fontSize=9, color=INK, baseline="bottom")
            .encode(x=alt.X("value:Q", scale=scale), y=alt.value(0), text="label:N")
            .transform_calculate(label="format(datum.value, '.0f')")
        )
    parts = [
        f"{r['worker']} {_number(r['after'])} (before {_number(r['before'])}"
        + (f", cap {_number(r['cap'])}" if r["cap"] is not None else "")
        + ")"
        for r in rows
    ]
    alt_text = (
        f"Team {team_id}, children per FTE after allocation: "
        + "; ".join(parts)
        + (f". Team average {_number(average)}" if average is not None else "")
        + (". Thresholds at " + ", ".join(_number(v) for _, v in thresholds) if thresholds else "")
        + "."
    )
    key = (
        "Grey bar: children per FTE after allocation. Open circle: before. Black tick: the "
        "worker's cap per FTE. Dashed line: team average. Dotted lines: policy thresholds."
    )
    return _chart(
        layers,
        rows,
        (f"chart-team-{team_id}", f"Team {team_id}"),
        alt_text,
        key,
        width=WIDTH - 120,
        height=max(60, 22 * len(rows)),
        title=f"Team {team_id}",
    )


def spread_chart(teams: Sequence[dict[str, Any]]) -> Chart:
    """Per team, the spread of children per FTE (highest minus lowest worker) by hand
    (the greedy baseline) and in the proposal.

    ``teams``: one mapping per team with ``team``, ``by_hand`` and ``proposed``
    (children per FTE; ``by_hand`` None when the folder did not record it).
    """
    rows = []
    for t in teams:
        rows.append({"team": t["team"], "how": "proposed", "spread": t["proposed"]})
        if t["by_hand"] is not None:
            rows.append({"team": t["team"], "how": "by hand", "spread": t["by_hand"]})
    order = [t["team"] for t in teams]
    base = alt.Chart()
    y = alt.Y("team:N", sort=order, title=None)
    links = (
        base.mark_line(color=BAR, strokeWidth=2)
        .encode(x=alt.X("spread:Q", title="spread of children per FTE in the team"), y=y)
        .transform_filter("datum.spread != null")
        .encode(detail="team:N")
    )
    points = base.mark_point(size=55, color=INK).encode(
        x="spread:Q",
        y=y,
        shape=alt.Shape(
            "how:N",
            scale=alt.Scale(domain=["by hand", "proposed"], range=["circle", "square"]),
            title=None,
            legend=alt.Legend(orient="top"),
        ),
        fill=alt.Fill(
            "how:N",
            scale=alt.Scale(domain=["by hand", "proposed"], range=["white", INK]),
            legend=None,
        ),
    )
    wider = [t["team"] for t in teams if t["by_hand"] is not None and t["proposed"] > t["by_hand"]]
    narrower = [
        t["team"] for t in teams if t["by_hand"] is not None and t["proposed"] < t["by_hand"]
    ]
    alt_text = (
        f"Spread of children per FTE within each of {len(teams)} teams, by hand and proposed. "
        f"The proposal narrows it in {len(narrower)} teams and widens it in {len(wider)}"
        + (f" ({', '.join(wider)})" if wider else "")
        + "."
    )
    key = (
        "Open circle: by hand (the greedy baseline). Black square: the proposal. "
        "Further left is more even."
    )
    return _chart(
        [links, points],
        rows,
        ("chart-spread", "Spread within each team"),
        alt_text,
        key,
        width=WIDTH - 140,
        height=16 * len(order),
    )


def distribution_chart(values: Sequence[float], thresholds: Sequence[tuple[str, float]]) -> Chart:
    """How many case-holding workers hold each number of children per FTE after
    allocation (bins of 2), with the policy's threshold lines."""
    rows = [{"per_fte": v} for v in values]
    top = max([*values, *(v for _, v in thresholds), 1.0])
    scale = alt.Scale(domain=[0, top + 2], nice=False)
    bars = (
        alt.Chart()
        .mark_bar(color=BAR, stroke=INK, strokeWidth=0.5)
        .encode(
            x=alt.X(
                "per_fte:Q",
                bin=alt.Bin(step=2),
                scale=scale,
                title="children per FTE after allocation",
                axis=alt.Axis(format="d"),
            ),
            y=alt.Y("count():Q", title="workers"),
        )
    )
    layers: list[alt.Chart] = [bars]
    if thresholds:
        lines = alt.Chart(
            alt.Data(
                values=[
                    {"name": n, "value": v, "row": 2 + 13 * i}
                    for i, (n, v) in enumerate(sorted(thresholds, key=lambda t: t[1]))
                ]
            )
        )
        layers.append(
            lines.mark_rule(color=INK, strokeDash=[4, 3], strokeWidth=1.2).encode(
                x=alt.X("value:Q", scale=scale)
            )
        )
        layers.append(
            lines.mark_text(align="left", dx=3, baseline="top", fontSize=10, color=INK).encode(
                x=alt.X("value:Q", scale=scale),
                y=alt.Y("row:Q", scale=None, axis=None),
                text="name:N",
            )
        )
    counts = [
        f"{sum(1 for v in values if v > limit)} above {_number(limit)} ({name})"
        for name, limit in thresholds
    ]
    alt_text = (
        f"Children per FTE of {len(values)} case-holding workers after allocation"
        + (f", highest {_number(max(values))}, lowest {_number(min(values))}" if values else "")
        + (": " + "; ".join(counts) if counts else "")
        + "."
    )
    key = "Bars: workers per band of 2 children per FTE. Dashed lines: policy thresholds."
    return _chart(
        layers,
        rows,
        ("chart-distribution", "Children per FTE"),
        alt_text,
        key,
        width=WIDTH - 80,
        height=180,
    )


def variant_chart(measure: str, label: str, values: Sequence[tuple[str, float | None]]) -> Chart:
    """One measure of a plan, a bar per variant, the base (first) in black.

    ``values``: ``(variant, value)`` with the base first; a missing value is left out.
    """
    rows = [
        {"variant": v, "value": x, "is_base": i == 0}
        for i, (v, x) in enumerate(values)
        if x is not None
    ]
    order = [v for v, _ in values]
    base = alt.Chart()
    bars = base.mark_bar(stroke=INK, strokeWidth=0.5, height=14).encode(
        x=alt.X("value:Q", title=label),
        y=alt.Y("variant:N", sort=order, title=None),
        fill=alt.Fill(
            "is_base:N", scale=alt.Scale(domain=[True, False], range=[INK, BAR]), legend=None
        ),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color=INK).encode(
        x="value:Q",
        y=alt.Y("variant:N", sort=order),
        text=alt.Text("value:Q", format=",.4~g"),
    )
    alt_text = (
        f"{label} per variant: "
        + "; ".join(f"{v} {format_value(x, 'number', 2)}" for v, x in values if x is not None)
        + "."
    )
    key = "Black bar: the base. Grey bars: the variants."
    return _chart(
        [bars, text],
        rows,
        (f"chart-{measure}", label[:1].upper() + label[1:]),
        alt_text,
        key,
        width=WIDTH - 200,
        height=22 * max(1, len(order)),
    )


def week_ticks(last: int, most: int = 14) -> list[int]:
    """Whole weeks to label on a chart of weeks 0 to ``last``: every week, or every
    ``k``-th so at most about ``most`` labels show (a short forecast's axis never
    repeats a week, as fractional ticks rounded to whole weeks would).

    >>> week_ticks(2), week_ticks(26)
    ([0, 1, 2], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26])
    """
    step = max(1, math.ceil(max(last, 1) / most))
    return list(range(0, max(last, 1) + 1, step))


@functools.lru_cache(maxsize=8)
def _fan_spec(order: tuple[str, ...], last: int) -> str:
    """The fan chart's Vega-Lite spec without its data, title and description (JSON text):
    a panel per measure of ``order``, weeks 0 to ``last``.

    Altair takes about 0.1 s to build it, and an authority has a chart per team, so it
    is built once per report and only the data changes.
    """
    x = alt.X(
        "week:Q",
        title="week",
        scale=alt.Scale(domain=[0, max(last, 1)], nice=False),
        axis=alt.Axis(format="d", values=week_ticks(last)),
    )
    base = alt.Chart()
    band = base.mark_area(color=LIGHT, opacity=1).encode(x=x, y=alt.Y("p10:Q"), y2="p90:Q")
    edges = [
        base.mark_line(color=INK, strokeDash=[3, 3], strokeWidth=0.8).encode(
            x=x, y=alt.Y(f"{edge}:Q")
        )
        for edge in ("p10", "p90")
    ]
    median = base.mark_line(color=INK, strokeWidth=2).encode(
        x=x, y=alt.Y("median:Q", title=None, scale=alt.Scale(zero=False, nice=True))
    )
    layered = alt.LayerChart(layer=[band, *edges, median], width=WIDTH // 2 - 30, height=120)
    chart = alt.FacetChart(
        spec=layered,
        facet=alt.Facet(
            "measure:N", sort=list(order), title=None, header=alt.Header(labelAnchor="start")
        ),
        columns=2,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        data=alt.Data(values=[]),
        config=_CONFIG,
    )
    return json.dumps(chart.to_dict(validate=False))


def fan_chart(
    ids: tuple[str, str],
    scope: str,
    measures: Sequence[tuple[str, str, Sequence[dict[str, Any]]]],
    runs: int | None,
) -> Chart:
    """A forecast's fan chart for one scope: a panel per measure, the median by week (a
    thick black line) and the band from the 10th to the 90th percentile (grey, edged by
    dashed lines).

    Parameters
    ----------
    ids
        The chart's id and title.
    scope
        What the chart is about ("the authority", "service cin", "team T01"), for the alt
        text.
    measures
        ``(measure, label, weeks)`` in panel order; ``weeks`` holds one mapping per week
        with ``week`` (0, 1, ...), ``date`` (ISO), ``p10``, ``median`` and ``p90`` (the
        measure's own units: children per FTE, children or workers).
    runs
        How many runs the percentiles are over (None when unknown).

    Examples
    --------
    >>> weeks = [{"week": w, "date": f"2026-12-0{w + 1}", "p10": 4, "median": 5, "p90": 6}
    ...          for w in range(3)]
    >>> chart = fan_chart(("fan", "Team T1"), "team T1", [("w", "Children waiting", weeks)], 8)
    >>> chart.alt[:70]
    'Forecast for team T1 over 8 runs. Children waiting: median 5.0 at week'
    """
    rows = [
        {"measure": label, **{k: w[k] for k in ("week", "date", "p10", "median", "p90")}}
        for _, label, weeks in measures
        for w in weeks
    ]
    order = tuple(label for _, label, _ in measures)
    last = max((int(r["week"]) for r in rows), default=0)
    parts = []
    for _, label, weeks in measures:
        if not weeks:
            continue
        first, end = weeks[0], weeks[-1]
        parts.append(
            f"{label}: median {_number(first['median'])} at week {first['week']}, "
            f"{_number(end['median'])} at week {end['week']} ({end['date']}), "
            f"10th to 90th percentile {_number(end['p10'])} to {_number(end['p90'])}"
        )
    over = f" over {runs} runs" if runs is not None else ""
    alt_text = f"Forecast for {scope}{over}. " + "; ".join(parts) + "."
    key = (
        "Thick black line: the median over the runs, by week. Grey band between dashed "
        "lines: the 10th to the 90th percentile (about 8 runs in 10 fall inside it)."
    )
    spec = json.loads(_fan_spec(order, last))  # the same for every scope: built once
    spec.update(data={"values": rows}, title=ids[1], description=alt_text)
    return Chart(id=ids[0], title=ids[1], alt=alt_text, key=key, spec=spec)


def chart_svg(chart: Chart) -> str:
    """The chart as SVG text, rendered by vl-convert (no browser, no network).

    Examples
    --------
    >>> svg = chart_svg(variant_chart("m", "children waiting", [("base", 3), ("more", 1)]))
    >>> svg.startswith("<svg") and "children waiting" in svg
    True
    """
    import vl_convert

    return str(vl_convert.vegalite_to_svg(chart.spec, allowed_base_urls=[]))


DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4], [1, 3])
"""Each forecast's median line in a comparison: solid, dashed, dotted, dash-dot, ..."""
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")


def forecast_comparison_chart(
    scope: str,
    measures: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, Sequence[dict[str, Any]]]],
) -> Chart:
    """Forecasts side by side for one scope: a panel per measure, each forecast's median by
    week (its own dash pattern and marker) over its band from the 10th to the 90th
    percentile (light grey, the bands overlapping darker).

    Parameters
    ----------
    scope
        What the forecasts are about ("the authority", "service cin"), for the alt text.
    measures
        ``(measure, label)`` in panel order: ``children_per_fte`` (children per FTE),
        ``children_waiting`` (children), the workers above thresholds (workers).
    series
        ``(forecast name, bands)`` per forecast, at most six (the dash patterns and
        markers); ``bands`` holds one mapping per week and measure with ``measure``,
        ``week`` (0, 1, ...), ``p10``, ``median`` and ``p90``.

    Raises
    ------
    ValueError
        No forecast, or more than six.

    Examples
    --------
    >>> weeks = [{"measure": "children_waiting", "week": w, "p10": 0, "median": w, "p90": 2 * w}
    ...          for w in range(3)]
    >>> chart = forecast_comparison_chart(
    ...     "the authority", [("children_waiting", "Children waiting")],
    ...     [("now", weeks), ("more posts", [dict(r, median=0) for r in weeks])])
    >>> chart.alt.split(". ")[1][:62]
    'Children waiting at week 2: now median 2.0 (10th to 90th perce'
    """
    if not 1 <= len(series) <= len(DASHES):
        raise ValueError(f"compare 1 to {len(DASHES)} forecasts, not {len(series)}")
    labels = dict(measures)
    names = [name for name, _ in series]
    rows = [
        {
            "forecast": name,
            "measure": labels[b["measure"]],
            **{k: b[k] for k in ("week", "p10", "median", "p90")},
        }
        for name, bands in series
        for b in bands
        if b["measure"] in labels
    ]
    last = max((int(r["week"]) for r in rows), default=0)
    x = alt.X(
        "week:Q",
        title="week",
        scale=alt.Scale(domain=[0, max(last, 1)], nice=False),
        axis=alt.Axis(format="d", values=week_ticks(last)),
    )
    forecast = alt.Scale(domain=names)
    base = alt.Chart()
    band = base.mark_area(color=BAR, opacity=0.25).encode(
        x=x, y=alt.Y("p10:Q"), y2="p90:Q", detail="forecast:N"
    )
    median = base.mark_line(color=INK, strokeWidth=1.6).encode(
        x=x,
        y=alt.Y("median:Q", title=None, scale=alt.Scale(zero=False, nice=True)),
        strokeDash=alt.StrokeDash(
            "forecast:N",
            scale=alt.Scale(domain=names, range=list(DASHES[: len(names)])),
            legend=alt.Legend(title="forecast", orient="bottom", symbolStrokeColor=INK),
        ),
    )
    points = base.mark_point(color=INK, size=22, filled=False).encode(
        x=x,
        y=alt.Y("median:Q"),
        shape=alt.Shape(
            "forecast:N",
            scale=alt.Scale(domain=forecast.domain, range=list(SHAPES[: len(names)])),
            legend=alt.Legend(title="forecast", orient="bottom"),
        ),
    )
    layered = alt.LayerChart(layer=[band, median, points], width=WIDTH // 2 + 20, height=170)
    order = [label for _, label in measures]
    chart = alt.FacetChart(
        spec=layered,
        facet=alt.Facet(
            "measure:N", sort=order, title=None, header=alt.Header(labelAnchor="start")
        ),
        columns=2,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        data=alt.Data(values=rows),
        config=_CONFIG,
    )
    parts = []
    for measure, label in measures:
        ends = []
        for name, bands in series:
            mine = [b for b in bands if b["measure"] == measure]
            if mine:
                end = max(mine, key=lambda b: int(b["week"]))
                ends.append(
                    f"{name} median {_number(end['median'])} (10th to 90th percentile "
                    f"{_number(end['p10'])} to {_number(end['p90'])})"
                )
        if ends:
            parts.append(f"{label} at week {last}: " + "; ".join(ends))
    alt_text = f"Forecasts compared for {scope}: {', '.join(names)}. " + ". ".join(parts) + "."
    key = (
        "Each forecast's median over its runs is a black line with its own dash pattern and "
        "marker; its 10th to 90th percentile is a light grey band (darker where bands overlap)."
    )
    spec = chart.to_dict(validate=False)
    spec.update(title=f"Forecasts compared: {scope}", description=alt_text)
    return Chart(
        id="chart-forecast-comparison",
        title=f"Forecasts compared: {scope}",
        alt=alt_text,
        key=key,
        spec=spec,
    )
