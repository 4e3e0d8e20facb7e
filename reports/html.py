"""The HTML renderer: one self-contained page (CSS, script and charts inline; no link off
the page), laid out by Jinja2 templates that compute nothing.

Charts are rendered here to inline SVG (vl-convert), and table cells to their
text and highlight class; the templates only place them. Autoescaping is on:
the only markup passed through unescaped is the SVG vl-convert drew.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.charts import chart_svg
from reports.formats import format_value
from reports.model import Cell, Column, Report, Section, Table


@dataclass(frozen=True)
class CellView:
    text: str
    raw: str
    tone: str
    title: str


@dataclass(frozen=True)
class TableView:
    """A table ready to place: cells as text with their highlight, pick-lists filled."""

    table: Table
    rows: list[list[CellView]]
    legend: list[tuple[str, str]]
    """``(tone, label)`` of each highlight used in the table."""
    choices: dict[str, list[str]] = field(default_factory=dict)
    """Filter column key -> its distinct values, sorted."""


def _raw(value: Cell) -> str:
    """A cell's value for sorting and for tests: numbers unformatted, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_view(table: Table) -> TableView:
    """Cells as text, each with the tone of the first rule it meets."""
    records = table.records()
    first = records[0] if records else None
    rows = []
    used: dict[tuple[str, str], None] = {}
    for record in records:
        cells = []
        for column in table.columns:
            tone, title = "", ""
            for rule in column.rules:
                if rule.holds(column.key, record, first):
                    tone, title = rule.tone, rule.label
                    used[(rule.tone, rule.label)] = None
                    break
            value = record[column.key]
            cells.append(
                CellView(
                    text=format_value(value, column.kind, column.decimals),
                    raw=_raw(value),
                    tone=tone,
                    title=title,
                )
            )
        rows.append(cells)
    choices = {
        key: sorted({str(r[key]) for r in records if r.get(key) is not None})
        for key in table.filters
    }
    return TableView(table=table, rows=rows, legend=list(used), choices=choices)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["value"] = format_value
    return env


_ENV: Environment | None = None


def environment() -> Environment:
    """The Jinja2 environment (built once)."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV


def _sections_tables(sections: tuple[Section, ...]) -> list[Table]:
    out: list[Table] = []
    for s in sections:
        out += [t for t in s.tables if t.on_page]
        out += _sections_tables(s.subsections)
    return out


def render_html(report: Report, threads: int = 2) -> str:
    """The report as one self-contained HTML page.

    Charts are drawn to SVG side by side on ``threads`` threads (vl-convert
    releases the interpreter while it draws).

    Examples
    --------
    >>> from reports.model import Figure, Report
    >>> page = render_html(Report(kind="allocation", title="A <test>",
    ...                           headline=(Figure(id="n", label="children", value=3),)))
    >>> "A &lt;test&gt;" in page and 'data-value="3"' in page and "http" not in page.lower()
    True
    """
    chart_list = report.charts()
    with ThreadPoolExecutor(max(1, threads)) as pool:
        svgs = list(pool.map(chart_svg, chart_list))
    svg = {c.id: Markup(text) for c, text in zip(chart_list, svgs, strict=True)}
    tables = {t.id: table_view(t) for t in _sections_tables(report.sections)}
    template = environment().get_template("report.html.j2")
    return template.render(report=report, svg=svg, tables=tables, column_kind=_column_kind)


def _column_kind(column: Column) -> str:
    """``num`` for columns of numbers (right-aligned), else ``text``."""
    return "num" if column.kind in ("int", "number", "percent") else "text"


__all__ = ["TableView", "render_html", "table_view"]
