"""Where a trace starts: the look-ups that resolve its code, on the trace's own cursor.

The rules that say what a code names are `services.scans.lot_named` and its neighbours; these
are their look-ups as plain rows (a lot: id, part number and lot code; a container: id and
code), ids as the database spells them (`RawId`). Through the ORM the same look-ups took five
times as long: a third of a pallet's backward trace went on resolving the pallet's code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from traceapp.db.trace_walk import RawId, TraceReader, render


class StartLot(NamedTuple):
    id: RawId
    part_number: str
    lot_code: str


class StartContainer(NamedTuple):
    id: RawId
    code: str


_LOT = """SELECT {id:l.id}, p.part_number, l.lot_code FROM lots l
JOIN products p ON p.id = l.product_id"""

_STATEMENTS = {
    # The keys' active bindings; the first key that has one wins (`first_active_binding`).
    "bindings": """SELECT b.payload, {id:b.lot_id}, {id:b.container_id} FROM code_bindings b
WHERE b.payload {keys} AND b.valid_from <= {text:at}
  AND (b.valid_to IS NULL OR b.valid_to > {text:at})""",
    "lot": _LOT + " WHERE l.id = {one:lot}",
    "lots_by_code": _LOT + " WHERE l.lot_code = {text:code} ORDER BY p.part_number",
    "lots_by_part_and_code": _LOT
    + " WHERE l.lot_code = {text:code} AND p.part_number = {text:part} ORDER BY p.part_number",
    "part_by_gtin": "SELECT p.part_number FROM products p WHERE p.gtin = {text:gtin}",
    "container": "SELECT {id:k.id}, k.code FROM containers k WHERE k.id = {one:container}",
    "container_by_code": """SELECT {id:k.id}, k.code FROM containers k
WHERE k.code = {text:code} OR k.sscc = {text:code}""",
    "supplier_lots": "SELECT {id:l.id} FROM lots l WHERE l.supplier_lot_code = {text:code}",
}
# A list of keys (any text) as one parameter: JSON for SQLite, an array for PostgreSQL.
_KEYS = {"sqlite": "IN (SELECT value FROM json_each(:keys))", "postgresql": "= ANY(%(keys)s)"}
_SQL = {
    dialect: {
        name: render(statement.replace("{keys}", _KEYS[dialect]), dialect)
        for name, statement in _STATEMENTS.items()
    }
    for dialect in _KEYS
}


class StartLookups:
    """`services.scans.CodeLookups` over a `TraceReader`, bindings active at `now`."""

    def __init__(self, reader: TraceReader, now: datetime) -> None:
        self._reader = reader
        self._sql = _SQL[reader.dialect]
        # SQLite keeps times as naive UTC text (`base.UtcDateTime`), in this form.
        self._now: Any = (
            now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if reader.dialect == "sqlite"
            else now
        )

    def _rows(self, name: str, **values: Any) -> list[tuple[Any, ...]]:
        return self._reader.fetch(self._sql[name], **values)

    def binding(self, keys: Sequence[str]) -> tuple[RawId | None, RawId | None] | None:
        if not keys:
            return None
        listed: Any = json.dumps(list(keys)) if self._reader.dialect == "sqlite" else list(keys)
        found: dict[str, tuple[RawId | None, RawId | None]] = {}
        for payload, lot_id, container_id in self._rows("bindings", keys=listed, at=self._now):
            found.setdefault(payload, (lot_id, container_id))
        return next((found[key] for key in keys if key in found), None)

    def lot(self, lot_id: RawId) -> StartLot:
        (row,) = self._rows("lot", lot=lot_id)
        return StartLot(*row)

    def part_by_gtin(self, gtin: str) -> str | None:
        rows = self._rows("part_by_gtin", gtin=gtin)
        return str(rows[0][0]) if rows else None

    def lots_by_code(self, lot_code: str, part_number: str | None) -> list[StartLot]:
        if part_number is None:
            rows = self._rows("lots_by_code", code=lot_code)
        else:
            rows = self._rows("lots_by_part_and_code", code=lot_code, part=part_number)
        return [StartLot(*row) for row in rows]

    def lot_name(self, lot: StartLot) -> str:
        return f"{lot.part_number}/{lot.lot_code}"

    def container(self, container_id: RawId) -> StartContainer | None:
        rows = self._rows("container", container=container_id)
        return StartContainer(*rows[0]) if rows else None

    def container_by_code(self, code: str) -> StartContainer | None:
        rows = self._rows("container_by_code", code=code)
        return StartContainer(*rows[0]) if rows else None

    def supplier_lots(self, code: str) -> list[RawId]:
        """The lots received under this supplier lot code."""
        return [lot_id for (lot_id,) in self._rows("supplier_lots", code=code)]
