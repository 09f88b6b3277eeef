"""covering indexes for the trace walks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

A trace visits tens of thousands of edges and container contents. With indexes that hold only
the key, each visit also reads the table row (another B-tree descent, usually another page);
these indexes carry every column the walk reads, so it never touches the tables.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = (
    ("ix_lot_edges_parent_walk", "lot_edges",
     ["parent_lot_id", "voided_by_event_id", "child_lot_id", "quantity", "id"]),
    ("ix_lot_edges_child_walk", "lot_edges",
     ["child_lot_id", "voided_by_event_id", "parent_lot_id", "quantity", "id"]),
    ("ix_container_contents_lot_walk", "container_contents",
     ["lot_id", "packed_at", "unpacked_at", "container_id", "quantity"]),
    ("ix_container_contents_child_walk", "container_contents",
     ["child_container_id", "packed_at", "unpacked_at", "container_id"]),
)  # fmt: skip
_OLD = (
    ("ix_lot_edges_parent_child", "lot_edges", ["parent_lot_id", "child_lot_id"]),
    ("ix_lot_edges_child_parent", "lot_edges", ["child_lot_id", "parent_lot_id"]),
    ("ix_container_contents_lot", "container_contents", ["lot_id", "packed_at"]),
    ("ix_container_contents_child", "container_contents", ["child_container_id", "packed_at"]),
)


def upgrade() -> None:
    for name, table, columns in _NEW:
        op.create_index(name, table, columns)
    for name, table, _columns in _OLD:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in _OLD:
        op.create_index(name, table, columns)
    for name, table, _columns in _NEW:
        op.drop_index(name, table_name=table)
