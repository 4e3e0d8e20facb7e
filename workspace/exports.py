"""Any table as CSV or xlsx, and a proposal's allocation report through ``reports``.

CSV cells that a spreadsheet would run as a formula (starting ``=``, ``+``,
``-``, ``@``, tab or carriage return) are written with a leading apostrophe
(OWASP's advice on CSV injection), since reasons are free text. Workbooks hold
one formatted table (XlsxWriter's ``add_table``) with numbers stored as numbers.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from allocator import write_outputs
from models import AllocationResult
from reports import build_report, render

FORMATS = ("csv", "xlsx")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return value


def table_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """The rows as UTF-8 CSV (with a byte-order mark, so Excel reads it as UTF-8).

    Examples
    --------
    >>> table_csv([{"child_id": "C1", "reason": "=SUM(A1)"}], ["child_id", "reason"])
    b"\\xef\\xbb\\xbfchild_id,reason\\r\\nC1,'=SUM(A1)\\r\\n"
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = _cell(row.get(column))
            if isinstance(value, str) and value.startswith(_FORMULA):
                value = "'" + value
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


def table_xlsx(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str) -> bytes:
    """The rows as a workbook with one formatted table named after ``title``."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(title[:31] or "table")
    data = [[_cell(row.get(c)) for c in columns] for row in rows]
    if data:
        sheet.add_table(
            0,
            0,
            len(data),
            len(columns) - 1,
            {
                "data": data,
                "columns": [{"header": c} for c in columns],
                "style": "Table Style Light 9",
            },
        )
    else:
        for i, column in enumerate(columns):
            sheet.write(0, i, column)
    for i, column in enumerate(columns):
        width = max([len(column)] + [len(str(r[i])) for r in data[:200] if r[i] is not None])
        sheet.set_column(i, i, min(60, width + 2))
    book.close()
    return out.getvalue()


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, title: str) -> bytes:
    """The rows in ``fmt`` (``csv`` or ``xlsx``)."""
    if fmt == "csv":
        return table_csv(rows, columns)
    if fmt == "xlsx":
        return table_xlsx(rows, columns, title)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def allocation_report(result: AllocationResult, fmt: str) -> bytes:
    """The allocation report of a proposal, as ``caseload report`` renders it (html, xlsx, pdf)."""
    with tempfile.TemporaryDirectory(prefix="caseload-report-") as tmp:
        folder = Path(tmp) / "proposal"
        write_outputs(result, folder)
        return render(build_report(folder), fmt)
