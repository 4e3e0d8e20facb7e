"""Benchmark reading and validating a large authority: ``read_data`` and ``caseload validate``.

The target (issue 9): 100,000 children and 8,000 workers read and validated in
under 10 s and under 2 GB. The data is a synthetic authority of that size
(``generate_authority``, 40 copies of a 150-FTE authority), written once as
clean CSV files and once as a European Excel would re-save them (``;``
between cells, decimal commas, day-first dates with a time part). Each
measurement runs in a fresh process, so its peak memory (``ru_maxrss``) is its
own; times are wall-clock medians.

Examples
--------
    python benchmarks/reading.py                  # 3 runs each -> the section in docs/benchmarks.md
    python benchmarks/reading.py --repeat 1 --no-write
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZE = {"authorities": 40, "case_holding_fte": 150.0, "caseload_per_fte": 15.0}
"""About 8,000 workers and 100,000 children."""
BEGIN, END = "<!-- reading:begin -->", "<!-- reading:end -->"
"""The section of docs/benchmarks.md this script owns (``benchmarks/run.py`` keeps it)."""

MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
from allocator import read_data
from models import load_policy
imported = time.perf_counter()
warnings = []
data = read_data(sys.argv[1], load_policy("default"), warnings=warnings)
done = time.perf_counter()
print(json.dumps({
    "read_seconds": done - imported,
    "import_seconds": imported - start,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "workers": len(data.workers),
    "children": len(data.children),
    "warnings": len(warnings),
}))
"""


def make_data(folder: Path) -> dict[str, Path]:
    """The clean CSV folder and its European re-save, written under ``folder``."""
    from allocator import write_data
    from models import load_policy
    from scenarios import generate_authority

    clean = folder / "clean"
    write_data(generate_authority(load_policy("default"), **SIZE), clean)
    resaved = folder / "resaved"
    resaved.mkdir()
    for file in clean.glob("*.csv"):
        with file.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        with (resaved / file.name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
            writer.writerow(rows[0])
            for row in rows[1:]:
                cells = [re.sub(r"^(\d+)\.(\d+)$", r"\1,\2", c) for c in row]
                cells = [re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", r"\3/\2/\1 00:00", c) for c in cells]
                writer.writerow(cells)
    return {"clean CSV": clean, "re-saved (`;`, decimal commas, DD/MM/YYYY 00:00)": resaved}


def measure(folder: Path) -> dict:
    """``read_data`` in a fresh process: seconds, peak memory and what was read."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def validate_seconds(folder: Path) -> float:
    """Wall-clock seconds of the whole command ``caseload validate FOLDER``."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "caseload", "validate", str(folder), "--policy", "default"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def section(rows: list[dict], repeat: int, command: str, load: str) -> str:
    """The markdown section of docs/benchmarks.md."""
    lines = [
        BEGIN,
        "## Reading large inputs",
        "",
        "Target (issue 9): read and validate 100,000 children and 8,000 workers in under "
        "10 s and under 2 GB. `read_data` is the library call (the policy check "
        "included, imports excluded); `caseload validate` is the whole command in a new "
        f"process. Medians of {repeat} run{'s' if repeat != 1 else ''} each, in fresh "
        "processes (min-max in brackets); peak is the largest resident set.",
        "",
        "| input | workers | children | read_data s | peak MB | caseload validate s | warnings |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['workers']:,} | {r['children']:,} | "
            f"{r['read']:.2f} ({r['read_min']:.2f}-{r['read_max']:.2f}) | {r['peak']:.0f} | "
            f"{r['validate']:.2f} | {r['warnings']:,} |"
        )
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform(terse=True)}, shared with other "
        f"work (load average {load} at the start and end of the run): times are noisy.",
        "",
        f"Command: `{command}`",
        "",
        "On a terminal, `caseload validate` and `allocate` show a progress line while they "
        "read (`reading children.csv: 40,000 of 100,000 rows checked`). The warnings of the "
        "re-saved input are the time part of every date (`00:00`), summed up in one line "
        "per column.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace this script's section of ``path`` (or append it)."""
    old = path.read_text("utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) + 1 :]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per input (default 3)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="markdown file"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    rows = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        print("generating the authority ...", file=sys.stderr, flush=True)
        for name, folder in make_data(Path(tmp)).items():
            runs = [measure(folder) for _ in range(args.repeat)]
            validates = [validate_seconds(folder) for _ in range(args.repeat)]
            reads = [r["read_seconds"] for r in runs]
            rows.append(
                {
                    "name": name,
                    "workers": runs[0]["workers"],
                    "children": runs[0]["children"],
                    "warnings": runs[0]["warnings"],
                    "read": statistics.median(reads),
                    "read_min": min(reads),
                    "read_max": max(reads),
                    "peak": max(r["peak_mb"] for r in runs),
                    "validate": statistics.median(validates),
                }
            )
            print(f"{name}: read_data {rows[-1]['read']:.2f} s", file=sys.stderr, flush=True)
    command = "python " + shlex.join(["benchmarks/reading.py", *(argv or sys.argv[1:])])
    load = f"{load_start:.1f} and {os.getloadavg()[0]:.1f}"
    text = section(rows, args.repeat, command, load)
    print(text)
    if not args.no_write:
        write_section(args.out, text)
        print(f"wrote the section of {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
