"""Tests for workspace/importing.py: an import is all or nothing, even when killed."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support import killed_midway, workspace_csv, workspace_upload
from workspace.importing import ImportProblems, Upload, read_upload
from workspace.tables import ChildRow, Snapshot, WorkspaceState

KILLED_IMPORT = """
import sys, time
from datetime import date
import workspace.importing as importing
from workspace.core.db import make_engine, session_factory
from tests.support import workspace_csv, WORKSPACE_POLICY

def stall(*args, **kwargs):
    open(sys.argv[2], "w").close()
    time.sleep(60)

upload = importing.Upload(files={k: v.encode() for k, v in workspace_csv(10).items()},
                          policy_text=WORKSPACE_POLICY)
data, policy, warnings = importing.read_upload(upload)
importing.assess = stall  # after the new rows are written, before the commit
factory = session_factory(make_engine(sys.argv[1]))
with factory() as db:
    importing.import_data(session=db, data=data, policy=policy, username="admin",
                          source="killed", as_of=date(2026, 11, 30))
    db.commit()
"""


def counts(factory) -> tuple:
    with factory() as db:
        return (
            db.scalar(select(WorkspaceState.current_snapshot_id)),
            db.scalar(select(func.count()).select_from(Snapshot)),
            db.scalar(select(func.count()).select_from(ChildRow)),
        )


def test_a_kill_during_an_import_leaves_the_previous_state(app, settings, client_of, tmp_path):
    """A process killed mid-import, rows written but not committed, leaves every row as it was."""
    factory = app.state.session_factory
    before = counts(factory)
    killed_midway(KILLED_IMPORT, settings.sqlalchemy_url, tmp_path / "inside")
    assert counts(factory) == before
    done = client_of("admin").post("/api/snapshots", files=workspace_upload())
    assert done.status_code == 201


def test_an_upload_with_both_a_workbook_and_csvs_is_refused():
    """Both kinds at once is a problem named, before anything is read."""
    upload = Upload(files={"teams": b"x"}, workbook=("a.xlsx", b"x"), policy_name="default")
    try:
        read_upload(upload)
    except ImportProblems as exc:
        assert exc.problems[0]["file"] == "workbook"
    else:
        raise AssertionError("no problem found")


def test_an_unexpected_file_name_is_named():
    """A file that is not one of the contract's is listed by its name."""
    files = {k: v.encode() for k, v in workspace_csv().items()}
    files["kids"] = b"child_id\n"
    try:
        read_upload(Upload(files=files, policy_name="default"))
    except ImportProblems as exc:
        assert [p["file"] for p in exc.problems] == ["kids"]
    else:
        raise AssertionError("no problem found")
