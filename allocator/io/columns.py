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
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel

from models import Adjustment, Child, Override, Reduction, Team, Worker

Kind = Literal["text", "number", "whole", "bool", "date", "list", "choice"]

TRUE = frozenset({"true", "yes", "1"})
FALSE = frozenset({"false", "no", "0"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_TIME = r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})" + _TIME)
_DAY_FIRST = re.compile(r"(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})" + _TIME)
ISO_FORM = "YYYY-MM-DD"
DAY_FIRST_FORM = "DD/MM/YYYY"
MIDNIGHT = frozenset({"00:00", "00:00:00"})


@dataclass(frozen=True)
class DateText:
    """A date cell as read: its date, the form it was written in, and any time part."""

    day: date
    form: str
    """:data:`ISO_FORM` or :data:`DAY_FIRST_FORM`."""
    time: str | None
    """The time of day written after the date (``00:00:00``), or ``None``."""


def parse_date(text: str) -> DateText:
    """Read a date strictly: ISO ``YYYY-MM-DD``, else the day-first ``DD/MM/YYYY`` used in
    England, each with an optional time part (``2026-11-23 00:00:00``); nothing is guessed.

    Raises
    ------
    ValueError
        Any other form (``2026-11-3``, ``3/11/2026``, ``Nov 3``), or no such day.

    Examples
    --------
    >>> parse_date("2026-11-03").day, parse_date("03/11/2026 00:00").day
    (datetime.date(2026, 11, 3), datetime.date(2026, 11, 3))
    """
    got = f"(got {text!r})"
    for pattern, form in ((_ISO, ISO_FORM), (_DAY_FIRST, DAY_FIRST_FORM)):
        match = pattern.fullmatch(text)
        if match:
            try:
                day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise ValueError(f"is not a real date {got}") from None
            return DateText(day, form, match["time"])
    raise ValueError(
        f"must be a date written {ISO_FORM} or {DAY_FIRST_FORM}, never month-first {got}"
    )


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
    vocabulary: str | None = None
    """For a column of labels (a service, category, flag, skill): the name of the
    vocabulary its labels come from. Labels are read trimmed and lower-case, and
    checked against the policy's labels of that name (see :data:`LABELS`)."""

    def parse(self, text: str, decimal_comma: bool = False) -> Any:
        """The value of a trimmed, non-empty cell; ``ValueError`` says what is wrong.

        ``decimal_comma``: the file separates cells with ``;`` or a tab, so a number
        may be written with a decimal comma (``0,5``), as a European Excel writes it.
        """
        got = f"(got {text!r})"
        if self.kind == "text":
            return text.lower() if self.vocabulary else text
        if self.kind == "list":
            items = (item.strip() for item in text.split(";"))
            return frozenset(item.lower() if self.vocabulary else item for item in items if item)
        if self.kind == "bool":
            if text.lower() in TRUE | FALSE:
                return text.lower() in TRUE
            raise ValueError(f"must be true or false (yes/no and 1/0 also work) {got}")
        if self.kind == "date":
            return parse_date(text).day
        if self.kind == "choice":
            assert self.choices is not None
            try:
                return self.choices(text.lower())
            except ValueError:
                names = ", ".join(str(c.value) for c in self.choices)
                raise ValueError(f"must be one of {names} {got}") from None
        if decimal_comma and _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
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


@dataclass(frozen=True, eq=False)
class Table:
    """One file (or workbook sheet) of the data folder (one object per file: compared and
    hashed by identity, as the reader keys its dictionaries by table)."""

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


LABELS = {
    ("Team", "service"): "service",
    ("Child", "category"): "category",
    ("Child", "flags"): "flag",
    ("Worker", "skills"): "skill",
    ("Child", "required_skill"): "skill",
}
"""Columns of labels: (model, field) -> vocabulary. Labels are matched without regard
to case and surrounding spaces; services, categories and flags are checked against
the policy (``allocator.io.labels``), skills against the workers' skills."""


def _columns(model: type[BaseModel]) -> tuple[Column, ...]:
    columns = []
    for field, info in model.model_fields.items():
        annotation: Any = info.annotation  # a type form; read as a plain type below
        if get_origin(annotation) in (Union, types.UnionType):
            (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is Annotated:  # models.Number, models.Whole
            annotation = get_args(annotation)[0]
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
                vocabulary=LABELS.get((model.__name__, field)),
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
