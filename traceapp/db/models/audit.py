"""The append-only audit trail, its anchored head, and electronic signatures."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class AuditEntry(Base):
    """Who changed what, when, where, from which value to which, and why. Never updated."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    recorded_at: Mapped[datetime]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    station: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))  # create, update, sign, login_failed, ...
    entity: Mapped[str] = mapped_column(String(40), index=True)  # table or business object
    entity_id: Mapped[str | None] = mapped_column(String(80), index=True)
    old_value: Mapped[str | None] = mapped_column(Text)  # JSON
    new_value: Mapped[str | None] = mapped_column(Text)  # JSON
    reason: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(120))  # set when the system acted by itself
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the newest sequence number and hash. Deleting the newest entries leaves it behind.

    Triggers refuse deleting it and moving it backwards.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


class Signature(Base):
    """An electronic signature: printed name, time, meaning, bound to the hash of what was signed."""

    __tablename__ = "signatures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    printed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime]
    meaning: Mapped[str] = mapped_column(String(40))  # approved, reviewed, released, ...
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(80), index=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
