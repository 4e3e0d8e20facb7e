"""Output folders of the national view: ``caseload national`` and ``caseload benchmark-la``,
written all at once (charts with matplotlib, byte-identical for identical figures)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from scenarios.folder import atomic_output
from scenarios.national import (
    BENCHMARK_MEASURES,
    NATIONAL_COLUMNS,
    NINE_REGIONS,
    Benchmark,
    NationalResult,
)
from scenarios.writers import cell

NATIONAL_FILES = frozenset(
    {"national.csv", "totals.csv", "national.png", "national.svg", "summary.json"}
)
"""What ``caseload national --out DIR`` writes."""
BENCHMARK_FILES = frozenset({"benchmark.csv", "benchmark.png", "benchmark.svg"})
"""What ``caseload benchmark-la NAME --out DIR`` writes."""
BENCHMARK_COLUMNS = ("year", "measure", "authority", "region", "england")

ATTRIBUTION = (
    "Department for Education, Children's social work workforce statistics; contains public "
    "sector information licensed under the Open Government Licence v3.0"
)


def _save(fig: Any, folder: Path, stem: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"svg.hashsalt": "caseload", "svg.fonttype": "path"}):
        fig.savefig(folder / f"{stem}.png", dpi=100, metadata={"Software": None})
        fig.savefig(folder / f"{stem}.svg", metadata={"Date": None, "Creator": None})


def _write_csv(path: Path, columns: tuple[str, ...], rows: Any) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row[c]) for c in columns])


def write_national(result: NationalResult, out: Path | str, settings: dict[str, Any]) -> None:
    """Write ``national.csv`` (a row per authority staffed), ``totals.csv`` (regions,
    England as the sum of the authorities, and for a whole sweep the suppressed
    authorities' remainder and the DfE England row), the chart and ``summary.json``.

    Raises
    ------
    FolderError
        ``out`` holds files caseload did not write as a national folder.
    """
    with atomic_output(Path(out), "national", NATIONAL_FILES) as tmp:
        _write_csv(tmp / "national.csv", NATIONAL_COLUMNS, result.rows)
        _write_csv(tmp / "totals.csv", NATIONAL_COLUMNS, result.totals)
        _save(plot_national(result), tmp, "national")
        summary = {
            "kind": "national",
            "year": result.year,
            "target_per_fte": result.target_per_fte,
            "authorities": len(result.rows),
            "narrowed": result.narrowed,
            "suppressed": [r["la_name"] for r in result.suppressed],
            "settings": settings,
            "source": ATTRIBUTION,
        }
        text = json.dumps(summary, indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")


def plot_national(result: NationalResult, fig: Any = None) -> Any:
    """Case-holding FTE now and the FTE the target needs, per region (bars side by side)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    regions = [t for t in result.totals if t["la_name"] in NINE_REGIONS]
    fig = fig or Figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    xs = range(len(regions))
    now = [t["fte_now"] for t in regions]
    need = [t["fte_needed"] for t in regions]
    ax.bar([x - 0.2 for x in xs], now, width=0.4, color="#6b6b6b", label="FTE now")
    bars = ax.bar(
        [x + 0.2 for x in xs],
        need,
        width=0.4,
        color="#1d70b8",
        label=f"FTE needed at {result.target_per_fte:g} children per FTE",
    )
    ax.bar_label(bars, labels=[f"{t['difference']:+,.0f}" for t in regions], fontsize=7, padding=2)
    ax.set_xticks(list(xs), [t["la_name"] for t in regions], rotation=30, ha="right")
    ax.set_ylabel("case-holding FTE")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8)
    england = next(t for t in result.totals if t["la_name"] not in NINE_REGIONS)
    fig.suptitle(
        f"Case-holding FTE needed, {len(result.rows)} authorities ({result.year} figures): "
        f"{england['fte_now']:,.0f} now, {england['fte_needed']:,.0f} needed",
        fontsize=11,
    )
    fig.supxlabel("Source: " + ATTRIBUTION, fontsize=6, x=0.01, ha="left")
    return fig


def benchmark_rows(bench: Benchmark) -> list[dict[str, Any]]:
    """``benchmark.csv``: one row per year and measure."""
    return [
        {"year": y["year"], "measure": m, **y[m]} for y in bench.years for m in BENCHMARK_MEASURES
    ]


def plot_benchmark(bench: Benchmark, fig: Any = None) -> Any:
    """One panel per measure: the authority, its region and England, year by year."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    years = [y["year"] for y in bench.years]
    for ax, (measure, label) in zip(axes, BENCHMARK_MEASURES.items(), strict=True):
        for key, name, colour in (
            ("authority", bench.authority, "#1d70b8"),
            ("region", bench.region, "#f47738"),
            ("england", "England", "#6b6b6b"),
        ):
            values = [y[measure][key] for y in bench.years]
            ax.plot(
                years,
                [float("nan") if v is None else v for v in values],
                marker="o",
                ms=3,
                color=colour,
                label=name,
            )
        ax.set_title(label, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{bench.authority} against {bench.region} and England", fontsize=11)
    fig.supxlabel("Source: " + ATTRIBUTION, fontsize=6, x=0.01, ha="left")
    return fig


def write_benchmark(bench: Benchmark, out: Path | str) -> None:
    """Write ``benchmark.csv``, ``benchmark.png`` and ``benchmark.svg`` into ``out``."""
    with atomic_output(Path(out), "benchmark", BENCHMARK_FILES) as tmp:
        _write_csv(tmp / "benchmark.csv", BENCHMARK_COLUMNS, benchmark_rows(bench))
        _save(plot_benchmark(bench), tmp, "benchmark")
