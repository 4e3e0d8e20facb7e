"""Tests for allocator.io.write: atomic output folders and byte-identical files."""

from __future__ import annotations

import errno
import math
import os
import re
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from allocator.io import (
    DATA_LAYOUT,
    MARKER,
    OutputError,
    atomic_folder,
    check_output_folder,
    write,
    write_csv,
    write_json,
)
from allocator.io.write import _exchange, format_cell, format_float, recover
from models import ChildStatus, SolveStatus
from tests.support import ROOT


def listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its text."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): p.read_text() for p in files}


MARKER_TEXT = '{"kind": "output"}\n'


def previous_output(out: Path, **files: str) -> None:
    """An output folder caseload wrote earlier, holding ``files`` (name -> text)."""
    with atomic_folder(out) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text)


def test_atomic_folder_creates_new_folder(tmp_path):
    """On success the written folder appears at ``out``, marked, with no temporary folder left."""
    out = tmp_path / "deep" / "out"
    with atomic_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith(".out.tmp-")
        assert not out.exists()
        (tmp / "summary.json").write_text("{}\n")
    assert listing(tmp_path) == {"deep/out/.caseload": MARKER_TEXT, "deep/out/summary.json": "{}\n"}


def test_an_output_folder_is_as_open_as_the_umask_allows(tmp_path):
    """Colleagues on a shared drive can read a proposal: the folder is not mkdtemp's 0700."""
    old = os.umask(0o022)
    try:
        with atomic_folder(tmp_path / "out") as tmp:
            (tmp / "summary.json").write_text("{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_atomic_folder_replaces_previous_output(tmp_path):
    """An earlier output folder of this tool is replaced whole, stale files included."""
    out = tmp_path / "out"
    previous_output(out, **{"allocations.csv": "old\n", "candidates.csv": "stale\n"})
    with atomic_folder(out) as tmp:
        (tmp / "allocations.csv").write_text("new\n")
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/allocations.csv": "new\n"}


def test_atomic_folder_writes_into_an_empty_folder(tmp_path):
    """An empty folder (made with mkdir) is used as it is."""
    out = tmp_path / "out"
    out.mkdir()
    with atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text("{}\n")
    assert (out / "summary.json").read_text() == "{}\n"


def test_atomic_folder_exception_leaves_nothing(tmp_path):
    """When the block raises, ``out`` is untouched and the temporary folder removed."""
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_folder(out) as tmp:
        (tmp / "allocations.csv").write_text("half\n")
        raise RuntimeError("solver crashed")
    assert listing(tmp_path) == {} and list(tmp_path.iterdir()) == []
    previous_output(out, **{"summary.json": "kept\n"})
    with pytest.raises(RuntimeError), atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text("half\n")
        raise RuntimeError("solver crashed")
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "kept\n"}


@pytest.mark.parametrize(
    "foreign", ["notes.docx", ".DS_Store", "sub/allocations.csv", "input/extra.txt"]
)
def test_atomic_folder_refuses_foreign_files(tmp_path, foreign):
    """A caseload folder to which anything was added is never replaced, nor touched."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    (out / foreign).parent.mkdir(parents=True, exist_ok=True)
    (out / foreign).write_text("mine\n")
    before = listing(tmp_path)
    with (
        pytest.raises(OutputError, match=re.escape(foreign.removesuffix("/allocations.csv"))),
        atomic_folder(out),
    ):
        pytest.fail("must not yield")
    assert listing(tmp_path) == before and sorted(tmp_path.iterdir()) == [out]


def test_atomic_folder_refuses_a_folder_caseload_did_not_write(tmp_path):
    """A user's folder with the very file names caseload writes is not replaced: no marker."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("my own\n")
    with pytest.raises(OutputError, match="caseload did not write"), atomic_folder(out):
        pytest.fail("must not yield")
    assert listing(tmp_path) == {"out/summary.json": "my own\n"}


def test_atomic_folder_refuses_a_file_in_the_way(tmp_path):
    """An existing file at ``out`` is not replaced by a folder."""
    out = tmp_path / "out"
    out.write_text("mine\n")
    with pytest.raises(OutputError, match="not a folder"), atomic_folder(out):
        pytest.fail("must not yield")
    assert out.read_text() == "mine\n"


def test_atomic_folder_checks_again_before_swapping(tmp_path):
    """A foreign file that appears while writing stops the swap and keeps both folders' files."""
    out = tmp_path / "out"
    previous_output(out)
    with pytest.raises(OutputError, match=r"report\.docx"), atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text("new\n")
        (out / "report.docx").write_text("mine\n")
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/report.docx": "mine\n"}


def test_a_data_folder_and_an_output_folder_are_not_mistaken(tmp_path):
    """A data folder caseload wrote is not replaced by an output folder, nor the other way."""
    data = tmp_path / "data"
    with atomic_folder(data, DATA_LAYOUT) as tmp:
        (tmp / "teams.csv").write_text("old\n")
    with pytest.raises(OutputError, match="data folder, not an output folder"), atomic_folder(data):
        pytest.fail("must not yield")
    with atomic_folder(data, DATA_LAYOUT) as tmp:
        (tmp / "children.csv").write_text("new\n")
    assert sorted(listing(tmp_path)) == ["data/.caseload", "data/children.csv"]


ROWS = [
    {"child_id": "007", "worker_id": "W1", "status": ChildStatus.ALLOCATED, "weight": 1.25,
     "reason": 'Closest match, "court" skill', "extra": "ignored"},
    {"child_id": "C2", "worker_id": None, "status": ChildStatus.UNALLOCATED, "weight": 1 / 3,
     "reason": "No capacity,\nin team", "extra": 0},
]  # fmt: skip
COLUMNS = ["child_id", "worker_id", "status", "weight", "reason"]


def test_write_csv_exact_bytes(tmp_path):
    """CSV is UTF-8 with \\n endings, minimal quoting and 4-decimal floats; reruns are identical."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(first, COLUMNS, ROWS)
    write_csv(second, COLUMNS, iter(ROWS))
    assert first.read_bytes() == (
        b"child_id,worker_id,status,weight,reason\n"
        b'007,W1,allocated,1.25,"Closest match, ""court"" skill"\n'
        b'C2,,unallocated,0.3333,"No capacity,\nin team"\n'
    )
    assert first.read_bytes() == second.read_bytes()


def test_write_csv_needs_every_column(tmp_path):
    """A row without one of the columns is an error naming it."""
    with pytest.raises(ValueError, match="row 1 has no reason"):
        write_csv(tmp_path / "a.csv", COLUMNS, [{"child_id": "C1", "worker_id": "W1",
                                                  "status": "kept", "weight": 1}])  # fmt: skip


@pytest.mark.parametrize(
    ("value", "text"),
    [(12.5, "12.5"), (3.0, "3"), (1 / 3, "0.3333"), (2 / 3, "0.6667"), (-0.00001, "0"),
     (1e-5, "0"), (100.0, "100"), (-2.5, "-2.5"), (1234567.891, "1234567.891"),
     (math.inf, "inf"), (math.nan, "nan")],
)  # fmt: skip
def test_format_float(value, text):
    """Floats round to 4 decimals without trailing zeros or a negative zero."""
    assert format_float(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (False, "false"), (7, "7"), ("007", "007"),
     (SolveStatus.OPTIMAL, "optimal"), (date(2024, 2, 29), "2024-02-29"),
     (frozenset({"dv", "bsl"}), "bsl;dv"), (("W2", "C1"), "W2;C1"), ([0.5, 2], "0.5;2")],
)  # fmt: skip
def test_format_cell(value, text):
    """Cells: empty for None, lower-case booleans, enum values, ISO dates, ;-joined lists."""
    assert format_cell(value) == text


def test_write_json_exact_text(tmp_path):
    """JSON has sorted keys, indent 2, a trailing newline, and plain values for enums and dates."""
    path = tmp_path / "summary.json"
    obj = {
        "status": SolveStatus.FEASIBLE,
        "objective": 12.5,
        "best_bound": math.nan,
        "teams": ("007", "T2"),
        "flags": {"dv", "court"},
        "day": date(2024, 1, 5),
        "name": "Zoë",
    }
    write_json(path, obj)
    assert path.read_text("utf-8") == (
        "{\n"
        '  "best_bound": null,\n'
        '  "day": "2024-01-05",\n'
        '  "flags": [\n    "court",\n    "dv"\n  ],\n'
        '  "name": "Zoë",\n'
        '  "objective": 12.5,\n'
        '  "status": "feasible",\n'
        '  "teams": [\n    "007",\n    "T2"\n  ]\n'
        "}\n"
    )
    first = path.read_bytes()
    write_json(path, dict(reversed(list(obj.items()))))
    assert path.read_bytes() == first


# --- output safety: interrupted swaps, signals, refused writes ----------------------

KILL_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
import allocator.io.write as write

write._exchange = lambda a, b: False  # a file system that cannot exchange folders
real_rename = os.rename

def rename(src, dst):
    real_rename(src, dst)
    if Path(dst).name.startswith(".out.old-"):
        os._exit(9)  # killed right after the old folder was moved aside

write.os.rename = rename
with write.atomic_folder(Path(sys.argv[1])) as tmp:
    (tmp / "summary.json").write_text("new\\n")
"""

SIGNAL_WHILE_WRITING = """
import os, signal, sys
from pathlib import Path
from allocator.io.write import atomic_folder
from caseload.cli import _stop_on_sigterm

_stop_on_sigterm()
with atomic_folder(Path(sys.argv[1])) as tmp:
    (tmp / "summary.json").write_text("half\\n")
    os.kill(os.getpid(), getattr(signal, sys.argv[2]))
    (tmp / "allocations.csv").write_text("never\\n")
"""


def run_script(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a Python script in a fresh process from the repository's root."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_swap_exchanges_the_folders_in_one_step(tmp_path):
    """On Linux the new folder and the old one are exchanged atomically (renameat2)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    assert _exchange(a, b) is True
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


def test_a_kill_between_the_two_renames_is_restored_by_the_next_run(tmp_path):
    """A run killed between the two renames leaves the old folder aside; recover puts it back."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    done = run_script(KILL_BETWEEN_RENAMES, str(out))
    assert done.returncode == 9, done.stderr
    assert not out.exists()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 2 and all(n.startswith((".out.old-", ".out.tmp-")) for n in left)
    recover(out)
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "old\n"}


def test_the_next_write_restores_then_replaces(tmp_path):
    """After a killed swap, the next run starts from the restored folder and replaces it."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    assert run_script(KILL_BETWEEN_RENAMES, str(out)).returncode == 9
    previous_output(out, **{"summary.json": "newer\n"})
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "newer\n"}


def test_leftovers_of_a_live_run_or_of_the_user_are_not_touched(tmp_path):
    """recover leaves alone temporary folders of a running process and unmarked folders."""
    out = tmp_path / "out"
    live = tmp_path / f".out.tmp-{os.getppid()}-abcd"
    live.mkdir()
    (live / MARKER).write_text(MARKER_TEXT)
    users = tmp_path / ".out.old-999999999-mine"
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    recover(out)
    assert live.is_dir() and (users / "notes.txt").read_text() == "mine" and not out.exists()


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_while_writing_leaves_the_old_folder_and_no_debris(tmp_path, signame):
    """Ctrl-C or a kill (SIGTERM) while the files are written: old proposal whole, no temp."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    done = run_script(SIGNAL_WHILE_WRITING, str(out), signame)
    stopped_by = "KeyboardInterrupt" if signame == "SIGINT" else "_Terminated"  # a subclass
    assert done.returncode != 0 and stopped_by in done.stderr
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "old\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_interrupts_wait_for_the_swap(tmp_path, monkeypatch):
    """A signal that arrives during the swap is delivered after it: the folder is whole."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    real = write._swap_in

    def swap_with_signal(tmp, target):
        os.kill(os.getpid(), signal.SIGINT)
        real(tmp, target)

    monkeypatch.setattr(write, "_swap_in", swap_with_signal)
    with pytest.raises(KeyboardInterrupt), atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text("new\n")
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "new\n"}


@pytest.mark.parametrize("where", ["mkdtemp", "write"])
def test_a_refused_write_is_an_output_error_and_changes_nothing(tmp_path, monkeypatch, where):
    """No permission or a full disk is a clean OutputError; the old folder stays whole."""
    out = tmp_path / "out"
    previous_output(out, **{"summary.json": "old\n"})
    if where == "mkdtemp":
        denied = PermissionError(errno.EACCES, "Permission denied", str(tmp_path))
        monkeypatch.setattr(write.tempfile, "mkdtemp", lambda **kw: (_ for _ in ()).throw(denied))
    with (
        pytest.raises(OutputError, match=r"Permission denied|No space left"),
        atomic_folder(out) as tmp,
    ):
        if where == "write":
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "workers.csv"))
    assert listing(tmp_path) == {"out/.caseload": MARKER_TEXT, "out/summary.json": "old\n"}


def test_check_output_folder_leaves_no_trace(tmp_path):
    """The check before a run creates nothing, and refuses a file in the way."""
    check_output_folder(tmp_path / "a" / "b" / "out")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="Not a directory"):
        check_output_folder(tmp_path / "file" / "out")
    with pytest.raises(OutputError, match="caseload did not write"):
        check_output_folder(tmp_path)
