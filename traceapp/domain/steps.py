"""Handling steps and the one table that maps each to its EPCIS event type and CBV words."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class HandlingStep(enum.StrEnum):
    RECEIVE = "receive"
    PRODUCE = "produce"
    PACK = "pack"
    UNPACK = "unpack"
    SHIP = "ship"
    MOVE = "move"
    INSPECT = "inspect"
    HOLD = "hold"
    LIFT_HOLD = "lift_hold"
    RELEASE = "release"
    REJECT = "reject"
    REWORK = "rework"
    SCRAP = "scrap"
    RECALL = "recall"
    CORRECT = "correct"
    IMPORTED = "imported"  # an event that came from outside (EPCIS), kept as it was


class EventType(enum.StrEnum):
    OBJECT = "ObjectEvent"
    AGGREGATION = "AggregationEvent"
    TRANSFORMATION = "TransformationEvent"
    TRANSACTION = "TransactionEvent"
    ASSOCIATION = "AssociationEvent"


class Action(enum.StrEnum):
    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


class ItemRole(enum.StrEnum):
    """The part an object plays in an event."""

    INPUT = "input"
    OUTPUT = "output"
    PARENT = "parent"
    CHILD = "child"
    OBSERVED = "observed"


class ErrorReason(enum.StrEnum):
    """CBV errorReason of an error declaration."""

    DID_NOT_OCCUR = "did_not_occur"
    INCORRECT_DATA = "incorrect_data"


# Our own business step for a corrective event: CBV has no word for it, so an absolute URI.
CORRECTING_BIZ_STEP = "urn:traceapp:bizstep:correcting"


@dataclass(frozen=True, slots=True)
class StepVocabulary:
    event_type: EventType
    action: Action | None  # transformation events carry no action
    biz_step: str
    disposition: str


STEP_VOCABULARY: dict[HandlingStep, StepVocabulary] = {
    HandlingStep.RECEIVE: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "receiving", "in_progress"
    ),
    HandlingStep.PRODUCE: StepVocabulary(EventType.TRANSFORMATION, None, "commissioning", "active"),
    HandlingStep.PACK: StepVocabulary(EventType.AGGREGATION, Action.ADD, "packing", "in_progress"),
    HandlingStep.UNPACK: StepVocabulary(
        EventType.AGGREGATION, Action.DELETE, "unpacking", "in_progress"
    ),
    HandlingStep.SHIP: StepVocabulary(EventType.OBJECT, Action.OBSERVE, "shipping", "in_transit"),
    HandlingStep.MOVE: StepVocabulary(EventType.OBJECT, Action.OBSERVE, "storing", "in_progress"),
    HandlingStep.INSPECT: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "inspecting", "in_progress"
    ),
    HandlingStep.HOLD: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "holding", "non_sellable_other"
    ),
    HandlingStep.RELEASE: StepVocabulary(EventType.OBJECT, Action.OBSERVE, "accepting", "active"),
    HandlingStep.REJECT: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "inspecting", "non_conformant"
    ),
    # Lifting a hold: the lot is checked and usable again.
    HandlingStep.LIFT_HOLD: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "inspecting", "active"
    ),
    # Sent to rework: CBV's "repairing" step; not to be used until released after it.
    HandlingStep.REWORK: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, "repairing", "non_sellable_other"
    ),
    HandlingStep.SCRAP: StepVocabulary(EventType.OBJECT, Action.OBSERVE, "destroying", "destroyed"),
    HandlingStep.RECALL: StepVocabulary(EventType.OBJECT, Action.OBSERVE, "holding", "recalled"),
    HandlingStep.CORRECT: StepVocabulary(
        EventType.OBJECT, Action.OBSERVE, CORRECTING_BIZ_STEP, "active"
    ),
}


def vocabulary_for(step: HandlingStep) -> StepVocabulary:
    """The EPCIS type, action, bizStep and disposition recorded for a handling step."""
    return STEP_VOCABULARY[step]
