"""Errors of the I/O edge: bad input (every problem, located) and refused output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with the input, located as a spreadsheet user sees it.

    Attributes
    ----------
    file
        File name (``children.csv``) or workbook sheet (``data.xlsx[children]``).
    row
        Line of the file, header = row 1, first data row = row 2; ``None`` when
        the problem is with the whole file.
    column
        The contract's column name, or ``None`` when the problem is with a row
        or the whole file.
    message
        What is wrong, in plain words, quoting the value found.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class InputError(Exception):
    """The input is invalid; ``problems`` holds every problem found, one per line in ``str``."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: list[InputProblem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class OutputError(ValueError):
    """An output folder cannot be written without touching files this tool did not write."""
