"""Shared test helpers: tiny data folders written from CSV text, tiny problems in Python."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from allocator import allocate, check
from models import (
    Adjustment,
    AllocationResult,
    Child,
    ChildAllocation,
    Options,
    Override,
    Policy,
    ProblemData,
    Reduction,
    Role,
    ServicePolicy,
    Team,
    Worker,
    WorkerLoad,
)

ROOT = Path(__file__).resolve().parents[1]
"""The repository's root folder."""
SHARED = ROOT.parent / "shared"
"""The shared material beside the clone (present in CI and development)."""
NPAP_ROOT = ROOT / "benchmarks" / "npap"
"""The NPAP instances, shipped with the repository."""

# A small valid data folder. `007` checks that IDs stay strings.
VALID_CSV = {
    "teams": """\
        team_id,service,manager_id,name
        007,cin,M1,Team Seven
        T2,cla,,Looked After
        """,
    "workers": """\
        worker_id,team_id,role,fte,asye_start,max_children,accepting,skills,locality,name
        M1,007,team_manager,1,,,,,,Mo
        W1,007,social_worker,1,,,true,dv;bsl,north,Wanda
        W2,007,asye,0.6,2024-09-01,,,,,Ash
        W3,T2,senior_practitioner,0.8,,12,no,life_story,,Sam
        """,
    "children": """\
        child_id,team_id,category,worker_id,family_id,weight,level,flags,distance_miles,previous_worker_id,required_skill,locality,referred_on
        C1,007,cin,W1,F1,,2,dv,,,,north,2024-10-01
        C2,007,cp,,F1,,3,court;missing,25,W1,,,2024-11-02
        C3,T2,cla,W3,,1.5,,,,,,,
        """,
}


def write_folder(folder: Path, **files: str | bytes | None) -> Path:
    """Write a data folder: ``name=text`` writes ``name.csv`` (text dedented, UTF-8).

    ``teams``, ``workers`` and ``children`` default to ``VALID_CSV``; pass
    ``None`` to leave a file out, ``bytes`` to write raw bytes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {**VALID_CSV, **files}.items():
        file = folder / f"{name}.csv"
        if isinstance(content, bytes):
            file.write_bytes(content)
        elif content is not None:
            file.write_text(textwrap.dedent(content), encoding="utf-8")
    return folder


# --- Tiny problems built in Python, and a solve that must pass the checker. ---

AS_OF = date(2026, 11, 23)
"""The fixed 'today' of every allocation test."""

# Two services: `cin` with a count cap of 20 per FTE (Merton's CiN maximum), and
# Merton's mixed leaving-care caps (10 in care plus 10 care leavers per FTE).
# Everything else keeps the model defaults (no sibling discount, no pacing).
CIN = Policy(
    services={
        "cin": ServicePolicy(max_children_per_fte=20),
        "leaving_care": ServicePolicy(
            max_children_per_fte=20, category_caps_per_fte={"cla": 10, "care_leaver": 10}
        ),
    },
)


def team(team_id: str = "T1", service: str = "cin", manager_id: str | None = None) -> Team:
    return Team(team_id=team_id, service=service, manager_id=manager_id)


def worker(
    worker_id: str,
    team_id: str = "T1",
    role: str = "social_worker",
    fte: float = 1.0,
    **fields: Any,
) -> Worker:
    return Worker(worker_id=worker_id, team_id=team_id, role=Role(role), fte=fte, **fields)


def child(child_id: str, team_id: str = "T1", category: str = "cin", **fields: Any) -> Child:
    return Child(child_id=child_id, team_id=team_id, category=category, **fields)


def problem(
    teams: Sequence[Team] = (),
    workers: Sequence[Worker] = (),
    children: Sequence[Child] = (),
    reductions: Sequence[Reduction] = (),
    overrides: Sequence[Override] = (),
    adjustments: Sequence[Adjustment] = (),
) -> ProblemData:
    """A ``ProblemData``; one ``cin`` team ``T1`` unless teams are given."""
    return ProblemData(
        teams=tuple(teams or [team()]),
        workers=tuple(workers),
        children=tuple(children),
        reductions=tuple(reductions),
        overrides=tuple(overrides),
        adjustments=tuple(adjustments),
    )


def solve_and_check(data: ProblemData, policy: Policy, **opts: Any) -> AllocationResult:
    """``allocate`` with ``Options(as_of=AS_OF, **opts)``; the checker must find nothing."""
    options = Options(as_of=AS_OF, **opts)
    result = allocate(data, policy, options)
    violations = check(data, policy, result)
    assert violations == [], violations
    return result


def placed(result: AllocationResult) -> dict[str, str | None]:
    """child_id -> worker_id (None when unallocated)."""
    return {a.child_id: a.worker_id for a in result.allocations}


def row(result: AllocationResult, child_id: str) -> ChildAllocation:
    return next(a for a in result.allocations if a.child_id == child_id)


def load_of(result: AllocationResult, worker_id: str) -> WorkerLoad:
    return next(w for w in result.workers if w.worker_id == worker_id)
