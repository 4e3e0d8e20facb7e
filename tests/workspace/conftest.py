"""Fixtures of the workspace tests: a migrated database with users and data, copied for
each test, the app on it, clients signed in as each user, and a PostgreSQL server."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import (
    WORKSPACE_USERS,
    password_of,
    postgres_server,
    tiny_forecast,
    workspace_upload,
)
from workspace import add_user, create_app, load_settings, run_pending

SECRET = "tests-only-secret-0123456789-abcdefghijklmnop"


def make_users(settings: Any) -> None:
    for name, scope in WORKSPACE_USERS.items():
        add_user(settings, name, password_of(name), **scope)


def signed_in(app: Any, username: str) -> TestClient:
    """A client of ``app`` with ``username``'s session cookie."""
    client = TestClient(app)
    done = client.post(
        "/api/session", json={"username": username, "password": password_of(username)}
    )
    assert done.status_code == 200, done.text
    return client


def import_as_admin(app: Any, files: dict[str, Any] | None = None, **fields: str) -> Any:
    admin = signed_in(app, "admin")
    data = {"as_of": "2026-11-23", **fields}
    return admin.post("/api/snapshots", files=files or workspace_upload(), data=data)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the test users and the test data imported."""
    folder = tmp_path_factory.mktemp("template")
    settings = load_settings(database_url=f"sqlite:///{folder / 'ws.db'}", secret_key=SECRET)
    make_users(settings)
    app = create_app(settings)
    done = import_as_admin(app)
    assert done.status_code == 201, done.text
    app.state.engine.dispose()
    return folder / "ws.db"


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Any:
    """Settings of a fresh copy of the template database."""
    target = tmp_path / "ws.db"
    shutil.copy(template_db, target)
    return load_settings(database_url=f"sqlite:///{target}", secret_key=SECRET)


@pytest.fixture
def app(settings: Any) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client_of(app: Any) -> Callable[[str], TestClient]:
    """``client_of("mo")``: a client signed in as that user (one per name)."""
    clients: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in clients:
            clients[username] = signed_in(app, username)
        return clients[username]

    return get


@pytest.fixture
def solve(app: Any) -> Callable[[], int]:
    """Run the queued proposals as a solver process would; how many were solved."""
    return lambda: run_pending(app.state.session_factory, default_work_limit=2)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server on loopback for the session (fails, never skips, when missing)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def forecast_plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plans folder with two forecasts in forecasts/: ``calm`` and ``busy`` (more referrals),
    and a folder that is not a forecast."""
    root = tmp_path_factory.mktemp("plans")
    tiny_forecast(root / "forecasts" / "calm", 0.01)
    tiny_forecast(root / "forecasts" / "busy", 4.0)
    (root / "forecasts" / "notes").mkdir()
    return root


@pytest.fixture
def forecasts_client_of(
    settings: Any, forecast_plans: Path
) -> Iterator[Callable[[str], TestClient]]:
    """``forecasts_client_of("pat")``: a client of a workspace whose plans folder holds
    ``forecast_plans``."""
    app = create_app(settings.model_copy(update={"plans_dir": forecast_plans}))
    clients: dict[str, TestClient] = {}

    def get(user: str) -> TestClient:
        if user not in clients:
            clients[user] = signed_in(app, user)
        return clients[user]

    yield get
    app.state.engine.dispose()
