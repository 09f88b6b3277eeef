"""Errors as a person reads them: a KnownError's message and hint, never a traceback."""

from __future__ import annotations

import logging

from traceapp.domain.errors import KnownError

log = logging.getLogger(__name__)


def error_text(error: BaseException, details: str = "") -> str:
    """What went wrong and what to do, on two lines; a bug is logged with its traceback."""
    if isinstance(error, KnownError):
        return f"{error.message}\n{error.hint}".strip()
    log.error("unexpected error: %r\n%s", error, details)
    return (
        f"Something went wrong that TraceApp did not expect ({type(error).__name__}: {error}).\n"
        "Nothing was saved by this step. Try again; if it happens again, report it."
    )
