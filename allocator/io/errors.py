"""Errors of the I/O edge: bad input (every problem, located) and refused output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

SUMMARISE_AFTER = 3
"""The same problem on more rows than this is shown as one line with the count."""
FIRST_ROWS = 5
"""Rows named in such a line."""
_GOT = re.compile(r" \(got (?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)$")


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
    severity
        ``error``: the input cannot be used as it is. ``warning``: it was read,
        in the way the message says, but deserves a look (an unknown flag, a
        time of day in a date column).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


def describe_problems(problems: Iterable[InputProblem]) -> list[str]:
    """One line per problem, except that the same problem (same file, column and
    message, whatever value it quotes) on many rows is one line with the count,
    the first rows and the first values.

    Examples
    --------
    >>> rows = [InputProblem("children.csv", r, "level", f"must be <= 4 (got '{r}')")
    ...         for r in range(5, 12)]
    >>> for line in describe_problems([*rows[:1], InputProblem("teams.csv", None, None, "is empty"),
    ...                        *rows[1:]]):
    ...     print(line)
    children.csv, column level, 7 rows (5, 6, 7, 8, 9, ...): must be <= 4 (got '5', '6', '7', ...)
    teams.csv: is empty
    """
    problems = list(problems)
    keys = [_group_key(p) for p in problems]
    groups: dict[tuple[str, str, str, str], list[tuple[InputProblem, str | None]]] = {}
    for p, (key, value) in zip(problems, keys, strict=True):
        groups.setdefault(key, []).append((p, value))
    lines: list[str] = []
    done: set[tuple[str, str, str, str]] = set()
    for p, (key, _) in zip(problems, keys, strict=True):
        group = groups[key]
        if len(group) <= SUMMARISE_AFTER:
            lines.append(str(p))
            continue
        if key in done:
            continue
        done.add(key)
        rows = [str(q.row) for q, _ in group[:FIRST_ROWS]]
        more = ", ..." if len(group) > FIRST_ROWS else ""
        values = list(dict.fromkeys(v for _, v in group if v is not None))
        got = f" (got {', '.join(values[:3])}{', ...' if len(values) > 3 else ''})"
        where = p.file + (f", column {p.column}" if p.column else "")
        lines.append(
            f"{where}, {len(group)} rows ({', '.join(rows)}{more}): {key[3]}{got if values else ''}"
        )
    return lines


def _group_key(p: InputProblem) -> tuple[tuple[str, str, str, str], str | None]:
    """What makes two problems the same (the message without its quoted value), and
    that value."""
    match = _GOT.search(p.message) if p.row is not None else None
    text = p.message[: match.start()] if match else p.message
    return (p.severity, p.file, p.column or "", text), (match["value"] if match else None)


class InputError(Exception):
    """The input is invalid; ``problems`` holds every problem found (``severity`` error).

    ``str`` gives one line per problem, the same problem on many rows summed up
    in one line (:func:`describe_problems`).
    """

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: list[InputProblem] = list(problems)
        super().__init__("\n".join(describe_problems(self.problems)))

    def __str__(self) -> str:
        return "\n".join(describe_problems(self.problems))


class OutputError(ValueError):
    """An output folder cannot be written without touching files this tool did not write,
    or the file system refuses the write (permissions, a full disk)."""
