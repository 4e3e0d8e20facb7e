"""Benchmark the allocator: NPAP files, synthetic authorities, and a naive CP-SAT model.

Every instance is measured in a fresh process (``benchmarks/measure.py``), so
the peak memory is that instance's own; times are wall-clock. The table is
printed and written as markdown with the machine and the exact command, and
the synthetic instances' times are plotted against their size.

Examples
--------
    python benchmarks/run.py                       # everything -> docs/benchmarks.md
    python benchmarks/run.py --quick --time-limit 20          # smoke test, print only
    python benchmarks/run.py --only 'bench2/*' --no-naive --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NPAP_ROOT = HERE / "npap"
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from measure import MARK  # noqa: E402

AUTHORITY = {"case_holding_fte": 140.5, "new_referrals": 250, "caseload_per_fte": 16.1}
SYNTHETIC: list[tuple[str, dict[str, Any], str]] = [
    # A team of about 8 workers (6.5 FTE with part-timers) with room for its batch.
    ("team", {"case_holding_fte": 6.5, "caseload_per_fte": 12, "new_referrals": 30}, "allocate"),
    (
        "team-proof",
        {"case_holding_fte": 6.5, "caseload_per_fte": 12, "new_referrals": 30},
        "allocate",
    ),
    ("service", {"case_holding_fte": 40, "new_referrals": 100}, "allocate"),
    ("authority", AUTHORITY, "allocate"),
    ("ten-authorities", {**AUTHORITY, "authorities": 10}, "allocate"),
    ("authority-rebalance", AUTHORITY, "rebalance"),
    ("authority-rebalance-1pct", AUTHORITY, "rebalance"),
    ("authority-release", AUTHORITY, "release"),
]
"""Synthetic instances: name, ``generate_authority`` arguments (policy ``barnet``), mode."""
SOLVE_OPTIONS = {
    "team-proof": {"gap_limit": 0.0},
    "authority-rebalance-1pct": {"gap_limit": 0.01},
}
"""Options beyond the defaults (gap limit 0.01%): insisting on proof, or stopping at 1%."""
QUICK = ("pathological", "bench2/instance9", "team", "service")
MAX_MOVES = 100


# -- running ----------------------------------------------------------------------------


def specs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every measurement to make, in order: NPAP (allocator, then naive), then synthetic."""
    from allocator.io.npap import npap_instances

    common = {
        "time_limit": args.time_limit,
        "processes": args.processes,
        "threads": args.threads,
        "max_moves": MAX_MOVES,
    }
    out: list[dict[str, Any]] = []
    for name, path in npap_instances(NPAP_ROOT):
        out.append({"kind": "npap", "name": name, "path": str(path), **common})
        if not args.no_naive:
            out.append({"kind": "naive", "name": name, "path": str(path), **common})
    for name, generate, mode in SYNTHETIC:
        out.append(
            {
                "kind": "synthetic",
                "name": name,
                "generate": generate,
                "mode": mode,
                "policy": "barnet",
                **common,
                **SOLVE_OPTIONS.get(name, {}),
            }
        )
    patterns = list(QUICK) if args.quick else args.only
    if patterns:
        out = [s for s in out if any(fnmatch(s["name"], p) for p in patterns)]
    return out


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh Python process and return what it reported."""
    limit = spec["time_limit"]
    timeout = 2 * limit + 120 if spec["kind"] == "naive" else 5 * limit + 300
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "measure.py"), json.dumps(spec)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"name": spec["name"], "error": f"killed after {timeout:.0f} s (timeout)"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            out = json.loads(line[len(MARK) :])
            out["process_seconds"] = time.perf_counter() - started
            return out
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"name": spec["name"], "error": f"exit code {proc.returncode}: {tail}"}


TIMES = ("first_seconds", "final_seconds", "seconds")


def repeated(spec: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Median of the times over ``repeat`` runs; other figures from the first run."""
    runs = [measure(spec) for _ in range(repeat)]
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    out = dict(good[0])
    for key in TIMES:
        values = [r[key] for r in good if r.get(key) is not None]
        if values:
            out[key] = statistics.median(values)
    out["peak_mb"] = max(r.get("peak_mb", 0.0) for r in good)
    out["runs"] = len(good)
    out["failed_runs"] = len(runs) - len(good)
    out["objectives"] = sorted({r.get("objective") for r in good}, key=lambda v: (v is None, v))
    out["statuses"] = sorted({r.get("status") for r in good})
    return out


# -- formatting -------------------------------------------------------------------------


def secs(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


def num(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value - round(value)) < 1e-6:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def children(n: int) -> str:
    return f"{n} child" if n == 1 else f"{n} children"


def proof(r: dict[str, Any], spec: dict[str, Any] | None = None) -> str:
    """Time to proof: the final time when optimal, else the gap left and what stopped it
    (the wall clock, the work limit when no gap was allowed, or the gap limit)."""
    if r.get("status") == "optimal":
        return secs(r["final_seconds"])
    gap = r.get("gap")
    if gap is None:
        return "no proof"
    if r.get("stats", {}).get("wall_limited"):
        stopped = "time limit"
    elif spec is not None and spec.get("gap_limit") == 0.0:
        stopped = "work limit"
    else:
        stopped = "gap limit"
    return f"gap {100 * gap:.3f}% ({stopped})"


def table(header: list[str], rows: list[list[str]]) -> str:
    right = [i > 0 for i in range(len(header))]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if r else "---" for r in right) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def best_known(name: str, r: dict[str, Any]) -> str:
    from allocator.io.npap import NPAP_BEST_KNOWN

    known = NPAP_BEST_KNOWN.get(name)
    if known is None:
        return ""
    obj = r.get("objective")
    if obj is None:
        return f"{known:,}"
    if abs(obj - known) < 1e-6:
        return f"{known:,} ✓"
    return f"{known:,} ✗ ({100 * (obj - known) / known:+.2f}%)"


def results_table(results: list[tuple[dict, dict]]) -> str:
    header = [
        "instance",
        "teams",
        "workers (case-holding/all)",
        "children (new/total)",
        "allocated",
        "first proposal (s)",
        "final proposal (s)",
        "proof (s)",
        "objective",
        "best bound",
        "greedy",
        "continuous LB",
        "best known",
        "status",
        "peak MB",
    ]
    rows = []
    for spec, r in results:
        name = spec["name"]
        if "error" in r:
            rows.append([name] + ["–"] * 12 + [f"error: {r['error']}", "–"])
            continue
        placed = f"{r['allocated']}"
        if r.get("moved"):
            placed += f" (+{r['moved']} moved)"
        rows.append(
            [
                name,
                str(r["teams"]),
                f"{r['case_holding']}/{r['workers']}",
                f"{r['children_new']}/{r['children_total']}",
                placed,
                secs(r["first_seconds"]),
                secs(r["final_seconds"]),
                proof(r, spec),
                num(r["objective"]),
                num(r["best_bound"]),
                num(r["greedy_objective"]),
                num(r["continuous_bound"]),
                best_known(name, r),
                r["status"],
                f"{r['peak_mb']:.0f}",
            ]
        )
    return table(header, rows)


def naive_comparison(pairs: list[tuple[str, dict, dict]], limit: float) -> tuple[str, str]:
    """Per-instance table of allocator against naive model, and the totals line."""
    header = [
        "instance",
        "allocator (s)",
        "allocator objective",
        "allocator status",
        "naive (s)",
        "naive objective",
        "naive bound",
        "naive status",
        "speed-up (naive / allocator)",
        "naive peak MB",
    ]
    rows = []
    total_alloc = total_naive = 0.0
    capped = False
    for name, a, n in pairs:
        if "error" in a or "error" in n:
            err = a.get("error") or n.get("error")
            rows.append([name] + ["–"] * 7 + [f"error: {err}", "–"])
            continue
        at, nt = a["final_seconds"], n["seconds"]
        total_alloc += at
        total_naive += nt
        hit = n["status"] != "optimal"
        capped |= hit
        ratio = nt / at if at > 0 else float("inf")
        rows.append(
            [
                name,
                secs(at),
                num(a["objective"]),
                a["status"],
                secs(nt),
                num(n["objective"]),
                num(n["best_bound"]),
                n["status"],
                f"{'≥' if hit else ''}{ratio:.1f}×",
                f"{n['peak_mb']:.0f}",
            ]
        )
    if total_alloc > 0:
        ratio = total_naive / total_alloc
        rows.append(
            [
                "**total**",
                f"**{secs(total_alloc)}**",
                "",
                "",
                f"**{secs(total_naive)}**",
                "",
                "",
                "",
                f"**{'≥' if capped else ''}{ratio:.1f}×**",
                "",
            ]
        )
        line = (
            f"Total allocator time {secs(total_alloc)} s vs naive model {secs(total_naive)} s "
            f"on {len(pairs)} NPAP files: ratio {'≥ ' if capped else ''}{ratio:.1f}×"
            + (
                f" (the naive model stopped at the {limit:g} s limit on some files, so its "
                "time there is a lower bound)"
                if capped
                else ""
            )
        )
    else:
        line = "No NPAP file ran under both models."
    return table(header, rows), line


def anomalies(
    results: list[tuple[dict, dict]], pairs: list[tuple[str, dict, dict]], limit: float
) -> list[str]:
    """What a reader should not miss: errors, misses, broken rules, odd numbers."""
    from allocator.io.npap import NPAP_BEST_KNOWN

    out = []
    for spec, r in results:
        name = spec["name"]
        if "error" in r:
            out.append(f"`{name}`: error: {r['error']}")
            continue
        obj, bound = r.get("objective"), r.get("best_bound")
        known = NPAP_BEST_KNOWN.get(name) if spec["kind"] == "npap" else None
        if known is not None and obj is not None and abs(obj - known) > 1e-6:
            out.append(f"`{name}`: objective {num(obj)} differs from the best known {known:,}.")
        if r["status"] != "optimal":
            out.append(f"`{name}`: status {r['status']} (gap {100 * (r.get('gap') or 0):.2f}%).")
        if r.get("stats", {}).get("wall_limited"):
            out.append(
                f"`{name}`: a stage stopped on the wall clock (the result may vary between runs)."
            )
        if r["final_seconds"] > 1.1 * limit + 1:
            out.append(f"`{name}`: took {secs(r['final_seconds'])} s, over the {limit:g} s limit.")
        if r.get("violations"):
            out.append(
                f"`{name}`: the checker reports {len(r['violations'])} violation(s), e.g. "
                f"{r['violations'][0]}"
            )
        if r.get("violations_error"):
            out.append(f"`{name}`: checker failed: {r['violations_error']}")
        if obj is not None and bound is not None and bound > obj * (1 + 1e-9) + 1e-6:
            out.append(f"`{name}`: best bound {num(bound)} above objective {num(obj)}.")
        lb = r.get("continuous_bound")
        if obj is not None and lb is not None and lb > obj * (1 + 1e-9) + 1e-6:
            out.append(f"`{name}`: continuous bound {num(lb)} above objective {num(obj)}.")
        greedy_left = r.get("stats", {}).get("greedy_unallocated", 0)
        if (
            r.get("greedy_objective") is not None
            and obj is not None
            and r["greedy_objective"] < obj - 1e-6
        ):
            out.append(
                f"`{name}`: greedy objective {num(r['greedy_objective'])} is below the "
                f"allocator's {num(obj)} because greedy leaves {children(greedy_left)} "
                f"unallocated (the allocator places {r['allocated']}, "
                f"leaves {r['unallocated']}); the objectives are not comparable."
            )
        if r["children_new"] and r["allocated"] == 0 and spec.get("mode") != "rebalance":
            why = "; ".join(r.get("unallocated_findings", [])) or "every worker is at a cap"
            out.append(
                f"`{name}`: none of the {r['children_new']} new children could be allocated: {why}."
            )
        if spec["kind"] == "npap" and r.get("empty_workers"):
            out.append(
                f"`{name}`: {r['empty_workers']} nurse(s) with no patient (the README "
                "asks 1-3 per nurse; the allocator sets no minimum)."
            )
        if len(r.get("objectives", [])) > 1:
            out.append(f"`{name}`: objective differed between repeats: {r['objectives']}.")
        if r.get("released"):
            out.append(
                f"`{name}`: released worker {r['released']} (most children among "
                "accepting case holders)."
            )
    for name, a, n in pairs:
        if "error" in n:
            out.append(f"`{name}` (naive): error: {n['error']}")
            continue
        if "error" in a:
            continue
        ao, no = a.get("objective"), n.get("objective")
        if ao is not None and no is not None and no < ao - 1e-6:
            out.append(
                f"`{name}`: the naive model found {num(no)}, better than the allocator's {num(ao)}."
            )
        if (
            a["status"] == "optimal"
            and n["status"] == "optimal"
            and ao is not None
            and no is not None
            and abs(ao - no) > 1e-6
        ):
            out.append(
                f"`{name}`: both proven optimal but objectives differ ({num(ao)} vs {num(no)})."
            )
    return out


# -- report -----------------------------------------------------------------------------


def machine() -> list[str]:
    import ortools

    cpu = "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- nproc: {cores}",
        f"- CPU: {cpu}",
        f"- RAM: {ram}",
        f"- Python {platform.python_version()}, OR-Tools {ortools.__version__}, "
        f"{platform.system()} {platform.release()}",
        f"- code: commit {commit}",
    ]


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def plot(results: list[tuple[dict, dict]], path: Path) -> bool:
    """Times of the synthetic instances against their number of children (log-log)."""
    points = [(s, r) for s, r in results if s["kind"] == "synthetic" and "error" not in r]
    if not points:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    plain = sorted(
        (r["children_total"], r["first_seconds"], r["final_seconds"], s["name"])
        for s, r in points
        if s["mode"] == "allocate"
    )
    if plain:
        xs = [p[0] for p in plain]
        ax.plot(xs, [p[2] for p in plain], "o-", label="final proposal")
        ax.plot(xs, [p[1] for p in plain], "s--", label="first proposal (greedy)")
        for x, _, y, name in plain:
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    for s, r in points:
        if s["mode"] != "allocate":
            ax.plot(r["children_total"], r["final_seconds"], "^", label=f"{s['name']} (final)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("children (existing + new)")
    ax.set_ylabel("wall-clock seconds")
    ax.set_title("Allocator time against size (synthetic authorities, policy barnet)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


DEFINITIONS = """\
- Every instance runs in a fresh Python process; times are wall-clock, measured
  around `allocate(data, policy, Options(...))` (reading or generating the data is
  not included). With `--repeat N` the times are medians over N runs.
- **first proposal**: set-up (`prepare`) plus the greedy baseline, i.e. when the
  first complete proposal exists. **final proposal**: when `allocate` returned.
  **proof**: the final time when the status is optimal, else the gap between
  objective and best bound left at the time limit.
- **objective**: `sum load**2 / capacity` over case-holding workers; **best
  bound**: the allocator's proven lower bound; **greedy**: the greedy baseline's
  objective (not comparable when greedy leaves children unallocated).
- **continuous LB**: per team, the proposal's total load (kept load plus the
  weights of the children it allocates) water-filled over the accepting
  case-holding workers (`allocator.cpsat.bounds.water_filling`, coefficients
  1/capacity, floors = the load each keeps), plus `load**2 / capacity` of every
  other case holder. In rebalance mode every case holder not released takes part,
  with floor 0 (no child is fixed). It ignores counts, caps, moves and the
  integrality of children, so it is a lower bound for the proposal's set of
  allocated children.
- **peak MB**: peak resident memory of the measuring process and its children
  (`ru_maxrss`), including the Python interpreter and OR-Tools (about 100 MB).
  With `--processes` above 1 it is the largest single process, not their sum.
- Synthetic instances: `generate_authority(load_policy("barnet"), ...)`, seed 0:
  team = 8 case-holding FTE, 30 new referrals; service = 40 FTE, 100 new;
  authority = 140.5 FTE, 16.1 children per FTE, 250 new; ten-authorities = 10 ×
  authority; authority-rebalance = authority with `rebalance=True, max_moves=100`;
  authority-release = authority releasing the accepting case holder with most children.
- The naive model (`benchmarks/naive.py`) is one CP-SAT model over all zones of
  an NPAP file: a boolean per patient and nurse of its zone, 0-3 patients and
  at most 105 acuity per nurse (the allocator's rules: no minimum of 1), squares
  by `add_multiplication_equality`, no decomposition, symmetry breaking, hint or
  bound, one search worker, the same wall-clock limit. Its time includes building
  the model. Minimising a sum of squares never leaves a nurse empty when there are
  more patients than nurses, so the README's "1 to 3 patients" gives the same optimum.
"""


CLI_TEXT = (
    "`caseload allocate TEAM --policy barnet --out OUT` on the `team` instance's data, "
    "start-up, reading, solving and writing included: median {median:.2f} s over {runs} runs "
    "(min {low:.2f} s, max {high:.2f} s); every run {status}."
)


def cli_team(runs: int) -> dict[str, Any]:
    """Wall time of the whole ``caseload allocate`` command on the team instance."""
    import tempfile

    from allocator import write_data
    from models import load_policy
    from scenarios import generate_authority

    _, kwargs, _ = next(s for s in SYNTHETIC if s[0] == "team")
    data = generate_authority(load_policy("barnet"), **kwargs)
    times, statuses = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        write_data(data, Path(tmp) / "data")
        for i in range(runs):
            out = Path(tmp) / f"out{i}"
            cmd = [
                "caseload",
                "allocate",
                str(Path(tmp) / "data"),
                "--policy",
                "barnet",
                "--out",
                str(out),
                "--as-of",
                "2026-11-23",
                "--quiet",
            ]
            started = time.perf_counter()
            subprocess.run(cmd, check=True)
            times.append(time.perf_counter() - started)
            statuses.add(json.loads((out / "summary.json").read_text())["status"])
    return {
        "median": statistics.median(times),
        "low": min(times),
        "high": max(times),
        "runs": runs,
        "status": " and ".join(sorted(statuses)),
    }


OTHER_BENCHMARKS = """\
Each has its own script, kept in `benchmarks/`, and its own page:

- [The proof stage](benchmarks-proof.md) against CP-SAT alone (`benchmarks/proof.py`).
- [Reports](report-benchmarks.md): rendering HTML, workbook and PDF (`benchmarks/reports.py`).
- [The workspace](workspace-benchmarks.md): pages, API reads, proposals, 20 managers at
  once (`benchmarks/workspace.py`).
- Reading large inputs and the planner: the sections below (`benchmarks/reading.py`,
  `benchmarks/planner.py`)."""


def render(
    args: argparse.Namespace,
    results: list[tuple[dict, dict]],
    pairs: list[tuple[str, dict, dict]],
    picture: Path | None,
    out: Path | None,
    cli: dict[str, Any] | None = None,
) -> str:
    command = shlex.join(["python", "benchmarks/run.py", *sys.argv[1:]])
    parts = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run.py`; do not edit by hand. The engine is under active "
        "development, so rerun before quoting a number.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Command",
        "",
        f"    {command}",
        "",
        f"Time limit {args.time_limit:g} s per instance (allocator: `Options.time_limit`; "
        f"naive: `max_time_in_seconds`), processes {args.processes}, threads {args.threads}, "
        f"repeats {args.repeat}.",
        "",
        "## Results",
        "",
        results_table(results),
        "",
    ]
    if pairs:
        comparison, line = naive_comparison(pairs, args.time_limit)
        parts += ["## Allocator against a naive CP-SAT model (NPAP)", "", comparison, "", line, ""]
    if picture is not None:
        rel = os.path.relpath(picture, out.parent) if out is not None else str(picture)
        parts += ["## Time against size", "", f"![time against children]({rel})", ""]
    if cli is not None:
        parts += ["## The team batch from the command line", "", CLI_TEXT.format(**cli), ""]
    parts += ["## Other benchmarks", "", OTHER_BENCHMARKS, ""]
    found = anomalies(results, pairs, args.time_limit)
    parts += ["## Anomalies and notes", ""] + ([f"- {a}" for a in found] or ["- none"]) + [""]
    parts += ["## Definitions", "", DEFINITIONS]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: only {', '.join(QUICK)}; prints unless --out is given",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="instances to run, by name or glob ('bench2/*', 'authority*')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="markdown file to write (default docs/benchmarks.md for a full run; "
        "--quick and --only print only unless given)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds per instance, allocator and naive model (default 60)",
    )
    parser.add_argument("--processes", type=int, default=1, help="Options.processes (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="Options.threads (default 1)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per instance; times are medians (default 1)"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive NPAP model")
    parser.add_argument("--list", action="store_true", help="list the instance names and exit")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    todo = specs(args)
    if args.list:
        for spec in todo:
            print(f"{spec['name']}{' (naive)' if spec['kind'] == 'naive' else ''}")
        return 0
    if not todo:
        parser.error("no instance matches --only; see --list")
    out = args.out
    if out is None and not (args.quick or args.only):
        out = ROOT / "docs" / "benchmarks.md"

    results: list[tuple[dict, dict]] = []
    naive: dict[str, dict] = {}
    for i, spec in enumerate(todo, 1):
        label = f"{spec['name']}{' (naive)' if spec['kind'] == 'naive' else ''}"
        print(f"[{i}/{len(todo)}] {label} ...", end=" ", file=sys.stderr, flush=True)
        r = repeated(spec, args.repeat)
        if "error" in r:
            print(f"error: {r['error']}", file=sys.stderr, flush=True)
        else:
            seconds = r.get("final_seconds", r.get("seconds"))
            print(
                f"{r.get('status')} {num(r.get('objective'))} in {secs(seconds)} s",
                file=sys.stderr,
                flush=True,
            )
        if spec["kind"] == "naive":
            naive[spec["name"]] = r
        else:
            results.append((spec, r))
    pairs = [(s["name"], r, naive[s["name"]]) for s, r in results if s["name"] in naive]

    picture = None
    if out is not None:
        target = out.with_suffix(".png")
        if plot(results, target):
            picture = target
    cli = None
    if any(s["name"] == "team" for s, _ in results):
        cli = cli_team(max(5, args.repeat))
        print(CLI_TEXT.format(**cli), file=sys.stderr)
    text = render(args, results, pairs, picture, out, cli)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        old = out.read_text("utf-8") if out.exists() else ""
        if "<!-- reading:begin -->" in old:  # benchmarks/reading.py's section stays
            text = text.rstrip("\n") + "\n\n" + old[old.index("<!-- reading:begin -->") :]
        out.write_text(text, "utf-8")
        print(f"wrote {out}" + (f" and {picture}" if picture else ""), file=sys.stderr)
    if pairs:
        print(naive_comparison(pairs, args.time_limit)[1], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
