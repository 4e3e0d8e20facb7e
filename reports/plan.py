"""The plan report: a scenario plan's variants side by side, as a service planner reads it.

Reads ``comparison.csv`` and ``summary.json`` of ``caseload scenario run --out DIR``
(the columns fixed in the scenario format, v1; more columns may follow and are
shown too): the comparison with every difference from ``base`` highlighted,
the differences themselves, and a chart per key measure.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from allocator import InputError, InputProblem
from reports import charts
from reports.about import report_version
from reports.model import Cell, Column, Figure, Kind, Report, Rule, Section, Table

PLAN_FILE = "comparison.csv"
"""The file that makes a folder a plan's output."""

PLAN_COLUMNS: dict[str, tuple[str, Kind, int]] = {
    "variant": ("variant", "text", 0),
    "case_holding_fte": ("case-holding FTE", "number", 1),
    "children": ("children", "int", 0),
    "children_allocated": ("children allocated", "int", 0),
    "children_unallocated": ("children waiting", "int", 0),
    "mean_children_per_fte": ("mean children per FTE", "number", 1),
    "max_children_per_fte": ("highest children per FTE", "number", 1),
    "workers_above_cap": ("workers above cap", "int", 0),
    "workers_above_threshold": ("workers in a threshold band", "int", 0),
    "sibling_groups_split": ("sibling groups split", "int", 0),
    "objective": ("balance objective", "number", 1),
    "fte_needed": ("FTE needed", "number", 1),
}
"""The spec's columns, in its order: heading, kind of value, decimals."""

KEY_MEASURES = (
    "children_unallocated",
    "fte_needed",
    "mean_children_per_fte",
    "max_children_per_fte",
    "workers_above_threshold",
    "workers_above_cap",
    "sibling_groups_split",
)
"""The measures charted, one chart each."""


def _number(text: str) -> float | None:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_comparison(
    folder: Path,
) -> tuple[list[str], list[dict[str, Cell]], dict[str, tuple[str, Kind, int]]]:
    """The comparison's columns, rows (typed) and how to show each column.

    Raises
    ------
    InputError
        The file cannot be read, lacks a column of the spec, has no ``base`` first,
        repeats a variant, or holds text where the spec has a number: every
        problem, by row and column.
    """
    path = folder / PLAN_FILE
    problems: list[InputProblem] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            header = list(reader.fieldnames or [])
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError([InputProblem(PLAN_FILE, None, None, f"cannot be read: {exc}")]) from None
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        problems.append(
            InputProblem(
                PLAN_FILE, 1, None, f"missing column(s) {', '.join(missing)} of the plan format"
            )
        )
        raise InputError(problems)
    extra = [c for c in header if c not in PLAN_COLUMNS and c]
    shown: dict[str, tuple[str, Kind, int]] = dict(PLAN_COLUMNS)
    for column in extra:
        values = [r.get(column) or "" for r in records]
        numeric = all(_parses(v) for v in values if v != "") and any(values)
        shown[column] = (column.replace("_", " "), "number" if numeric else "text", 2)
    rows: list[dict[str, Cell]] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=2):
        if None in record:  # more cells than headings
            problems.append(InputProblem(PLAN_FILE, number, None, "more cells than columns"))
            continue
        row: dict[str, Cell] = {}
        for column in header:
            text = (record.get(column) or "").strip()
            kind = shown[column][1]
            if kind == "text" or column == "variant":
                row[column] = text or None
                continue
            if text == "":
                row[column] = None
                continue
            try:
                value = _number(text)
            except ValueError:
                problems.append(InputProblem(PLAN_FILE, number, column, f"not a number: {text!r}"))
                continue
            row[column] = (
                int(value) if kind == "int" and value is not None and value.is_integer() else value
            )
        name = row.get("variant")
        if not name:
            problems.append(InputProblem(PLAN_FILE, number, "variant", "empty variant name"))
        elif name in seen:
            problems.append(
                InputProblem(PLAN_FILE, number, "variant", f"variant {name!r} repeated")
            )
        else:
            seen.add(str(name))
        rows.append(row)
    if not records:
        problems.append(InputProblem(PLAN_FILE, None, None, "has no rows (expected base first)"))
    elif not problems and rows[0].get("variant") != "base":
        problems.append(
            InputProblem(
                PLAN_FILE, 2, "variant", f"the first row is {rows[0].get('variant')!r}, not 'base'"
            )
        )
    if problems:
        raise InputError(problems)
    return [c for c in header if c], rows, shown


def _parses(text: str) -> bool:
    try:
        _number(text)
    except ValueError:
        return False
    return True


def _read_summary(folder: Path) -> dict[str, Any]:
    path = folder / "summary.json"
    if not path.exists():
        return {}
    try:
        info = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            [InputProblem("summary.json", None, None, f"cannot be read: {exc}")]
        ) from None
    if not isinstance(info, dict):
        raise InputError([InputProblem("summary.json", None, None, "is not a JSON object")])
    return info


def _flatten(info: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``summary.json`` as ``(dotted key, value)`` rows: scalars and short lists only."""
    out: list[tuple[str, str]] = []
    for key in sorted(info):
        value = info[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, name + ".")
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.append((name, ", ".join(str(v) for v in value)))
            else:
                out.append((name, f"{len(value)} entries"))
        else:
            out.append((name, "" if value is None else str(value)))
    return out


def plan_report(folder: Path) -> Report:
    """Build the plan report of a ``caseload scenario run`` output folder.

    Raises
    ------
    InputError
        ``comparison.csv`` or ``summary.json`` missing columns, unreadable or
        corrupt (see :func:`read_comparison`).
    """
    header, rows, shown = read_comparison(folder)
    info = _read_summary(folder)
    plan: dict[str, Any] = info["plan"] if isinstance(info.get("plan"), dict) else {}
    name = str(plan.get("name") or info.get("name") or folder.name)
    numeric = [c for c in header if shown[c][1] != "text"]
    changed = Rule(op="ne_first", tone="changed", label="differs from base")
    columns = tuple(
        Column(
            key=c,
            label=shown[c][0],
            kind=shown[c][1],
            decimals=shown[c][2],
            rules=(changed,) if c in numeric else (),
        )
        for c in header
    )
    comparison = Table(
        id="comparison",
        title="Variants side by side",
        caption="comparison.csv as written; a cell that differs from base is highlighted.",
        columns=columns,
        rows=tuple(tuple(r.get(c) for c in header) for r in rows),
        sheet="Comparison",
    )
    base = rows[0]
    deltas = []
    for r in rows[1:]:
        cells: list[Cell] = [r["variant"]]
        for c in numeric:
            x, b = r.get(c), base.get(c)
            cells.append(
                None
                if not isinstance(x, int | float) or not isinstance(b, int | float)
                else round(x - b, 6)
            )
        deltas.append(tuple(cells))
    up = Rule(op="gt", value=0, tone="approval", label="higher than base")
    down = Rule(op="lt", value=0, tone="low", label="lower than base")
    differences = Table(
        id="differences",
        title="Differences from base",
        caption="Each variant minus base, in the measure's own units.",
        columns=(
            Column(key="variant", label="variant"),
            *(
                Column(
                    key=c,
                    label=shown[c][0],
                    kind="number" if shown[c][1] == "int" else shown[c][1],
                    decimals=shown[c][2],
                    rules=(up, down),
                )
                for c in numeric
            ),
        ),
        rows=tuple(deltas),
        sheet="Differences",
        empty="The plan has no variant besides base.",
    )
    chart_list = tuple(
        charts.variant_chart(
            m,
            shown[m][0],
            [
                (str(r["variant"]), float(v) if isinstance(v := r.get(m), int | float) else None)
                for r in rows
            ],
        )
        for m in KEY_MEASURES
    )
    figures = (
        Figure(id="variants", label="variants besides base", value=len(rows) - 1),
        Figure(
            id="base-waiting",
            label="children waiting in base",
            value=_int(base.get("children_unallocated")),
            tone="warn" if base.get("children_unallocated") else "good",
        ),
        Figure(
            id="base-max",
            label="highest children per FTE in base",
            value=_num(base.get("max_children_per_fte")),
            kind="number",
            decimals=1,
        ),
        Figure(
            id="base-fte-needed",
            label="FTE needed in base",
            value=_num(base.get("fte_needed")),
            kind="number",
            decimals=1,
            detail="extra case-holding FTE for no child waiting and nobody newly above cap",
        ),
    )
    about = (
        ("plan folder", str(folder)),
        *_flatten(info),
        ("report rendered by caseload", report_version()),
    )
    reproduce: dict[str, Any] = info["reproduce"] if isinstance(info.get("reproduce"), dict) else {}
    footer = f"caseload plan '{name}' · seed {plan.get('seed', reproduce.get('seed', 'n/a'))}"
    return Report(
        kind="plan",
        title=f"Scenario plan: {name}",
        subtitle=f"{len(rows) - 1} variants against base · {folder}",
        headline=figures,
        notes=(
            "Each variant is the base data and policy with the plan's changes applied, "
            "allocated by the same engine under the same options. Its own proposal is in "
            "variants/<variant>/proposal/ and has a report of its own (caseload report on that "
            "folder).",
        ),
        sections=(
            Section(id="comparison", title="Comparison", tables=(comparison, differences)),
            Section(id="measures", title="Key measures", charts=chart_list, page_break=True),
            Section(
                id="about",
                title="About this plan",
                paragraphs=("From the plan's summary.json: what reproduces the run.",),
                facts=about,
                page_break=True,
            ),
        ),
        about=about,
        footer=footer,
    )


def _num(value: Cell) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _int(value: Cell) -> int | None:
    return int(value) if isinstance(value, int | float) else None
