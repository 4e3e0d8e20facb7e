"""Benchmarks of the planner (issue 10's speed and scale targets); prints a table and writes
its section of docs/benchmarks.md.

    python benchmarks/planner.py                 # everything, section written
    python benchmarks/planner.py --only npap     # one part, printed only

Each measurement runs in a fresh Python process (``--item``), which reports its
wall time and its peak resident memory (its own and its children's), so
process pools are counted and one item's memory does not colour the next.
Times are medians of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## The planner (benchmarks/planner.py)"
AS_OF = date(2026, 11, 23)


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


# --- items, each run in its own process ---------------------------------------------


def item_plan(processes: int) -> dict:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from scenarios import RunSettings, prepare_plan, run_plan, write_example, write_plan

    folder = Path(tempfile.mkdtemp()) / "plans"
    write_example(folder)
    started = time.perf_counter()
    prepared = prepare_plan(folder / "ten-variants.toml")
    settings = RunSettings()
    if processes > 1:
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            run = run_plan(prepared, settings, pool)
    else:
        run = run_plan(prepared, settings)
    write_plan(run, folder / "out")
    seconds = time.perf_counter() - started
    digest = (folder / "out" / "comparison.csv").read_text()
    return {
        "seconds": seconds,
        "variants": len(run.rows) - 1,
        "comparison": digest,
        "violations": sum(len(o.violations) for o in run.outcomes),
    }


def item_npap(name: str) -> dict:
    from allocator import allocate, read_data, write_data
    from allocator.io.npap import NPAP_BEST_KNOWN, read_npap
    from models import Options
    from scenarios import plan_staffing

    npap, policy = read_npap(ROOT / "benchmarks" / "npap" / f"{name}.txt")
    folder = Path(tempfile.mkdtemp()) / "data"
    write_data(npap, folder)
    data = read_data(folder, policy)
    options = Options(as_of=AS_OF, gap_limit=0, work_limit=60, time_limit=600)
    started = time.perf_counter()
    allocate(data, policy, options)
    known_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = plan_staffing(data, policy, options, total_fte=len(npap.workers), from_scratch=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "known_seconds": known_seconds,
        "objective": result.proposal.objective,
        "best_known": NPAP_BEST_KNOWN[name],
        "proven": result.proven,
        "solves": result.solves,
        "staffing": [t.fte_proposed for t in result.teams],
    }


def item_target(per_fte: float) -> dict:
    from models import Options, load_policy
    from scenarios import generate_authority, plan_staffing

    policy = load_policy("default")
    data = generate_authority(policy, as_of=AS_OF)
    options = Options(as_of=AS_OF, work_limit=10)
    started = time.perf_counter()
    result = plan_staffing(data, policy, options, target_per_fte=per_fte)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "fte_now": sum(t.fte_now for t in result.teams),
        "fte_proposed": result.fte_proposed,
        "waiting": result.proposal.children_unallocated,
        "proven": result.proven,
        "solves": result.solves,
    }


def item_teams() -> dict:
    from models import load_policy
    from scenarios import generate_authority, plan_teams

    policy = load_policy("merton")
    data = generate_authority(load_policy("default"), as_of=AS_OF)
    started = time.perf_counter()
    result = plan_teams(data, policy)
    seconds = time.perf_counter() - started
    gap = 0.0
    if result.span_deviation:
        gap = (result.span_deviation - result.best_bound_deviation) / result.span_deviation
    return {
        "seconds": seconds,
        "teams": len(result.teams),
        "moves": len(result.moves),
        "status": result.status,
        "gap": gap,
        "deviation": result.span_deviation,
    }


ITEMS = {"plan": item_plan, "npap": item_npap, "target": item_target, "teams": item_teams}


def run_item(kind: str, *args: str) -> dict:
    """Run one item in a fresh process; its JSON result with ``peak_mb``."""
    done = subprocess.run(
        [sys.executable, __file__, "--item", kind, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {args}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(kind: str, args: list[str], repeats: int) -> tuple[dict, list[float], float]:
    runs = [run_item(kind, *args) for _ in range(repeats)]
    times = [r["seconds"] for r in runs]
    return runs[0], times, max(r["peak_mb"] for r in runs)


# --- the report ---------------------------------------------------------------------


def _burn(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def cores() -> str:
    """How much two processes side by side really get: a busy loop alone, then two at once."""
    from concurrent.futures import ProcessPoolExecutor

    alone = _burn(10_000_000)
    with ProcessPoolExecutor(2) as pool:
        pair = list(pool.map(_burn, [10_000_000] * 2))
    return (
        f"- two processes side by side: a busy loop takes {alone:.2f} s alone and "
        f"{max(pair):.2f} s each with two at once ({2 * alone / max(pair):.2f}x the throughput "
        "of one process)"
    )


def machine() -> list[str]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit, dirty = "unknown", ""
    from importlib import metadata

    load = os.getloadavg()[0]
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; nproc {os.cpu_count()}; "
        f"load average at start {load:.1f} (the machine is shared: times are noisy)",
        f"- Python {platform.python_version()}, OR-Tools {metadata.version('ortools')}",
        f"- code: commit {commit}{' + uncommitted changes' if dirty else ''}",
        cores(),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--item", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=sorted(ITEMS), action="append")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.item:
        kind, *rest = args.item
        if kind in ("plan",):
            result = ITEMS[kind](int(rest[0]))
        elif kind == "target":
            result = ITEMS[kind](float(rest[0]))
        else:
            result = ITEMS[kind](*rest)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return
    only = set(args.only or ITEMS)
    lines = [SECTION, "", *machine(), "", "Command: `python benchmarks/planner.py`", ""]
    if "plan" in only:
        lines += plan_section(args.repeats)
    if "npap" in only:
        lines += npap_section(args.repeats)
    if "target" in only:
        lines += target_section(args.repeats)
    if "teams" in only:
        lines += teams_section(args.repeats)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write and only == set(ITEMS):
        current = DOC.read_text("utf-8")
        head, _, rest = current.partition(SECTION)
        # Keep the sections other scripts own after this one (from the next "## ").
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        DOC.write_text(
            head.rstrip("\n") + "\n\n" + text + ("\n" + after if after else ""), encoding="utf-8"
        )
        print(f"wrote the section of {DOC.relative_to(ROOT)}")


def plan_section(repeats: int) -> list[str]:
    out = [
        "### A 10-variant plan on the example authority (target: under 60 s on 2 cores)",
        "",
        "`caseload scenario run ten-variants.toml` (scenarios/examples/): base and 10 variants "
        "on the example authority (27 teams, 140.5 FTE, 2,516 children), work limit 10 per "
        "sub-problem, `fte_needed` included; the same comparison.csv serially and pooled.",
        "",
        "| processes | median wall (s) | runs (s) | variants | identical to serial | "
        "checker violations | peak MB |",
        "|---:|---:|---|---:|---|---:|---:|",
    ]
    serial = None
    for processes in (1, 2):
        first, times, peak = median_of("plan", [str(processes)], max(1, repeats - 2))
        if serial is None:
            serial = first["comparison"]
        same = "yes" if first["comparison"] == serial else "NO"
        out.append(
            f"| {processes} | {statistics.median(times):.1f} | "
            f"{', '.join(f'{t:.1f}' for t in times)} | {first['variants']} | {same} | "
            f"{first['violations']} | {peak:.0f} |"
        )
    return [*out, ""]


def npap_section(repeats: int) -> list[str]:
    from allocator.io.npap import npap_instances

    out = [
        "### `plan-staffing --total-fte N --from-scratch` on every NPAP instance",
        "",
        "Given only the number of nurses, the planner decides the nurses per zone and the "
        'allocation (gap limit 0, work limit 60); "known staffing" allocates with the '
        "staffing of the benchmark (Schaus et al.'s rule). Target: best known, proven, "
        "within 3x the time.",
        "",
        "| instance | nurses per zone | objective | best known | proven | team solves | "
        "planner (s) | known staffing (s) | ratio | peak MB |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, _ in npap_instances(ROOT / "benchmarks" / "npap"):
        runs = [run_item("npap", name) for _ in range(repeats)]
        first = runs[0]
        planner = statistics.median(r["seconds"] for r in runs)
        known = statistics.median(r["known_seconds"] for r in runs)
        mark = "✓" if first["objective"] == first["best_known"] else "✗"
        out.append(
            f"| {name} | {', '.join(f'{s:g}' for s in first['staffing'])} | "
            f"{first['objective']:,.0f} | {first['best_known']:,} {mark} | "
            f"{'yes' if first['proven'] else 'no'} | {first['solves']} | {planner:.2f} | "
            f"{known:.2f} | {planner / known if known else 0:.2f} | "
            f"{max(r['peak_mb'] for r in runs):.0f} |"
        )
    return [*out, ""]


def target_section(repeats: int) -> list[str]:
    out = [
        "### `plan-staffing --target-per-fte` on the example authority (target: under 5 s)",
        "",
        "| X children per FTE | median (s) | runs (s) | FTE now | FTE proposed | "
        "children waiting | proven | team solves | peak MB |",
        "|---:|---:|---|---:|---:|---:|---|---:|---:|",
    ]
    for per_fte in (18, 15):
        first, times, peak = median_of("target", [str(per_fte)], repeats)
        out.append(
            f"| {per_fte} | {statistics.median(times):.2f} | "
            f"{', '.join(f'{t:.2f}' for t in times)} | {first['fte_now']:g} | "
            f"{first['fte_proposed']:g} | {first['waiting']} | "
            f"{'yes' if first['proven'] else 'no'} | {first['solves']} | {peak:.0f} |"
        )
    return [*out, ""]


def teams_section(repeats: int) -> list[str]:
    first, times, peak = median_of("teams", [], repeats)
    return [
        "### `plan-teams` on the example authority (target: proven or within 1% in 30 s)",
        "",
        "| teams | median (s) | runs (s) | status | gap | span deviation (FTE) | "
        "workers moved | peak MB |",
        "|---:|---:|---|---|---:|---:|---:|---:|",
        f"| {first['teams']} | {statistics.median(times):.2f} | "
        f"{', '.join(f'{t:.2f}' for t in times)} | {first['status']} | "
        f"{100 * first['gap']:.2f}% | {first['deviation']:g} | {first['moves']} | {peak:.0f} |",
        "",
    ]


if __name__ == "__main__":
    main()
