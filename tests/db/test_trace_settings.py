"""A trace's planner settings on PostgreSQL: on while it runs, then as they were before."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from traceapp.db.engine import make_engine
from traceapp.db.trace import INDEX_WALK_SETTINGS, index_walks
from traceapp.db.trace_walk import TraceReader
from traceapp.db.uow import UnitOfWork
from traceapp.services.database import open_database

pytestmark = pytest.mark.postgres


def _settings(session: Session) -> dict[str, str]:
    names = list(INDEX_WALK_SETTINGS)
    calls = ", ".join(f"current_setting('{name}')" for name in names)
    return dict(zip(names, session.execute(text(f"SELECT {calls}")).one(), strict=True))


def test_a_trace_walks_indexes_and_then_puts_back_what_was_set(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            # Not the defaults: what a caller had set for its own transaction comes back.
            before = {
                "enable_hashjoin": "off", "enable_mergejoin": "on", "enable_seqscan": "on",
                "jit": "on", "plan_cache_mode": "force_custom_plan",
            }  # fmt: skip
            calls = ", ".join(f"set_config('{name}', :{name}, true)" for name in before)
            session.execute(text(f"SELECT {calls}"), before)
            with index_walks(session):
                assert _settings(session) == INDEX_WALK_SETTINGS
            assert _settings(session) == before
    finally:
        engine.dispose()


def test_a_trace_prepares_its_statements_at_their_first_run_with_generic_plans(
    pg_url: str,
) -> None:
    """psycopg would prepare a statement after its fifth run on a connection, and the server
    plan it five more times before settling on a generic plan; a trace's statements are
    prepared at once and planned once."""
    engine, _ = open_database(pg_url)
    try:
        with UnitOfWork(engine, write=False) as uow:
            with index_walks(uow.session):
                reader = TraceReader(uow.session)
                for forward in (True, False):
                    reader.closure([str(uuid.uuid4())], forward=forward)
                reader.closure([str(uuid.uuid4())], forward=False)
            rows = uow.session.execute(
                text(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%WITH RECURSIVE walk%'"
                )
            ).all()
        assert len(rows) == 2  # forward and backward, each prepared once
        assert sorted((generic, custom) for _, generic, custom in rows) == [(1, 0), (2, 0)]
    finally:
        engine.dispose()
