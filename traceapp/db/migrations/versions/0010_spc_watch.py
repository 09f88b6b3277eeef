"""SPC on live channels: channel settings (rules, limits, hold) and the alarms their signals raised

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

An alarm is one episode of one rule on one channel; (channel, rule, first signal) is unique so the
recorder's periodic review stores it once however often it runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceapp.db.base import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spc_channel_settings",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=64), nullable=False),
        sa.Column("width", sa.String(length=8), nullable=False),
        sa.Column("phase1_from_us", sa.BigInteger(), nullable=True),
        sa.Column("phase1_to_us", sa.BigInteger(), nullable=True),
        sa.Column("center", sa.Float(), nullable=True),
        sa.Column("sigma", sa.Float(), nullable=True),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=False),
        sa.Column("set_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sensor_channels.id"],
            name=op.f("fk_spc_channel_settings_channel_id_sensor_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["users.id"], name=op.f("fk_spc_channel_settings_set_by_users")
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_spc_channel_settings")),
    )
    op.create_table(
        "spc_alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=8), nullable=False),
        sa.Column("first_signal_us", sa.BigInteger(), nullable=False),
        sa.Column("last_signal_us", sa.BigInteger(), nullable=False),
        sa.Column("window_start_us", sa.BigInteger(), nullable=False),
        sa.Column("window_end_us", sa.BigInteger(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("worst", sa.Float(), nullable=False),
        sa.Column("center", sa.Float(), nullable=False),
        sa.Column("sigma", sa.Float(), nullable=False),
        sa.Column("limits_source", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["sensor_channels.id"],
            name=op.f("fk_spc_alarms_channel_id_sensor_channels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spc_alarms")),
        sa.UniqueConstraint(
            "channel_id",
            "rule",
            "first_signal_us",
            name=op.f("uq_spc_alarms_channel_id_rule_first_signal_us"),
        ),
    )
    with op.batch_alter_table("spc_alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spc_alarms_channel_id"), ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spc_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spc_alarms_channel_id"))
    op.drop_table("spc_alarms")
    op.drop_table("spc_channel_settings")
