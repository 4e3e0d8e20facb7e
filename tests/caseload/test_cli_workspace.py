"""Tests for the workspace's commands in caseload/cli.py: ``caseload users add`` and
``caseload serve``'s refusals, through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient

from caseload.cli import main
from workspace import create_app, load_settings


def run(*args: str, stdin: str = "", env: dict[str, str | None] | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin, env=env)


def test_users_add_reads_the_password_from_stdin_and_the_user_signs_in(tmp_path):
    """A manager added from the command line signs in with the password given on stdin."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    done = run(
        "users",
        "add",
        "mo",
        "--role",
        "team_manager",
        "--team",
        "T1",
        "--database",
        url,
        stdin="a long password\n",
    )
    assert done.exit_code == 0, done.output
    assert "user 'mo' (team_manager) saved" in done.output
    app = create_app(load_settings(database_url=url))
    signed = TestClient(app).post(
        "/api/session", json={"username": "mo", "password": "a long password"}
    )
    assert signed.status_code == 200 and signed.json()["teams"] == ["T1"]
    app.state.engine.dispose()


def test_users_add_without_the_roles_scope_exits_2(tmp_path):
    """A worker without --worker, and a short password: exit 2, every problem, no traceback."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    done = run("users", "add", "ash", "--role", "worker", "--database", url, stdin="short\n")
    assert done.exit_code == 2
    assert "needs --worker" in done.output and "at least 10" in done.output
    assert "Traceback" not in done.output


def test_an_unknown_role_is_a_usage_error(tmp_path):
    """--role boss is refused by the option itself (exit 2)."""
    done = run(
        "users", "add", "x", "--role", "boss", "--database", f"sqlite:///{tmp_path / 'w.db'}"
    )
    assert done.exit_code == 2 and "boss" in done.output


def test_serve_refuses_a_default_secret_before_starting(tmp_path):
    """CASELOAD_SECRET_KEY=changethis: exit 2 naming the setting; nothing starts."""
    done = run(
        "serve",
        "--database",
        f"sqlite:///{tmp_path / 'w.db'}",
        env={"CASELOAD_SECRET_KEY": "changethis"},
    )
    assert done.exit_code == 2 and "secret_key" in done.output
    assert not (tmp_path / "w.db").exists()


def test_serve_refuses_postgresql_without_a_secret(tmp_path):
    """A PostgreSQL URL without CASELOAD_SECRET_KEY: exit 2 saying to set one."""
    done = run(
        "serve",
        "--database",
        "postgresql://u:long-password@127.0.0.1/x",
        env={"CASELOAD_SECRET_KEY": None},
    )
    assert done.exit_code == 2 and "a PostgreSQL workspace is shared" in done.output
