"""Reading a data folder (or ``.xlsx`` workbook) into a validated ``ProblemData``.

CSV files are split into cells by the standard ``csv`` module (fast to start,
and it reports every over-long row); workbooks by pandas with openpyxl.
every cell is then read as text (``007`` stays ``007``) by ``columns.Column``.
Every problem found is collected, located by file, row and column, and raised
together as one ``InputError``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from allocator.io.columns import (
    CHILDREN,
    REFERENCES,
    TABLES,
    TEAMS,
    WORKERS,
    Column,
    Table,
)
from allocator.io.errors import InputError, InputProblem
from models import Policy, ProblemData, Role

_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_CASE_HOLDING_ROLES = frozenset(r.value for r in Role if r.carries_cases)
_CASE_FREE_ROLES = tuple(r.value for r in Role if not r.carries_cases)


@dataclass
class _Row:
    number: int
    """Row number as a spreadsheet shows it (header = 1)."""
    cells: dict[str, str]
    """Trimmed text of each contract column present in the file ('' = not given)."""
    model: BaseModel | None = None


@dataclass
class _Sheet:
    table: Table
    label: str
    """Where problems are reported: ``teams.csv`` or ``data.xlsx[teams]``."""
    header: set[str] = field(default_factory=set)
    rows: list[_Row] = field(default_factory=list)


def read_data(path: Path | str, policy: Policy | None = None) -> ProblemData:
    r"""Read and validate a data folder or ``.xlsx`` workbook.

    Parameters
    ----------
    path
        A folder holding ``teams.csv``, ``workers.csv``, ``children.csv`` and
        optionally ``reductions.csv``, or an ``.xlsx`` workbook with sheets of
        those names (without ``.csv``). Columns are the data contract's.
    policy
        When given, team services and child categories are checked against it.

    Returns
    -------
    ProblemData
        Rows in file order; ``source`` is ``str(path)``.

    Raises
    ------
    InputError
        Holding every problem found (``InputError.problems``), each naming the
        file, row (header = row 1) and column, sorted by file in contract order,
        then row.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "teams.csv").write_text("team_id,service\nT1,cin\n")
    >>> _ = (folder / "workers.csv").write_text("worker_id,team_id,role,fte\nW1,T1,asye,2\n")
    >>> _ = (folder / "children.csv").write_text("child_id,team_id,category\nC1,T9,cin\n")
    >>> try:
    ...     read_data(folder)
    ... except InputError as error:
    ...     print(error)
    workers.csv, row 2, column fte: must be > 0 and <= 1 (got '2')
    children.csv, row 2, column team_id: unknown team_id 'T9': not in teams.csv
    """
    path = Path(path)
    problems: list[InputProblem] = []
    loaded = _load(path, problems)
    sheets: dict[Table, _Sheet] = {}
    for table, (label, cells) in loaded.items():
        sheet = _make_sheet(table, label, cells, problems)
        if sheet is not None:
            _read_rows(sheet, problems)
            sheets[table] = sheet
    _check_keys(sheets, problems)
    _check_references(sheets, problems)
    if policy is not None:
        _check_policy(sheets, policy, problems)
    if not problems:
        rows: dict[str, tuple[Any, ...]] = {
            table.name: tuple(row.model for row in sheet.rows) for table, sheet in sheets.items()
        }
        try:
            return ProblemData(**rows, source=str(path))
        except ValidationError as exc:  # a rule of models/ not mirrored above
            problems += [InputProblem(path.name, None, None, e["msg"]) for e in exc.errors()]
    raise InputError(sorted(problems, key=_reading_order(path)))


def _reading_order(path: Path) -> Callable[[InputProblem], tuple[int, int, int]]:
    """Sort key of problems: file in contract order, then row, then column."""
    labels = {
        label: (i, [c.name for c in t.columns])
        for i, t in enumerate(TABLES)
        for label in (t.file, f"{path.name}[{t.name}]")
    }

    def key(problem: InputProblem) -> tuple[int, int, int]:
        file, columns = labels.get(problem.file, (-1, []))
        column = columns.index(problem.column) if problem.column in columns else -1
        return file, problem.row or 0, column

    return key


# --- files into cells -------------------------------------------------------------

Cells = list[list[str]] | None  # None: the file could not be read (problem recorded)


def _load(path: Path, problems: list[InputProblem]) -> dict[Table, tuple[str, Cells]]:
    """The cells of every table present, keyed by table, with its label."""
    if path.is_dir():
        return {
            t: (t.file, _read_csv(path / t.file, problems))
            for t in TABLES
            if _exists(path / t.file, t, problems)
        }
    if path.is_file() and path.suffix.lower() == ".xlsx":
        return _read_workbook(path, problems)
    what = "is neither a folder nor an .xlsx workbook" if path.exists() else "does not exist"
    problems.append(InputProblem(str(path), None, None, f"{what}; expected a data folder or .xlsx"))
    return {}


def _exists(file: Path, table: Table, problems: list[InputProblem]) -> bool:
    if file.exists():
        return True
    if not table.optional:
        problems.append(InputProblem(file.name, None, None, f"file not found in {file.parent}"))
    return False


def _read_csv(file: Path, problems: list[InputProblem]) -> Cells:
    try:
        data = file.read_bytes()
    except OSError as exc:
        problems.append(InputProblem(file.name, None, None, f"cannot be read: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        problems.append(
            InputProblem(
                file.name,
                row,
                None,
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as 'CSV UTF-8'",
            )
        )
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return []
    if not any(cell.strip() for cell in rows[0]):
        return [[]]  # a blank first line: no header
    width = len(rows[0])
    cells: list[list[str]] = []
    for number, record in enumerate(rows, 1):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            message = f"has {len(record)} cells but the header has {width}"
            problems.append(InputProblem(file.name, number, None, message))
        cells.append((record + [""] * width)[:width])
    return cells


def _read_workbook(path: Path, problems: list[InputProblem]) -> dict[Table, tuple[str, Cells]]:
    import pandas as pd

    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, dtype=object, na_filter=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        problems.append(InputProblem(path.name, None, None, f"cannot be read as a workbook: {exc}"))
        return {}
    by_name = {str(name).strip().lower(): frame for name, frame in frames.items()}
    loaded: dict[Table, tuple[str, Cells]] = {}
    for table in TABLES:
        label = f"{path.name}[{table.name}]"
        frame = by_name.get(table.name)
        if frame is not None:
            loaded[table] = (label, [[_excel_text(v) for v in r] for r in frame.values.tolist()])
        elif not table.optional:
            sheets = ", ".join(map(str, frames)) or "none"
            problems.append(InputProblem(label, None, None, f"sheet not found (sheets: {sheets})"))
    return loaded


def _excel_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- cells into models ------------------------------------------------------------


def _make_sheet(
    table: Table, label: str, cells: Cells, problems: list[InputProblem]
) -> _Sheet | None:
    if cells is None:
        return None
    if not cells or not any(c.strip() for c in cells[0]):
        message = "row 1 is empty" if cells else "is empty"
        problems.append(
            InputProblem(label, None, None, f"{message}; the first row must name the columns")
        )
        return None
    sheet = _Sheet(table, label)
    known = {c.name for c in table.columns}
    position: dict[str, int] = {}
    for i, name in enumerate(c.strip().lower() for c in cells[0]):
        if name in position and name in known:
            problems.append(InputProblem(label, 1, name, "column appears more than once"))
        position.setdefault(name, i)
    sheet.header = known & position.keys()
    for column in table.columns:
        if column.required and column.name not in sheet.header:
            problems.append(InputProblem(label, 1, column.name, "required column is missing"))
    for number, values in enumerate(cells[1:], start=2):
        if any(v.strip() for v in values):
            cells_of_row = {name: values[position[name]].strip() for name in sheet.header}
            sheet.rows.append(_Row(number, cells_of_row))
    if table.needs_rows and not sheet.rows:
        problems.append(
            InputProblem(
                label, None, None, f"has no rows; at least one {table.name[:-1]} is needed"
            )
        )
    return sheet


def _read_rows(sheet: _Sheet, problems: list[InputProblem]) -> None:
    """Parse each cell, then build the row's model, naming each bad cell once."""
    table = sheet.table
    for row in sheet.rows:
        values: dict[str, Any] = {}
        blamed: set[str | None] = {c.name for c in table.columns if c.name not in sheet.header}
        for column in table.columns:
            text = row.cells.get(column.name, "")
            if not text:
                if column.required and column.name in sheet.header:
                    problems.append(
                        InputProblem(sheet.label, row.number, column.name, "is required but empty")
                    )
                    blamed.add(column.name)
                continue
            try:
                values[column.field] = column.parse(text)
            except ValueError as exc:
                problems.append(InputProblem(sheet.label, row.number, column.name, str(exc)))
                blamed.add(column.name)
        try:
            row.model = table.model.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                problem = _model_problem(sheet, row, error)
                if problem.column not in blamed:
                    blamed.add(problem.column)
                    problems.append(problem)


def _model_problem(sheet: _Sheet, row: _Row, error: Any) -> InputProblem:
    """A pydantic error as a problem of the contract column (``start`` -> ``from``)."""
    loc = error["loc"]
    column = sheet.table.column_of_field(str(loc[0])) if loc else None
    name = column.name if column else sheet.table.model_column
    text = row.cells.get(name, "") if name else ""
    return InputProblem(sheet.label, row.number, name, _describe(error, column, text))


def _describe(error: Any, column: Column | None, text: str) -> str:
    """A pydantic error in the contract's words, quoting the cell."""
    if column is not None and error["type"] in _RANGE_ERRORS:
        message = column.range_message()
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{message} (got {text!r})" if text else message


# --- across rows and files --------------------------------------------------------


def _check_keys(sheets: dict[Table, _Sheet], problems: list[InputProblem]) -> None:
    """Each key (team_id, worker_id, child_id) appears on one row only."""
    for sheet in sheets.values():
        key = sheet.table.key
        if key is None or key not in sheet.header:
            continue
        first_row: dict[str, int] = {}
        for row in sheet.rows:
            value = row.cells[key]
            if value in first_row:
                message = f"duplicate {key} {value!r}: also on row {first_row[value]}"
                problems.append(InputProblem(sheet.label, row.number, key, message))
            elif value:
                first_row[value] = row.number


def _check_references(sheets: dict[Table, _Sheet], problems: list[InputProblem]) -> None:
    """Every reference names an existing key; a team's manager carries no cases."""
    keys = {
        table: {row.cells[table.key] for row in sheet.rows}
        for table, sheet in sheets.items()
        if table.key in sheet.header
    }
    for table, column, target in REFERENCES:
        if table not in sheets or target not in keys:
            continue  # the missing file or column is reported already
        sheet = sheets[table]
        for row in sheet.rows:
            value = row.cells.get(column, "")
            if value and value not in keys[target]:
                message = f"unknown {target.key} {value!r}: not in {sheets[target].label}"
                problems.append(InputProblem(sheet.label, row.number, column, message))
    if TEAMS in sheets and WORKERS in sheets:
        role_of = {
            r.cells.get("worker_id"): r.cells.get("role", "").lower() for r in sheets[WORKERS].rows
        }
        for row in sheets[TEAMS].rows:
            manager = row.cells.get("manager_id", "")
            role = role_of.get(manager, "")
            if role in _CASE_HOLDING_ROLES:
                message = (
                    f"worker {manager!r} is a {role}, who carries cases; "
                    f"a manager must be a {' or '.join(_CASE_FREE_ROLES)}"
                )
                problems.append(
                    InputProblem(sheets[TEAMS].label, row.number, "manager_id", message)
                )


def _check_policy(
    sheets: dict[Table, _Sheet], policy: Policy, problems: list[InputProblem]
) -> None:
    """Team services are policy services; child categories are weighted or have a weight."""
    if TEAMS in sheets:
        for row in sheets[TEAMS].rows:
            service = row.cells.get("service", "")
            if service and service not in policy.services:
                known = ", ".join(sorted(policy.services))
                message = f"unknown service {service!r}: policy {policy.name!r} has {known}"
                problems.append(InputProblem(sheets[TEAMS].label, row.number, "service", message))
    if CHILDREN in sheets:
        weighted = policy.weighting.category
        for row in sheets[CHILDREN].rows:
            category = row.cells.get("category", "")
            if category and category not in weighted and not row.cells.get("weight"):
                message = (
                    f"unknown category {category!r} and no weight given: "
                    f"policy {policy.name!r} weighs {', '.join(sorted(weighted))}"
                )
                problems.append(
                    InputProblem(sheets[CHILDREN].label, row.number, "category", message)
                )
