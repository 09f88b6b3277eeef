"""EPCIS fields our event rows have no column for, and objects known only by an outside identifier.

Written once per event (export reads them back; import writes them in the event's transaction);
append-only like the events they belong to.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base

URI_LENGTH = 512


class ExternalObject(Base):
    """An identifier from an EPCIS document that named nothing of ours, kept verbatim.

    A lot-like identifier also gets a lot of origin "imported" (so genealogy and trace reach it);
    an SSCC gets a container.
    """

    __tablename__ = "external_objects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(URI_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # instance, class, pattern, container
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lots.id"), index=True)
    container_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("containers.id"))
    created_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime]


class EpcisEventDetail(Base):
    """Per imported event: its canonical hash (idempotency, conflicts) and where it happened."""

    __tablename__ = "epcis_event_details"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), primary_key=True)
    # SHA-256 of the event's canonical form: the same eventID with another hash is a conflict.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    read_point: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    biz_location: Mapped[str | None] = mapped_column(String(URI_LENGTH))


class EpcisBizTransaction(Base):
    """A business transaction (purchase order, despatch advice, ...) named by an imported event."""

    __tablename__ = "epcis_biz_transactions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(URI_LENGTH))


class EpcisSourceDestination(Base):
    """A source or destination (owning party, possessing party, location) of an imported event."""

    __tablename__ = "epcis_sources_destinations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    direction: Mapped[str] = mapped_column(String(12))  # source | destination
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(URI_LENGTH))


class EpcisSensorElement(Base):
    """One sensorElement of an imported event: its metadata; the reports hang below it."""

    __tablename__ = "epcis_sensor_elements"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime | None]
    start_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    device_metadata: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    raw_data: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    data_processing_method: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    biz_rules: Mapped[str | None] = mapped_column(String(URI_LENGTH))


class EpcisSensorReport(Base):
    """One sensorReport (a measurement or its statistics) of an imported sensor element."""

    __tablename__ = "epcis_sensor_reports"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("epcis_sensor_elements.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    exception: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    device_id: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    time: Mapped[datetime | None]
    value: Mapped[Decimal | None]
    min_value: Mapped[Decimal | None]
    max_value: Mapped[Decimal | None]
    mean_value: Mapped[Decimal | None]
    s_dev: Mapped[Decimal | None]
    perc_rank: Mapped[Decimal | None]
    perc_value: Mapped[Decimal | None]
    uom: Mapped[str | None] = mapped_column(String(8))
    component: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    string_value: Mapped[str | None] = mapped_column(Text)
    boolean_value: Mapped[bool | None]
    uri_value: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    microorganism: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    chemical_substance: Mapped[str | None] = mapped_column(String(URI_LENGTH))


class EpcisCorrectiveEvent(Base):
    """An eventID an imported errorDeclaration names as its corrective event (verbatim)."""

    __tablename__ = "epcis_corrective_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    declared_event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    corrective_event_ref: Mapped[str] = mapped_column(String(URI_LENGTH))
