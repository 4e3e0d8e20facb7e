"""Writing output folders: atomically, deterministically, never over a user's files.

Identical input gives byte-identical files: UTF-8, ``\\n`` line endings, floats
rounded to 4 decimals without trailing zeros, JSON with sorted keys.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import glob
import json
import math
import numbers
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
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

    Yields a temporary sibling folder (``.NAME.tmp-PID-XXXX`` beside ``out``) to
    write into; the :data:`MARKER` file is added to it. When the block succeeds
    the temporary folder takes the place of ``out``: renamed into place if
    ``out`` does not exist, else exchanged with the old ``out`` in one atomic
    step (Linux ``renameat2``), which is then removed. Where the file system
    cannot exchange two folders, the old ``out`` is first renamed to
    ``.NAME.old-PID-XXXX``; a run killed between the two renames leaves it
    there, and the next write to ``out`` (or :func:`recover`) puts it back. So
    at every instant ``out`` holds the old or the new folder whole, or the next
    run restores the old one. Interrupts (Ctrl-C, ``SIGTERM``) are held back
    during the swap; when the block raises, the temporary folder is removed.

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
        kind of folder, or holds anything else (checked before yielding and
        again before the swap); or the file system refuses a write (no
        permission, read-only, disk full), with ``out`` left as it was.

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "proposal"
    >>> with atomic_folder(out) as tmp:
    ...     write_json(tmp / "summary.json", {"status": "optimal"})
    >>> sorted(p.name for p in out.iterdir())
    ['.caseload', 'summary.json']
    """
    out = Path(out)
    recover(out)
    refuse_foreign(out, layout)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide it from colleagues
    except OSError as exc:
        raise _refused(out, exc) from None
    try:
        (tmp / MARKER).write_text(json.dumps({"kind": layout.kind}) + "\n", encoding="utf-8")
        yield tmp
        refuse_foreign(out, layout)
        with _interrupts_held():
            _swap_in(tmp, out)
    except OSError as exc:
        raise _refused(out, exc) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def check_writable(out: Path, layout: Layout = OUTPUT_LAYOUT) -> None:
    """Raise ``OutputError`` now if :func:`atomic_folder` would refuse ``out`` or could
    not write beside it, so a long run is not made for nothing; leaves no trace.

    Examples
    --------
    >>> check_writable(Path(tempfile.mkdtemp()) / "new" / "proposal")
    >>> blocker = Path(tempfile.mkdtemp()) / "a-file"
    >>> _ = blocker.write_text("x")
    >>> try:
    ...     check_writable(blocker / "proposal")
    ... except OutputError as error:
    ...     print("Not a directory" in str(error))
    True
    """
    out = Path(out)
    refuse_foreign(out, layout)
    made: list[Path] = []
    try:
        for folder in reversed([out.parent, *out.parent.parents]):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent)).rmdir()
    except OSError as exc:
        raise _refused(out, exc) from None
    finally:
        for folder in reversed(made):
            folder.rmdir()


def check_output_folder(folder: Path | str, kind: str = "output") -> None:
    """Check, before a long run, that an output (or data) folder can be written there.

    Parameters
    ----------
    folder
        The folder :func:`allocator.write_outputs` (``kind="output"``) or
        :func:`allocator.write_data` (``kind="data"``) will write.

    Raises
    ------
    OutputError
        The folder holds files caseload did not write, is another kind of
        caseload folder, or the file system refuses to write beside it (no
        permission, read-only, a file in the way). Nothing is left behind.

    Examples
    --------
    >>> check_output_folder(Path(tempfile.mkdtemp()) / "proposal")
    """
    layouts = {OUTPUT_LAYOUT.kind: OUTPUT_LAYOUT, DATA_LAYOUT.kind: DATA_LAYOUT}
    check_writable(Path(folder), layouts[kind])


def recover(out: Path) -> None:
    """Undo what a killed run left beside ``out``: put back an old folder moved aside
    by an interrupted swap (when ``out`` is missing), and remove temporary folders.

    Only folders named ``.NAME.tmp-PID-*`` or ``.NAME.old-PID-*``, holding the
    :data:`MARKER` (or nothing), of a process that is no longer running, are
    touched.
    """
    out = Path(out)
    try:
        siblings = sorted(out.parent.glob(f".{glob.escape(out.name)}.*-*-*"))
    except OSError:
        return
    for path in siblings:
        match = _LEFTOVER.fullmatch(path.name[len(out.name) + 1 :])
        if match is None or not path.is_dir() or path.is_symlink():
            continue
        if _alive(int(match["pid"])) or not ((path / MARKER).is_file() or not any(path.iterdir())):
            continue
        if match["kind"] == "old" and not out.exists() and not out.is_symlink():
            os.rename(path, out)
        else:
            shutil.rmtree(path, ignore_errors=True)


_LEFTOVER = re.compile(r"\.(?P<kind>tmp|old)-(?P<pid>\d+)-[^/]+")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but another user's
        return True
    return True


def _swap_in(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``; the old ``out`` ends at ``tmp``'s path and is removed."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if not _exchange(tmp, out):
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
        os.rename(out, old)  # replaces the empty folder just made
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old)
        return
    shutil.rmtree(tmp)  # now the old folder


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``);
    ``False`` where the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM until the block is done, then deliver the first one
    to the handler that was in place (only the main thread can; elsewhere, no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda n, _: caught.append(n)) for s in _HELD}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(caught[0])


_HELD = (signal.SIGINT, signal.SIGTERM)


def _refused(out: Path, exc: OSError) -> OutputError:
    """A refused write as a clean error naming the folder and the system's reason."""
    where = exc.filename or out
    reason = exc.strerror or str(exc)
    return OutputError(f"{out}: cannot write ({where}: {reason}); nothing was changed there")


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


def _umask() -> int:
    """The process's file-creation mask (read by setting it, then put back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
