"""Tests for workspace/core/config.py: settings that refuse default secrets."""

from __future__ import annotations

import stat

import pytest

from workspace.core.config import SettingsError, load_settings


@pytest.mark.parametrize("secret", ["changethis", "secret", "short"])
def test_default_or_short_secrets_are_refused(secret):
    """Known defaults and short keys are refused, naming the setting."""
    with pytest.raises(SettingsError, match="secret_key"):
        load_settings(secret_key=secret)


def test_a_postgresql_workspace_needs_a_secret(monkeypatch):
    """PostgreSQL without CASELOAD_SECRET_KEY is refused; with one it is accepted."""
    monkeypatch.delenv("CASELOAD_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="CASELOAD_SECRET_KEY"):
        load_settings(database_url="postgresql://u:pw-long-enough@localhost/db")
    settings = load_settings(
        database_url="postgresql://u:pw-long-enough@localhost/db", secret_key="x" * 40
    )
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://")


def test_a_default_database_password_is_refused():
    """postgresql://...:changethis@... is refused."""
    with pytest.raises(SettingsError, match="known default"):
        load_settings(database_url="postgresql://u:changethis@localhost/db", secret_key="x" * 40)


def test_an_unknown_database_is_refused():
    """Only sqlite and postgresql URLs are taken."""
    with pytest.raises(SettingsError, match="database_url"):
        load_settings(database_url="mysql://u@localhost/db")


def test_an_sqlite_workspace_keeps_its_own_secret_readable_by_its_owner_only(tmp_path, monkeypatch):
    """Without a secret, one is made beside the SQLite file (mode 600) and read back after."""
    monkeypatch.delenv("CASELOAD_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first = load_settings(database_url=url).secret()
    file = tmp_path / "w.db.secret"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert load_settings(database_url=url).secret() == first and len(first) >= 32


def test_settings_come_from_the_environment(monkeypatch):
    """CASELOAD_SESSION_MINUTES sets the idle limit."""
    monkeypatch.setenv("CASELOAD_SESSION_MINUTES", "15")
    assert load_settings().session_minutes == 15
