"""Tests for reports.charts: valid Vega-Lite, data inline, drawn in greys only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pytest
from altair.utils.schemapi import validate_jsonschema

from reports import build_report
from reports.charts import chart_svg, fan_chart, forecast_comparison_chart, variant_chart
from tests.reports.test_plan import write_plan
from tests.support import report_proposal


@pytest.fixture(scope="module")
def chart_list(tmp_path_factory: pytest.TempPathFactory):
    """Every chart of an allocation report and of a plan report, a forecast's fan chart and a
    comparison of forecasts."""
    proposal = report_proposal(tmp_path_factory.mktemp("proposal") / "out")
    plan = tmp_path_factory.mktemp("plan")
    weeks = [
        {"week": w, "date": f"2026-12-0{w + 1}", "p10": 16 - w, "median": 16.5, "p90": 17 + w}
        for w in range(3)
    ]
    fan = fan_chart(("chart-fan", "The authority"), "the authority", [("m", "M", weeks)], 3)
    bands = [{"measure": "m", **w} for w in weeks]
    compared = forecast_comparison_chart(
        "the authority", [("m", "M")], [("now", bands), ("later", bands)]
    )
    return [
        *build_report(proposal).charts(),
        *build_report(write_plan(Path(plan))).charts(),
        fan,
        compared,
    ]


def test_every_chart_is_valid_vega_lite(chart_list):
    """Each spec passes the Vega-Lite schema Altair ships (specs skip it at render time)."""
    schema = alt.vegalite.v6.schema.core.load_schema()
    for chart in chart_list:
        validate_jsonschema(chart.spec, schema)


def test_a_broken_spec_fails_the_schema(chart_list):
    """The schema check is not vacuous: an unknown mark type is refused."""
    schema = alt.vegalite.v6.schema.core.load_schema()
    spec = json.loads(json.dumps(chart_list[0].spec))
    spec["layer"][0]["mark"] = {"type": "no-such-mark"}
    with pytest.raises(Exception, match="no-such-mark"):
        validate_jsonschema(spec, schema)


def test_data_is_inline_and_charts_use_greys_only(chart_list):
    """No URL anywhere in a spec, and every colour is a grey (reads the same in black and white)."""
    for chart in chart_list:
        text = json.dumps(chart.spec)
        assert '"url"' not in text, chart.id
        for colour in re.findall(r'"#([0-9a-fA-F]{6})"', text):
            r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
            assert r == g == b, (chart.id, colour)


def test_the_svg_is_drawn_without_a_network(tmp_path):
    """A chart whose data names a URL draws nothing from it: vl-convert refuses every URL."""
    chart = variant_chart("m", "children waiting", [("base", 3.0)])
    spec = dict(chart.spec, data={"url": "https://example.org/data.json"})
    with pytest.raises(Exception, match="External data url not allowed"):
        chart_svg(chart.model_copy(update={"spec": spec}))


def test_a_comparison_of_forecasts_tells_them_apart_without_colour():
    """Each forecast gets its own dash pattern and marker, and the alt text gives each median."""
    bands = [{"measure": "w", "week": w, "p10": 0, "median": w, "p90": 2 * w} for w in range(3)]
    chart = forecast_comparison_chart(
        "service cin", [("w", "Children waiting")], [("a", bands), ("b", bands), ("c", bands)]
    )
    text = json.dumps(chart.spec)
    assert '"range": [[1, 0], [6, 3], [2, 2]]' in text
    assert '"range": ["circle", "square", "triangle-up"]' in text
    assert "a median 2.0 (10th to 90th percentile 0.0 to 4.0); b median 2.0" in chart.alt
    assert chart_svg(chart).startswith("<svg")
    with pytest.raises(ValueError, match="compare 1 to 6 forecasts"):
        forecast_comparison_chart("x", [("w", "W")], [(str(i), bands) for i in range(7)])


def test_a_short_forecast_labels_each_week_once():
    """A 2-week fan chart's axis reads 0, 1, 2: no week label repeated from fractional ticks."""
    weeks = [
        {"week": w, "date": f"2026-12-0{w + 1}", "p10": 10.0, "median": 20.0, "p90": 30.0}
        for w in range(3)
    ]
    fan = fan_chart(("chart-fan", "The authority"), "the authority", [("m", "M", weeks)], 2)
    labels = re.findall(r"<text[^>]*>(\d+)</text>", chart_svg(fan))
    week_labels = [x for x in labels if x in {"0", "1", "2"}]
    assert week_labels.count("1") == 1 and week_labels.count("2") == 1, labels
