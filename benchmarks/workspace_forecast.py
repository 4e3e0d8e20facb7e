"""Benchmark a forecast run from the workspace: the example authority (27 teams, 2,516
children) forecast as a planner asks for it in the browser.

For each mode (``greedy``, ``cp-sat``) and size, a planner's ``POST
/api/forecast-runs`` on the example authority is queued through the app (the
test client, SQLite in a temporary folder), then run as a solver process runs
it (``workspace.run_pending``): reading the data, every run one after another
in this one process, writing the folder into ``PLANS/forecasts/``. Prints the
time from the queue to the folder written, per run and week, and the
forecast's last-week median of children per FTE (the same for the same seed
whatever the machine). Nothing is written outside the temporary folder.

Examples
--------
    python benchmarks/workspace_forecast.py                     # 4 runs x 4 weeks, both modes
    python benchmarks/workspace_forecast.py --runs 8 --weeks 26 --modes greedy
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from fastapi.testclient import TestClient  # noqa: E402
from run import machine  # noqa: E402  (benchmarks/run.py: the machine, the same way)

from workspace import add_user, create_app, load_settings, run_pending  # noqa: E402

SECRET = "benchmark-only-secret-0123456789-abcdefghij"
PASSWORD = "benchmark password"


def one(folder: Path, mode: str, runs: int, weeks: int) -> list[str]:
    """Queue and run one forecast; its row of the table."""
    plans = folder / "plans"
    plans.mkdir(exist_ok=True)
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'ws.db'}", secret_key=SECRET, plans_dir=plans
    )
    add_user(settings, "pat", PASSWORD, role="planner")
    app = create_app(settings)
    client = TestClient(app)
    client.post("/api/session", json={"username": "pat", "password": PASSWORD})
    form = {"base": "example", "weeks": str(weeks), "runs": str(runs), "mode": mode}
    name = f"{mode}-{runs}x{weeks}"
    start = time.perf_counter()
    answer = client.post("/api/forecast-runs", data={**form, "name": name})
    answer.raise_for_status()
    run_pending(app.state.session_factory)
    seconds = time.perf_counter() - start
    run = client.get(f"/api/forecast-runs/{answer.json()['run_id']}").json()
    app.state.engine.dispose()
    if run["status"] != "done":
        raise SystemExit(f"{name}: {run['status']}: {run['error']}")
    median = next(b["median"] for b in run["headline"] if b["measure"] == "children_per_fte")
    return [
        mode,
        str(runs),
        str(weeks),
        f"{seconds:.1f}",
        f"{seconds / (runs * weeks):.3f}",
        f"{median:g}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--modes", nargs="+", default=["greedy", "cp-sat"])
    args = parser.parse_args()
    rows = []
    for mode in args.modes:
        with tempfile.TemporaryDirectory(prefix="caseload-bench-") as tmp:
            rows.append(one(Path(tmp), mode, args.runs, args.weeks))
    header = ["mode", "runs", "weeks", "seconds", "s per run-week", "median per FTE, last week"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    print("\n" + "\n".join(machine()))


if __name__ == "__main__":
    main()
