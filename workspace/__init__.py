"""The team manager's workspace: web pages, a JSON API and a permanent record of decisions.

This module is the workspace's public API; everything else in ``workspace`` is
private to it. The command line (``caseload serve``, ``caseload users add``)
uses only what is exported here. See docs/workspace.md.

Typical use::

    from workspace import add_user, load_settings, serve

    settings = load_settings(database_url="sqlite:///caseload-workspace.db")
    add_user(settings, "mo", "a long password", role="team_manager", teams=["T01"])
    serve(settings, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from collections.abc import Sequence

from workspace.app import create_app
from workspace.core.config import Settings, SettingsError, load_settings
from workspace.crud import UserError
from workspace.serving import serve
from workspace.solving import run_pending, solver_loop


def add_user(
    settings: Settings,
    username: str,
    password: str,
    *,
    role: str,
    teams: Sequence[str] = (),
    services: Sequence[str] = (),
    worker_id: str | None = None,
) -> None:
    """Add a user to the workspace's database (migrated first), or update an existing one.

    Parameters
    ----------
    settings
        Which database (``settings.database_url``).
    username, password
        The password is stored as an argon2id hash only; at least 10 characters.
    role
        ``team_manager``, ``head_of_service``, ``planner``, ``worker`` or ``admin``.
    teams, services, worker_id
        A manager's teams, a head of service's services, a worker's own ``worker_id``.

    Raises
    ------
    UserError
        An unknown role, a short password, or a scope missing for the role.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "w.db"
    >>> add_user(load_settings(database_url=f"sqlite:///{db}"), "ash", "correct horse battery",
    ...          role="worker", worker_id="W001")
    """
    from workspace import crud
    from workspace.core.db import make_engine, migrate, session_factory

    engine = make_engine(settings.sqlalchemy_url)
    try:
        migrate(engine)
        with session_factory(engine)() as session, session.begin():
            crud.add_user(
                session=session,
                username=username,
                password=password,
                role=role,
                teams=teams,
                services=services,
                worker_id=worker_id,
            )
    finally:
        engine.dispose()


__all__ = [
    "Settings",
    "SettingsError",
    "UserError",
    "add_user",
    "create_app",
    "load_settings",
    "run_pending",
    "serve",
    "solver_loop",
]
