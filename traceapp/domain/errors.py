"""Typed errors: what went wrong, whose fault it is, and what the person should do next."""

from __future__ import annotations

from collections.abc import Sequence


class TraceAppError(Exception):
    """Base of every error the app raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class KnownError(TraceAppError):
    """Not a bug: bad input, a refused action or an unavailable resource. Show it, don't crash."""


class InvalidInput(KnownError):
    """The input is malformed (a quantity, a date, a code)."""

    code = "invalid_input"


class NotFound(KnownError):
    """A named record (product, party, location, event, user) does not exist."""

    code = "not_found"


class UnknownCode(NotFound):
    """A scanned or typed code matches no lot, container, unit or binding."""

    code = "unknown_code"

    def __init__(self, code_text: str) -> None:
        super().__init__(
            f"No lot, container or code binding carries the code {code_text!r}.",
            hint="Check the label, or receive or bind the code first.",
        )
        self.code_text = code_text


class AmbiguousCode(KnownError):
    """A bare lot code matches lots of several products."""

    code = "ambiguous_code"

    def __init__(self, code_text: str, candidates: Sequence[str]) -> None:
        candidates = sorted(candidates)
        listed = ", ".join(candidates)
        super().__init__(
            f"The code {code_text!r} names more than one lot: {listed}.",
            hint="Name the lot as PART/LOTCODE.",
        )
        self.candidates = tuple(candidates)


class AlreadyExists(KnownError):
    """A record with the same natural key is already there."""

    code = "already_exists"


class UnitMismatch(KnownError):
    """Two quantities whose units cannot be converted into each other."""

    code = "unit_mismatch"


class InsufficientQuantity(KnownError):
    """Mass balance: a lot or container cannot give more than it has."""

    code = "insufficient_quantity"


class LotNotUsable(KnownError):
    """The lot's status forbids the step (on hold, rejected, recalled, consumed, shipped)."""

    code = "lot_not_usable"


class ContainerNotUsable(KnownError):
    """The container's state forbids the step (already shipped, empty, nested wrongly)."""

    code = "container_not_usable"


class GenealogyCycle(KnownError):
    """A step would make a lot its own ancestor."""

    code = "genealogy_cycle"


class EventIdConflict(KnownError):
    """An event UUID arrived again with different content; kept for review, not applied."""

    code = "event_id_conflict"


class CorrectionRefused(KnownError):
    """An event cannot be reversed as asked (already corrected, or later steps depend on it)."""

    code = "correction_refused"


class PermissionDenied(KnownError):
    """The acting user's role may not perform this use case."""

    code = "permission_denied"


class StorageUnavailable(KnownError):
    """The database cannot be reached or opened; not a bug in the app."""

    code = "storage_unavailable"


class StorageError(KnownError):
    """The database refused a change (a constraint, a trigger, a newer schema)."""

    code = "storage_error"
