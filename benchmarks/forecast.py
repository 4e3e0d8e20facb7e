"""Benchmarks of forecasts and the national sweep (issue 11's speed and scale targets); prints
a table and writes its own section of docs/benchmarks.md (other sections are left alone).

    python benchmarks/forecast.py                          # the issue's full sizes
    python benchmarks/forecast.py --runs 6 --workers 2     # reduced: say so when quoting
    python benchmarks/forecast.py --only modes       # one part (forecast, modes, national)

Each part replaces its own subsection of the section (with its date, machine and command);
the parts not run are kept. ``--no-write`` prints only.

Each measurement runs in a fresh Python process (``--item``) that reports its wall time,
its peak resident memory and each worker's (a process pool's children, or every Dask
worker's own peak through ``client.run``). Dask clusters are local (``LocalCluster`` on
127.0.0.1, one thread per worker process), started by the item itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Forecasts and the national sweep (benchmarks/forecast.py)"
AS_OF = date(2026, 11, 23)


def _peak_self_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cluster(workers: int):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    return cluster, Client(cluster)


def _run_with(how: str, workers: int, call):
    """``call(executor)`` on a process pool or a local Dask cluster of ``workers``; returns
    its result, the wall seconds and the largest worker peak (MB)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if how == "pool":
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            result = call(pool)
        seconds = time.perf_counter() - started
        worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return result, seconds, worker_mb
    cluster, client = _cluster(workers)
    try:
        started = time.perf_counter()
        result = call(client.get_executor(pure=False))
        seconds = time.perf_counter() - started
        peaks = client.run(_peak_self_mb)
        return result, seconds, max(peaks.values())
    finally:
        client.close()
        cluster.close()


def item_forecast(how: str, workers: int, runs: int, weeks: int, mode: str = "greedy") -> dict:
    from models import load_policy
    from scenarios import ForecastSettings, estimate_rates, generate_authority, run_forecast

    policy = load_policy("default")
    data = generate_authority(policy)
    rates = estimate_rates(data, AS_OF)
    settings = ForecastSettings(as_of=AS_OF, weeks=weeks, runs=runs, mode=mode)
    result, seconds, worker_mb = _run_with(
        how, workers, lambda ex: run_forecast(data, policy, rates, settings, ex)
    )
    return {
        "seconds": seconds,
        "worker_mb": worker_mb,
        "hash": hashlib.sha256(result.values.tobytes()).hexdigest()[:12],
        "children": len(data.children),
        "arrivals": round(sum(r.arrivals_per_week for r in rates), 1),
    }


def item_modes(runs: int, weeks: int) -> dict:
    """The same runs in one process under each mode: wall time and the authority's bands."""
    import numpy as np

    from models import load_policy
    from scenarios import (
        FORECAST_MEASURES,
        ForecastSettings,
        estimate_rates,
        generate_authority,
        run_forecast,
    )

    policy = load_policy("default")
    data = generate_authority(policy)
    rates = estimate_rates(data, AS_OF)
    out: dict = {}
    for mode in ("greedy", "cp-sat"):
        settings = ForecastSettings(as_of=AS_OF, weeks=weeks, runs=runs, mode=mode)
        started = time.perf_counter()
        result = run_forecast(data, policy, rates, settings)
        seconds = time.perf_counter() - started
        bands = {}
        for m, measure in enumerate(FORECAST_MEASURES):
            values = result.values[:, :, 0, m]  # authority
            p10, median, p90 = np.percentile(values, [10, 50, 90], axis=0)
            bands[measure] = [
                [round(float(p10[w]), 2), round(float(median[w]), 2), round(float(p90[w]), 2)]
                for w in (weeks // 2, weeks)
            ]
        out[mode] = {"seconds": seconds, "bands": bands}
    return out


def item_national(how: str, workers: int, limit: int, target: float) -> dict:
    from models import Options, load_policy
    from scenarios import run_national

    policy = load_policy("default")
    options = Options(as_of=date(2025, 9, 30), work_limit=10, gap_limit=1e-4, time_limit=600)
    result, seconds, worker_mb = _run_with(
        how,
        workers,
        lambda ex: run_national(
            policy, target, options, limit=None if limit <= 0 else limit, executor=ex
        ),
    )
    england = next(t for t in result.totals if t["la_name"].startswith(("England (sum", "all")))
    return {
        "seconds": seconds,
        "worker_mb": worker_mb,
        "authorities": len(result.rows),
        "fte_now": england["fte_now"],
        "fte_needed": england["fte_needed"],
        "proven": sum(bool(r["proven"]) for r in result.rows),
    }


def run_item(*args: object) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--item", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {args}: {result}", file=sys.stderr)
    return result


def forecast_section(runs: int, weeks: int, workers: int) -> list[str]:
    full = runs == 200 and weeks == 26
    size = "the issue's size" if full else "REDUCED from the issue's 200 runs x 26 weeks"
    out = [
        f"### A {runs}-run, {weeks}-week forecast of the example authority "
        "(target: 200 runs x 26 weeks under 10 minutes on 2 cores)",
        "",
        f"Example authority (27 teams, 140.5 FTE, 2,516 children, arrivals from `referred_on`), "
        f"default fast mode (`--mode greedy`); {size}. Same values (hash) on the pool "
        "and on Dask is the reproducibility check.",
        "",
        "| where | workers | runs x weeks | wall (s) | s per run-week | values hash | "
        "peak MB per worker | peak MB submitting |",
        "|---|---:|---|---:|---:|---|---:|---:|",
    ]
    per_run_week = []
    for how in ("pool", "dask"):
        r = run_item("forecast", how, workers, runs, weeks)
        per = r["seconds"] / (runs * (weeks + 1))
        per_run_week.append(per)
        out.append(
            f"| {'process pool' if how == 'pool' else 'local Dask cluster'} | {workers} | "
            f"{runs} x {weeks} | {r['seconds']:.1f} | {per:.3f} | {r['hash']} | "
            f"{r['worker_mb']:.0f} | {r['peak_mb']:.0f} |"
        )
    if not full:
        best = min(per_run_week)
        out += [
            "",
            f"Extrapolated, not measured: 200 runs x 26 weeks at the faster rate above "
            f"({best:.2f} s of wall time per run-week on {workers} workers) would take about "
            f"{200 * 27 * best / 60:.0f} minutes.",
        ]
    return out


def modes_section(runs: int, weeks: int) -> list[str]:
    r = run_item("modes", runs, weeks)
    greedy, cp_sat = r["greedy"], r["cp-sat"]
    out = [
        f"### Greedy against CP-SAT: {runs} runs x {weeks} weeks, the same draws, one process",
        "",
        f"`--mode greedy` {greedy['seconds']:.1f} s, `--mode cp-sat` {cp_sat['seconds']:.1f} s "
        f"(work limit 1, gap 0.01): greedy takes {greedy['seconds'] / cp_sat['seconds']:.2f}x "
        "the time, measured in the same run. The authority's bands (10th / median / 90th "
        "percentile over the runs):",
        "",
        f"| measure | mode | week {weeks // 2} | week {weeks} |",
        "|---|---|---|---|",
    ]
    for measure in greedy["bands"]:
        for mode, res in (("greedy", greedy), ("cp-sat", cp_sat)):
            cells = [" / ".join(f"{v:g}" for v in band) for band in res["bands"][measure]]
            out.append(f"| {measure} | {mode} | {cells[0]} | {cells[1]} |")
    return out


def national_section(limit: int, target: float, workers: list[int]) -> list[str]:
    scope = "all 151 authorities (149 published)" if limit <= 0 else f"the first {limit}"
    out = [
        f"### The national sweep at {target:g} children per FTE "
        "(target: all 151 authorities under 10 minutes on 2 cores through Dask)",
        "",
        f"{scope}, each a DfE-shaped authority staffed with `plan-staffing --target-per-fte`"
        " (work limit 10); a local Dask cluster of 1 and 2 worker processes.",
        "",
        "| Dask workers | authorities | wall (s) | FTE now | FTE needed | proven | "
        "peak MB per worker |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in workers:
        r = run_item("national", "dask", k, limit, target)
        out.append(
            f"| {k} | {r['authorities']} | {r['seconds']:.1f} | {r['fte_now']:,.1f} | "
            f"{r['fte_needed']:,.1f} | {r['proven']} | {r['worker_mb']:.0f} |"
        )
    return out


KINDS = {"forecast": "### A ", "modes": "### Greedy against", "national": "### The national sweep"}
"""Each part's subsection of the section, by the start of its heading."""


def write_section(parts: dict[str, list[str]]) -> None:
    """Replace the parts run now in this script's section of docs/benchmarks.md, keeping
    the parts not run (each subsection carries its own date, machine and command) and
    every other section."""
    current = DOC.read_text("utf-8")
    head, tail, kept = current.rstrip("\n") + "\n\n", "", {}
    if SECTION in current:
        head, rest = current.split(SECTION, 1)
        following = rest.find("\n## ")
        body, tail = (rest[:following], rest[following + 1 :]) if following >= 0 else (rest, "")
        for block in ("\n" + body).split("\n### ")[1:]:
            block = "### " + block.strip("\n")
            kind = next((k for k, start in KINDS.items() if block.startswith(start)), None)
            if kind is not None:
                kept[kind] = block.splitlines()
    kept.update(parts)
    blocks = ["\n".join(kept[k]) for k in KINDS if k in kept]
    text = "\n\n".join([SECTION, *blocks]) + "\n"
    DOC.write_text(head.rstrip("\n") + "\n\n" + text + ("\n" + tail if tail else ""), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--item", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["forecast", "modes", "national"], action="append")
    parser.add_argument("--compare-runs", type=int, default=20, help="runs of the mode comparison")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--workers", type=int, default=2, help="pool and Dask workers (forecast)")
    parser.add_argument("--limit", type=int, default=0, help="authorities (0: all)")
    parser.add_argument("--target", type=float, default=18.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.item:
        kind, how, *rest = args.item
        if kind == "forecast":
            result = item_forecast(how, *map(int, rest[:3]), *rest[3:])
        elif kind == "modes":
            result = item_modes(int(how), int(rest[0]))
        else:
            result = item_national(how, int(rest[0]), int(rest[1]), float(rest[2]))
        result["peak_mb"] = _peak_self_mb()
        print(json.dumps(result))
        return
    from planner import machine

    every = {"forecast", "modes", "national"}
    only = set(args.only or every)
    command = " ".join(["python benchmarks/forecast.py", *sys.argv[1:]])
    parts: dict[str, list[str]] = {}
    for kind in KINDS:
        if kind not in only:
            continue
        header = machine()  # before the part runs: its date and load at start
        if kind == "forecast":
            lines = forecast_section(args.runs, args.weeks, args.workers)
        elif kind == "modes":
            lines = modes_section(args.compare_runs, args.weeks)
        else:
            lines = national_section(args.limit, args.target, [1, 2])
        parts[kind] = [lines[0], "", *header, "", f"Command: `{command}`", "", *lines[2:]]
        print("\n".join(parts[kind]) + "\n", flush=True)
    if not args.no_write:
        write_section(parts)
        print(f"wrote {', '.join(parts)} in {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
