"""The workspace's settings, from arguments or ``CASELOAD_*`` environment variables.

Secrets are refused when they are a known default (``changethis``, ``secret``...)
or short, following the full-stack FastAPI template's ``_check_default_secret``:
a workspace started with a guessable secret would let anyone forge its tokens.
Without ``CASELOAD_SECRET_KEY``, a random key is made once and kept beside an
SQLite database (``NAME.secret``, readable by its owner only); a PostgreSQL
workspace, shared by design, must be given one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE = "sqlite:///caseload-workspace.db"
"""An SQLite file in the working directory (the spec's default)."""
KNOWN_DEFAULTS = frozenset(
    {"changethis", "changeme", "secret", "password", "postgres", "admin", "caseload", "default"}
)
"""Secrets and database passwords refused whatever the setting."""
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


class Settings(BaseSettings):
    """How one workspace runs.

    Attributes
    ----------
    database_url
        ``sqlite:///FILE`` (default ``caseload-workspace.db`` in the working
        directory) or ``postgresql://USER:PASSWORD@HOST/NAME``.
    secret_key
        Signs the forms' CSRF tokens and keys the stored session hashes; at
        least 32 characters, no known default.
    session_minutes
        A session ends after this many minutes without a request (default 30).
    session_hours
        ... and at most this many hours after sign-in (default 10).
    retention_days
        Children's records older than this are deleted when an admin asks
        (default 2,190 days: six years).
    solver_processes
        Solver worker processes started by ``caseload serve`` (default 1).
    default_work_limit
        CP-SAT work limit of a proposal when the request gives none (default 10).
    cookie_secure
        Send the session cookie over HTTPS only (set it behind a TLS proxy).
    plans_dir
        A folder of scenario plans' output folders (``caseload scenario run --out``)
        that planners read in the browser (default: none).
    """

    model_config = SettingsConfigDict(env_prefix="CASELOAD_", extra="ignore")

    database_url: str = DEFAULT_DATABASE
    secret_key: SecretStr | None = None
    session_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_hours: int = Field(default=10, ge=1, le=24 * 7)
    retention_days: int = Field(default=6 * 365, ge=1)
    solver_processes: int = Field(default=1, ge=1, le=32)
    default_work_limit: float = Field(default=10.0, gt=0, le=600)
    cookie_secure: bool = False
    plans_dir: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        try:
            parsed = make_url(url)
        except Exception:
            raise ValueError(f"{url!r} is not a database URL") from None
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"{backend!r}: use sqlite:///FILE or postgresql://...")
        if parsed.password is not None and parsed.password.lower() in KNOWN_DEFAULTS:
            raise ValueError("the database password is a known default: choose another")
        return url

    @field_validator("secret_key")
    @classmethod
    def _no_default_secret(cls, key: SecretStr | None) -> SecretStr | None:
        if key is None:
            return None
        value = key.get_secret_value()
        if value.lower() in KNOWN_DEFAULTS or len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"CASELOAD_SECRET_KEY is a known default or shorter than {MIN_SECRET_LENGTH} "
                "characters: make one with "
                'python -c "import secrets; print(secrets.token_urlsafe())"'
            )
        return key

    @model_validator(mode="after")
    def _postgres_needs_secret(self) -> Self:
        if self.is_postgresql and self.secret_key is None:
            raise ValueError(
                "a PostgreSQL workspace is shared: set CASELOAD_SECRET_KEY "
                '(python -c "import secrets; print(secrets.token_urlsafe())")'
            )
        return self

    @property
    def is_postgresql(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "postgresql"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg 3 driver named for PostgreSQL."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    def secret(self) -> str:
        """The secret key: the one given, or the one kept beside the SQLite file."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        database = make_url(self.database_url).database
        if not database or database == ":memory:":
            key = secrets.token_urlsafe(48)
            self.secret_key = SecretStr(key)
            return key
        file = Path(f"{database}.secret")
        if not file.exists():
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
        key = file.read_text().strip()
        self.secret_key = SecretStr(key)
        return key


def load_settings(**values: object) -> Settings:
    """Settings from keyword arguments over ``CASELOAD_*`` variables.

    Raises
    ------
    SettingsError
        Every setting that cannot be used, named, in one message.

    Examples
    --------
    >>> load_settings(database_url="sqlite:///x.db").session_minutes
    30
    >>> load_settings(secret_key="changethis")
    Traceback (most recent call last):
    ...
    workspace.core.config.SettingsError: secret_key: CASELOAD_SECRET_KEY is a known default ...
    """
    from pydantic import ValidationError

    given = {k: v for k, v in values.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(lines)) from None
