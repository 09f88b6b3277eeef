"""Lot dispositions: which decision may follow which lot status, and what each one leaves behind."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from traceapp.domain.errors import KnownError
from traceapp.domain.ids import EventId, LotId
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import UseCase
from traceapp.domain.results import LotDetail
from traceapp.domain.steps import HandlingStep


class Decision(enum.StrEnum):
    HOLD = "hold"
    LIFT_HOLD = "lift_hold"
    RELEASE = "release"
    REJECT = "reject"
    REWORK = "rework"
    SCRAP = "scrap"


class DecisionRefused(KnownError):
    """The lot's status or history does not allow this decision (not a bug)."""

    code = "decision_refused"


class LotClosed(DecisionRefused):
    """The lot is voided, consumed, shipped or scrapped: nothing is left to decide about."""

    code = "lot_closed"


class NotOnHold(DecisionRefused):
    """Lifting a hold that is not there."""

    code = "not_on_hold"


RECORD_TYPE = "lot_decision"  # what a decision's signature names as the signed record

DECISION_STEP: dict[Decision, HandlingStep] = {
    Decision.HOLD: HandlingStep.HOLD,
    Decision.LIFT_HOLD: HandlingStep.LIFT_HOLD,
    Decision.RELEASE: HandlingStep.RELEASE,
    Decision.REJECT: HandlingStep.REJECT,
    Decision.REWORK: HandlingStep.REWORK,
    Decision.SCRAP: HandlingStep.SCRAP,
}
STEP_DECISION = {step: decision for decision, step in DECISION_STEP.items()}

DECISION_USE_CASE: dict[Decision, UseCase] = {
    Decision.HOLD: UseCase.HOLD,
    Decision.LIFT_HOLD: UseCase.LIFT_HOLD,
    Decision.RELEASE: UseCase.RELEASE,
    Decision.REJECT: UseCase.DISPOSE,
    Decision.REWORK: UseCase.DISPOSE,
    Decision.SCRAP: UseCase.DISPOSE,
}

# A hold needs a reason only; everything else is answered for with an electronic signature.
SIGNED = frozenset(set(Decision) - {Decision.HOLD})

# The meaning a signature states unless the signer names another (Meaning values in services).
DEFAULT_MEANING: dict[Decision, str] = {
    Decision.LIFT_HOLD: "approved",
    Decision.RELEASE: "released",
    Decision.REJECT: "rejected",
    Decision.REWORK: "approved",
    Decision.SCRAP: "approved",
}

# Statuses a decision may start from. Voided, consumed and shipped lots are closed to decisions.
ALLOWED_FROM: dict[Decision, frozenset[LotStatus]] = {
    Decision.HOLD: frozenset({LotStatus.ACTIVE, LotStatus.RELEASED}),
    Decision.LIFT_HOLD: frozenset({LotStatus.ON_HOLD}),
    Decision.RELEASE: frozenset({LotStatus.ACTIVE, LotStatus.ON_HOLD}),
    Decision.REJECT: frozenset({LotStatus.ACTIVE, LotStatus.ON_HOLD, LotStatus.RELEASED}),
    Decision.REWORK: frozenset(
        {LotStatus.ACTIVE, LotStatus.ON_HOLD, LotStatus.RELEASED, LotStatus.REJECTED}
    ),
    Decision.SCRAP: frozenset(
        {
            LotStatus.ACTIVE,
            LotStatus.ON_HOLD,
            LotStatus.RELEASED,
            LotStatus.REJECTED,
            LotStatus.RECALLED,
        }
    ),
}
CLOSED = frozenset({LotStatus.VOIDED, LotStatus.CONSUMED, LotStatus.SHIPPED})

# LotStatus has no "in rework" or "scrapped": a lot awaiting rework is ON HOLD until a quality
# manager releases it (a supervisor's lift is refused), a scrapped lot is REJECTED and closed.
TARGET: dict[Decision, LotStatus] = {
    Decision.HOLD: LotStatus.ON_HOLD,
    Decision.RELEASE: LotStatus.RELEASED,
    Decision.REJECT: LotStatus.REJECTED,
    Decision.REWORK: LotStatus.ON_HOLD,
    Decision.SCRAP: LotStatus.REJECTED,
}

_WORDS = {
    Decision.HOLD: "be put on hold",
    Decision.LIFT_HOLD: "have its hold lifted",
    Decision.RELEASE: "be released",
    Decision.REJECT: "be rejected",
    Decision.REWORK: "be sent to rework",
    Decision.SCRAP: "be scrapped",
}

_HINTS = {
    LotStatus.ON_HOLD: "It is already on hold; see its decisions (traceapp lot decisions).",
    LotStatus.RELEASED: "It is already released; hold it first if something is wrong.",
    LotStatus.REJECTED: "A rejected lot may only be sent to rework or scrapped.",
    LotStatus.RECALLED: "A recalled lot may only be scrapped.",
    LotStatus.ACTIVE: "It is not on hold.",
}


@dataclass(frozen=True, slots=True)
class DecisionSignature:
    """A signature as every printout of the decision shows it (§11.50)."""

    printed_name: str
    username: str
    signed_at: datetime  # aware
    meaning: str
    valid: bool  # False once the decision record differs from what was signed

    def line(self) -> str:
        state = "signature valid" if self.valid else "RECORD CHANGED SINCE SIGNING"
        return (
            f"{self.meaning.capitalize()} by {self.printed_name} ({self.username}) "
            f"on {self.signed_at.isoformat(timespec='seconds')} - {state}"
        )


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One decision on a lot: an immutable event, who made it and why, and its signatures."""

    event_id: EventId
    lot_id: LotId
    lot: str  # PART/LOT
    decision: Decision
    reason: str
    decided_at: datetime  # in the station's own offset
    decided_by: str  # user name; "system" for an automatic hold
    station: str | None
    status_before: LotStatus
    status_after: LotStatus
    rule: str | None = None  # the rule that set an automatic hold
    signatures: tuple[DecisionSignature, ...] = ()

    @property
    def automatic(self) -> bool:
        return self.rule is not None


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What one decision recorded: the decision, and the descendants it held with it."""

    decision: DecisionRecord
    replayed: bool = False
    descendants: tuple[DecisionRecord, ...] = ()
    skipped: tuple[str, ...] = ()  # descendants not held (already on hold, consumed, shipped...)


@dataclass(frozen=True, slots=True)
class LotRecord:
    """Everything the lot record printout shows: the lot, its events, its decisions."""

    detail: LotDetail
    decisions: tuple[DecisionRecord, ...]
    printed_at: datetime  # aware, local
    printed_by: str | None = None


def decision_content(
    *,
    event_id: str,
    lot_id: str,
    lot: str,
    decision: Decision,
    reason: str,
    decided_at: datetime,
    decided_by: str,
    status_after: LotStatus,
) -> dict[str, object]:
    """The decision record a signature is bound to (its hash): any later change breaks the match."""
    return {
        "record": RECORD_TYPE,
        "event_id": event_id,
        "lot_id": lot_id,
        "lot": lot,
        "decision": decision.value,
        "reason": reason,
        # The instant in UTC: SQLite hands stored times back without their offset.
        "decided_at": (
            decided_at.astimezone(UTC) if decided_at.tzinfo else decided_at.replace(tzinfo=UTC)
        ).isoformat(),
        "decided_by": decided_by,
        "status_after": status_after.value,
    }


def status_after(
    decision: Decision, before: LotStatus, history: Sequence[DecisionRecord]
) -> LotStatus:
    """The lot's status after the decision; lifting a hold returns to the status before it."""
    if decision is not Decision.LIFT_HOLD:
        return TARGET[decision]
    blocking = _blocking(history)
    return blocking.status_before if blocking is not None else LotStatus.ACTIVE


def _blocking(history: Sequence[DecisionRecord]) -> DecisionRecord | None:
    """The decision that put the lot on hold (a hold or a rework), when the last one did."""
    if history and history[-1].status_after is LotStatus.ON_HOLD:
        return history[-1]
    return None


def plan(
    name: str, decision: Decision, status: LotStatus, history: Sequence[DecisionRecord]
) -> LotStatus:
    """The status the decision leaves, or a refusal saying why not and what to do."""
    if status in CLOSED:
        label = status.value.replace("_", " ").upper()
        raise LotClosed(
            f"Lot {name} is {label}: no decision can be made on it any more.",
            hint=(
                "Hold with descendants to hold the usable lots made from it."
                if decision is Decision.HOLD and status is LotStatus.CONSUMED
                else "Decide about the lots made from it instead."
            ),
        )
    if history and history[-1].decision is Decision.SCRAP:
        raise LotClosed(
            f"Lot {name} was scrapped: no decision can be made on it any more.",
            hint="See its decisions (traceapp lot decisions).",
        )
    label = status.value.replace("_", " ").upper()
    if decision is Decision.LIFT_HOLD and status is not LotStatus.ON_HOLD:
        raise NotOnHold(
            f"Lot {name} is {label}, not on hold: there is no hold to lift.",
            hint=_HINTS.get(status, ""),
        )
    if status not in ALLOWED_FROM[decision]:
        raise DecisionRefused(
            f"Lot {name} is {label} and cannot {_WORDS[decision]}.", hint=_HINTS.get(status, "")
        )
    if decision is Decision.LIFT_HOLD:
        blocking = _blocking(history)
        if blocking is not None and blocking.decision is Decision.REWORK:
            raise DecisionRefused(
                f"Lot {name} is on hold for rework; lifting the hold would skip the rework.",
                hint="After the rework a quality manager releases it.",
            )
    return status_after(decision, status, history)
