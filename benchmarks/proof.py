"""Benchmark the proof stage against CP-SAT alone, both measured in the same run.

Four measurements (issue 14's targets):

1. the benchmark's team batch (barnet, 7 case holders, 30 new): in-process solve and the
   whole ``caseload allocate`` command, median of ``--repeat`` runs each;
2. random teams from the example generator (5-12 case holders, 10-40 new children,
   part-time and ASYE workers, the policy's caps), under barnet's published rules and
   the project's default blend: the share proven within 1 s and within 10 s;
3. the example authority (27 teams, 250 new) with ``gap_limit = 0``;
4. every shared NPAP instance, end to end in a fresh process.

Each pair alternates the two routes on one instance before moving on, so both see the
same machine load; ratios are ``CP-SAT alone / with the proof``.

Examples
--------
    python benchmarks/proof.py                              # everything -> docs/benchmarks-proof.md
    python benchmarks/proof.py --teams 10 --repeat 3 --no-write   # a quick look, print only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 11, 23)
TEAM = {"case_holding_fte": 6.5, "caseload_per_fte": 12, "new_referrals": 30}
TEAM_LIMIT = 10.0
"""Wall-clock limit of a random team's solve: 'proven within 10 s' means before it."""
OUT = ROOT / "docs" / "benchmarks-proof.md"


def solve_once(data: Any, policy: Any, proof: bool, **options: Any) -> dict[str, Any]:
    from allocator.cpsat import SolverSettings
    from allocator.solve import solve
    from models import Options

    opts = Options(as_of=AS_OF, **options)
    started = time.perf_counter()
    result = solve(data, policy, opts, settings=SolverSettings(proof=proof))
    return {
        "seconds": time.perf_counter() - started,
        "solve_seconds": result.solve_seconds,
        "status": result.status.value,
        "objective": result.objective,
        "routes": result.stats.get("proof", {}),
    }


def random_team(policy: Any, seed: int) -> Any:
    """A team as the example generator makes it: 5-12 case holders, 10-40 new children."""
    from scenarios import generate_authority

    rng = random.Random(seed)
    holders = rng.randint(5, 12)
    return generate_authority(
        policy,
        seed=seed,
        case_holding_fte=round(holders * rng.uniform(0.75, 1.0), 1),
        new_referrals=rng.randint(10, 40),
        as_of=AS_OF,
    )


def team_batch(repeat: int) -> dict[str, Any]:
    from models import load_policy
    from scenarios import generate_authority

    policy = load_policy("barnet")
    data = generate_authority(policy, as_of=AS_OF, **TEAM)
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for _ in range(repeat):
        for proof in (True, False):
            runs[proof].append(solve_once(data, policy, proof))
    return {
        proof: {
            "median": statistics.median(r["solve_seconds"] for r in rs),
            "statuses": sorted({r["status"] for r in rs}),
            "objective": rs[0]["objective"],
        }
        for proof, rs in runs.items()
    }


def command_line(repeat: int) -> dict[str, Any]:
    """The whole ``caseload allocate`` on the team batch: start-up, reading, solving with
    the proof (the default), writing."""
    from allocator import write_data
    from models import load_policy
    from scenarios import generate_authority

    data = generate_authority(load_policy("barnet"), as_of=AS_OF, **TEAM)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        write_data(data, Path(tmp) / "data")
        times: list[float] = []
        statuses = set()
        for i in range(repeat):
            folder = Path(tmp) / f"out{i}"
            cmd = [
                sys.executable,
                "-m",
                "caseload",
                "allocate",
                str(Path(tmp) / "data"),
                "--policy",
                "barnet",
                "--out",
                str(folder),
                "--as-of",
                AS_OF.isoformat(),
                "--quiet",
            ]
            started = time.perf_counter()
            subprocess.run(cmd, check=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
            statuses.add(json.loads((folder / "summary.json").read_text())["status"])
        out = {"median": statistics.median(times), "low": min(times), "high": max(times)}
        out["statuses"] = sorted(statuses)
    return out


def teams(count: int, policies: list[str]) -> dict[str, Any]:
    from models import load_policy

    out: dict[str, Any] = {}
    for name in policies:
        policy = load_policy(name)
        rows = []
        for seed in range(count):
            data = random_team(policy, seed)
            pair = {
                proof: solve_once(data, policy, proof, gap_limit=0.0, time_limit=TEAM_LIMIT)
                for proof in (True, False)
            }
            rows.append(pair)
            print(
                f"  {name} team {seed}: proof {pair[True]['solve_seconds']:.2f} s "
                f"{pair[True]['status']}, CP-SAT alone {pair[False]['solve_seconds']:.2f} s "
                f"{pair[False]['status']}",
                flush=True,
            )
        out[name] = rows
    return out


def authority(repeat: int) -> dict[str, Any]:
    from models import load_policy
    from scenarios import generate_authority

    policy = load_policy("default")
    data = generate_authority(policy, seed=0, as_of=AS_OF)
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for _ in range(repeat):
        for proof in (True, False):
            runs[proof].append(solve_once(data, policy, proof, gap_limit=0.0, time_limit=60))
    return {
        proof: {
            "median": statistics.median(r["solve_seconds"] for r in rs),
            "statuses": sorted({r["status"] for r in rs}),
        }
        for proof, rs in runs.items()
    }


NPAP_RUN = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from datetime import date
from allocator.cpsat import SolverSettings
from allocator.io.npap import read_npap
from allocator.solve import solve
from models import Options
data, policy = read_npap(Path(sys.argv[1]))
result = solve(data, policy, Options(as_of=date(2026, 11, 23), gap_limit=0.0),
               settings=SolverSettings(proof=sys.argv[2] == "1"))
print(json.dumps({"seconds": time.perf_counter() - started, "status": result.status.value,
                  "objective": result.objective}))
"""


def npap() -> list[dict[str, Any]]:
    from allocator.io.npap import npap_instances

    rows = []
    for name, path in npap_instances(HERE / "npap"):
        pair = {}
        for proof in ("1", "0"):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", NPAP_RUN, str(path), proof],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            info = json.loads(done.stdout)
            info["wall"] = time.perf_counter() - started
            pair[proof == "1"] = info
        rows.append({"name": name, **{str(k): v for k, v in pair.items()}})
        print(
            f"  {name}: proof {pair[True]['wall']:.2f} s, CP-SAT alone {pair[False]['wall']:.2f} s",
            flush=True,
        )
    return rows


# -- rendering ----------------------------------------------------------------------------


def _share(rows: list[dict[bool, dict[str, Any]]], proof: bool, limit: float) -> int:
    return sum(
        1 for r in rows if r[proof]["status"] == "optimal" and r[proof]["solve_seconds"] <= limit
    )


def render(results: dict[str, Any], args: argparse.Namespace) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# The proof stage: benchmarks",
        "",
        "Generated by `python benchmarks/proof.py"
        + (" " + shlex.join(args.argv) if args.argv else "")
        + f"` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine}; load average "
        f"{load:.1f} when it started. Times are wall-clock seconds; each pair ran "
        "back to back on one instance, so ratios compare like with like.",
        "",
    ]
    if "team" in results:
        t, c = results["team"], results.get("command")
        lines += [
            "## The benchmark's team batch",
            "",
            "barnet, 7 case holders (6.5 FTE), 30 new children, default options "
            f"(gap limit 0.01%); median of {args.repeat} runs.",
            "",
            "| route | in-process solve (s) | status |",
            "|---|---:|---|",
            f"| with the proof | {t[True]['median']:.3f} | {', '.join(t[True]['statuses'])} |",
            f"| CP-SAT alone | {t[False]['median']:.3f} | {', '.join(t[False]['statuses'])} |",
            "",
        ]
        if c:
            lines += [
                f"`caseload allocate` end to end (start-up, reading, solving, writing): median "
                f"{c['median']:.2f} s (min {c['low']:.2f}, max {c['high']:.2f}); "
                f"status {', '.join(c['statuses'])}.",
                "",
            ]
    if "teams" in results:
        lines += [
            "## Random teams",
            "",
            f"{args.teams} teams per policy from the example generator (5-12 case holders, "
            "10-40 new children, part-time and ASYE workers, the policy's caps), "
            f"`gap_limit = 0`, {TEAM_LIMIT:g} s limit. 'Proven' means status `optimal`: "
            "every stage of the lexicographic objective proven, not the balance alone.",
            "",
            "| policy | route | proven within 1 s | proven within 10 s | median (s) |",
            "|---|---|---:|---:|---:|",
        ]
        for name, rows in results["teams"].items():
            for proof, label in ((True, "with the proof"), (False, "CP-SAT alone")):
                median = statistics.median(r[proof]["solve_seconds"] for r in rows)
                lines.append(
                    f"| {name} | {label} | {_share(rows, proof, 1.0)}/{len(rows)} | "
                    f"{_share(rows, proof, TEAM_LIMIT)}/{len(rows)} | {median:.2f} |"
                )
        lines.append("")
    if "authority" in results:
        a = results["authority"]
        lines += [
            "## The example authority",
            "",
            "default policy, 27 teams, 250 new referrals, `gap_limit = 0`; in-process solve, "
            f"median of {args.repeat_authority} runs.",
            "",
            "| route | solve (s) | status |",
            "|---|---:|---|",
            f"| with the proof | {a[True]['median']:.2f} | {', '.join(a[True]['statuses'])} |",
            f"| CP-SAT alone | {a[False]['median']:.2f} | {', '.join(a[False]['statuses'])} |",
            "",
        ]
    if "npap" in results:
        lines += [
            "## NPAP instances",
            "",
            "Each in a fresh process, end to end (imports, reading, solving), `gap_limit = 0`.",
            "",
            "| instance | with the proof (s) | CP-SAT alone (s) | ratio | objective | status |",
            "|---|---:|---:|---:|---:|---|",
        ]
        total = {True: 0.0, False: 0.0}
        for row in results["npap"]:
            p, c = row["True"], row["False"]
            total[True] += p["wall"]
            total[False] += c["wall"]
            same = "" if p["objective"] == c["objective"] else " (differs!)"
            lines.append(
                f"| {row['name']} | {p['wall']:.2f} | {c['wall']:.2f} | "
                f"{c['wall'] / p['wall']:.2f}x | {p['objective']:,.0f}{same} | {p['status']} |"
            )
        lines += [
            f"| **total** | {total[True]:.2f} | {total[False]:.2f} | "
            f"{total[False] / total[True]:.2f}x | | |",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=50, help="random teams per policy")
    parser.add_argument("--policies", default="barnet,default")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the team batch")
    parser.add_argument("--repeat-authority", type=int, default=3)
    parser.add_argument("--only", default="team,command,teams,authority,npap")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    wanted = set(args.only.split(","))
    results: dict[str, Any] = {}
    if "team" in wanted:
        print("team batch ...", flush=True)
        results["team"] = team_batch(args.repeat)
    if "command" in wanted:
        print("caseload allocate ...", flush=True)
        results["command"] = command_line(args.repeat)
    if "teams" in wanted:
        print("random teams ...", flush=True)
        results["teams"] = teams(args.teams, args.policies.split(","))
    if "authority" in wanted:
        print("authority ...", flush=True)
        results["authority"] = authority(args.repeat_authority)
    if "npap" in wanted:
        print("NPAP ...", flush=True)
        results["npap"] = npap()
    text = render(results, args)
    print(text)
    if not args.no_write:
        tmp = OUT.with_suffix(".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(OUT)
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
