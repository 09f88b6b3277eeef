"""The hash chain names the entry that was tampered with, whichever way it was done."""

from __future__ import annotations

from datetime import UTC, datetime

from traceapp.domain.audit import GENESIS_HASH, Breach, StoredEntry, chain_hash, verify_chain


def _chain(length: int) -> list[StoredEntry]:
    entries, previous = [], GENESIS_HASH
    for seq in range(1, length + 1):
        fields = {
            "seq": seq,
            "id": f"id-{seq}",
            "recorded_at": datetime(2026, 3, 1, tzinfo=UTC),
            "username": "anna",
        }
        digest = chain_hash(previous, fields)
        entries.append(StoredEntry(fields, previous, digest))
        previous = digest
    return entries


def _head(entries: list[StoredEntry]) -> tuple[int, str]:
    return len(entries), entries[-1].hash


def test_an_intact_chain_verifies() -> None:
    entries = _chain(5)
    assert verify_chain(entries, _head(entries)).intact


def test_an_edit_with_its_hash_recomputed_is_blamed_on_the_edited_entry() -> None:
    entries = _chain(5)
    head = _head(entries)
    forged_fields = {**entries[2].fields, "username": "mallory"}
    entries[2] = StoredEntry(
        forged_fields, entries[2].prev_hash, chain_hash(entries[2].prev_hash, forged_fields)
    )
    verdict = verify_chain(entries, head)
    assert (verdict.first_broken_seq, verdict.breach) == (3, Breach.EDITED)


def test_a_plain_edit_and_a_deletion_are_named() -> None:
    entries = _chain(5)
    head = _head(entries)
    edited = [
        *entries[:1],
        StoredEntry({**entries[1].fields, "username": "x"}, entries[1].prev_hash, entries[1].hash),
        *entries[2:],
    ]
    assert (verify_chain(edited, head).first_broken_seq, verify_chain(edited, head).breach) == (
        2,
        Breach.EDITED,
    )
    deleted = entries[:3] + entries[4:]
    assert (verify_chain(deleted, head).first_broken_seq, verify_chain(deleted, head).breach) == (
        4,
        Breach.DELETED,
    )
    assert verify_chain(entries[:3], head).breach is Breach.DELETED
