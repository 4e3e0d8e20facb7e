"""``caseload serve``: migrate, start the solver processes, run the web server.

The solver processes are started with ``spawn`` (fresh interpreters, safe
beside the server's threads), replaced when one dies (a thread checks every
two seconds), and stopped when the server stops. Uvicorn's own
access log is off: it prints each path with its query, and the workspace logs
route templates instead (``workspace.app``).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from typing import Any

from workspace.core.config import Settings
from workspace.core.db import make_engine, migrate
from workspace.solving import solver_loop

log = logging.getLogger("caseload.workspace")


SUPERVISE_SECONDS = 2.0
"""How often the server looks for a solver process that has died."""


def start_solver(settings: Settings) -> Any:
    """Start one solver process; it stops on SIGTERM."""
    process = multiprocessing.get_context("spawn").Process(
        target=solver_loop,
        args=(settings.sqlalchemy_url, settings.default_work_limit),
        daemon=True,
        name="caseload-solver",
    )
    process.start()
    return process


def start_solvers(settings: Settings) -> list[Any]:
    """Start ``settings.solver_processes`` solver processes; they stop on SIGTERM."""
    return [start_solver(settings) for _ in range(settings.solver_processes)]


def replace_dead_solvers(settings: Settings, processes: list[Any]) -> int:
    """Start a new solver in the place of each one that has ended (killed, out of memory);
    the new one puts the dead one's job back in the queue as it starts. How many."""
    replaced = 0
    for i, process in enumerate(processes):
        if process.is_alive():  # (also reaps one that ended, so it is not a zombie)
            continue
        log.warning(
            "solver process %s ended (exit code %s); starting another, which runs its job again",
            process.pid,
            process.exitcode,
        )
        processes[i] = start_solver(settings)
        replaced += 1
    return replaced


def supervise(settings: Settings, processes: list[Any], stop: threading.Event) -> None:
    """Until ``stop``: keep ``processes`` at full strength (a thread beside the server)."""
    while not stop.wait(SUPERVISE_SECONDS):
        replace_dead_solvers(settings, processes)


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
    stop = threading.Event()
    supervisor = threading.Thread(
        target=supervise, args=(settings, solvers, stop), name="caseload-supervisor", daemon=True
    )
    supervisor.start()
    try:
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
    finally:
        stop.set()
        supervisor.join(timeout=SUPERVISE_SECONDS * 2)
        stop_solvers(solvers)
