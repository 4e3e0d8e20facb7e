"""Which kind of output folder a report is asked of, reading it, and writing a report file
atomically (all of it or nothing, never over a file of another kind)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from allocator import REPORT_FILES, InputError, InputProblem, read_outputs, summary
from reports.allocation import allocation_report
from reports.forecast import forecast_report, is_forecast
from reports.model import Report
from reports.plan import PLAN_FILE, plan_report

FolderKind = Literal["allocation", "plan", "forecast"]
FORMATS = ("html", "xlsx", "pdf")
"""The formats a report is rendered in."""
SUFFIXES = {"html": (".html", ".htm"), "xlsx": (".xlsx",), "pdf": (".pdf",)}


class ReportError(Exception):
    """A report cannot be written (bad option, no browser for a PDF, an unwritable file);
    the message says why and what to do."""


OTHER_KINDS = {
    "national": "national.csv, totals.csv, national.png and .svg",
    "benchmark": "the table and the charts 'caseload benchmark-la --out' wrote",
}
"""Folders caseload writes that are not reports' inputs, and what they hold instead."""


def _other_kind(folder: Path) -> str | None:
    """The kind of a caseload folder (its ``.caseload`` marker) that has no report."""
    try:
        marker = json.loads((folder / ".caseload").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    kind = marker.get("kind") if isinstance(marker, dict) else None
    return kind if kind in OTHER_KINDS else None


def folder_kind(folder: Path) -> FolderKind:
    """Recognise an output folder: a proposal (``caseload allocate --out``), a scenario
    plan's comparison (``caseload scenario run --out``) or a forecast (``caseload forecast
    --out``: its ``.caseload`` marker of kind ``forecast``, or ``bands.csv``).

    Raises
    ------
    InputError
        The folder does not exist, or is neither kind (the message names what each
        kind holds).
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(
            [InputProblem(str(folder), None, None, f"{what}; expected an output folder")]
        )
    if (folder / PLAN_FILE).is_file():
        return "plan"
    other = _other_kind(folder)
    if other is not None:
        raise InputError(
            [
                InputProblem(
                    str(folder),
                    None,
                    None,
                    f"is a caseload {other} folder, which has no report of its own: its "
                    f"tables and chart are in the folder ({OTHER_KINDS[other]}); "
                    "'caseload report' renders a proposal, a scenario plan or a forecast",
                )
            ]
        )
    if is_forecast(folder):
        return "forecast"  # forecast_report names whatever is missing
    if (folder / "allocations.csv").exists() or (folder / "summary.json").exists():
        return "allocation"  # read_outputs names whatever else is missing
    message = (
        "is not a caseload output folder: a proposal holds allocations.csv and summary.json "
        "('caseload allocate --out'), a scenario plan comparison.csv ('caseload scenario run "
        "--out'), a forecast bands.csv ('caseload forecast --out')"
    )
    raise InputError([InputProblem(str(folder), None, None, message)])


def build_report(folder: Path | str) -> Report:
    """The report of an output folder, whichever kind it is.

    Raises
    ------
    InputError
        Not an output folder, or a file missing or corrupt: every problem, named by
        file (row and column where one is to blame).

    Examples
    --------
    >>> import tempfile
    >>> try:
    ...     build_report(tempfile.mkdtemp())
    ... except InputError as error:
    ...     print(error.problems[0].message.split(":")[0])
    is not a caseload output folder
    """
    folder = Path(folder)
    kind = folder_kind(folder)
    if kind == "plan":
        return plan_report(folder)
    if kind == "forecast":
        return forecast_report(folder)
    result = read_outputs(folder)
    try:
        recorded = json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:  # read_outputs read it a moment ago
        problem = InputProblem("summary.json", None, None, f"cannot be read: {exc}")
        raise InputError([problem]) from None
    return allocation_report(result, summary(result), recorded, str(folder))


def default_output(folder: Path, fmt: str) -> Path:
    """Where a report goes when no ``--output`` is given: ``FOLDER/report.FORMAT``."""
    name = f"report.{fmt}"
    assert name in REPORT_FILES, name
    return Path(folder) / name


def check_output(output: Path, fmt: str) -> None:
    """Refuse an output path that could destroy something: a folder, or a file whose name
    does not end as the format does (so a data file is never overwritten by mistake).

    Raises
    ------
    ReportError
        The path is a folder, or its suffix does not match ``fmt``.
    """
    if output.is_dir():
        raise ReportError(f"--output: {output} is a folder; give a file name ending .{fmt}")
    if output.suffix.lower() not in SUFFIXES[fmt]:
        raise ReportError(
            f"--output: {output} does not end {' or '.join(SUFFIXES[fmt])}; "
            f"a {fmt} report is written only to such a file"
        )


def format_of(output: Path | None, fmt: str | None) -> str:
    """The format asked for: ``fmt`` when given, else from the output's suffix, else html."""
    if fmt is not None:
        return fmt
    if output is not None:
        for name, suffixes in SUFFIXES.items():
            if output.suffix.lower() in suffixes:
                return name
    return "html"


def write_atomically(output: Path, content: bytes) -> None:
    """Write ``content`` to ``output`` all at once: a temporary file beside it, then a rename.

    Raises
    ------
    ReportError
        The folder cannot be written (it names the file and the reason).
    """
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.tmp-", dir=output.parent)
    except OSError as exc:
        raise ReportError(f"{output}: cannot be written: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(name, 0o644)
        os.replace(name, output)
    except OSError as exc:
        raise ReportError(f"{output}: cannot be written: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(name):
            os.unlink(name)
