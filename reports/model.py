"""One neutral report structure that every renderer reads (ydata-profiling's habit).

A builder (``allocation.py``, ``plan.py``) turns an output folder into a
:class:`Report`: headline figures, sections of text, charts (Vega-Lite specs
with their data inline) and tables (typed cells, with the rules that
highlight them). The renderers (``html.py``, ``xlsx.py``, ``pdf.py``) only
lay it out: every number is computed here, once, so the page, the workbook and
the PDF show the same figures.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Cell = str | int | float | None
"""One table cell: text, a whole number, a measure, or empty."""

Tone = Literal["exception", "approval", "low", "cap", "changed"]
"""How a highlighted cell is marked: a threshold band, above cap, or changed from a base.
Each tone has a fill light enough to read black text on, and a pattern or border,
so it survives black-and-white printing."""

Kind = Literal["text", "int", "number", "percent", "date"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Frozen):
    """A highlight on a column: cells greater or less than a value, another column of the
    same row, or different from the first row (a plan's base).

    ``op`` is ``gt``, ``lt`` or ``ne_first``; exactly one of ``value`` and ``column``
    is given for ``gt``/``lt``. ``label`` says what the highlight means, in the
    policy's words (shown under the table and in the workbook's legend).
    """

    op: Literal["gt", "lt", "ne_first"]
    value: float | None = None
    column: str | None = None
    tone: Tone
    label: str

    def holds(self, key: str, row: dict[str, Cell], first: dict[str, Cell] | None) -> bool:
        """Whether the cell of column ``key`` in ``row`` is highlighted (``first`` is the
        table's first row, for ``ne_first``)."""
        cell = row.get(key)
        if self.op == "ne_first":
            return first is not None and row is not first and cell != first.get(key)
        if not isinstance(cell, int | float):
            return False
        other = self.value if self.column is None else row.get(self.column)
        if not isinstance(other, int | float):
            return False
        return cell > other + 1e-9 if self.op == "gt" else cell < other - 1e-9


class Column(_Frozen):
    """A table column: its key, heading, kind of value and highlight rules.

    ``decimals`` applies to ``number`` and ``percent`` (a percent cell holds the
    fraction, 0.25 for 25%). ``help`` explains the column (a tooltip, and a
    comment in the workbook).
    """

    key: str
    label: str
    kind: Kind = "text"
    decimals: int = 0
    rules: tuple[Rule, ...] = ()
    help: str = ""


class Table(_Frozen):
    """Rows of typed cells, one per entity, in the order a reader needs them.

    ``sheet`` names its workbook sheet (None: the page only); ``on_page`` False keeps
    a table for the workbook only. ``interactive`` tables can be sorted and
    filtered on the page; ``filters`` are the columns with a pick-list.
    """

    id: str
    title: str
    caption: str = ""
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    sheet: str | None = None
    on_page: bool = True
    interactive: bool = False
    filters: tuple[str, ...] = ()
    empty: str = "None."

    def records(self) -> list[dict[str, Cell]]:
        """The rows as ``{column key: cell}``."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


class Chart(_Frozen):
    """A chart: its Vega-Lite spec (data inline, never a URL) and alt text.

    ``alt`` describes what the chart shows with its key numbers, for a reader
    who cannot see it; ``key`` says how to read the marks (shown under it).
    """

    id: str
    title: str
    alt: str
    key: str = ""
    spec: dict[str, Any]


class Figure(_Frozen):
    """A headline figure: a number a manager reads first, and what it means."""

    id: str
    label: str
    value: float | int | None
    kind: Kind = "int"
    decimals: int = 0
    detail: str = ""
    tone: Literal["good", "warn", "bad", "neutral"] = "neutral"


class Section(_Frozen):
    """A part of the report: text, facts (``(what, value)`` pairs), charts, tables, then
    sub-sections."""

    id: str
    title: str
    paragraphs: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    subsections: tuple[Section, ...] = ()
    page_break: bool = False


class Report(_Frozen):
    """A whole report: what it is about, its headline, sections, and what reproduces it.

    ``about`` rows are ``(what, value)`` pairs (input hash, policy, options,
    versions); ``footer`` is printed on every PDF page.
    """

    kind: Literal["allocation", "plan", "forecast"]
    title: str
    subtitle: str = ""
    headline: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    about: tuple[tuple[str, str], ...] = ()
    footer: str = ""

    def sections_in_order(self) -> list[Section]:
        """Every section and sub-section, in reading order."""
        out: list[Section] = []

        def walk(sections: tuple[Section, ...]) -> None:
            for s in sections:
                out.append(s)
                walk(s.subsections)

        walk(self.sections)
        return out

    def tables(self) -> list[Table]:
        """Every table, in reading order."""
        return [t for s in self.sections_in_order() for t in s.tables]

    def charts(self) -> list[Chart]:
        """Every chart, in reading order."""
        return [c for s in self.sections_in_order() for c in s.charts]


Section.model_rebuild()
