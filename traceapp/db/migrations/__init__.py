"""Alembic migrations shipped inside the package and applied at start."""
