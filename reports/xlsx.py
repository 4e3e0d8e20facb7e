"""The workbook renderer: a Summary sheet, one sheet per table, and an About sheet.

Cells hold numbers with number formats (a reader can compute with them), each
table is an Excel table with its header frozen and filters on, widths fit the
content, and the report's highlights are conditional formats, so they follow
the numbers if a reader edits them. Written with XlsxWriter.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from reports.formats import excel_format, format_value
from reports.model import Column, Report, Rule, Table

TONES: dict[str, dict[str, Any]] = {
    "exception": {"bg_color": "#F2A7A7", "bold": True, "border": 2},
    "approval": {"bg_color": "#FBD99A", "bold": True},
    "cap": {"bg_color": "#F2A7A7", "bold": True, "underline": 33},
    "low": {"bg_color": "#C9DEF5", "italic": True},
    "changed": {"bg_color": "#DDD3F0", "bold": True, "italic": True},
}
"""Each highlight's fill, and a weight, style or border that survives black and white."""

MAX_WIDTH = 60
FIXED_DATE = datetime(2000, 1, 1)
"""The workbook's 'created' property, fixed so the same report gives the same file."""


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _table_name(name: str, used: set[str]) -> str:
    base = re.sub(r"\W", "_", name) or "Table"
    if not re.match(r"[A-Za-z_]", base):
        base = "T_" + base
    candidate, n = base, 2
    while candidate.lower() in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate.lower())
    return candidate


def _width(column: Column, values: list[Any]) -> float:
    longest = max(
        [len(column.label)] + [len(format_value(v, column.kind, column.decimals)) for v in values]
    )
    return float(min(MAX_WIDTH, max(6, longest + 2)))


def _conditional(
    sheet: Any, rule: Rule, table: Table, col: int, rows: int, formats: dict[str, Any]
) -> None:
    """One highlight rule as a conditional format over the column's data cells."""
    first, last = 1, rows
    fmt = formats[rule.tone]
    if rule.op == "ne_first":
        if rows < 2:
            return
        here = xl_rowcol_to_cell(2, col)
        base = xl_rowcol_to_cell(1, col, row_abs=True)
        sheet.conditional_format(
            2, col, last, col, {"type": "formula", "criteria": f"={here}<>{base}", "format": fmt}
        )
        return
    sign = ">" if rule.op == "gt" else "<"
    if rule.column is None:
        sheet.conditional_format(
            first,
            col,
            last,
            col,
            {"type": "cell", "criteria": sign, "value": rule.value, "format": fmt},
        )
        return
    other = [c.key for c in table.columns].index(rule.column)
    here, there = xl_rowcol_to_cell(1, col), xl_rowcol_to_cell(1, other)
    sheet.conditional_format(
        first,
        col,
        last,
        col,
        {
            "type": "formula",
            "criteria": f"=AND(ISNUMBER({here}),ISNUMBER({there}),{here}{sign}{there})",
            "format": fmt,
        },
    )


def _write_table(
    book: Any, sheet: Any, table: Table, names: set[str], formats: dict[str, Any]
) -> None:
    columns = table.columns
    records = table.rows
    number_formats = [
        book.add_format({"num_format": excel_format(c.kind, c.decimals)}) for c in columns
    ]
    wrap = book.add_format({"text_wrap": False})
    for j, column in enumerate(columns):
        values = [r[j] for r in records]
        sheet.set_column(
            j, j, _width(column, values), number_formats[j] if column.kind != "text" else wrap
        )
        if column.help:
            sheet.write_comment(0, j, column.help)
    if not records:
        bold = book.add_format({"bold": True, "bottom": 2})
        for j, column in enumerate(columns):
            sheet.write_string(0, j, column.label, bold)
        sheet.write_string(1, 0, table.empty)
        sheet.freeze_panes(1, 0)
        return
    data = [[None if v is None else v for v in row] for row in records]
    sheet.add_table(
        0,
        0,
        len(records),
        len(columns) - 1,
        {
            "name": _table_name(table.sheet or table.id, names),
            "style": "Table Style Light 1",
            "data": data,
            "columns": [
                {"header": c.label, "format": number_formats[j]} for j, c in enumerate(columns)
            ],
        },
    )
    sheet.freeze_panes(1, 0)
    for j, column in enumerate(columns):
        for rule in column.rules:
            _conditional(sheet, rule, table, j, len(records), formats)


def render_xlsx(report: Report) -> bytes:
    """The report as an ``.xlsx`` workbook (bytes).

    Sheets: ``Summary`` (the headline figures and notes), one per table that
    names a sheet, and ``About`` (what reproduces the run, and what each
    highlight means).

    Examples
    --------
    >>> from reports.model import Figure, Report
    >>> data = render_xlsx(Report(kind="allocation", title="t",
    ...                           headline=(Figure(id="n", label="children", value=3),)))
    >>> data[:2]
    b'PK'
    """
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties({"title": report.title, "comments": report.footer, "created": FIXED_DATE})
    formats = {tone: book.add_format(spec) for tone, spec in TONES.items()}
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    sheets: set[str] = set()
    names: set[str] = set()

    summary = book.add_worksheet(_sheet_name("Summary", sheets))
    summary.write_string(0, 0, report.title, title)
    summary.write_string(1, 0, report.subtitle)
    summary.write_row(3, 0, ["figure", "value", "detail"], bold)
    for i, figure in enumerate(report.headline, start=4):
        summary.write_string(i, 0, figure.label)
        if figure.value is None:
            summary.write_blank(i, 1, None)
        else:
            fmt = book.add_format({"num_format": excel_format(figure.kind, figure.decimals)})
            summary.write_number(i, 1, figure.value, fmt)
        summary.write_string(i, 2, figure.detail)
    row = 5 + len(report.headline)
    for note in report.notes:
        summary.write_string(row, 0, note)
        row += 1
    summary.set_column(0, 0, 44)
    summary.set_column(1, 1, 12)
    summary.set_column(2, 2, 70)

    legend: list[tuple[str, str]] = []
    for table in report.tables():
        if table.sheet is None:
            continue
        sheet = book.add_worksheet(_sheet_name(table.sheet, sheets))
        _write_table(book, sheet, table, names, formats)
        for column in table.columns:
            for rule in column.rules:
                entry = (f"{table.sheet}: {column.label}", rule.label)
                if entry not in legend:
                    legend.append(entry)

    about = book.add_worksheet(_sheet_name("About", sheets))
    about.write_row(0, 0, ["what", "value"], bold)
    for i, (key, value) in enumerate(report.about, start=1):
        about.write_string(i, 0, key)
        about.write_string(i, 1, value)
    row = len(report.about) + 2
    if legend:
        about.write_row(row, 0, ["highlight", "meaning"], bold)
        for i, (where, label) in enumerate(legend, start=row + 1):
            about.write_string(i, 0, where)
            about.write_string(i, 1, label)
    about.set_column(0, 0, 44)
    about.set_column(1, 1, 90)
    about.freeze_panes(1, 0)
    book.close()
    return stream.getvalue()


__all__ = ["render_xlsx"]
