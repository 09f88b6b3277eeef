"""EPCIS event details (hash, read point, business transactions, sources/destinations, sensor
data, corrective event IDs) and external objects for identifiers that name nothing of ours

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Every table here is written once with its event, so the append-only triggers cover them; the
external objects are master data of sorts (not events) and have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceapp.db.append_only import create_triggers, drop_triggers
from traceapp.db.base import UtcDateTime

WRITE_ONCE = (
    "epcis_event_details",
    "epcis_biz_transactions",
    "epcis_sources_destinations",
    "epcis_sensor_elements",
    "epcis_sensor_reports",
    "epcis_corrective_events",
)


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "epcis_biz_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=True),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_epcis_biz_transactions_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_biz_transactions")),
    )
    with op.batch_alter_table("epcis_biz_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_biz_transactions_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "epcis_corrective_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declared_event_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("corrective_event_ref", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["declared_event_id"],
            ["events.id"],
            name=op.f("fk_epcis_corrective_events_declared_event_id_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_corrective_events")),
    )
    with op.batch_alter_table("epcis_corrective_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_corrective_events_declared_event_id"),
            ["declared_event_id"],
            unique=False,
        )

    op.create_table(
        "epcis_event_details",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("read_point", sa.String(length=512), nullable=True),
        sa.Column("biz_location", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_epcis_event_details_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_epcis_event_details")),
    )
    with op.batch_alter_table("epcis_event_details", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_event_details_content_hash"), ["content_hash"], unique=False
        )

    op.create_table(
        "epcis_sensor_elements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("time", UtcDateTime(timezone=True), nullable=True),
        sa.Column("start_time", UtcDateTime(timezone=True), nullable=True),
        sa.Column("end_time", UtcDateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.String(length=512), nullable=True),
        sa.Column("device_metadata", sa.String(length=512), nullable=True),
        sa.Column("raw_data", sa.String(length=512), nullable=True),
        sa.Column("data_processing_method", sa.String(length=512), nullable=True),
        sa.Column("biz_rules", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_epcis_sensor_elements_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_sensor_elements")),
    )
    with op.batch_alter_table("epcis_sensor_elements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_sensor_elements_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "epcis_sources_destinations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_epcis_sources_destinations_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_sources_destinations")),
    )
    with op.batch_alter_table("epcis_sources_destinations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_sources_destinations_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "epcis_sensor_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("element_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=512), nullable=True),
        sa.Column("exception", sa.String(length=512), nullable=True),
        sa.Column("device_id", sa.String(length=512), nullable=True),
        sa.Column("time", UtcDateTime(timezone=True), nullable=True),
        sa.Column("value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("min_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("max_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("mean_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("s_dev", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("perc_rank", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("perc_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("uom", sa.String(length=8), nullable=True),
        sa.Column("component", sa.String(length=512), nullable=True),
        sa.Column("string_value", sa.Text(), nullable=True),
        sa.Column("boolean_value", sa.Boolean(), nullable=True),
        sa.Column("uri_value", sa.String(length=512), nullable=True),
        sa.Column("microorganism", sa.String(length=512), nullable=True),
        sa.Column("chemical_substance", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["element_id"],
            ["epcis_sensor_elements.id"],
            name=op.f("fk_epcis_sensor_reports_element_id_epcis_sensor_elements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_sensor_reports")),
    )
    with op.batch_alter_table("epcis_sensor_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_sensor_reports_element_id"), ["element_id"], unique=False
        )

    op.create_table(
        "external_objects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("identifier", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=True),
        sa.Column("container_id", sa.Uuid(), nullable=True),
        sa.Column("created_event_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["containers.id"],
            name=op.f("fk_external_objects_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["created_event_id"],
            ["events.id"],
            name=op.f("fk_external_objects_created_event_id_events"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_external_objects_lot_id_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_objects")),
        sa.UniqueConstraint("identifier", name=op.f("uq_external_objects_identifier")),
    )
    with op.batch_alter_table("external_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_objects_lot_id"), ["lot_id"], unique=False)

    create_triggers(op.get_bind(), WRITE_ONCE)


def downgrade() -> None:
    drop_triggers(op.get_bind(), WRITE_ONCE, drop_function=False)
    with op.batch_alter_table("external_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_objects_lot_id"))

    op.drop_table("external_objects")
    with op.batch_alter_table("epcis_sensor_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_sensor_reports_element_id"))

    op.drop_table("epcis_sensor_reports")
    with op.batch_alter_table("epcis_sources_destinations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_sources_destinations_event_id"))

    op.drop_table("epcis_sources_destinations")
    with op.batch_alter_table("epcis_sensor_elements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_sensor_elements_event_id"))

    op.drop_table("epcis_sensor_elements")
    with op.batch_alter_table("epcis_event_details", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_event_details_content_hash"))

    op.drop_table("epcis_event_details")
    with op.batch_alter_table("epcis_corrective_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_corrective_events_declared_event_id"))

    op.drop_table("epcis_corrective_events")
    with op.batch_alter_table("epcis_biz_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_biz_transactions_event_id"))

    op.drop_table("epcis_biz_transactions")
