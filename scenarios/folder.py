"""Writing a planner's output folder all at once, never over a user's files.

The same rule as the engine's output folders: the folder is built in a
temporary sibling and then takes the place of ``out``; an existing ``out`` is
replaced only when it is empty or was written by caseload as the same kind of
folder (its ``.caseload`` marker) and holds nothing but what that kind writes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARKER = ".caseload"


class FolderError(ValueError):
    """An output folder cannot be written without touching files caseload did not write."""


def refuse_foreign(out: Path, kind: str, names: frozenset[str]) -> None:
    """Raise :class:`FolderError` unless ``out`` is absent, empty, or a ``kind`` folder
    caseload wrote holding only ``names`` (and its marker)."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise FolderError(f"{out}: exists and is not a folder; not replacing it")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    try:
        found = json.loads((out / MARKER).read_text("utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        found = None
    if found != kind:
        what = (
            f"a caseload {found} folder"
            if isinstance(found, str)
            else "a folder caseload did not write"
        )
        raise FolderError(
            f"{out}: is {what}, not a {kind} folder; not replacing it. "
            "Choose another folder, or empty this one."
        )
    foreign = [n for n in entries if n != MARKER and n not in names]
    if foreign:
        raise FolderError(
            f"{out}: holds files caseload did not write ({', '.join(foreign[:5])}); "
            "not replacing it. Choose another folder or move those files."
        )


def check_writable(out: Path, kind: str, names: frozenset[str]) -> None:
    """Raise :class:`FolderError` now, before any long work, when ``out`` could not be
    written at the end: a user's folder (:func:`refuse_foreign`), or a place where no
    folder can be made (a file in the way, no permission)."""
    refuse_foreign(out, kind, names)
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise FolderError(f"{out}: {parent} is a file, so no folder can be made there")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FolderError(f"{out}: no permission to write in {parent}")


@contextmanager
def atomic_output(out: Path | str, kind: str, names: frozenset[str]) -> Iterator[Path]:
    """Yield a temporary folder to write into; on success it replaces ``out`` whole.

    Raises
    ------
    FolderError
        ``out`` is not a folder caseload wrote as ``kind`` (checked before and
        again before the swap).

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "plan"
    >>> with atomic_output(out, "plan", frozenset({"a.txt"})) as tmp:
    ...     _ = (tmp / "a.txt").write_text("x")
    >>> sorted(p.name for p in out.iterdir())
    ['.caseload', 'a.txt']
    """
    out = Path(out)
    refuse_foreign(out, kind, names)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp's 0700 would hide the folder from colleagues
    try:
        (tmp / MARKER).write_text(json.dumps({"kind": kind}) + "\n", encoding="utf-8")
        yield tmp
        refuse_foreign(out, kind, names)
        if out.exists():
            old = tmp.with_name(tmp.name + ".old")
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def cell(value: Any) -> str:
    """A CSV cell: empty for ``None``, ``true``/``false``, floats to 4 decimals, lists ``;``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value)
    return str(value)
