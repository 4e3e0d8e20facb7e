"""Reading a data folder (or ``.xlsx`` workbook) into a validated ``ProblemData``.

CSV files are split into cells by the standard ``csv`` module, with the
delimiter found by ``csv.Sniffer`` and the header; workbooks by pandas with
openpyxl. Every cell is then read as text (``007`` stays ``007``) by
``columns.Column``. Every problem found is collected, located by file, row and
column, and raised together as one ``InputError``; warnings (read, but worth a
look) go to the caller's list. No row is ever dropped silently: a row the
reader cannot place (a quote left open that swallows later rows) is a problem.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from allocator.io.columns import (
    ADJUSTMENTS,
    CHILDREN,
    DAY_FIRST_FORM,
    ISO_FORM,
    REFERENCES,
    TABLES,
    TEAMS,
    WORKERS,
    Column,
    Table,
    parse_date,
)
from allocator.io.errors import InputError, InputProblem
from allocator.io.labels import Vocabulary, closest, vocabularies
from models import Policy, ProblemData, Role

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: e.g. ``("children.csv", 20000, 100000)`` rows checked."""
PROGRESS_EVERY = 10_000
"""Rows between two progress calls."""
DELIMITERS = ",;\t|"
"""Cell separators a CSV file may use (a European Excel writes ``;``)."""
_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
"""The ``csv`` module refuses cells over 128 KB by default; a long cell is read whole."""
_ZIP = b"PK\x03\x04"

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
    decimal_comma: bool = False
    """Cells are separated by ``;`` or a tab, so numbers may use a decimal comma."""


@dataclass
class _Loaded:
    """A file's cells (``None``: unreadable, problem recorded) and how it was split."""

    label: str
    cells: list[list[str]] | None
    delimiter: str = ","


def read_data(
    path: Path | str,
    policy: Policy | None = None,
    *,
    warnings: list[InputProblem] | None = None,
    progress: Progress | None = None,
) -> ProblemData:
    r"""Read and validate a data folder or ``.xlsx`` workbook.

    Parameters
    ----------
    path
        A folder holding ``teams.csv``, ``workers.csv``, ``children.csv`` and
        optionally ``reductions.csv``, or an ``.xlsx`` workbook with sheets of
        those names (without ``.csv``). Columns are the data contract's; how
        cells are read is in ``docs/data-contract.md``.
    policy
        When given, services, categories and flags are checked against it:
        an unknown label is a warning naming the closest known label, or an
        error when a protection depends on that label.
    warnings
        When given, every warning is appended to it (``InputProblem`` with
        ``severity="warning"``), whether or not the input has errors.
    progress
        Called as ``progress(what, done, total)`` while rows are checked, every
        10,000 rows of a file (``what`` is the file's label).

    Returns
    -------
    ProblemData
        Rows in file order; ``source`` is ``str(path)``.

    Raises
    ------
    InputError
        Holding every error found (``InputError.problems``), each naming the
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
    labels = vocabularies(policy) if policy is not None else None
    sheets: dict[Table, _Sheet] = {}
    for table, loaded in _load(path, problems).items():
        sheet = _make_sheet(table, loaded, problems)
        if sheet is not None:
            _read_rows(sheet, problems, labels, policy, progress)
            sheets[table] = sheet
    _check_keys(sheets, problems)
    _check_references(sheets, problems)
    _check_adjustments(sheets, problems)
    _check_skills(sheets, problems)
    _check_across_teams(sheets, problems)
    if policy is not None:
        _check_services(sheets, policy, problems)
    order = _reading_order(path)
    errors = sorted((p for p in problems if p.severity == "error"), key=order)
    if warnings is not None:
        warnings += sorted((p for p in problems if p.severity == "warning"), key=order)
    if not errors:
        rows: dict[str, tuple[Any, ...]] = {
            table.name: tuple(row.model for row in sheet.rows) for table, sheet in sheets.items()
        }
        try:
            return ProblemData(**rows, source=str(path))
        except ValidationError as exc:  # a rule of models/ not mirrored above
            errors += [InputProblem(path.name, None, None, e["msg"]) for e in exc.errors()]
    raise InputError(errors)


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


def _load(path: Path, problems: list[InputProblem]) -> dict[Table, _Loaded]:
    """The cells of every table present, keyed by table."""
    if path.is_dir():
        return {
            t: _read_csv(path / t.file, t, problems)
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


def _decode(file: Path, data: bytes, problems: list[InputProblem]) -> str | None:
    """The text of a CSV file: UTF-8 (a byte-order mark is dropped), or UTF-16 with
    its byte-order mark (Excel's "Unicode text"); anything else is a problem."""
    if data.startswith(_ZIP):
        message = (
            "is an Excel workbook (or another zip file) with a .csv name; "
            "give the workbook itself, or save each sheet as 'CSV UTF-8'"
        )
        problems.append(InputProblem(file.name, None, None, message))
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        message = f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as 'CSV UTF-8'"
        problems.append(InputProblem(file.name, row, None, message))
        return None


def _delimiter(text: str, table: Table) -> str:
    """The cell separator: the one that splits the header into the most contract
    column names, ``csv.Sniffer``'s guess breaking ties, a comma by default."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    names = {c.name for c in table.columns}

    def score(delimiter: str) -> tuple[int, bool, bool]:
        found = sum(1 for cell in first.split(delimiter) if cell.strip().lower() in names)
        return found, delimiter == sniffed, delimiter == ","

    return max(DELIMITERS, key=score)


def _read_csv(file: Path, table: Table, problems: list[InputProblem]) -> _Loaded:
    loaded = _Loaded(file.name, None)
    try:
        data = file.read_bytes()
    except OSError as exc:
        problems.append(InputProblem(file.name, None, None, f"cannot be read: {exc.strerror}"))
        return loaded
    text = _decode(file, data, problems)
    if text is None:
        return loaded
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        message = "holds a NUL byte: it is not a text file; save it as 'CSV UTF-8'"
        problems.append(InputProblem(file.name, row, None, message))
        return loaded
    loaded.delimiter = _delimiter(text, table)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=loaded.delimiter)
    records: list[list[str]] = []
    lines: list[int] = [1]  # the line each record starts on, then the line after the last
    try:
        for record in reader:
            records.append(record)
            lines.append(reader.line_num + 1)
    except csv.Error as exc:  # pragma: no cover - the non-strict reader raises on NUL only
        problems.append(InputProblem(file.name, lines[-1], None, f"cannot be split: {exc}"))
        return loaded
    loaded.cells = _cells(file.name, records, lines, loaded.delimiter, problems)
    return loaded


def _cells(
    label: str,
    records: list[list[str]],
    lines: list[int],
    delimiter: str,
    problems: list[InputProblem],
) -> list[list[str]]:
    """Records cut or padded to the header's width; every row that cannot be placed is
    a problem: cells beyond the header, and a quote left open that swallows rows."""
    if not records:
        return []
    if not any(cell.strip() for cell in records[0]):
        return [[]]  # a blank first line: no header
    width = len(records[0])
    cells: list[list[str]] = []
    for number, record in enumerate(records, 1):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            message = f"has {len(record)} cells but the header has {width}"
            problems.append(InputProblem(label, number, None, message))
        swallowed = lines[number] - lines[number - 1] > 1 and _swallowed_lines(
            record, delimiter, width
        )
        if swallowed:
            end = lines[number] - 1 if number < len(records) else None
            until = f"until line {end}" if end is not None else "until the end of the file"
            message = (
                f'a quote (") opened on line {lines[number - 1]} is not closed {until}, '
                f"so {swallowed} later line{'s' if swallowed != 1 else ''} would be read as "
                "one cell: remove the stray quote or close it"
            )
            problems.append(InputProblem(label, number, None, message))
        cells.append((record + [""] * width)[:width])
    return cells


def _swallowed_lines(record: list[str], delimiter: str, width: int) -> int:
    """Lines inside the record's quoted cells that look like whole rows of the file."""
    if width < 2:
        return 0
    count = 0
    for cell in record:
        if "\n" in cell or "\r" in cell:
            later = cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:]
            count += sum(1 for line in later if line.count(delimiter) >= width - 1)
    return count


def _read_workbook(path: Path, problems: list[InputProblem]) -> dict[Table, _Loaded]:
    import pandas as pd

    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, dtype=object, na_filter=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        problems.append(InputProblem(path.name, None, None, f"cannot be read as a workbook: {exc}"))
        return {}
    by_name: dict[str, list[str]] = {}
    for name in frames:
        by_name.setdefault(str(name).strip().lower(), []).append(str(name))
    loaded: dict[Table, _Loaded] = {}
    for table in TABLES:
        label = f"{path.name}[{table.name}]"
        names = by_name.get(table.name, [])
        if len(names) > 1:
            quoted = " and ".join(repr(n) for n in names)
            message = f"sheets {quoted} both read as {table.name!r}: keep one, rename the other"
            problems.append(InputProblem(label, None, None, message))
            loaded[table] = _Loaded(label, None)
        elif names:
            frame = frames[names[0]]
            loaded[table] = _Loaded(
                label, [[_excel_text(v) for v in r] for r in frame.values.tolist()]
            )
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


def _make_sheet(table: Table, loaded: _Loaded, problems: list[InputProblem]) -> _Sheet | None:
    cells, label = loaded.cells, loaded.label
    if cells is None:
        return None
    if not cells or not any(c.strip() for c in cells[0]):
        message = "row 1 is empty" if cells else "is empty"
        problems.append(
            InputProblem(label, None, None, f"{message}; the first row must name the columns")
        )
        return None
    sheet = _Sheet(table, label, decimal_comma=loaded.delimiter in ";\t")
    known = {c.name for c in table.columns}
    position: dict[str, int] = {}
    for i, name in enumerate(c.strip().lower() for c in cells[0]):
        if name in position and name in known:
            problems.append(InputProblem(label, 1, name, "column appears more than once"))
        position.setdefault(name, i)
    sheet.header = known & position.keys()
    for column in table.columns:
        if column.required and column.name not in sheet.header:
            close = closest(column.name, [n for n in position if n and n not in known])
            hint = f" (is {close!r} meant to be {column.name!r}?)" if close else ""
            problems.append(
                InputProblem(label, 1, column.name, f"required column is missing{hint}")
            )
    for number, values in enumerate(cells[1:], start=2):
        if "".join(values).strip():
            cells_of_row = {name: values[position[name]].strip() for name in sheet.header}
            sheet.rows.append(_Row(number, cells_of_row))
    if table.needs_rows and not sheet.rows:
        problems.append(
            InputProblem(
                label, None, None, f"has no rows; at least one {table.name[:-1]} is needed"
            )
        )
    return sheet


def _read_rows(
    sheet: _Sheet,
    problems: list[InputProblem],
    labels: dict[str, Vocabulary] | None,
    policy: Policy | None,
    progress: Progress | None,
) -> None:
    """Parse each cell, then build the row's model, naming each bad cell once."""
    table = sheet.table
    present = [c for c in table.columns if c.name in sheet.header]
    # Missing required columns are reported once, at row 1; their cells are not.
    missing = {c.name for c in table.columns if c.required and c.name not in sheet.header}
    forms: dict[str, dict[str, list[int]]] = {}  # date column -> form -> rows
    total = len(sheet.rows)
    for done, row in enumerate(sheet.rows, 1):
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(sheet.label, done, total)
        values: dict[str, Any] = {}
        blamed: set[str | None] = set(missing)
        for column in present:
            text = row.cells[column.name]
            if not text:
                if column.required:
                    problems.append(
                        InputProblem(sheet.label, row.number, column.name, "is required but empty")
                    )
                    blamed.add(column.name)
                continue
            try:
                if column.kind == "date":
                    read = parse_date(text)
                    forms.setdefault(column.name, {}).setdefault(read.form, []).append(row.number)
                    if read.time is not None:
                        message = f"holds a time of day; read as a date (got {text!r})"
                        problems.append(
                            InputProblem(sheet.label, row.number, column.name, message, "warning")
                        )
                    values[column.field] = read.day
                else:
                    values[column.field] = column.parse(text, sheet.decimal_comma)
            except ValueError as exc:
                problems.append(InputProblem(sheet.label, row.number, column.name, str(exc)))
                blamed.add(column.name)
                continue
            if labels is not None and column.vocabulary in labels:
                values[column.field] = _check_labels(
                    sheet, row, column, values[column.field], labels[column.vocabulary], problems
                )
        if policy is not None and labels and table is CHILDREN and "category" not in blamed:
            _check_category_weight(sheet, row, values, policy, labels["category"], problems)
        try:
            row.model = table.model.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                problem = _model_problem(sheet, row, error)
                if problem.column not in blamed:
                    blamed.add(problem.column)
                    problems.append(problem)
    for name, rows_by_form in forms.items():
        if len(rows_by_form) > 1:
            problems.append(_mixed_dates(sheet.label, name, rows_by_form))


def _mixed_dates(label: str, column: str, rows_by_form: dict[str, list[int]]) -> InputProblem:
    """A warning naming the rows of each date form when a column mixes them."""
    parts = []
    for form in (ISO_FORM, DAY_FIRST_FORM):
        rows = rows_by_form.get(form, [])
        if rows:
            shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
            parts.append(f"{form} on {len(rows)} row{'s' if len(rows) != 1 else ''} ({shown})")
    message = (
        f"dates are written in two forms, {' and '.join(parts)}; each was read as written: "
        "check that the file holds no month-first dates"
    )
    return InputProblem(label, None, column, message, "warning")


def _check_labels(
    sheet: _Sheet,
    row: _Row,
    column: Column,
    value: Any,
    vocabulary: Vocabulary,
    problems: list[InputProblem],
) -> Any:
    """The value with each label in the policy's spelling; every unknown label is a
    warning naming the closest known one, or an error when a protection depends on it."""
    items = sorted(value) if isinstance(value, frozenset) else [value]
    spelled = []
    for item in items:
        known = vocabulary.known.get(item)
        if known is not None:
            spelled.append(known)
            continue
        spelled.append(item)
        if vocabulary.kind in ("category", "service"):
            continue  # reported by _check_category_weight and _check_services
        problems.append(_unknown_label(sheet.label, row.number, column.name, item, vocabulary))
    return frozenset(spelled) if isinstance(value, frozenset) else spelled[0]


def _unknown_label(
    label: str, row: int, column: str, item: str, vocabulary: Vocabulary
) -> InputProblem:
    """The problem of a label the policy does not know, with the closest known label: a
    warning, or an error when a protection depends on that closest label."""
    known = sorted(vocabulary.known.values())
    guess = closest(item, known)
    what = f"unknown {vocabulary.kind} {item!r}"
    if guess is None:
        what += f" (the policy knows {', '.join(known)})."
    else:
        what += f": did you mean {guess!r}?"
    protection = vocabulary.protected.get(guess or "")
    if protection:
        message = (
            f"{what} Correct it: as written, the policy's protections for {guess!r} "
            f"({protection}) do not apply to this child"
        )
        return InputProblem(label, row, column, message, "error")
    effect = ": it adds no weight and no priority" if vocabulary.kind == "flag" else ""
    return InputProblem(label, row, column, f"{what} Read as written{effect}", "warning")


def _check_category_weight(
    sheet: _Sheet,
    row: _Row,
    values: dict[str, Any],
    policy: Policy,
    vocabulary: Vocabulary,
    problems: list[InputProblem],
) -> None:
    """An unknown category is an error without a weight; with one, a warning (an error
    when the closest known category is protected)."""
    category = values.get("category")
    if category is None or category in policy.weighting.category:
        return
    if category in vocabulary.known.values() and "weight" in values:
        return
    if "weight" in values:
        if category not in vocabulary.known.values():
            problems.append(
                _unknown_label(sheet.label, row.number, "category", category, vocabulary)
            )
        return
    guess = closest(category, sorted(policy.weighting.category))
    hint = f"; did you mean {guess!r}?" if guess else ""
    message = (
        f"unknown category {category!r} and no weight given: policy {policy.name!r} weighs "
        f"{', '.join(sorted(policy.weighting.category))}{hint}"
    )
    problems.append(InputProblem(sheet.label, row.number, "category", message))


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


def _check_adjustments(sheets: dict[Table, _Sheet], problems: list[InputProblem]) -> None:
    """A child is pinned to one worker at most, and never to one it is forbidden from."""
    if ADJUSTMENTS not in sheets:
        return
    sheet = sheets[ADJUSTMENTS]
    pinned: dict[str, tuple[str, int]] = {}
    forbidden: dict[tuple[str, str], int] = {}
    rows = [(r, r.cells.get("action", "").strip().lower()) for r in sheet.rows]
    for row, action in rows:
        child, worker = row.cells.get("child_id", ""), row.cells.get("worker_id", "")
        if action == "pin" and child:
            if child in pinned:
                first_worker, first_row = pinned[child]
                message = (
                    f"{child} is pinned twice: to {worker} here and to {first_worker} on row "
                    f"{first_row}; keep one pin"
                )
                problems.append(InputProblem(sheet.label, row.number, "child_id", message))
            else:
                pinned[child] = (worker, row.number)
        elif action == "forbid" and child:
            forbidden.setdefault((child, worker), row.number)
    for child, (worker, number) in pinned.items():
        if (child, worker) in forbidden:
            message = (
                f"{child} is pinned to {worker} here and forbidden from them on row "
                f"{forbidden[child, worker]}; keep one"
            )
            problems.append(InputProblem(sheet.label, number, "worker_id", message))


def _check_across_teams(sheets: dict[Table, _Sheet], problems: list[InputProblem]) -> None:
    """Warnings for records that cross teams: a family referred to two teams (no one
    worker can hold them all), a child held by a worker of another team."""
    if CHILDREN not in sheets:
        return
    children = sheets[CHILDREN]
    teams_of: dict[str, dict[str, int]] = {}
    for row in children.rows:
        family, team = row.cells.get("family_id", ""), row.cells.get("team_id", "")
        if family and team:
            teams_of.setdefault(family, {}).setdefault(team, row.number)
    for row in children.rows:
        family, team = row.cells.get("family_id", ""), row.cells.get("team_id", "")
        spans = teams_of.get(family, {})
        first_team = min(spans, key=lambda t: spans[t]) if spans else ""
        if len(spans) > 1 and spans[team] == row.number and team != first_team:
            listed = " and ".join(sorted(spans))
            message = (
                f"family {family!r} spans teams {listed}: no one worker can hold them all; "
                "each team's part is allocated within its team"
            )
            problems.append(
                InputProblem(children.label, row.number, "family_id", message, "warning")
            )
    if WORKERS not in sheets:
        return
    team_of = {r.cells.get("worker_id"): r.cells.get("team_id") for r in sheets[WORKERS].rows}
    for row in children.rows:
        worker, team = row.cells.get("worker_id", ""), row.cells.get("team_id", "")
        held_in = team_of.get(worker)
        if worker and held_in and team and held_in != team:
            message = (
                f"child of team {team!r} is held by {worker!r} of team {held_in!r}: "
                "kept there, but check which team is responsible"
            )
            problems.append(
                InputProblem(children.label, row.number, "worker_id", message, "warning")
            )


def _check_skills(sheets: dict[Table, _Sheet], problems: list[InputProblem]) -> None:
    """A required skill no worker has is a warning naming the closest skill held."""
    if WORKERS not in sheets or CHILDREN not in sheets:
        return
    held = {s for r in sheets[WORKERS].rows for s in getattr(r.model, "skills", ())}
    for row in sheets[CHILDREN].rows:
        skill = getattr(row.model, "required_skill", None)
        if skill is None or skill in held:
            continue
        guess = closest(skill, sorted(held))
        hint = f": did you mean {guess!r}?" if guess else ""
        message = (
            f"no worker in {sheets[WORKERS].label} has the skill {skill!r}{hint} "
            "The child can only wait"
        )
        problems.append(
            InputProblem(sheets[CHILDREN].label, row.number, "required_skill", message, "warning")
        )


def _check_services(
    sheets: dict[Table, _Sheet], policy: Policy, problems: list[InputProblem]
) -> None:
    """Team services are policy services (case aside)."""
    if TEAMS not in sheets:
        return
    for row in sheets[TEAMS].rows:
        service = getattr(row.model, "service", None)
        if service is not None and service not in policy.services:
            known = ", ".join(sorted(policy.services))
            guess = closest(service, sorted(policy.services))
            hint = f"; did you mean {guess!r}?" if guess else ""
            message = f"unknown service {service!r}: policy {policy.name!r} has {known}{hint}"
            problems.append(InputProblem(sheets[TEAMS].label, row.number, "service", message))
