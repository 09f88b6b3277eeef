"""A trace's planner settings on PostgreSQL: on while it runs, then as they were before."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from traceapp.db.engine import make_engine
from traceapp.db.trace import INDEX_WALK_SETTINGS, index_walks

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
            before = {"enable_hashjoin": "off", "enable_mergejoin": "on", "enable_seqscan": "on", "jit": "on"}  # fmt: skip
            calls = ", ".join(f"set_config('{name}', :{name}, true)" for name in before)
            session.execute(text(f"SELECT {calls}"), before)
            with index_walks(session):
                assert _settings(session) == INDEX_WALK_SETTINGS
            assert _settings(session) == before
    finally:
        engine.dispose()
