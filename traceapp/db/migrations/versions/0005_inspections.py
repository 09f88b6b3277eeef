"""inspection plans, characteristics, inspections, measurements, nonconformances

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

A plan version is never edited once added (a change is a new version); inspections, their
measurements and nonconformances are written once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceapp.db.base import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_inspection_plans_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_inspection_plans_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        sa.UniqueConstraint(
            "product_id",
            "step",
            "version",
            name=op.f("uq_inspection_plans_product_id_step_version"),
        ),
    )
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plans_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "inspection_characteristics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("nominal", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("lsl", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("usl", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.Column("passing", sa.Text(), nullable=True),
        sa.Column("max_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_inspection_characteristics_plan_id_inspection_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_characteristics")),
        sa.UniqueConstraint(
            "plan_id", "name", name=op.f("uq_inspection_characteristics_plan_id_name")
        ),
    )
    with op.batch_alter_table("inspection_characteristics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_characteristics_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "inspections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("inspected_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("tz_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_inspections_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_inspections_plan_id_inspection_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["locations.id"], name=op.f("fk_inspections_station_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inspections_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspections_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "inspection_measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("characteristic_id", sa.Uuid(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("entered", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("answer", sa.String(length=80), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["characteristic_id"],
            ["inspection_characteristics.id"],
            name=op.f("fk_inspection_measurements_characteristic_id_inspection_characteristics"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_measurements_inspection_id_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_measurements")),
        sa.UniqueConstraint(
            "inspection_id",
            "characteristic_id",
            "sample",
            name=op.f("uq_inspection_measurements_inspection_id_characteristic_id_sample"),
        ),
    )
    with op.batch_alter_table("inspection_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_measurements_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "nonconformances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_nonconformances_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_nonconformances_lot_id_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformances")),
    )
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nonconformances_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nonconformances_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformances_lot_id"))
        batch_op.drop_index(batch_op.f("ix_nonconformances_inspection_id"))

    op.drop_table("nonconformances")
    with op.batch_alter_table("inspection_measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_measurements_inspection_id"))

    op.drop_table("inspection_measurements")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_plan_id"))
        batch_op.drop_index(batch_op.f("ix_inspections_lot_id"))

    op.drop_table("inspections")
    with op.batch_alter_table("inspection_characteristics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_characteristics_plan_id"))

    op.drop_table("inspection_characteristics")
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plans_product_id"))

    op.drop_table("inspection_plans")
