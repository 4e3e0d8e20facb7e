"""Benchmark the reports on the example authority (2,516 children, as `caseload demo`).

The proposal is made once; then each step of `caseload report` is timed
``--repeat`` times (wall clock, medians): reading the folder and building the
report, the HTML page (charts drawn by vl-convert), the workbook, the PDF
(headless Chromium), and `write_report` end to end for HTML. Then the same
authority's forecast (`caseload forecast`, 26 weeks, ``--forecast-runs`` runs) is
written once and its report timed the same way. The tables are printed and
written, with the machine and the command, to docs/report-benchmarks.md.

Examples
--------
    python benchmarks/reports.py                 # -> docs/report-benchmarks.md
    python benchmarks/reports.py --repeat 3 --no-write
"""

from __future__ import annotations

import argparse
import io
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from run import machine  # noqa: E402  (benchmarks/run.py: the machine, the same way)

from allocator import allocate, write_outputs  # noqa: E402
from models import Options, load_policy  # noqa: E402
from reports import build_report, render_html, render_pdf, render_xlsx, write_report  # noqa: E402
from scenarios import generate_authority  # noqa: E402

AS_OF = date(2026, 11, 23)
"""The demo's date (caseload demo)."""
TARGET_SECONDS = 5.0
TARGET_HTML_MB = 5.0


def timed(step: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall-clock seconds of ``repeat`` calls, and the last call's value."""
    times = []
    value = None
    for _ in range(repeat):
        started = time.perf_counter()
        value = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def forecast_steps(repeat: int, runs: int) -> tuple[list[tuple[str, float, str]], float, float]:
    """Write the example authority's 26-week forecast once, then time its report's steps.

    Returns the table's rows, `caseload report`'s seconds as a new process, and the
    page's size in MB.
    """
    caseload = [sys.executable, "-m", "caseload"]
    with tempfile.TemporaryDirectory() as tmp:
        data, folder = Path(tmp) / "data", Path(tmp) / "forecast"
        subprocess.run([*caseload, "example", str(data)], check=True, capture_output=True)
        settings = ["--weeks", "26", "--runs", str(runs), "--as-of", AS_OF.isoformat()]
        subprocess.run(
            [*caseload, "forecast", str(data), *settings, "--out", str(folder)],
            check=True,
            capture_output=True,
        )
        build_seconds, report = timed(lambda: build_report(folder), repeat)
        html_seconds, page = timed(lambda: render_html(report), repeat)
        xlsx_seconds, book = timed(lambda: render_xlsx(report), repeat)
        cold_seconds, _ = timed(
            lambda: subprocess.run(
                [*caseload, "report", str(folder)], check=True, capture_output=True
            ),
            repeat,
        )
        bands = sum(1 for _ in (folder / "bands.csv").open(encoding="utf-8")) - 1
    html_mb = len(page.encode("utf-8")) / 1e6
    rows = [
        (f"read the folder and build the report ({bands:,} bands)", build_seconds, ""),
        (
            f"render the HTML page ({len(report.charts())} fan charts to SVG)",
            html_seconds,
            f"{html_mb:.2f} MB",
        ),
        ("render the workbook", xlsx_seconds, f"{len(book) / 1e6:.2f} MB"),
        ("`caseload report` as a new process", cold_seconds, ""),
    ]
    return rows, cold_seconds, html_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per step (median)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--forecast-runs", type=int, default=2, help="runs of the forecast whose report is timed"
    )
    args = parser.parse_args()

    policy = load_policy("default")
    data = generate_authority(policy, seed=0, as_of=AS_OF)
    result = allocate(data, policy, Options(as_of=AS_OF, work_limit=60))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "proposal"
        write_outputs(result, folder)
        build_seconds, report = timed(lambda: build_report(folder), args.repeat)
        html_seconds, page = timed(lambda: render_html(report), args.repeat)
        xlsx_seconds, book = timed(lambda: render_xlsx(report), args.repeat)
        pdf_seconds, pdf = timed(lambda: render_pdf(report, page), max(1, args.repeat // 2))
        end_seconds, _ = timed(lambda: write_report(folder), args.repeat)
        command = [sys.executable, "-m", "caseload", "report", str(folder)]
        cold_seconds, _ = timed(
            lambda: subprocess.run(command, check=True, capture_output=True), args.repeat
        )
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    html_mb = len(page.encode("utf-8")) / 1e6
    rows = [
        ("read the folder and build the report", build_seconds, ""),
        ("render the HTML page (charts to SVG)", html_seconds, f"{html_mb:.2f} MB"),
        ("render the workbook", xlsx_seconds, f"{len(book) / 1e6:.2f} MB"),
        (
            "print the PDF (headless Chromium)",
            pdf_seconds,
            f"{len(pdf) / 1e6:.2f} MB, {pages} pages",
        ),
        ("`write_report` end to end (HTML)", end_seconds, ""),
        (
            "`caseload report` as a new process (imports, chart engine start-up)",
            cold_seconds,
            "target: under 5 s, under 5 MB",
        ),
    ]
    forecast_rows, forecast_cold, forecast_mb = forecast_steps(args.repeat, args.forecast_runs)
    children = len(data.children)
    lines = [
        "# Report benchmarks",
        "",
        f"The example authority ({children:,} children, {len(data.workers)} workers, "
        f"{len(data.teams)} teams; `caseload demo`'s data), its allocation report rendered "
        f"step by step. Medians of {args.repeat} runs (the PDF of {max(1, args.repeat // 2)}), "
        "wall clock.",
        "",
        "| step | seconds | size |",
        "|---|---:|---|",
        *(f"| {name} | {seconds:.2f} | {size} |" for name, seconds, size in rows),
        "",
        f"Within target: `caseload report` {cold_seconds:.2f} s < {TARGET_SECONDS:g} s, "
        f"page {html_mb:.2f} MB < {TARGET_HTML_MB:g} MB: "
        + ("yes" if cold_seconds < TARGET_SECONDS and html_mb < TARGET_HTML_MB else "NO")
        + ".",
        "",
        "## The forecast report",
        "",
        f"The same authority's forecast (`caseload forecast`, 26 weeks, {args.forecast_runs} "
        "runs; bands for the authority, its services and its teams), its report rendered "
        "step by step. The forecast itself is not timed here (see benchmarks.md).",
        "",
        "| step | seconds | size |",
        "|---|---:|---|",
        *(f"| {name} | {seconds:.2f} | {size} |" for name, seconds, size in forecast_rows),
        "",
        f"Within the allocation report's target: `caseload report` {forecast_cold:.2f} s < "
        f"{TARGET_SECONDS:g} s, page {forecast_mb:.2f} MB < {TARGET_HTML_MB:g} MB: "
        + ("yes" if forecast_cold < TARGET_SECONDS and forecast_mb < TARGET_HTML_MB else "NO")
        + ".",
        "",
        f"Measured with `{shlex.join(['python', 'benchmarks/reports.py', *sys.argv[1:]])}` "
        "(2 cores shared with other work: times are noisy) on:",
        "",
        *machine(),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (ROOT / "docs" / "report-benchmarks.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
