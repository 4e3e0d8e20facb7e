"""Shared test helpers: tiny data folders written from CSV text, tiny problems in Python."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


# --- Reports: a proposal folder with something in every part, and a browser. ---


def report_proposal(folder: Path) -> Path:
    """Write a small proposal folder that exercises every part of a report.

    Default policy (CiN cap 20 per FTE, Head of Service approval above 22). Team T1
    (manager M1): W1 already holds 23 children, above their cap and the approval
    threshold; W2 is a 0.5 FTE part-timer; A1 an ASYE; C-SKILL needs a skill
    nobody has, so it waits; F1 is a family of two. Team T2 (children in care,
    no manager) has two workers sharing three new children.
    """
    from allocator import write_outputs
    from models import load_policy

    held = [child(f"H{i:02d}", worker_id="W1") for i in range(23)]
    held += [child(f"P{i:02d}", worker_id="W2") for i in range(5)]
    new = [
        child("N1", family_id="F1", level=3),
        child("N2", family_id="F1"),
        child("N3", category="cp", flags=frozenset({"court"})),
        child("N4"),
        child("C-SKILL", required_skill="sign_language"),
        child("K1", team_id="T2", category="cla"),
        child("K2", team_id="T2", category="cla"),
        child("K3", team_id="T2", category="cla", level=4),
    ]
    data = problem(
        teams=[team("T1", "cin", manager_id="M1"), team("T2", "cla")],
        workers=[
            worker("M1", role="team_manager"),
            worker("W1"),
            worker("W2", fte=0.5),
            worker("A1", role="asye", asye_start=date(2026, 5, 1)),
            worker("W3"),
            worker("L1", team_id="T2"),
            worker("L2", team_id="T2", fte=0.6),
        ],
        children=[*held, *new],
    )
    result = allocate(data, load_policy("default"), Options(as_of=AS_OF, work_limit=5))
    write_outputs(result, folder)
    return folder


CHROMIUM_MISSING = (
    "Chromium is needed by the report tests and is not installed: run scripts/setup test "
    "(the README's test command does)"
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the machine's: Debian's ``chromium``) driven by Playwright.

    Fails, never skips, when Chromium is missing: the README's test command
    installs it.
    """
    from playwright.sync_api import sync_playwright

    from reports import BrowserMissingError, chromium_path
    from reports.pdf import CHROMIUM_FLAGS

    try:
        path = chromium_path()
    except BrowserMissingError as exc:
        raise AssertionError(f"{CHROMIUM_MISSING} ({exc})") from None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            browser.close()


# --- The web workspace: its data, signed-in clients, a PostgreSQL server. ---

WORKSPACE_POLICY = """\
name = "workspace-tests"
source = "tests: Barnet 001 s.3.7's Head of Service threshold at 22, crossing allowed"
escalation_months = 2
[services.cin]
max_children_per_fte = 24
[[thresholds]]
name = "head_of_service_approval"
above = 22
approval = "head_of_service"
allow_crossing = true
action = "an action plan to reduce this number"
"""
"""A policy under which a new child can take a worker above 22 with a head of service's
agreement (Barnet 001 s.3.7), never above 24."""


def workspace_csv(held_by_w1: int = 22) -> dict[str, str]:
    """Two CiN teams. T1 (manager M1): W1 holds ``held_by_w1`` children and W2 takes none,
    so T1's one waiting child N1 takes W1 above 22 (head of service agreement needed).
    T2: W3 and the part-time W4 share four waiting children, two of them siblings."""
    held = "".join(f"H{i:02d},T1,cin,W1,,,,,,,,,\n" for i in range(held_by_w1))
    return {
        "teams": "team_id,service,manager_id,name\nT1,cin,M1,Team One\nT2,cin,,Team Two\n",
        "workers": (
            "worker_id,team_id,role,fte,asye_start,max_children,accepting,skills,locality,name\n"
            "M1,T1,team_manager,1,,,,,,Mo Manager\n"
            "W1,T1,social_worker,1,,,true,,,Wanda Worker\n"
            "W2,T1,social_worker,1,,,false,,,\n"
            "W3,T2,social_worker,1,,,true,,,Sam Smith\n"
            "W4,T2,social_worker,0.5,,,true,,,\n"
        ),
        "children": (
            "child_id,team_id,category,worker_id,family_id,weight,level,flags,distance_miles,"
            "previous_worker_id,required_skill,locality,referred_on\n"
            + held
            + "N1,T1,cin,,,,,,,,,,2026-11-20\n"
            "K1,T2,cin,,,,,,,,,,2026-11-18\n"
            "K2,T2,cin,,,,2,,,,,,2026-11-19\n"
            "K3,T2,cin,,F1,,,,,,,,2026-11-20\n"
            "K4,T2,cin,,F1,,,,,,,,2026-11-20\n"
        ),
    }


def workspace_upload(
    csv_files: dict[str, str] | None = None, policy: str | None = WORKSPACE_POLICY
) -> dict[str, tuple[str, bytes]]:
    """The multipart files of ``POST /api/snapshots`` for these CSVs and policy text."""
    files = {
        f"{name}.csv": (f"{name}.csv", text.encode())
        for name, text in (csv_files or workspace_csv()).items()
    }
    if policy is not None:
        files["policy.toml"] = ("policy.toml", policy.encode())
    return files


WORKSPACE_USERS = {
    "admin": {"role": "admin"},
    "mo": {"role": "team_manager", "teams": ["T1"]},
    "tess": {"role": "team_manager", "teams": ["T2"]},
    "hos": {"role": "head_of_service", "services": ["cin"]},
    "hof": {"role": "head_of_service", "services": ["cla"]},
    "pat": {"role": "planner"},
    "wanda": {"role": "worker", "worker_id": "W1"},
}
"""Users of the workspace tests, by name: each one's password is ``NAME-password-1``."""


def password_of(username: str) -> str:
    return f"{username}-password-1"


def pg_bin() -> Path:
    """The folder of Debian's PostgreSQL programs (initdb, pg_ctl); fails, never skips."""
    import glob
    import os
    import shutil

    given = os.environ.get("CASELOAD_PG_BIN")
    if given and (Path(given) / "initdb").exists():
        return Path(given)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise AssertionError(
        "PostgreSQL is needed by the workspace tests and is not installed: run scripts/setup "
        "test (the README's test command does)"
    )


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of its own on 127.0.0.1 (a free port), for one test session.

    Run as root, it runs as the ``postgres`` system user (the server refuses root). It is
    stopped and its files removed afterwards. Yields an URL of an empty database.
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    binaries = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="caseload-pg-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        root.chmod(0o755)
        for path in (data, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def run(*args: str) -> None:
        done = subprocess.run(
            [*as_user, *args], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    run(str(binaries / "initdb"), "-D", str(data), "-U", "caseload", "-A", "trust", "-E", "UTF8")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = sockets / "server.log"  # the server's output goes here, not to our pipes
    start = ("-o", options, "-l", str(log), "-w", "-t", "60", "start")
    run(str(binaries / "pg_ctl"), "-D", str(data), *start)
    try:
        run(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "caseload", "ws")
        yield f"postgresql://caseload@127.0.0.1:{port}/ws"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def killed_midway(script: str, database_url: str, marker: Path, *args: str) -> None:
    """Run ``python -c script DATABASE_URL MARKER ARGS...`` and SIGKILL it as soon as it has
    created the file ``marker`` (the point, inside a transaction, where it stalls)."""
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen(
        [sys.executable, "-c", script, database_url, str(marker), *args], cwd=ROOT
    )
    deadline = time.monotonic() + 60
    try:
        while not marker.exists():
            assert process.poll() is None, "the process ended before the point to kill it"
            assert time.monotonic() < deadline, "the process never reached the point to kill it"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)


@contextmanager
def dask_cluster(workers: int = 2) -> Iterator[Any]:
    """A Dask cluster on loopback (TCP on 127.0.0.1, workers as threads of this process, one
    thread each, no dashboard); yields it (``cluster.scheduler_address``)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster


def tiny_forecast(folder: Path, arrivals: float, seed: int = 0) -> None:
    """Write a forecast's folder (``caseload forecast --out``): one team of two workers
    holding 10 children, 2 weeks, 4 runs, ``arrivals`` a week and almost no closures."""
    from models import Child, Role, Team, Worker, load_policy
    from models import ProblemData as Data
    from scenarios import ForecastSettings, Rate, run_forecast, write_forecast

    data = Data(
        teams=(Team(team_id="T1", service="cin"),),
        workers=tuple(
            Worker(worker_id=f"W{i}", team_id="T1", role=Role.SOCIAL_WORKER, fte=1) for i in (1, 2)
        ),
        children=tuple(
            Child(child_id=f"C{i}", team_id="T1", category="cin", worker_id=f"W{1 + i % 2}")
            for i in range(10)
        ),
    )
    rates = (Rate("T1", "cin", arrivals, 0.01, "given", "given"),)
    settings = ForecastSettings(as_of=date(2026, 11, 23), weeks=2, runs=4, seed=seed)
    result = run_forecast(data, load_policy("default"), rates, settings)
    write_forecast(result, folder, {"data": "tiny", "policy": "default"})
