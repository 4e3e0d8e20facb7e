"""A forecast's output folder: bands, rates, fan charts and summary, written all at once.

``bands.csv`` holds one row per week, scope and measure (``p10``, ``median``,
``p90`` over the runs); ``rates.csv`` every rate and where it came from;
``fan.png`` / ``fan.svg`` one panel per measure with the authority's and each
service's median and 10th-90th percentile band (matplotlib, Agg backend,
byte-identical for identical bands); ``summary.json`` the settings, the fast
mode, notes and versions that reproduce the run.
"""

from __future__ import annotations

import csv
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.folder import atomic_output
from scenarios.forecast import MEASURE_LABELS, MEASURES, ForecastResult
from scenarios.writers import cell

BAND_COLUMNS = ("week", "date", "level", "scope", "measure", "p10", "median", "p90")
"""The columns of ``bands.csv``, in order (public as ``scenarios.FORECAST_BAND_COLUMNS``)."""
RATE_OUTPUT_COLUMNS = (
    "team_id",
    "category",
    "arrivals_per_week",
    "closures_per_week",
    "arrivals_source",
    "closures_source",
)
"""The columns of ``rates.csv``, in order (public as ``scenarios.FORECAST_RATE_COLUMNS``)."""
FORECAST_FILES = frozenset(
    {"bands.csv", "rates.csv", "fan.png", "fan.svg", "summary.json"}
    | {"report.html", "report.xlsx", "report.pdf"}
)
"""What ``caseload forecast --out DIR`` writes, and the reports ``caseload report DIR``
renders into it (they belong to the folder: a later forecast replaces them with the rest)."""


def forecast_summary(result: ForecastResult, inputs: dict[str, Any]) -> dict[str, Any]:
    """The content of ``summary.json``: settings, how weeks were solved, notes, versions."""
    s = result.settings
    versions = {"python": platform.python_version()}
    for package in ("caseload", "ortools", "numpy", "matplotlib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    change = result.change
    return {
        "kind": "forecast",
        "inputs": inputs,
        "settings": {
            "as_of": s.as_of.isoformat(),
            "weeks": s.weeks,
            "runs": s.runs,
            "seed": s.seed,
            "mode": s.mode,
            "work_limit": s.work_limit if s.mode == "cp-sat" else None,
            "gap_limit": s.gap_limit if s.mode == "cp-sat" else None,
            "time_limit": s.time_limit,
            "threads": 1,
            "draws": "numpy.random.default_rng([run, seed])",
        },
        "fast_mode": s.fast_mode(),
        "plan": None
        if change is None
        else {
            "file": str(change.plan.file),
            "variant": change.variant.name,
            "from_week": change.from_week,
        },
        "measures": {m: MEASURE_LABELS[m] for m in MEASURES},
        "notes": list(result.notes),
        "versions": versions,
    }


def write_forecast(result: ForecastResult, out: Path | str, inputs: dict[str, Any]) -> None:
    """Write ``bands.csv``, ``rates.csv``, ``fan.png``, ``fan.svg`` and ``summary.json``
    into ``out``, all at once.

    Raises
    ------
    FolderError
        ``out`` holds files caseload did not write as a forecast folder.
    """
    with atomic_output(Path(out), "forecast", FORECAST_FILES) as tmp:
        with open(tmp / "bands.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(BAND_COLUMNS)
            for row in result.band_rows():
                writer.writerow([cell(row[c]) for c in BAND_COLUMNS])
        with open(tmp / "rates.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(RATE_OUTPUT_COLUMNS)
            for rate in result.rates:
                writer.writerow([cell(getattr(rate, c)) for c in RATE_OUTPUT_COLUMNS])
        write_fan_chart(result, tmp)
        text = json.dumps(forecast_summary(result, inputs), indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")


def plot_fan(result: ForecastResult, fig: Any = None) -> Any:
    """One panel per measure: per service (and the authority, in black) the median line
    and the band from the 10th to the 90th percentile; weeks along the bottom."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = fig or Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    p10, median, p90 = np.percentile(result.values, [10, 50, 90], axis=0)
    weeks = np.arange(result.values.shape[1])
    shown = [(i, s) for i, s in enumerate(result.scopes) if s[0] in ("authority", "service")]
    colours = matplotlib.colormaps["tab10"]
    for m, (ax, measure) in enumerate(zip(axes, MEASURES, strict=True)):
        for k, (i, (level, scope)) in enumerate(shown):
            colour = "black" if level == "authority" else colours(k % 10)
            label = "authority" if level == "authority" else scope
            ax.fill_between(weeks, p10[:, i, m], p90[:, i, m], color=colour, alpha=0.15, lw=0)
            ax.plot(weeks, median[:, i, m], color=colour, lw=1.6, label=label)
        ax.set_title(MEASURE_LABELS[measure], fontsize=10)
        ax.set_xlabel(f"week after {result.settings.as_of.isoformat()}", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=measure != "children_per_fte"))
    axes[0].legend(fontsize=7, ncols=2)
    fig.suptitle(
        f"Forecast: median and 10th-90th percentile over {result.settings.runs} runs",
        fontsize=11,
    )
    return fig


def write_fan_chart(result: ForecastResult, folder: Path) -> None:
    """Save :func:`plot_fan` as ``fan.png`` and ``fan.svg`` in ``folder`` (reproducible)."""
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_fan(result)
    with matplotlib.rc_context({"svg.hashsalt": "caseload", "svg.fonttype": "path"}):
        fig.savefig(folder / "fan.png", dpi=100, metadata={"Software": None})
        fig.savefig(folder / "fan.svg", metadata={"Date": None, "Creator": None})
