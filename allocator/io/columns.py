"""The data contract's tables and columns, and how one cell is read and written.

Columns are derived from the domain models (field order = contract order), so
a cell's kind (text, number, date, ...), whether it is required and its range
come from one place. ``tests/test_io_read.py`` checks them against the contract.
"""

from __future__ import annotations

import math
import re
import types
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel

from models import Adjustment, Child, Override, Reduction, Team, Worker

Kind = Literal["text", "number", "whole", "bool", "date", "list", "choice"]

TRUE = frozenset({"true", "yes", "1"})
FALSE = frozenset({"false", "no", "0"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Column:
    """One contract column and the model field it fills."""

    name: str
    field: str
    kind: Kind
    required: bool
    choices: type[Enum] | None = None
    bounds: str = ""
    """The field's range in words, e.g. ``> 0 and <= 1``; empty when unbounded."""

    def parse(self, text: str) -> Any:
        """The value of a trimmed, non-empty cell; ``ValueError`` says what is wrong."""
        got = f"(got {text!r})"
        if self.kind == "text":
            return text
        if self.kind == "list":
            return frozenset(item.strip() for item in text.split(";") if item.strip())
        if self.kind == "bool":
            if text.lower() in TRUE | FALSE:
                return text.lower() in TRUE
            raise ValueError(f"must be true or false (yes/no and 1/0 also work) {got}")
        if self.kind == "date":
            try:
                if _DATE.fullmatch(text):
                    return date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"is not a real date {got}") from None
            raise ValueError(f"must be a date written YYYY-MM-DD {got}")
        if self.kind == "choice":
            assert self.choices is not None
            try:
                return self.choices(text.lower())
            except ValueError:
                names = ", ".join(str(c.value) for c in self.choices)
                raise ValueError(f"must be one of {names} {got}") from None
        number = float(text) if _NUMBER.fullmatch(text) else math.nan
        if self.kind == "whole":
            if not number.is_integer():
                raise ValueError(f"must be a whole number {got}")
            return int(number)
        if not math.isfinite(number):
            raise ValueError(f"must be a number {got}")
        return number

    def format(self, value: Any) -> str:
        """The cell text that ``parse`` reads back as ``value`` (empty for ``None``)."""
        if value is None:
            return ""
        if self.kind == "list":
            return ";".join(sorted(value))
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "choice":
            return str(value.value)
        if self.kind == "number":
            text = repr(float(value))  # shortest text that reads back exactly
            return text.removesuffix(".0")
        return str(value)

    def range_message(self) -> str:
        """What a value of this column must be, e.g. ``must be > 0 and <= 1``."""
        whole = " a whole number" if self.kind == "whole" else ""
        return f"must be{whole} {self.bounds}".rstrip()


@dataclass(frozen=True)
class Table:
    """One file (or workbook sheet) of the data folder."""

    name: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    key: str | None
    """Unique identifier column, if any."""
    optional: bool = False
    """The file may be absent."""
    needs_rows: bool = True
    """A file with a header but no rows is a problem."""
    model_column: str | None = None
    """Column blamed for a whole-row (model validator) error."""

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column_of_field(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)


_RENAMES = {"start": "from", "end": "to"}  # Reduction fields named after Python keywords
_KINDS: dict[Any, Kind] = {str: "text", float: "number", int: "whole", bool: "bool", date: "date"}
_SYMBOLS = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))


def _columns(model: type[BaseModel]) -> tuple[Column, ...]:
    columns = []
    for field, info in model.model_fields.items():
        annotation: Any = info.annotation  # a type form; read as a plain type below
        if get_origin(annotation) in (Union, types.UnionType):
            (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
        kind = _kind(annotation)
        bounds = " and ".join(
            f"{symbol} {getattr(rule, attr):g}"
            for rule in info.metadata
            for cls, attr, symbol in _SYMBOLS
            if isinstance(rule, cls)
        )
        columns.append(
            Column(
                name=_RENAMES.get(field, field),
                field=field,
                kind=kind,
                required=info.is_required(),
                choices=annotation if kind == "choice" else None,
                bounds=bounds,
            )
        )
    return tuple(columns)


def _kind(annotation: Any) -> Kind:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice"
    if get_origin(annotation) is frozenset:
        return "list"
    return _KINDS[annotation]


TEAMS = Table("teams", Team, _columns(Team), key="team_id")
WORKERS = Table("workers", Worker, _columns(Worker), key="worker_id", model_column="asye_start")
CHILDREN = Table("children", Child, _columns(Child), key="child_id", needs_rows=False)
REDUCTIONS = Table(
    "reductions",
    Reduction,
    _columns(Reduction),
    key=None,
    optional=True,
    needs_rows=False,
    model_column="to",
)
OVERRIDES = Table(
    "overrides", Override, _columns(Override), key=None, optional=True, needs_rows=False
)
ADJUSTMENTS = Table(
    "adjustments",
    Adjustment,
    _columns(Adjustment),
    key=None,
    optional=True,
    needs_rows=False,
    model_column="child_id",
)
TABLES = (TEAMS, WORKERS, CHILDREN, REDUCTIONS, OVERRIDES, ADJUSTMENTS)

REFERENCES = (
    # (table, column, table whose key it must name)
    (TEAMS, "manager_id", WORKERS),
    (WORKERS, "team_id", TEAMS),
    (CHILDREN, "team_id", TEAMS),
    (CHILDREN, "worker_id", WORKERS),
    (CHILDREN, "previous_worker_id", WORKERS),
    (REDUCTIONS, "worker_id", WORKERS),
    (OVERRIDES, "worker_id", WORKERS),
    (ADJUSTMENTS, "worker_id", WORKERS),
    (ADJUSTMENTS, "child_id", CHILDREN),
)
