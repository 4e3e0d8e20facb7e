"""Alembic's environment: metadata from the tables, the connection from the caller.

:func:`workspace.core.db.migrate` passes an open connection in
``config.attributes["connection"]``; run from the ``alembic`` command, the URL
comes from the settings (``CASELOAD_DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from workspace.core.config import load_settings
from workspace.core.db import make_engine
from workspace.tables import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run the migrations with the caller's connection, or one made from the settings."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(load_settings().sqlalchemy_url)
    with engine.begin() as opened:
        run(opened)


# Alembic runs this file as a script; importing it elsewhere (the doctest run) does nothing.
if hasattr(context, "config"):
    main()
