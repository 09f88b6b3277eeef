"""The audit trail's hash chain: each entry's hash covers its content and the previous hash.

Changing, deleting or inserting an entry breaks the chain at that entry; deleting the newest
entries is caught by the anchored head (the last sequence number and hash, kept apart).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "id",
    "recorded_at",
    "username",
    "station",
    "action",
    "entity",
    "entity_id",
    "old_value",
    "new_value",
    "reason",
    "rule",
)


def canonical(fields: Mapping[str, object]) -> bytes:
    """One byte string per entry, the same on every machine and database (sorted keys, UTC ISO)."""
    values = {name: _plain(fields.get(name)) for name in HASHED_FIELDS}
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, fields: Mapping[str, object]) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        # Microseconds: both databases keep them; the offset is always UTC here.
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, str | int):
        return value
    return str(value)


class Breach(enum.StrEnum):
    EDITED = "edited"  # content no longer matches its hash
    DELETED = "deleted"  # a sequence number is missing, or the newest entries are gone
    INSERTED = "inserted"  # an entry that does not follow its predecessor
    HEAD_MOVED = "head_moved"  # the anchor disagrees with the chain


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    """Outcome of walking the chain: intact, or the first entry where it breaks and why."""

    entries: int
    intact: bool
    first_broken_seq: int | None = None
    breach: Breach | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An audit entry as read back, for verification."""

    fields: Mapping[str, object]  # the HASHED_FIELDS
    prev_hash: str
    hash: str

    @property
    def seq(self) -> object:
        return self.fields["seq"]


def verify_chain(entries: Iterable[StoredEntry], head: tuple[int, str] | None) -> AuditVerdict:
    """Walk entries in sequence order; name the first one that breaks the chain, and how."""
    expected_seq = 1
    previous = GENESIS_HASH
    count = 0
    for entry in entries:
        count += 1
        seq = entry.seq
        if not isinstance(seq, int) or isinstance(seq, bool):
            return AuditVerdict(
                count,
                False,
                None,
                Breach.INSERTED,
                f"entry with sequence {seq!r} is not a whole number",
            )
        if seq > expected_seq:
            return AuditVerdict(
                count,
                False,
                expected_seq,
                Breach.DELETED,
                f"entries {expected_seq}–{seq - 1} are missing",
            )
        if seq < expected_seq:
            return AuditVerdict(
                count, False, seq, Breach.INSERTED, f"entry {seq} appears twice or out of order"
            )
        if entry.prev_hash != previous:
            if seq > 1 and chain_hash(entry.prev_hash, entry.fields) == entry.hash:
                # This entry is genuine and still names the hash its predecessor had when it was
                # written: the predecessor was changed and its own hash recomputed to hide it.
                return AuditVerdict(
                    count,
                    False,
                    seq - 1,
                    Breach.EDITED,
                    f"entry {seq - 1} was changed and its hash recomputed",
                )
            return AuditVerdict(
                count, False, seq, Breach.INSERTED, f"entry {seq} does not follow entry {seq - 1}"
            )
        if chain_hash(previous, entry.fields) != entry.hash:
            return AuditVerdict(
                count, False, seq, Breach.EDITED, f"entry {seq} was changed after it was written"
            )
        previous = entry.hash
        expected_seq += 1
    last = expected_seq - 1
    if head is None:
        if last > 0:
            return AuditVerdict(
                count, False, last, Breach.HEAD_MOVED, "the anchor of the chain is missing"
            )
        return AuditVerdict(count, True)
    head_seq, head_hash = head
    if head_seq > last:
        return AuditVerdict(
            count,
            False,
            last + 1,
            Breach.DELETED,
            f"entries {last + 1}–{head_seq} (the newest) are missing",
        )
    if head_seq < last:
        return AuditVerdict(
            count,
            False,
            head_seq + 1,
            Breach.INSERTED,
            f"entries after {head_seq} were added behind the app's back",
        )
    if head_hash != previous:
        return AuditVerdict(
            count, False, last, Breach.EDITED, f"entry {last} does not match the anchored hash"
        )
    return AuditVerdict(count, True)
