"""Reports a manager reads: an output folder as one self-contained HTML page, a formatted
workbook, or a PDF.

Rendering only: a report reads a proposal folder through the engine's
``read_outputs`` and ``summary`` (or a scenario plan's ``comparison.csv``, or a
forecast's ``bands.csv``, ``rates.csv`` and ``summary.json``) and never solves.
One neutral :class:`Report` feeds every renderer, so the page, the workbook and
the PDF show the same figures.

Typical use::

    from reports import build_report, render_html

    report = build_report("proposal/")      # raises allocator.InputError on a bad folder
    html = render_html(report)              # str: one page, no network needed

or, as ``caseload report proposal/ --format xlsx`` does, :func:`write_report`.
"""

from __future__ import annotations

from pathlib import Path

from reports.charts import chart_svg, fan_chart, forecast_comparison_chart
from reports.folders import (
    FORMATS,
    ReportError,
    build_report,
    check_output,
    default_output,
    folder_kind,
    format_of,
    write_atomically,
)
from reports.forecast import Band, read_bands
from reports.forecast import read_summary as read_forecast_summary
from reports.html import render_html
from reports.model import Cell, Chart, Column, Figure, Report, Rule, Section, Table
from reports.pdf import BrowserMissingError, chromium_path, render_pdf
from reports.xlsx import render_xlsx


def render(report: Report, fmt: str) -> bytes:
    """The report in one format (``html``, ``xlsx`` or ``pdf``), as bytes.

    Raises
    ------
    ReportError
        An unknown format, or no browser to print a PDF with.

    Examples
    --------
    >>> page = render(Report(kind="plan", title="Nothing yet"), "html")
    >>> page.startswith(b"<!DOCTYPE html>")
    True
    """
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "pdf":
        try:
            return render_pdf(report)
        except BrowserMissingError as exc:
            raise ReportError(str(exc)) from None
    raise ReportError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")


def write_report(
    folder: Path | str, fmt: str | None = None, output: Path | str | None = None
) -> Path:
    """Render the report of an output folder and write it, all at once or not at all.

    Parameters
    ----------
    folder
        A proposal folder (``caseload allocate --out``), a scenario plan's output
        (``caseload scenario run --out``) or a forecast's (``caseload forecast --out``);
        its kind is recognised.
    fmt
        ``html``, ``xlsx`` or ``pdf``; by default the suffix of ``output``, else html.
    output
        The file to write; by default ``FOLDER/report.FORMAT``, which belongs to the
        folder (a later ``allocate --out`` to it replaces it with the rest).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    allocator.InputError
        Not an output folder, or a file of it missing or corrupt (every problem, by
        file, row and column). Nothing is written.
    ReportError
        A bad format or output path, no browser for a PDF, or the file cannot be
        written. Nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> from allocator import InputError
    >>> try:
    ...     write_report(tempfile.mkdtemp())
    ... except InputError as error:
    ...     print(error.problems[0].message.split(":")[0])
    is not a caseload output folder
    """
    folder = Path(folder)
    target = None if output is None else Path(output)
    kind = format_of(target, fmt)
    if kind not in FORMATS:
        raise ReportError(f"--format: {kind!r} is not one of {', '.join(FORMATS)}")
    target = target if target is not None else default_output(folder, kind)
    check_output(target, kind)
    report = build_report(folder)
    write_atomically(target, render(report, kind))
    return target


__all__ = [
    "FORMATS",
    "Band",
    "BrowserMissingError",
    "Cell",
    "Chart",
    "Column",
    "Figure",
    "Report",
    "ReportError",
    "Rule",
    "Section",
    "Table",
    "build_report",
    "chart_svg",
    "check_output",
    "chromium_path",
    "default_output",
    "fan_chart",
    "folder_kind",
    "forecast_comparison_chart",
    "format_of",
    "read_bands",
    "read_forecast_summary",
    "render",
    "render_html",
    "render_pdf",
    "render_xlsx",
    "write_atomically",
    "write_report",
]
