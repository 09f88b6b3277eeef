"""nonconformance closing: who closed it, the disposition and the reason (set once, signed)

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 17:19:00.377209
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("disposition", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_nonconformances_closed_by_users"), "users", ["closed_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("nonconformances", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nonconformances_closed_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("close_reason")
        batch_op.drop_column("disposition")
        batch_op.drop_column("closed_by")
