"""Golden outputs: run a fixed set of cases through the ``caseload`` command and keep them.

A refactor must not change any output on the same input and options (runs under
a work limit are deterministic). Take a snapshot before and after, then compare:

    python benchmarks/snapshot.py /tmp/before           # inputs and outputs
    ... change the code ...
    python benchmarks/snapshot.py /tmp/after --inputs /tmp/before/inputs
    python benchmarks/snapshot.py --compare /tmp/before /tmp/after

Only the command line is used, so the script works across any reorganisation of
the library. The cases: the demo authority (default policy), a release and a
rebalance of it, smaller example authorities under each preset, and the 12 NPAP
instances (written as data folders with an NPAP policy file). Timing fields of
``summary.json`` (``solve_seconds``, ``stage_seconds``) and the package versions
are the only fields ignored by ``--compare``.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPAP_ROOT = ROOT / "benchmarks" / "npap"
AS_OF = "2026-11-23"
LIMITS = ["--time-limit", "900", "--work-limit", "30"]
"""A generous wall clock and a work limit, so no case stops on the clock."""

NPAP_POLICY = """\
name = "npap"
source = "NPAP benchmark (Schaus, Van Hentenryck and Régin, CPAIOR 2009)"
thresholds = []

[services.npap]
label = "Nurse-to-patient zone"
max_children_per_fte = 3
max_load_per_fte = 105

[span]
min_fte = 0
oversight_min = 0
"""
"""The NPAP rules as a policy file (TOML has no null, so the oversight maximum keeps its
default of 100 cases, above any zone's patients)."""

EXAMPLES = {
    # name: (policy, example flags)
    "barnet": ("barnet", ["--seed", "1", "--fte", "30", "--new", "60"]),
    "merton": ("merton", ["--seed", "2", "--fte", "30", "--new", "60"]),
    "sutton": ("sutton", ["--seed", "3", "--fte", "25", "--new", "50"]),
}
IGNORED = {
    "solve_seconds",
    "stage_seconds",
    "caseload_version",
    "ortools_version",
    "python_version",
}


def caseload(*args: str) -> None:
    cmd = [sys.executable, "-m", "caseload", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode not in (0,):
        legacy = [sys.executable, "-c", "from allocator.cli import main; main()", *args]
        done = subprocess.run(legacy, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"caseload {' '.join(args)} failed:\n{done.stderr}")


def make_inputs(inputs: Path) -> None:
    """Data folders and policy files for every case (written once, then reused)."""
    inputs.mkdir(parents=True, exist_ok=True)
    caseload("demo", "--out", str(inputs / "demo"), "--time-limit", "60")
    for name, (policy, flags) in EXAMPLES.items():
        caseload("example", str(inputs / name), "--policy", policy, *flags)
    sys.path.insert(0, str(ROOT))
    from allocator.io import write_data
    from allocator.io.npap import npap_instances, read_npap

    policy_file = inputs / "npap.toml"
    policy_file.write_text(NPAP_POLICY, encoding="utf-8")
    for name, path in npap_instances(NPAP_ROOT):
        data, _ = read_npap(path)
        write_data(data, inputs / "npap" / name)


def run_cases(inputs: Path, outputs: Path) -> None:
    demo = inputs / "demo" / "data"
    cases: list[tuple[str, list[str]]] = [
        ("demo", [str(demo), "--policy", "default"]),
        (
            "demo-release",
            [str(demo), "--policy", "default", "--release", "W018", "--release", "W102"],
        ),
        ("demo-rebalance", [str(demo), "--policy", "default", "--rebalance", "--max-moves", "25"]),
        ("demo-processes", [str(demo), "--policy", "default", "--processes", "2"]),
    ]
    for name, (policy, _) in EXAMPLES.items():
        cases.append((name, [str(inputs / name), "--policy", policy]))
    for folder in sorted((inputs / "npap").rglob("teams.csv")):
        rel = folder.parent.relative_to(inputs / "npap").as_posix()
        cases.append(
            (
                f"npap/{rel}",
                [str(folder.parent), "--policy", str(inputs / "npap.toml"), "--gap-limit", "0"],
            )
        )
    for name, args in cases:
        out = outputs / name
        print(f"  {name}", flush=True)
        caseload("allocate", *args, "--out", str(out), "--as-of", AS_OF, "--quiet", *LIMITS)


def strip(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in IGNORED}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def compare(a: Path, b: Path) -> int:
    """Every output file of ``a`` against ``b``; prints differences, returns their number."""
    bad = 0
    for file in sorted((a / "outputs").rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(a / "outputs")
        other = b / "outputs" / rel
        if not other.exists():
            print(f"missing in {b}: {rel}")
            bad += 1
        elif file.suffix == ".json":
            left = strip(json.loads(file.read_text()))
            right = strip(json.loads(other.read_text()))
            if left != right:
                keys = sorted(k for k in {*left, *right} if left.get(k) != right.get(k))
                print(f"differs: {rel} ({', '.join(keys)})")
                bad += 1
        elif not filecmp.cmp(file, other, shallow=False):
            print(f"differs: {rel}")
            bad += 1
    print(f"{bad} difference(s)")
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--inputs", type=Path, help="reuse these inputs instead of making them")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(1 if compare(*args.compare) else 0)
    if args.folder is None:
        parser.error("give a folder, or --compare A B")
    inputs = args.inputs or args.folder / "inputs"
    if args.inputs is None:
        make_inputs(inputs)
    run_cases(inputs, args.folder / "outputs")


if __name__ == "__main__":
    main()
