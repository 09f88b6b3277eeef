"""Nonconformances as the quality page lists them, and how one is closed."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from traceapp.domain.ids import LotId


class NcDisposition(enum.StrEnum):
    """What quality decided about what was found."""

    USE_AS_IS = "use_as_is"  # the deviation does not matter for use
    REWORK = "rework"
    SCRAP = "scrap"
    REJECT = "reject"
    RETURN_TO_SUPPLIER = "return_to_supplier"
    NOT_CONFIRMED = "not_confirmed"  # a re-check found no defect (gauge or entry error)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class NonconformanceEntry:
    """A nonconformance with its closing, when closed (who, disposition, reason, signature)."""

    id: uuid.UUID
    lot_id: LotId
    lot: str
    inspection_id: uuid.UUID | None
    description: str
    status: str  # open, closed
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    disposition: NcDisposition | None = None
    close_reason: str | None = None
    signature: str | None = None  # the signature's line: meaning, printed name, time

    @property
    def open(self) -> bool:
        return self.status == "open"
