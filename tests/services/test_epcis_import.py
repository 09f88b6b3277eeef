"""EPCIS import into our tables: the shared examples, duplicates, conflicts, refusals, trace, and
the round trip export -> import into an empty database -> export."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from tests.reports.epcis_schema import EXAMPLE_NAMES, SHARED_ID, example, schema_errors
from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.epcis_plant import build_epcis_plant, empty  # noqa: F401  (the fixture)
from traceapp.db.models import (
    AuditEntry,
    ContainerContent,
    EpcisEventDetail,
    Event,
    EventItem,
    ExternalObject,
    LotEdge,
)
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.epcis import (
    BizTransaction,
    EpcisDocument,
    EpcisEvent,
    EpcisFormatError,
    QuantityElement,
    SourceDestination,
    canonical_hash,
)
from traceapp.domain.epcis_identifiers import IdentifierSettings, IdentifierStyle
from traceapp.domain.epcis_parse import load_document, read_document
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.permissions import Role
from traceapp.domain.steps import Action, EventType
from traceapp.domain.trace import Direction
from traceapp.reports.epcis import document_json, dumps_document
from traceapp.services.epcis_export import export_document
from traceapp.services.epcis_import import DocumentImport, import_document
from traceapp.services.masterdata import actor_for, ensure_builtin_users
from traceapp.services.trace import trace

SETTINGS = IdentifierSettings(IdentifierStyle.EPC, "plant.example.com")


def _import(
    engine: Engine, actor: Actor, document: EpcisDocument, name: str = "doc"
) -> DocumentImport:
    with UnitOfWork(engine) as uow:
        return import_document(uow, actor=actor, document=document, name=name, settings=SETTINGS)


def _export(engine: Engine, actor: Actor) -> EpcisDocument:
    with UnitOfWork(engine, write=False) as uow:
        return export_document(uow, actor=actor, settings=SETTINGS)


def _count(engine: Engine, model: type[Any]) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _signature(events: Any) -> set[tuple[str | None, str]]:
    return {(event.event_id, canonical_hash(event)) for event in events}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_shared_example_imports_into_a_fresh_database(
    engine: Engine, admin: Actor, name: str
) -> None:
    document = load_document(example(name))
    result = _import(engine, admin, document, name)
    assert (result.events, result.duplicates, result.conflicts) == (len(document.events), 0, ())
    exported = _export(engine, admin)
    assert schema_errors(document_json(exported)) == []
    assert _signature(exported.events) >= {
        (e.event_id, canonical_hash(e)) for e in document.events if e.event_id
    }


def test_all_examples_in_one_database_report_the_shared_event_id_as_a_conflict(
    engine: Engine, admin: Actor
) -> None:
    results = [_import(engine, admin, load_document(example(n)), n) for n in EXAMPLE_NAMES]
    conflicts = [c for r in results for c in r.conflicts]
    (conflict,) = conflicts
    assert conflict.event_id == SHARED_ID
    assert conflict.path == "$.epcisBody.eventList[0]"
    assert "other content" in conflict.message
    total = sum(len(load_document(example(n)).events) for n in EXAMPLE_NAMES)
    assert sum(r.events for r in results) == total - 1 == _count(engine, Event)
    exported = _export(engine, admin)
    assert schema_errors(document_json(exported)) == []
    assert {e.type for e in exported.events} == set(EventType)  # all five, from our rows


def test_importing_a_document_again_skips_every_event_as_a_duplicate(
    engine: Engine, admin: Actor
) -> None:
    document = load_document(example("Example_9.6.4-TransformationEvent.jsonld"))
    first = _import(engine, admin, document)
    before = (_count(engine, Event), _count(engine, ExternalObject), _count(engine, LotEdge))
    again = _import(engine, admin, document)
    assert (again.events, again.duplicates, again.objects, again.conflicts) == (0, 1, 0, ())
    assert first.objects == 9
    assert (
        _count(engine, Event),
        _count(engine, ExternalObject),
        _count(engine, LotEdge),
    ) == before


def test_events_without_an_id_are_recognised_by_their_canonical_hash(
    engine: Engine, admin: Actor
) -> None:
    data = json.loads(example("Example_9.6.1-ObjectEvent.jsonld"))
    for event in data["epcisBody"]["eventList"]:
        event.pop("eventID")
    _import(engine, admin, read_document(data))
    # The same events, listed in another order and with their times in another offset.
    data["epcisBody"]["eventList"].reverse()
    data["epcisBody"]["eventList"][0]["eventTime"] = "2005-04-05T02:33:31.116Z"
    again = _import(engine, admin, read_document(data))
    assert (again.events, again.duplicates) == (0, 2)
    with UnitOfWork(engine, write=False) as uow:
        ids = list(uow.session.scalars(select(Event.external_event_id)))
    assert ids == [None, None]


def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(
    engine: Engine, admin: Actor
) -> None:
    document = load_document(example("Example_9.6.2-ObjectEvent.jsonld"))
    _import(engine, admin, document)
    changed = replace(document.events[0], disposition="damaged")
    result = _import(engine, admin, replace(document, events=(changed,)))
    assert result.events == 0
    (conflict,) = result.conflicts
    assert conflict.event_id == changed.event_id
    (stored,) = _export(engine, admin).events
    assert stored.disposition == document.events[0].disposition


def test_a_refused_document_stores_nothing(engine: Engine, admin: Actor) -> None:
    # Event 0 is fine; event 1 makes its own input's ancestor out of its output: a cycle.
    lot_a = "urn:epc:class:lgtin:4012345.011111.A"
    lot_b = "urn:epc:class:lgtin:4012345.011111.B"
    at = datetime(2026, 3, 1, 8, tzinfo=UTC)

    def making(source: str, made: str, minute: int) -> EpcisEvent:
        return EpcisEvent(
            type=EventType.TRANSFORMATION,
            event_time=at + timedelta(minutes=minute),
            time_zone_offset="+00:00",
            event_id=f"urn:uuid:{uuid.uuid4()}",
            input_quantities=(QuantityElement(source, Decimal(1), "KGM"),),
            output_quantities=(QuantityElement(made, Decimal(1), "KGM"),),
        )

    audit_before = _count(engine, AuditEntry)
    document = EpcisDocument((making(lot_a, lot_b, 0), making(lot_b, lot_a, 1)), at)
    with pytest.raises(EpcisFormatError) as refused:
        _import(engine, admin, document)
    assert refused.value.path == "$.epcisBody.eventList[1]"
    assert "circle" in refused.value.message
    for model in (Event, EventItem, ExternalObject, LotEdge, EpcisEventDetail):
        assert _count(engine, model) == 0, model
    assert _count(engine, AuditEntry) == audit_before


def test_an_imported_transformation_shows_up_in_the_trace(engine: Engine, admin: Actor) -> None:
    _import(engine, admin, load_document(example("Example_9.6.4-TransformationEvent.jsonld")))
    with UnitOfWork(engine, write=False) as uow:
        result = trace(uow, code="urn:epc:id:sgtin:4012345.077889.25", direction=Direction.BACKWARD)
    names = {lot.name for lot in result.lots}
    # Inputs that carry a GTIN became lots of their (imported) products; the pattern did not.
    assert {
        "GTIN-04012345111118/4444",
        "GTIN-00614141777778/987",
        "GTIN-04012345111224/SN-25",
    } <= names
    with UnitOfWork(engine, write=False) as uow:
        forward = trace(uow, code="urn:epc:class:lgtin:4012345.011111.4444")
    assert "GTIN-04012345778892/SN-25" in {lot.name for lot in forward.lots}


def test_an_imported_aggregation_packs_and_unpacks_the_pallet(engine: Engine, admin: Actor) -> None:
    observed = load_document(example("Example_9.6.3-AggregationEvent.jsonld"))
    _import(engine, admin, observed)
    assert _count(engine, ContainerContent) == 0  # OBSERVE packs nothing
    (event,) = observed.events
    packed = replace(
        event, action=Action.ADD, event_id="urn:uuid:00000000-0000-4000-8000-0000000000a1"
    )
    _import(engine, admin, replace(observed, events=(packed,)))
    # Two serials and the lot of 200.5 kg are in the pallet (the pattern names no object).
    assert _count(engine, ContainerContent) == 3
    with UnitOfWork(engine, write=False) as uow:
        result = trace(uow, code="urn:epc:id:sscc:0614141.1234567890", direction=Direction.BACKWARD)
    assert len(result.lots) == 3
    unpacked = replace(
        packed,
        action=Action.DELETE,
        event_time=packed.event_time + timedelta(days=1),
        event_id="urn:uuid:00000000-0000-4000-8000-0000000000a2",
    )
    _import(engine, admin, replace(observed, events=(unpacked,)))
    with UnitOfWork(engine, write=False) as uow:
        still_open = uow.session.scalar(
            select(func.count()).where(ContainerContent.unpacked_at.is_(None))
        )
    assert still_open == 0


def test_identifiers_of_our_own_lots_are_not_made_external(built: Plant) -> None:
    # GTIN 04012345123456 with lot O-1 is the OIL lot received in the built plant.
    document = EpcisDocument(
        (
            EpcisEvent(
                type=EventType.OBJECT,
                action=Action.OBSERVE,
                biz_step="inspecting",
                event_time=datetime(2026, 3, 3, tzinfo=UTC),
                time_zone_offset="+00:00",
                event_id="urn:uuid:6a0e4c1e-8f7f-4d5a-9b0e-0000000000aa",
                quantity_list=(
                    QuantityElement(
                        "https://id.gs1.org/01/04012345123456/10/O-1", Decimal(2), "KGM"
                    ),
                    QuantityElement("https://plant.example.com/lot/FLOUR/F-1"),
                ),
            ),
        ),
        datetime(2026, 3, 3, tzinfo=UTC),
    )
    result = _import(built.engine, built.actor, document)
    assert result.objects == 0
    with UnitOfWork(built.engine, write=False) as uow:
        lots = set(
            uow.session.scalars(select(EventItem.lot_id).where(EventItem.external_ref.is_not(None)))
        )
    assert len(lots) == 2
    assert None not in lots


def test_our_own_export_sent_back_is_all_duplicates(built: Plant) -> None:
    document = load_document(dumps_document(_export(built.engine, built.actor)))
    result = _import(built.engine, built.actor, document)
    assert (result.events, result.conflicts) == (0, ())
    assert result.duplicates == len(document.events)


def test_an_operator_may_not_import(engine: Engine, admin: Actor) -> None:
    document = load_document(example("Example_9.6.2-ObjectEvent.jsonld"))
    with pytest.raises(PermissionDenied):
        _import(engine, replace(admin, role=Role.OPERATOR.value), document)
    assert _count(engine, Event) == 0


# --- round trip -------------------------------------------------------------------------------


@pytest.fixture
def built(plant: Plant) -> Plant:  # noqa: F811
    build_epcis_plant(plant)
    return plant


@pytest.mark.parametrize("style", list(IdentifierStyle))
def test_export_import_into_an_empty_database_export_gives_the_same_events(
    built: Plant,
    empty: Engine,  # noqa: F811
    style: IdentifierStyle,
) -> None:
    chosen = replace(SETTINGS, style=style)
    with built.uow() as uow:
        first = export_document(uow, actor=built.actor, settings=chosen)
    text = dumps_document(first)
    with UnitOfWork(empty) as uow:
        admin = actor_for(uow)
    with UnitOfWork(empty) as uow:
        result = import_document(
            uow, actor=admin, document=load_document(text), name="plant", settings=chosen
        )
    assert (result.events, result.conflicts) == (len(first.events), ())
    with UnitOfWork(empty, write=False) as uow:
        second = export_document(uow, actor=admin, settings=chosen)
    assert [(e.event_id, canonical_hash(e)) for e in second.events] == [
        (e.event_id, canonical_hash(e)) for e in first.events
    ]
    assert json.loads(dumps_document(second))["epcisBody"] == json.loads(text)["epcisBody"]
    # The genealogy came along: the dough's transformation links its two inputs.
    assert _count(empty, LotEdge) == 2


# Identifier pools: inputs never appear as outputs, so generated genealogy has no cycle.
_INSTANCES = [f"urn:epc:id:sgtin:4012345.011111.{n}" for n in range(4)] + [
    "urn:epc:id:giai:4000001.12345",
    "https://id.gs1.org/01/70614141123451/21/77",
]
_CLASSES = [f"urn:epc:class:lgtin:4012345.022222.L{n}" for n in range(3)] + [
    "https://plant.example.com/lot/DOUGH/D%2F1"
]
_MADE = [f"urn:epc:class:lgtin:4012345.033333.M{n}" for n in range(3)]
_PARENTS = ["urn:epc:id:sscc:4012345.0000000017", "urn:epc:id:grai:4012345.55555.987"]

amounts = st.one_of(
    st.none(), st.decimals(min_value=0, max_value=Decimal("99999.999999"), places=6)
)
uoms = st.sampled_from([None, "KGM", "LTR", "A93"])


def _quantities(pool: list[str]) -> st.SearchStrategy[tuple[QuantityElement, ...]]:
    return st.lists(
        st.builds(QuantityElement, st.sampled_from(pool), amounts, uoms), max_size=3
    ).map(tuple)


def _epcs(pool: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), max_size=3, unique=True).map(tuple)


@st.composite
def events(draw: st.DrawFn) -> EpcisEvent:
    kind = draw(st.sampled_from(list(EventType)))
    minutes = draw(st.integers(min_value=-14 * 60, max_value=14 * 60))
    offset = timezone(timedelta(minutes=minutes))
    sign = "-" if minutes < 0 else "+"
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=draw(st.integers(min_value=0, max_value=10**7)),
        microseconds=draw(st.integers(min_value=0, max_value=999_999)),
    )
    event = EpcisEvent(
        type=kind,
        event_time=moment.astimezone(offset),
        time_zone_offset=f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        event_id=f"urn:uuid:{uuid.UUID(int=draw(st.integers(min_value=1, max_value=2**120)))}",
        biz_step=draw(st.sampled_from([None, "receiving", "shipping", "urn:example:step:x"])),
        disposition=draw(st.sampled_from([None, "in_progress", "damaged"])),
        read_point=draw(st.sampled_from([None, "urn:epc:id:sgln:4012345.00001.0"])),
        biz_transactions=tuple(
            draw(
                st.lists(
                    st.builds(
                        BizTransaction,
                        st.sampled_from(
                            ["urn:epcglobal:cbv:bt:4012345000009:PO1", "https://x.example/d/2"]
                        ),
                        st.sampled_from([None, "po", "desadv"]),
                    ),
                    max_size=2,
                )
            )
        ),
        sources=tuple(
            draw(
                st.lists(
                    st.builds(
                        SourceDestination,
                        st.sampled_from(["owning_party", "location"]),
                        st.sampled_from(["urn:epc:id:pgln:4012345.00225", "https://x.example/p"]),
                    ),
                    max_size=2,
                )
            )
        ),
    )
    if kind is EventType.TRANSFORMATION:
        # The schema wants at least one input and one output.
        return replace(
            event,
            input_epcs=draw(_epcs(_INSTANCES)) or (_INSTANCES[0],),
            input_quantities=draw(_quantities(_CLASSES)),
            output_quantities=draw(_quantities(_MADE)) or (QuantityElement(_MADE[0]),),
        )
    action = draw(st.sampled_from(list(Action)))
    parent = draw(st.sampled_from(_PARENTS))
    epcs = draw(_epcs(_INSTANCES))
    quantities = draw(_quantities(_CLASSES))
    if kind in (EventType.AGGREGATION, EventType.ASSOCIATION) and not (epcs or quantities):
        epcs = (_INSTANCES[-1],)  # at least one child
    transactions = event.biz_transactions
    if kind is EventType.TRANSACTION and not transactions:
        transactions = (BizTransaction("https://x.example/po/1", "po"),)
    return replace(
        event,
        action=action,
        parent_id=parent if kind is not EventType.OBJECT else None,
        epc_list=epcs,
        quantity_list=quantities,
        biz_transactions=transactions,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(events(), min_size=1, max_size=4, unique_by=lambda e: e.event_id))
def test_any_imported_events_export_as_they_came(
    sqlite_plant: tuple[Engine, Actor], batch: list[EpcisEvent]
) -> None:
    engine, actor = sqlite_plant
    # Every example shares the database: fresh event IDs, or a shrunk example would meet an
    # earlier one's ID with other content (a conflict, rightly).
    batch = [replace(event, event_id=f"urn:uuid:{uuid.uuid4()}") for event in batch]
    document = EpcisDocument(tuple(batch), datetime(2026, 3, 1, tzinfo=UTC))
    text = dumps_document(document)
    assert schema_errors(json.loads(text)) == []
    result = _import(engine, actor, load_document(text))
    assert result.conflicts == ()
    mine = {e.event_id for e in batch}
    exported = [e for e in _export(engine, actor).events if e.event_id in mine]
    assert _signature(exported) == _signature(batch)


@pytest.fixture
def sqlite_plant(sqlite_engine: Engine) -> tuple[Engine, Actor]:
    """One SQLite database for every generated example (event IDs never repeat)."""
    with UnitOfWork(sqlite_engine) as uow:
        ensure_builtin_users(uow)
    with UnitOfWork(sqlite_engine) as uow:
        return sqlite_engine, actor_for(uow)
