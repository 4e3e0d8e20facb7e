"""How a typed value is shown: on the page (text) and in the workbook (a number format).

The two agree: a cell shown ``23.5`` on the page is the number 23.5 in the
workbook with the format ``#,##0.0``, so a reader can compute with it.
"""

from __future__ import annotations

from reports.model import Cell, Kind


def format_value(value: Cell, kind: Kind = "text", decimals: int = 0) -> str:
    """The text of one value on the page.

    Whole numbers get thousands separators, measures ``decimals`` places,
    percentages hold the fraction; an empty value is the empty text.

    Examples
    --------
    >>> format_value(2516, "int"), format_value(23.456, "number", 1)
    ('2,516', '23.5')
    >>> format_value(0.0002, "percent", 2), format_value(None, "number", 1)
    ('0.02%', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "int" and isinstance(value, int | float):
        return f"{round(value):,}"
    if kind == "number" and isinstance(value, int | float):
        return f"{value:,.{decimals}f}"
    if kind == "percent" and isinstance(value, int | float):
        return f"{100 * value:,.{decimals}f}%"
    return str(value)


def excel_format(kind: Kind, decimals: int = 0) -> str:
    """The workbook's number format for a kind of value.

    Examples
    --------
    >>> excel_format("number", 2), excel_format("percent", 1), excel_format("int")
    ('#,##0.00', '0.0%', '#,##0')
    """
    places = "." + "0" * decimals if decimals > 0 else ""
    if kind == "int":
        return "#,##0"
    if kind == "number":
        return f"#,##0{places}"
    if kind == "percent":
        return f"0{places}%"
    if kind == "date":
        return "yyyy-mm-dd"
    return "@"
