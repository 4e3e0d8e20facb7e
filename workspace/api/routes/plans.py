"""Planners' read-only views of scenario plans' output folders (``Settings.plans_dir``).

Each sub-folder of ``plans_dir`` that is a plan's output (the files of the
scenario format: ``comparison.csv``, ``summary.json``, ``variants/``) is listed;
its comparison is returned as rows, and its report is the ``reports``
package's page. Plans are run with ``caseload scenario run`` for now.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.responses import HTMLResponse

from workspace.api.deps import SettingsDep, Signed, require_role
from workspace.core.config import Settings

router = APIRouter(tags=["plans"])
Reader = Annotated[Signed, Depends(require_role("planner", "head_of_service", "admin"))]
PlanName = Annotated[str, Path(pattern=r"^[\w.-]{1,100}$")]


def plan_folders(settings: Settings) -> list[FsPath]:
    """The plan output folders under ``plans_dir``, by name."""
    from reports import folder_kind

    root = settings.plans_dir
    if root is None or not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            if folder_kind(folder) == "plan":
                found.append(folder)
        except Exception:
            continue
    return found


def plan_folder(settings: Settings, name: str) -> FsPath:
    for folder in plan_folders(settings):
        if folder.name == name:
            return folder
    raise HTTPException(404, f"no plan {name!r} in the plans folder")


def comparison(folder: FsPath) -> list[dict[str, Any]]:
    text = (folder / "comparison.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@router.get("/plans")
def list_plans(settings: SettingsDep, current: Reader) -> list[dict[str, Any]]:
    """The plans' output folders a planner can read."""
    return [{"name": f.name, "variants": len(comparison(f))} for f in plan_folders(settings)]


@router.get("/plans/{name}")
def read_plan(name: PlanName, settings: SettingsDep, current: Reader) -> dict[str, Any]:
    """A plan's comparison: one row per variant, ``base`` first."""
    folder = plan_folder(settings, name)
    return {"name": name, "comparison": comparison(folder)}


@router.get("/plans/{name}/report", response_class=HTMLResponse)
def plan_report(name: PlanName, settings: SettingsDep, current: Reader) -> HTMLResponse:
    """The plan's report page, with the reports' charts."""
    from reports import build_report, render_html

    folder = plan_folder(settings, name)
    try:
        page = render_html(build_report(folder))
    except Exception as exc:
        raise HTTPException(422, f"the plan's folder cannot be read: {exc}") from None
    # The report is one self-contained page whose sorting and filters are inline scripts.
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})
