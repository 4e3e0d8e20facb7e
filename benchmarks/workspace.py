"""Benchmark the web workspace on the example authority (27 teams, 2,516 children).

Starts `caseload serve` (SQLite, two solver processes) on a loopback port,
imports the example authority through the API, and measures, over HTTP as a
browser would see them:

- reads: a team's caseloads (API and page), its history, a proposal (API and
  page), the escalations: medians and 95th percentiles of ``--repeat`` rounds
  over ten teams (target: under 200 ms);
- a team's proposal from the click to the page showing it: POST, polling the
  status every 200 ms as the page does, then the page (target: under 2 s);
- 20 managers at once, each on their own team: sign-in, team page, proposal,
  page, approval; every answer counted (target: no errors).

Every request goes to 127.0.0.1 only, in bounded loops. The table is printed
and written, with the machine and the command, to docs/workspace-benchmarks.md.

Examples
--------
    python benchmarks/workspace.py                 # -> docs/workspace-benchmarks.md
    python benchmarks/workspace.py --repeat 5 --no-write
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import httpx  # noqa: E402
from run import machine  # noqa: E402  (benchmarks/run.py: the machine, the same way)

from allocator import write_data  # noqa: E402
from models import load_policy  # noqa: E402
from scenarios import generate_authority  # noqa: E402
from workspace import add_user, load_settings  # noqa: E402

AS_OF = date(2026, 11, 23)
SECRET = "benchmark-only-secret-0123456789-abcdefghij"
PASSWORD = "benchmark password"
READ_TARGET_MS = 200.0
PROPOSAL_TARGET_S = 2.0
MANAGERS = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    done = client.post("/api/session", json={"username": username, "password": PASSWORD})
    done.raise_for_status()
    return client


def start_server(folder: Path, database: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CASELOAD_SECRET_KEY": SECRET}
    command = [
        sys.executable,
        "-m",
        "caseload",
        "serve",
        "--database",
        database,
        "--port",
        str(port),
        "--solvers",
        "2",
    ]
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/signin", timeout=2)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start: see " + str(folder / "server.log"))


def proposal_shown(client: httpx.Client, team: str) -> tuple[float, int]:
    """Seconds from the click (POST) to the proposal page served; the proposal id."""
    started = time.perf_counter()
    done = client.post("/api/proposals", json={"team_ids": [team]})
    done.raise_for_status()
    proposal_id = done.json()["proposal_id"]
    for _ in range(300):  # at most 60 s
        status = client.get(f"/api/proposals/{proposal_id}").json()["status"]
        if status in ("done", "failed"):
            break
        time.sleep(0.2)  # as the page's script polls
    page = client.get(f"/proposals/{proposal_id}")
    page.raise_for_status()
    if status != "done":
        raise RuntimeError(f"proposal {proposal_id} {status}")
    return time.perf_counter() - started, proposal_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="rounds of reads (median)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    policy = load_policy("default")
    data = generate_authority(policy, seed=0, as_of=AS_OF)
    teams = [t.team_id for t in data.teams]
    with tempfile.TemporaryDirectory(prefix="caseload-bench-") as tmp:
        folder = Path(tmp)
        database = f"sqlite:///{folder / 'ws.db'}"
        settings = load_settings(database_url=database, secret_key=SECRET)
        add_user(settings, "admin", PASSWORD, role="admin")
        for team in teams:
            add_user(settings, f"m-{team}", PASSWORD, role="team_manager", teams=[team])
        services = sorted({t.service for t in data.teams})
        add_user(settings, "hos", PASSWORD, role="head_of_service", services=services)
        write_data(data, folder / "data")
        process, base = start_server(folder, database)
        try:
            rows, verdicts = run_all(base, folder, teams, args.repeat)
        finally:
            process.terminate()
            process.wait(60)
    table = render(rows, verdicts, args)
    print(table)
    if not args.no_write:
        (ROOT / "docs" / "workspace-benchmarks.md").write_text(table, encoding="utf-8")


def run_all(
    base: str, folder: Path, teams: list[str], repeat: int
) -> tuple[list[list[str]], list[str]]:
    rows: list[list[str]] = []
    admin = signed_in(base, "admin")
    files = {
        f"{n}.csv": (f"{n}.csv", (folder / "data" / f"{n}.csv").read_bytes())
        for n in ("teams", "workers", "children")
    }
    started = time.perf_counter()
    done = admin.post(
        "/api/snapshots", files=files, data={"policy": "default", "as_of": AS_OF.isoformat()}
    )
    done.raise_for_status()
    rows.append(
        [
            "import the authority (API, 2,516 children)",
            f"{time.perf_counter() - started:.2f} s",
            "",
            "",
        ]
    )

    sample = teams[:10]
    clients = {team: signed_in(base, f"m-{team}") for team in sample}
    # One proposal per sampled team, to read back.
    proposals = {team: proposal_shown(clients[team], team)[1] for team in sample}
    reads: dict[str, list[float]] = {}
    paths = {
        "GET /api/caseloads?team_id=T": lambda t: f"/api/caseloads?team_id={t}",
        "GET /teams/T (page)": lambda t: f"/teams/{t}",
        "GET /api/history?team_id=T": lambda t: f"/api/history?team_id={t}",
        "GET /history?team_id=T (page)": lambda t: f"/history?team_id={t}",
        "GET /api/proposals/ID": lambda t: f"/api/proposals/{proposals[t]}",
        "GET /proposals/ID (page)": lambda t: f"/proposals/{proposals[t]}",
    }
    for _ in range(repeat):
        for label, path in paths.items():
            for team in sample:
                t0 = time.perf_counter()
                clients[team].get(path(team)).raise_for_status()
                reads.setdefault(label, []).append(1000 * (time.perf_counter() - t0))
    hos = signed_in(base, "hos")
    for _ in range(repeat):
        t0 = time.perf_counter()
        hos.get("/api/escalations").raise_for_status()
        reads.setdefault("GET /api/escalations", []).append(1000 * (time.perf_counter() - t0))
    worst = 0.0
    for label, values in reads.items():
        worst = max(worst, statistics.median(values))
        rows.append(
            [
                label,
                f"{statistics.median(values):.0f} ms",
                f"{percentile(values, 0.95):.0f} ms",
                f"{len(values)}",
            ]
        )

    shown = [proposal_shown(clients[team], team)[0] for team in sample for _ in range(2)]
    rows.append(
        [
            "a team's proposal, click to page shown (one at a time)",
            f"{statistics.median(shown):.2f} s",
            f"{percentile(shown, 0.95):.2f} s",
            f"{len(shown)}",
        ]
    )

    # 20 managers at once, each on their own team.
    crowd = teams[:MANAGERS]
    errors: list[str] = []
    times: list[float] = []
    barrier = threading.Barrier(len(crowd))

    def manager(team: str) -> None:
        try:
            client = signed_in(base, f"m-{team}")
            barrier.wait()
            client.get(f"/teams/{team}").raise_for_status()
            seconds, proposal_id = proposal_shown(client, team)
            times.append(seconds)
            done = client.post(f"/api/proposals/{proposal_id}/approve", json={"decisions": []})
            if done.status_code not in (200, 202):
                errors.append(f"{team}: approve {done.status_code} {done.text[:100]}")
            client.get(f"/history?team_id={team}").raise_for_status()
        except Exception as exc:  # counted, never hidden
            errors.append(f"{team}: {type(exc).__name__}: {exc}")

    started = time.perf_counter()
    threads = [threading.Thread(target=manager, args=(t,)) for t in crowd]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    wall = time.perf_counter() - started
    rows.append(
        [
            f"{MANAGERS} managers at once: click to proposal shown",
            f"{statistics.median(times):.2f} s" if times else "-",
            f"{percentile(times, 0.95):.2f} s" if times else "-",
            f"{len(times)}",
        ]
    )
    rows.append(
        [
            f"{MANAGERS} managers at once: all done (sign-in to approval and history)",
            f"{wall:.2f} s",
            "",
            f"errors: {len(errors)}",
        ]
    )
    median_shown = statistics.median(shown)
    verdicts = [
        f"Reads under {READ_TARGET_MS:.0f} ms (median of the slowest route {worst:.0f} ms): "
        + ("yes." if worst < READ_TARGET_MS else "no."),
        f"A team's proposal shown under {PROPOSAL_TARGET_S:.0f} s (median {median_shown:.2f} s): "
        + ("yes." if median_shown < PROPOSAL_TARGET_S else "no."),
        f"{MANAGERS} managers at once without errors: "
        + ("yes." if not errors else "no: " + "; ".join(errors[:5]) + "."),
    ]
    return rows, verdicts


def render(rows: list[list[str]], verdicts: list[str], args: argparse.Namespace) -> str:
    repeat = f" --repeat {args.repeat}" if args.repeat != 10 else ""
    lines = [
        "# Workspace benchmarks",
        "",
        "`caseload serve` (SQLite, two solver processes) on the example authority (2,516 "
        "children, 185 workers, 27 teams; `caseload demo`'s data, `default` policy), measured "
        "over HTTP on loopback as a browser sees it: medians and 95th percentiles, wall clock.",
        "",
        "| what | median | 95th percentile | requests |",
        "|---|---:|---:|---:|",
        *[f"| {' | '.join(r)} |" for r in rows],
        "",
        *verdicts,
        "",
        f"Measured with `python benchmarks/workspace.py{repeat}` (2 cores shared with other "
        "work: times are noisy) on:",
        "",
        *machine(),
        f"- load average at the end: {os.getloadavg()[0]:.1f}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
