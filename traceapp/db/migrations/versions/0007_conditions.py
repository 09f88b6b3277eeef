"""process conditions: loggers bound to shipments, lots flagged by sensor excursions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

A flag is written once per lot and excursion (the unique pair makes a repeated review a no-op).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceapp.db.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipment_loggers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("bound_by", sa.Uuid(), nullable=False),
        sa.Column("bound_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bound_by"], ["users.id"], name=op.f("fk_shipment_loggers_bound_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sensor_channels.id"],
            name=op.f("fk_shipment_loggers_channel_id_sensor_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_loggers_shipment_id_shipments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_loggers")),
        sa.UniqueConstraint(
            "shipment_id",
            "channel_id",
            "start_us",
            name=op.f("uq_shipment_loggers_shipment_id_channel_id_start_us"),
        ),
    )
    with op.batch_alter_table("shipment_loggers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipment_loggers_channel_id"), ["channel_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipment_loggers_shipment_id"), ["shipment_id"], unique=False
        )

    op.create_table(
        "condition_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("excursion_id", sa.Integer(), nullable=False),
        sa.Column("flagged_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["excursion_id"],
            ["sensor_excursions.id"],
            name=op.f("fk_condition_flags_excursion_id_sensor_excursions"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_condition_flags_lot_id_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_flags")),
        sa.UniqueConstraint(
            "lot_id", "excursion_id", name=op.f("uq_condition_flags_lot_id_excursion_id")
        ),
    )
    with op.batch_alter_table("condition_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_condition_flags_excursion_id"), ["excursion_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_condition_flags_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("condition_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_condition_flags_lot_id"))
        batch_op.drop_index(batch_op.f("ix_condition_flags_excursion_id"))
    op.drop_table("condition_flags")
    with op.batch_alter_table("shipment_loggers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_loggers_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_loggers_channel_id"))
    op.drop_table("shipment_loggers")
