"""One database engine per workspace, and the sessions handed to each request.

SQLite runs in WAL mode with a busy timeout, so the web server and the solver
processes can write to one file; PostgreSQL through psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (as :attr:`Settings.sqlalchemy_url` gives it)."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine_memory()
    if url.startswith("sqlite"):
        # One connection per server thread at most (the thread pool has 40); SQLite's are cheap.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=30,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session and one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def migrate(engine: Engine) -> None:
    """Create or bring the schema up to date with Alembic (never ``create_all``).

    Safe to run on every start and from several processes: Alembic records the
    revision in ``alembic_version``, and a database already at head is left alone.
    """
    from importlib.resources import files

    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("workspace") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_engine_memory() -> Engine:
    """One shared in-memory SQLite database (for doctests and quick checks)."""
    from sqlalchemy.pool import StaticPool

    return create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
