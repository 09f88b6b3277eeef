"""What the recall page runs in the background: the drill, holding the stock on site, exports.

Each function takes the unit of work and the signed-in actor (see StationContext.run) and goes
through the services, which check permissions; nothing here touches Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.collector import collector_paused
from traceapp.domain.dispositions import DecisionSignature
from traceapp.domain.errors import InvalidInput
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.recall import RecallResult
from traceapp.services.recall import (
    HoldRefusal,
    gather_details,
    hold_affected,
    may_export,
    quality_of,
    run_drill,
    sign_off,
)
from traceapp.services.signatures import Meaning, SignatureSummary, sign
from traceapp.ui.background import Progress

HOLD_RECORD_TYPE = "recall_hold"  # the signature under "hold every affected lot on site"

# No cyclic garbage collection while a large result is built in a worker (`collector_paused`).
# A 10,000-lot drill makes about a million objects; each full collection the allocations
# trigger walks all of them while holding the GIL, and the window froze for 0.6-1.4 s at a time
# (measured on the 1,000,000-lot plant under load). With `keep`, the result moves to the
# permanent generation: ~8,000 objects (1-2 MB) of unreachable cycles are then never collected
# after a 10,000-lot drill (measured), far less for small ones.


@dataclass(frozen=True, slots=True)
class DrillRequest:
    """What the person asked the drill to start from (exactly one of the three) and why."""

    reason: str
    lots: tuple[str, ...] = ()
    supplier_lot: str | None = None
    equipment: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def drill(uow: UnitOfWork, actor: Actor, progress: Progress, request: DrillRequest) -> RecallResult:
    """The recall drill: affected lots, customers, shipments, stock on site (no FSMA events
    yet: `details` reads them after the drill is on screen). Cancel is honoured before it
    starts and when it ends (the drill is one read transaction; a cancelled one is not shown)."""
    progress.check()
    progress.report(0, 0, "Tracing forward and backward…")
    with collector_paused(keep=True):
        result = run_drill(
            uow,
            actor=actor,
            reason=request.reason,
            lots=request.lots,
            supplier_lot=request.supplier_lot,
            equipment=request.equipment,
            since=request.since,
            until=request.until,
        )
    progress.check()
    return result


def details(uow: UnitOfWork, actor: Actor, result: RecallResult) -> RecallResult:
    """The drill's result with its FSMA 204 events and sensor excursions, read while the
    person already reads the tables: the reports and signatures need them."""
    del actor  # the drill checked who may read; this reads the same lots' events
    with collector_paused(keep=True):
        return gather_details(uow, result)


@dataclass(frozen=True, slots=True)
class HoldAllReport:
    signature: SignatureSummary
    held: tuple[str, ...]
    skipped: tuple[str, ...]  # already stopped when the drill ran: on hold, rejected, ...
    failed: tuple[HoldRefusal, ...]  # refused or failed when it was tried
    not_tried: tuple[str, ...]  # Cancel pressed before these were reached


def hold_content(result: RecallResult, digest: str, reason: str) -> dict[str, object]:
    """What the signer of a hold-all answers for: the recall, its hash, the reason, the lots."""
    return {
        "recall_id": result.recall_id,
        "recall_sha256": digest,
        "reason": reason,
        "lots": [stock.lot for stock in result.on_site],
    }


def hold_all(
    uow: UnitOfWork,
    actor: Actor,
    progress: Progress,
    *,
    result: RecallResult,
    password: str,
    meaning: Meaning,
    reason: str,
) -> HoldAllReport:
    """Sign, then hold every affected lot still on site and usable (`hold_affected`: each lot
    in its own transaction, a refusal named with why and the others still held)."""
    why = reason.strip()
    if not why:
        raise InvalidInput("A hold needs a reason.", hint="Say what is suspected and why.")
    require(actor.role, UseCase.HOLD, username=actor.username)  # before anything is signed
    progress.report(0, 0, "Signing…")
    signature = sign(
        uow,
        signer=actor.username,
        password=password,
        meaning=meaning,
        record_type=HOLD_RECORD_TYPE,
        record_id=result.recall_id,
        content=hold_content(result, result.sha256(), why),
    )

    def on_lot(done: int, total: int, lot: str) -> bool:
        progress.report(done, total, f"Holding {lot}")
        return not progress.cancelled

    report = hold_affected(uow, actor=actor, result=result, reason=why, on_lot=on_lot)
    if not report.not_tried:
        total = len(report.held) + len(report.refused)
        progress.report(total, total, "Held")
    return HoldAllReport(signature, report.held, report.skipped, report.refused, report.not_tried)


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    size: int
    what: str  # "signed PDF", "XLSX", "CSV"
    signature: SignatureSummary | None = None


def _checked_path(path: Path, suffix: str) -> Path:
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def _write_failed(path: Path, exc: OSError) -> InvalidInput:
    return InvalidInput(
        f"Cannot write {path}: {exc.strerror or exc}.",
        hint="Pick a folder that exists and that you may write to.",
    )


def export_pdf(
    uow: UnitOfWork,
    actor: Actor,
    *,
    result: RecallResult,
    password: str,
    meaning: Meaning,
    path: Path,
) -> Written:
    """The signed recall report: the signed-in person signs the result's SHA-256 (name, time,
    meaning: `sign_off`), and the PDF prints that signature."""
    from traceapp.reports.recall_pdf import render_recall_pdf  # reportlab: only when asked

    may_export(actor)
    target = _checked_path(path, ".pdf")
    digest = result.sha256()
    signature = sign_off(
        uow, result=result, signer=actor.username, password=password, meaning=meaning
    )
    printed = DecisionSignature(
        printed_name=signature.printed_name,
        username=signature.username,
        signed_at=signature.signed_at,
        meaning=signature.meaning.value,
        valid=signature.record_hash == digest,
    )
    try:
        with collector_paused():
            render_recall_pdf(
                result, printed, target, sha256=digest, quality=quality_of(uow, result)
            )
    except OSError as exc:
        raise _write_failed(target, exc) from exc
    return Written(target, target.stat().st_size, "signed PDF", signature)


def export_sheet(
    uow: UnitOfWork, actor: Actor, *, result: RecallResult, path: Path, kind: str
) -> Written:
    """The FSMA 204 sortable spreadsheet, XLSX or CSV."""
    from traceapp.reports.fsma204 import write_csv, write_xlsx  # openpyxl: only when asked

    del uow  # nothing to read: the drill's result has every event
    may_export(actor)
    target = _checked_path(path, f".{kind}")
    try:
        with collector_paused():
            if kind == "xlsx":
                write_xlsx(result, target)
            else:
                write_csv(result, target)
    except OSError as exc:
        raise _write_failed(target, exc) from exc
    return Written(target, target.stat().st_size, kind.upper())
