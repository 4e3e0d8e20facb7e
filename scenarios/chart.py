"""The plan's chart: the key measures per variant, ``base`` first and shaded apart.

One function draws onto a matplotlib figure (PyVRP's and PyJobShop's habit);
:func:`write_chart` saves it as PNG and SVG, byte-identical for identical rows
(no dates in the metadata, a fixed SVG id salt), with the Agg backend so no
display is needed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from scenarios.compare import KEY_MEASURES

CHART_FILES = ("comparison.png", "comparison.svg")


def plot_comparison(rows: list[dict[str, Any]], title: str, fig: Any = None) -> Any:
    """Draw one bar chart per key measure (:data:`scenarios.compare.KEY_MEASURES`), a bar per
    variant, onto ``fig`` (a new figure when ``None``); returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    names = [str(r["variant"]) for r in rows]
    width = max(9.0, 1.6 + 0.55 * len(names) * 3)
    fig = fig or Figure(figsize=(width, 7.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    colours = ["#6b6b6b"] + ["#1d70b8"] * (len(rows) - 1)
    for ax, (column, label) in zip(axes, KEY_MEASURES.items(), strict=True):
        values = [_number(r[column]) for r in rows]
        bars = ax.bar(range(len(rows)), values, color=colours)
        ax.set_title(label, fontsize=10)
        ax.set_xticks(range(len(rows)), names, rotation=35, ha="right", fontsize=8)
        ax.bar_label(bars, labels=[_label(v) for v in values], fontsize=7, padding=2)
        ax.margins(y=0.15)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title)
    return fig


def write_chart(rows: list[dict[str, Any]], title: str, folder: Path) -> None:
    """Save :func:`plot_comparison` as ``comparison.png`` and ``comparison.svg`` in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_comparison(rows, title)
    with matplotlib.rc_context({"svg.hashsalt": "caseload", "svg.fonttype": "path"}):
        fig.savefig(folder / "comparison.png", dpi=110, metadata={"Software": None})
        fig.savefig(folder / "comparison.svg", metadata={"Date": None, "Creator": None})


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else 0.0


def _label(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")
