"""Alembic migrations of the workspace's database (run by :func:`workspace.migrate`)."""
