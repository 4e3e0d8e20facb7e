"""``caseload serve``: migrate, start the solver processes, run the web server.

The solver processes are started with ``spawn`` (fresh interpreters, safe
beside the server's threads) and stopped when the server stops. Uvicorn's own
access log is off: it prints each path with its query, and the workspace logs
route templates instead (``workspace.app``).
"""

from __future__ import annotations

import logging
import multiprocessing
from typing import Any

from workspace.core.config import Settings
from workspace.core.db import make_engine, migrate
from workspace.solving import solver_loop

log = logging.getLogger("caseload.workspace")


def start_solvers(settings: Settings) -> list[Any]:
    """Start ``settings.solver_processes`` solver processes; they stop on SIGTERM."""
    context = multiprocessing.get_context("spawn")
    processes = []
    for _ in range(settings.solver_processes):
        process = context.Process(
            target=solver_loop,
            args=(settings.sqlalchemy_url, settings.default_work_limit),
            daemon=True,
            name="caseload-solver",
        )
        process.start()
        processes.append(process)
    return processes


def stop_solvers(processes: list[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the workspace until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn

    from workspace.app import create_app

    settings.secret()  # made (or read) once, before the solvers start
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    engine.dispose()
    if settings.plans_dir is not None:
        from workspace.planning import example_plans

        example_plans()  # read once now, not on a planner's first visit to Plans (~0.5 s)
    app = create_app(settings, run_migrations=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    solvers = start_solvers(settings)
    try:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
    finally:
        stop_solvers(solvers)
