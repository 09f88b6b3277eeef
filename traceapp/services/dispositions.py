"""Lot dispositions: hold, lift, release, reject, rework, scrap, with reasons and e-signatures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from traceapp.db.models import AuditEntry, Event, EventItem, Location, Signature, User
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.dispositions import (
    CLOSED,
    DECISION_STEP,
    DECISION_USE_CASE,
    DEFAULT_MEANING,
    RECORD_TYPE,
    SIGNED,
    STEP_DECISION,
    Decision,
    DecisionOutcome,
    DecisionRecord,
    DecisionSignature,
    LotClosed,
    LotRecord,
    decision_content,
    plan,
    status_after,
)
from traceapp.domain.errors import InvalidInput, UnknownCode
from traceapp.domain.ids import EventId, LotId, new_uuid
from traceapp.domain.lots import USABLE_STATUSES, LotStatus
from traceapp.domain.permissions import Role, UseCase, require
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.domain.timeutil import join_instant
from traceapp.domain.trace import Direction
from traceapp.services.lots import lot_detail
from traceapp.services.recording import (
    add_item,
    clean_text,
    find_lot,
    lot_name,
    new_event,
    now_utc,
    record_once,
    require_lot,
)
from traceapp.services.signatures import Meaning, SignatureRefused, record_hash
from traceapp.services.trace import trace
from traceapp.services.users import LoginFailed, authenticate

MAX_RULE = 120  # the audit trail's rule column


@dataclass(frozen=True, slots=True)
class SignedBy:
    """Who signs a decision and the password they confirm it with (asked at every signing)."""

    username: str
    password: str
    meaning: Meaning | None = None  # default: the decision's own (released, rejected, approved)


def hold(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    reason: str,
    rule: str | None = None,
    descendants: bool = False,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> DecisionOutcome:
    """Stop a lot: a person with a reason, or the system naming the rule that fired.

    With `descendants`, every usable lot made from it (the forward trace) is held in the same
    transaction, each with its own event and audit entries.
    """
    if actor.role == Role.SYSTEM.value and not (rule and rule.strip()):
        raise InvalidInput(
            "An automatic hold must name the rule that set it.", hint="Pass the rule's name."
        )
    return _decide(
        uow,
        actor=actor,
        decision=Decision.HOLD,
        code=code,
        reason=reason,
        signed_by=None,
        rule=clean_text(rule, field="rule", limit=MAX_RULE),
        descendants=descendants,
        event_id=event_id,
        event_time=event_time,
    )


def lift_hold(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    reason: str,
    signed_by: SignedBy,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> DecisionOutcome:
    """Lift a hold (signed): the lot returns to the status it had before the hold."""
    return _decide(
        uow,
        actor=actor,
        decision=Decision.LIFT_HOLD,
        code=code,
        reason=reason,
        signed_by=signed_by,
        event_id=event_id,
        event_time=event_time,
    )


def release(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    reason: str,
    signed_by: SignedBy,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> DecisionOutcome:
    """Release a lot (signed): active or on hold becomes RELEASED."""
    return _decide(
        uow,
        actor=actor,
        decision=Decision.RELEASE,
        code=code,
        reason=reason,
        signed_by=signed_by,
        event_id=event_id,
        event_time=event_time,
    )


def dispose(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision: Decision,
    code: str,
    reason: str,
    signed_by: SignedBy,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> DecisionOutcome:
    """Reject, send to rework or scrap a lot (signed)."""
    if decision not in (Decision.REJECT, Decision.REWORK, Decision.SCRAP):
        raise InvalidInput(f"{decision.value} is not a disposition; use reject, rework or scrap.")
    return _decide(
        uow,
        actor=actor,
        decision=decision,
        code=code,
        reason=reason,
        signed_by=signed_by,
        event_id=event_id,
        event_time=event_time,
    )


def decide(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision: Decision,
    code: str,
    reason: str,
    signed_by: SignedBy | None = None,
    descendants: bool = False,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> DecisionOutcome:
    """Any decision by a person, by its name (the CLI and the GUI take this door)."""
    if decision is Decision.HOLD:
        return hold(
            uow,
            actor=actor,
            code=code,
            reason=reason,
            descendants=descendants,
            event_id=event_id,
            event_time=event_time,
        )
    if signed_by is None:
        raise SignatureRefused(
            f"A {decision.value.replace('_', ' ')} needs an electronic signature.",
            hint="Sign with your user name and password.",
        )
    return _decide(
        uow,
        actor=actor,
        decision=decision,
        code=code,
        reason=reason,
        signed_by=signed_by,
        event_id=event_id,
        event_time=event_time,
    )


def _decide(
    uow: UnitOfWork,
    *,
    actor: Actor,
    decision: Decision,
    code: str,
    reason: str,
    signed_by: SignedBy | None,
    rule: str | None = None,
    descendants: bool = False,
    event_id: uuid.UUID | None,
    event_time: datetime | None,
) -> DecisionOutcome:
    use_case = DECISION_USE_CASE[decision]
    # Refused before anything else happens: a denied role changes nothing, not even a counter.
    require(actor.role, use_case, username=actor.username)
    why = clean_text(reason, field="reason")
    if why is None:
        raise InvalidInput(
            f"A {decision.value.replace('_', ' ')} needs a reason.",
            hint="Say what was found or decided, e.g. 'moisture 16 % (limit 14 %)'.",
        )
    signer = _confirm_signer(uow, decision, use_case, signed_by)
    held: list[uuid.UUID] = []
    skipped: list[str] = []

    def apply() -> Event:
        held.clear()  # a retried attempt starts over
        skipped.clear()
        # The rule goes to every audit entry of this change: who acted, and by which rule.
        uow.acting(actor, reason=why, rule=rule)
        repo = Repository(uow.session)
        row = require_lot(repo, code, lock=True)
        if descendants and LotStatus(row.lot.status) in CLOSED:
            # The usual recall case: the bad supplier lot is used up, what was made from it is
            # not. The used-up lot keeps its status; each usable descendant is held.
            events = _hold_descendants(
                uow, repo, actor, row, why, event_time, held, skipped, first_id=event_id
            )
            if not events:
                label = row.lot.status.replace("_", " ").upper()
                raise LotClosed(
                    f"Lot {lot_name(row)} is {label} and none of the {len(skipped)} lots made "
                    "from it can be held (each is on hold, rejected, used up or shipped).",
                    hint="Shipped lots are a recall matter: trace them to their customers.",
                )
            return events[0]
        event = _record_decision(uow, row, actor, decision, why, event_id, event_time)
        if signer is not None and signed_by is not None:
            _sign(uow, actor, signer, signed_by, decision, row, event, why, rule)
        if descendants:
            _hold_descendants(uow, repo, actor, row, why, event_time, held, skipped)
        return event

    result = record_once(
        uow,
        actor=actor,
        event_id=event_id,
        step=DECISION_STEP[decision],
        apply=apply,
        reason=why,
    )
    event_uuid = result.event.id
    lot = result.lots[0]
    records = {r.event_id: r for r in _decisions(uow, lot.id, lot.name)}
    extra: list[DecisionRecord] = []
    for lot_id in held:
        if lot_id == lot.id:
            continue  # the start lot was closed: the first descendant held is the decision
        row = Repository(uow.session).lot_row(lot_id)
        extra += _decisions(uow, LotId(lot_id), lot_name(row))[-1:]
    return DecisionOutcome(
        decision=records[event_uuid],
        replayed=result.replayed,
        descendants=tuple(extra),
        skipped=tuple(skipped),
    )


def _confirm_signer(
    uow: UnitOfWork, decision: Decision, use_case: UseCase, signed_by: SignedBy | None
) -> Actor | None:
    """The signer re-enters the password at every signing; they must be entitled to decide."""
    if decision not in SIGNED:
        return None
    if signed_by is None:
        raise SignatureRefused(
            f"A {decision.value.replace('_', ' ')} needs an electronic signature.",
            hint="Sign with your user name and password.",
        )
    try:
        # A wrong password counts towards the signer's lockout (committed on its own).
        signer = authenticate(uow, username=signed_by.username, password=signed_by.password)
    except LoginFailed as exc:
        raise SignatureRefused(
            "The signature was not accepted: user name or password is wrong.",
            hint="Type them again. Nothing was recorded.",
        ) from exc
    require(signer.role, use_case, username=signer.username)
    uow.restart()  # the decision's own transaction starts from fresh reads
    return signer


def _record_decision(
    uow: UnitOfWork,
    row: LotRow,
    actor: Actor,
    decision: Decision,
    reason: str,
    event_id: uuid.UUID | None,
    event_time: datetime | None,
) -> Event:
    name = lot_name(row)
    history = _decisions(uow, LotId(row.lot.id), name)
    target = plan(name, decision, LotStatus(row.lot.status), history)
    event = new_event(
        uow,
        actor=actor,
        step=DECISION_STEP[decision],
        event_id=event_id,
        event_time=event_time,
        reason=reason,
    )
    add_item(uow, event, ItemRole.OBSERVED, lot=row.lot)
    row.lot.status = target.value
    uow.flush()
    return event


def _sign(
    uow: UnitOfWork,
    actor: Actor,
    signer: Actor,
    signed_by: SignedBy,
    decision: Decision,
    row: LotRow,
    event: Event,
    reason: str,
    rule: str | None,
) -> None:
    meaning = signed_by.meaning or Meaning(DEFAULT_MEANING[decision])
    user = uow.session.get_one(User, signer.user_id)
    content = decision_content(
        event_id=str(event.id),
        lot_id=str(row.lot.id),
        lot=lot_name(row),
        decision=decision,
        reason=reason,
        decided_at=event.event_time,
        decided_by=actor.username,
        status_after=LotStatus(row.lot.status),
    )
    # The signature's audit entry names the signer and what the signature means.
    uow.acting(signer, reason=f"signature: {meaning.value}")
    uow.session.add(
        Signature(
            id=new_uuid(),
            user_id=user.id,
            printed_name=user.full_name,
            signed_at=now_utc(),
            meaning=meaning.value,
            record_type=RECORD_TYPE,
            record_id=str(event.id),
            record_hash=record_hash(content),
        )
    )
    uow.flush()
    uow.acting(actor, reason=reason, rule=rule)


def _hold_descendants(
    uow: UnitOfWork,
    repo: Repository,
    actor: Actor,
    row: LotRow,
    reason: str,
    event_time: datetime | None,
    held: list[uuid.UUID],
    skipped: list[str],
    *,
    first_id: uuid.UUID | None = None,
) -> list[Event]:
    """Hold every usable lot made from `row`, each with an event of its own (the first one
    recorded takes `first_id`, when given)."""
    name = lot_name(row)
    events: list[Event] = []
    found = trace(uow, code=name, direction=Direction.FORWARD)
    for traced in found.lots:
        if traced.depth == 0 or traced.id == row.lot.id:
            continue
        child = repo.lot_row(traced.id, lock=True)
        status = LotStatus(child.lot.status)
        if status not in USABLE_STATUSES:
            skipped.append(f"{lot_name(child)} ({status.value.replace('_', ' ')})")
            continue
        events.append(
            _record_decision(
                uow,
                child,
                actor,
                Decision.HOLD,
                f"{reason} (made from {name})",
                None if events else first_id,
                event_time,
            )
        )
        held.append(child.lot.id)
    return events


def decisions_of(
    uow: UnitOfWork, code: str, *, actor: Actor | None = None
) -> tuple[DecisionRecord, ...]:
    """Every decision on a lot, oldest first, each with its signatures and whether they still
    match the decision record."""
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)
    repo = Repository(uow.session)
    row = find_lot(repo, code)
    if row is None:
        raise UnknownCode(code.strip())
    return _decisions(uow, LotId(row.lot.id), lot_name(row))


def lot_record(uow: UnitOfWork, code: str, *, actor: Actor | None = None) -> LotRecord:
    """The lot, its events and its decisions, as the lot record printout shows them."""
    detail = lot_detail(uow, code, actor=actor)
    decisions = _decisions(uow, detail.lot.id, detail.lot.name)
    return LotRecord(
        detail=detail,
        decisions=decisions,
        printed_at=now_utc().astimezone(),
        printed_by=actor.username if actor else None,
    )


def _decisions(uow: UnitOfWork, lot_id: LotId, name: str) -> tuple[DecisionRecord, ...]:
    session = uow.session
    steps = [step.value for step in DECISION_STEP.values()]
    events: Sequence[Event] = session.scalars(
        select(Event)
        .join(EventItem, EventItem.event_id == Event.id)
        .where(EventItem.lot_id == lot_id, Event.step.in_(steps))
        # Recorded order is the order the decisions were applied in (an event time may be
        # given in the past); the replay of statuses below depends on it.
        .order_by(Event.recorded_at, Event.id)
        .distinct()
    ).all()
    if not events:
        return ()
    ids = [event.id for event in events]
    keys = [str(event_id) for event_id in ids]
    users = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({e.user_id for e in events}))
        ).all()
    )
    station_ids = {e.station_id for e in events if e.station_id}
    stations = (
        dict(
            session.execute(
                select(Location.id, Location.code).where(Location.id.in_(station_ids))
            ).all()
        )
        if station_ids
        else {}
    )
    rules = dict(
        session.execute(
            select(AuditEntry.entity_id, AuditEntry.rule).where(
                AuditEntry.entity == "events",
                AuditEntry.action == "create",
                AuditEntry.entity_id.in_(keys),
                AuditEntry.rule.is_not(None),
            )
        ).all()
    )
    signature_rows = session.execute(
        select(Signature, User.username)
        .join(User, User.id == Signature.user_id)
        .where(Signature.record_type == RECORD_TYPE, Signature.record_id.in_(keys))
        .order_by(Signature.signed_at)
    ).all()
    records: list[DecisionRecord] = []
    status = LotStatus.ACTIVE  # every lot starts active; only decisions move it between these
    for event in events:
        decision = STEP_DECISION[HandlingStep(event.step)]
        after = status_after(decision, status, records)
        decided_by = users.get(event.user_id, "?")
        reason = event.reason or ""
        content = decision_content(
            event_id=str(event.id),
            lot_id=str(lot_id),
            lot=name,
            decision=decision,
            reason=reason,
            decided_at=event.event_time,
            decided_by=decided_by,
            status_after=after,
        )
        digest = record_hash(content)
        signatures = tuple(
            DecisionSignature(
                printed_name=signature.printed_name,
                username=username,
                signed_at=signature.signed_at.astimezone(),
                meaning=signature.meaning,
                valid=signature.record_hash == digest,
            )
            for signature, username in signature_rows
            if signature.record_id == str(event.id)
        )
        records.append(
            DecisionRecord(
                event_id=EventId(event.id),
                lot_id=lot_id,
                lot=name,
                decision=decision,
                reason=reason,
                decided_at=join_instant(event.event_time, event.event_tz_offset_minutes),
                decided_by=decided_by,
                station=stations.get(event.station_id) if event.station_id else None,
                status_before=status,
                status_after=after,
                rule=rules.get(str(event.id)),
                signatures=signatures,
            )
        )
        status = after
    return tuple(records)
