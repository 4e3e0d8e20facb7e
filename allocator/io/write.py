"""Writing output folders: atomically, deterministically, never over a user's files.

Identical input gives byte-identical files: UTF-8, ``\\n`` line endings, floats
rounded to 4 decimals without trailing zeros, JSON with sorted keys.
"""

from __future__ import annotations

import csv
import json
import math
import numbers
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from allocator.io.errors import OutputError

OUTPUT_FILES = frozenset(
    {"allocations.csv", "workers.csv", "summary.json", "candidates.csv", "findings.csv"}
)
"""Files of an output folder (``--out``)."""

REPORT_FILES = frozenset({"report.html", "report.xlsx", "report.pdf"})
"""Reports rendered from an output folder into it (``caseload report``, ``allocate
--report``): they belong to the folder, so a later ``--out`` replaces them with the rest."""

INPUT_FOLDER = "input"
"""Sub-folder of an output folder holding the input the proposal was made from."""

POLICY_FILE = "policy.toml"
"""The policy in force, inside ``input/``."""

DATA_FILES = frozenset({"teams.csv", "workers.csv", "children.csv", "reductions.csv"})
"""Files of a data folder written by ``write_data``."""

MARKER = ".caseload"
"""A file caseload writes into every folder it writes, naming the folder's kind. A
folder is replaced only when it holds this marker (or nothing at all): a folder
of the user's, even one with the same file names, is never overwritten."""


@dataclass(frozen=True)
class Layout:
    """What a folder caseload writes may hold: its kind, files and sub-folders."""

    kind: str
    files: frozenset[str]
    folders: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Sub-folder name -> the files it may hold."""


OUTPUT_LAYOUT = Layout(
    "output", OUTPUT_FILES | REPORT_FILES, {INPUT_FOLDER: DATA_FILES | {POLICY_FILE}}
)
"""An output folder (``--out``): the proposal, the input it was made from, and its reports."""
DATA_LAYOUT = Layout("data", DATA_FILES)
"""A data folder written by ``write_data`` (``caseload example``)."""


@contextmanager
def atomic_folder(out: Path, layout: Layout = OUTPUT_LAYOUT) -> Iterator[Path]:
    """Write a folder completely or not at all, and never over the user's files.

    Yields a temporary sibling folder (``.NAME.tmp-XXXX`` beside ``out``) to
    write into; the :data:`MARKER` file is added to it. When the block succeeds
    the temporary folder takes the place of ``out``: renamed into place if
    ``out`` does not exist, else swapped with the old ``out``, which is then
    removed. When the block raises, the temporary folder is removed and ``out``
    is left untouched.

    Parameters
    ----------
    out
        The folder to (re)write. Its parent is created if missing.
    layout
        What the folder may hold. An existing ``out`` is replaced only when it is
        empty, or holds this layout's marker and nothing but its files and
        sub-folders (with their files).

    Raises
    ------
    OutputError
        ``out`` exists and is not a folder, was not written by caseload as this
        kind of folder, or holds anything else; checked before yielding and
        again before the swap.

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "proposal"
    >>> with atomic_folder(out) as tmp:
    ...     write_json(tmp / "summary.json", {"status": "optimal"})
    >>> sorted(p.name for p in out.iterdir())
    ['.caseload', 'summary.json']
    """
    out = Path(out)
    refuse_foreign(out, layout)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / MARKER).write_text(json.dumps({"kind": layout.kind}) + "\n", encoding="utf-8")
        yield tmp
        refuse_foreign(out, layout)
        if not out.exists():
            os.rename(tmp, out)
            return
        old = tmp.with_name(tmp.name + ".old")
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def refuse_foreign(out: Path, layout: Layout) -> None:
    """Raise ``OutputError`` unless ``out`` is absent, empty, or a folder of ``layout``
    written by caseload holding nothing else."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise OutputError(f"{out}: exists and is not a folder; not replacing it")
    entries = sorted(out.iterdir())
    if not entries:
        return
    kind = _marker_kind(out)
    if kind is None:
        names = ", ".join(p.name for p in entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise OutputError(
            f"{out}: holds files caseload did not write ({names}); not replacing it. "
            "Choose another folder, or empty this one."
        )
    if kind != layout.kind:
        raise OutputError(
            f"{out}: is a caseload {kind} folder, not an {layout.kind} folder; "
            "not replacing it. Choose another folder."
        )
    foreign = []
    for p in entries:
        if p.name == MARKER and p.is_file() and not p.is_symlink():
            continue
        if p.name in layout.files and p.is_file() and not p.is_symlink():
            continue
        inside = layout.folders.get(p.name)
        if inside is not None and p.is_dir() and not p.is_symlink():
            foreign += [
                f"{p.name}/{q.name}"
                for q in sorted(p.iterdir())
                if q.name not in inside or not q.is_file() or q.is_symlink()
            ]
            continue
        foreign.append(p.name)
    if foreign:
        raise OutputError(
            f"{out}: holds files caseload did not write ({', '.join(foreign)}); "
            "not replacing it. Choose another folder or move those files."
        )


def _marker_kind(folder: Path) -> str | None:
    marker = folder / MARKER
    if not marker.is_file() or marker.is_symlink():
        return None
    try:
        kind = json.loads(marker.read_text(encoding="utf-8")).get("kind")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def write_csv(path: Path, columns: list[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows as CSV with the given columns, byte-for-byte reproducibly.

    Each row must have every column (extra keys are ignored). Cells are
    formatted by ``format_cell``. UTF-8 without byte-order mark, ``\\n`` line
    endings, quoting only where needed.

    Raises
    ------
    ValueError
        A row lacks one of ``columns``.
    """
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for number, row in enumerate(rows, start=1):
            missing = [c for c in columns if c not in row]
            if missing:
                raise ValueError(f"{path.name}: row {number} has no {', '.join(missing)}")
            writer.writerow([format_cell(row[c]) for c in columns])


def format_cell(value: Any) -> str:
    """One CSV cell: empty for ``None``, ``true``/``false``, floats to 4 decimals.

    Enums give their value, dates ISO; sets are ``;``-joined sorted, lists and
    tuples ``;``-joined in their order.

    Examples
    --------
    >>> [format_cell(v) for v in (12.5, 3.0, 1 / 3, -0.00001, True, None)]
    ['12.5', '3', '0.3333', '0', 'true', '']
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return format_cell(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return format_float(float(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return ";".join(sorted(format_cell(v) for v in value))
    if isinstance(value, list | tuple):
        return ";".join(format_cell(v) for v in value)
    return str(value)


def format_float(value: float, decimals: int = 4) -> str:
    """Round to ``decimals`` and drop trailing zeros: ``12.5``, ``3``, ``0.3333``."""
    if not math.isfinite(value):
        return str(value)  # 'nan', 'inf', '-inf'
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON: sorted keys, indent 2, trailing newline, UTF-8.

    Enums become their values, dates ISO strings, sets sorted lists, pydantic
    models their JSON dump, and non-finite floats ``null`` (valid JSON).
    """
    text = json.dumps(_jsonable(obj), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(text + "\n")


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump") and not isinstance(obj, type):  # a pydantic model
        return _jsonable(obj.model_dump(mode="json"))
    if isinstance(obj, Enum):
        return _jsonable(obj.value)
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted(_jsonable(v) for v in obj)
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return _jsonable(float(obj))
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
