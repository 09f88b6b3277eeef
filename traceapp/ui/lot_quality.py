"""The quality records of the lot shown: its inspections and nonconformances, loaded in the background."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.inspections import InspectionRecord
from traceapp.domain.nonconformances import NonconformanceEntry
from traceapp.services import inspections
from traceapp.ui.context import StationContext
from traceapp.ui.messages import error_text


@dataclass(frozen=True, slots=True)
class LotQuality:
    inspections: tuple[InspectionRecord, ...]
    nonconformances: tuple[NonconformanceEntry, ...]


def nc_label(nonconformance_id: object) -> str:
    """A nonconformance as a person reads it aloud: NC- and the first 8 hex digits of its id."""
    return f"NC-{str(nonconformance_id).replace('-', '')[:8].upper()}"


def inspection_line(record: InspectionRecord) -> str:
    why = "; ".join(c.reason for c in record.failed)
    return (
        f"{record.inspected_at:%Y-%m-%d %H:%M}  {record.plan} by "
        f"{record.inspector}: {record.result.upper()}{' — ' + why if why else ''}"
    )


def nonconformance_line(entry: NonconformanceEntry) -> str:
    text = f"{nc_label(entry.id)} {entry.status.upper()} since {entry.opened_at:%Y-%m-%d %H:%M}: "
    text += entry.description
    if not entry.open and entry.disposition is not None:
        text += f"\n    closed {entry.disposition.label}: {entry.close_reason or ''}"
        if entry.signature:
            text += f"\n    {entry.signature}"
    return text


class LotQualitySection(QWidget):
    """Inspections and nonconformances of one lot; `show_lot` loads them in the worker pool."""

    def __init__(self, context: StationContext | None = None) -> None:
        super().__init__()
        self.setObjectName("lotQuality")
        self._context = context
        self._generation = 0
        self.quality: LotQuality | None = None
        self.caption = QLabel("Quality")
        self.caption.setStyleSheet("font-weight: bold;")
        self.text = QLabel("")
        self.text.setObjectName("lotQualityText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # descriptions come from people
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.text)
        self.hide()

    def show_lot(self, name: str, lot_id: uuid.UUID | None = None) -> None:
        """Load the lot's quality records (a later call wins over one still loading)."""
        self._generation += 1
        generation = self._generation
        self.quality = None
        if self._context is None:
            self.hide()
            return
        self.text.setText("Loading inspections…")
        self.show()

        def work(uow: UnitOfWork, actor: Actor) -> LotQuality:
            return LotQuality(
                inspections.inspections_of(uow, name, actor=actor),
                inspections.nonconformance_entries_of(uow, name, actor=actor),
            )

        def done(found: LotQuality) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.set_quality(found)

        def fail(error: BaseException, details: str) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.text.setText(
                    "Quality records could not be read: " + error_text(error, details)
                )

        self._context.run(work, done, fail)

    def set_quality(self, found: LotQuality) -> None:
        self.quality = found
        if not found.inspections and not found.nonconformances:
            self.caption.setText("Quality")
            self.text.setText("Not inspected.")
            return
        self.caption.setText(
            f"Quality: {len(found.inspections)} inspection(s), "
            f"{len(found.nonconformances)} nonconformance(s)"
        )
        lines = [inspection_line(r) for r in found.inspections]
        lines += [nonconformance_line(n) for n in found.nonconformances]
        self.text.setText("\n".join(lines))

    def clear(self) -> None:
        self._generation += 1
        self.quality = None
        self.hide()
