"""Label contents for lots, cases and pallets, looked up by what a person scans or types."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from traceapp.db.models import Container, Product
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.codes.build import InvalidGs1Field, build_gs1
from traceapp.domain.errors import InvalidInput, KnownError, UnknownCode
from traceapp.domain.quantity import Quantity
from traceapp.reports.labels import LabelContent, LabelKind
from traceapp.reports.labels.content import SEGMENT_GAP
from traceapp.services.recording import find_container, find_lot, lot_name, require_lot
from traceapp.services.scans import read_scan
from traceapp.services.summaries import quantity

MAX_CONTENT_LINES = 3  # lots listed on a mixed case or pallet; the rest is summed up in one line
MIXED_PART = "MIXED"
EMPTY_PART = "EMPTY"


def lot_label(uow: UnitOfWork, code: str) -> LabelContent:
    """The label of the lot a code names (PART/LOT, a bare lot code, a GS1 label, a bound code).

    A product with a GTIN gets GS1 data: (01) GTIN, (10) lot, (17) expiry and the quantity on
    hand as (310n) net weight or (30) count. A product without GTIN gets its PART/LOT as an
    internal code; the same facts are then printed as text only.
    """
    repo = Repository(uow.session)
    row = require_lot(repo, code)
    amount = quantity(row.lot.on_hand, row.lot.unit)
    net_weight, count, lines = _amount_fields(amount, row.product.gtin)
    return LabelContent(
        kind=LabelKind.LOT,
        part_number=row.product.part_number,
        product_name=row.product.name,
        gtin=row.product.gtin,
        lot=row.lot.lot_code,
        expiry=row.lot.expiry,
        net_weight=net_weight,
        count=count,
        lines=lines,
    )


def _amount_fields(
    amount: Quantity, gtin: str | None
) -> tuple[Quantity | None, Quantity | None, tuple[str, ...]]:
    """(net weight, count, extra lines): what GS1 can carry goes in fields, the rest as text."""
    if not amount.is_positive():
        return None, None, ()  # an emptied lot still gets its label, without an amount
    if amount.dimension == "mass":
        if gtin is not None and not _weight_fits_gs1(amount, gtin):
            # AI 310n holds six digits in kg: a bulk or odd-unit weight is printed, not encoded.
            return None, None, (f"Net {amount}",)
        return amount, None, ()
    if amount.dimension == "count" and _is_gs1_count(amount):
        return None, amount, ()
    return None, None, (f"Qty {amount}",)


def _weight_fits_gs1(amount: Quantity, gtin: str) -> bool:
    try:
        build_gs1(gtin=gtin, net_weight=amount)
    except InvalidGs1Field:
        return False
    return True


def _is_gs1_count(amount: Quantity) -> bool:
    value = amount.to("ea").value
    return value == value.to_integral_value() and 0 < value <= 99_999_999


@dataclass(frozen=True, slots=True)
class _Packed:
    row: LotRow
    amount: Quantity


def container_label(uow: UnitOfWork, code: str) -> LabelContent:
    """The label of a case or pallet (a tote prints as a case) named by its SSCC or code.

    With an SSCC: (00) SSCC, and when everything inside (nested cases included) is one product
    with a GTIN counted in whole items, (02) GTIN + (37) count, plus (10) lot and (17) expiry when
    it is a single lot. Contents GS1 cannot carry (a weight, several products) are printed as text.
    A container without SSCC gets its own code as an internal code.
    """
    repo = Repository(uow.session)
    container = find_container(repo, code)
    if container is None:
        raise _not_a_container(repo, code)
    packed, units = _contents(repo, container)
    kind = LabelKind.PALLET if container.kind == "pallet" else LabelKind.CASE
    products = {item.row.product.id: item.row.product for item in packed}
    if len(products) != 1 or units:
        return _mixed_label(container, kind, packed, units)
    (product,) = products.values()
    return _single_product_label(container, kind, product, packed)


def _not_a_container(repo: Repository, code: str) -> KnownError:
    """Why no container matched: an unreadable label, a lot's label, or an unknown code."""
    read_scan(code).refuse_if_unreadable()
    try:
        row = find_lot(repo, code)
    except KnownError:
        row = None  # not even a lot: the code is simply unknown
    if row is not None:
        return InvalidInput(
            f"{code.strip()} names lot {lot_name(row)}, not a case or pallet.",
            hint="Print a lot label for it, or scan the case or pallet label (SSCC).",
        )
    return UnknownCode(code.strip())


def _contents(repo: Repository, container: Container) -> tuple[list[_Packed], int]:
    """Lots packed in the container or in any container inside it; and the serial units."""
    packed: list[_Packed] = []
    units = 0
    seen: set[uuid.UUID] = set()
    pending = [container.id]
    while pending:
        current = pending.pop(0)
        if current in seen:  # packing refuses cycles; this only keeps a bad row from looping
            continue
        seen.add(current)
        contents = repo.open_contents(current)
        rows = repo.lot_rows(content.lot_id for content in contents if content.lot_id)
        for content in contents:
            if content.child_container_id is not None:
                pending.append(content.child_container_id)
            elif content.lot_id is not None:
                row = rows[content.lot_id]
                amount = quantity(content.quantity or Decimal(0), content.unit or row.lot.unit)
                packed.append(_Packed(row, amount))
            else:
                units += 1
    return packed, units


def _single_product_label(
    container: Container, kind: LabelKind, product: Product, packed: Sequence[_Packed]
) -> LabelContent:
    total = _total(packed)
    lots = list(dict.fromkeys(item.row.lot.lot_code for item in packed))
    single_lot = packed[0].row if len(lots) == 1 else None
    expiry = single_lot.lot.expiry if single_lot else None
    counted = total.dimension == "count" and _is_gs1_count(total)
    if container.sscc is None:
        # An internal code label: every field is text only, so nothing GS1 constrains applies.
        net_weight, count, lines = _text_amount(total, counted)
        return LabelContent(
            kind=kind,
            part_number=product.part_number,
            product_name=product.name,
            lot=single_lot.lot.lot_code if single_lot else None,
            expiry=expiry,
            net_weight=net_weight,
            count=count,
            lines=lines if single_lot else (*lines, *_lot_lines(packed, with_part=False)),
            internal_code=container.code,
        )
    if product.gtin is not None and counted:
        return LabelContent(
            kind=kind,
            part_number=product.part_number,
            product_name=product.name,
            gtin=product.gtin,
            sscc=container.sscc,
            lot=single_lot.lot.lot_code if single_lot else None,
            expiry=expiry,
            count=total,
            lines=() if single_lot else _lot_lines(packed, with_part=False),
        )
    # GS1 pairs a GTIN with a logistic unit only through a count (AI 02 + 37), and a lot or an
    # expiry only with a GTIN: a weighed product's case carries the SSCC, the rest as text.
    return LabelContent(
        kind=kind,
        part_number=product.part_number,
        product_name=product.name,
        sscc=container.sscc,
        lines=_lot_lines(packed, with_part=False, total=total if len(packed) > 1 else None),
    )


def _mixed_label(
    container: Container, kind: LabelKind, packed: Sequence[_Packed], units: int
) -> LabelContent:
    products = {item.row.product.id for item in packed}
    lines: tuple[str, ...] = ()
    if not packed and not units:
        part, name = EMPTY_PART, "Empty"
    else:
        part = MIXED_PART
        name = f"Mixed: {len(packed)} lots of {len(products)} products"
        lines = _lot_lines(packed, with_part=True)
        if units:
            lines = (*lines, f"{units} serial units")
    return LabelContent(
        kind=kind,
        part_number=part,
        product_name=name,
        sscc=container.sscc,
        lines=lines,
        internal_code=None if container.sscc else container.code,
    )


def _lot_lines(
    packed: Sequence[_Packed], *, with_part: bool, total: Quantity | None = None
) -> tuple[str, ...]:
    """One line per lot (amount, expiry), at most MAX_CONTENT_LINES; then how many more."""
    lines = []
    for item in packed[:MAX_CONTENT_LINES]:
        name = lot_name(item.row) if with_part else f"Lot {item.row.lot.lot_code}"
        line = f"{name}{SEGMENT_GAP}{item.amount}"
        if item.row.lot.expiry is not None:
            line += f"{SEGMENT_GAP}Exp {item.row.lot.expiry.isoformat()}"
        lines.append(line)
    if len(packed) > MAX_CONTENT_LINES:
        lines.append(f"and {len(packed) - MAX_CONTENT_LINES} more lots")
    if total is not None:
        lines.append(f"Total {total}")
    return tuple(lines)


def _text_amount(
    total: Quantity, counted: bool
) -> tuple[Quantity | None, Quantity | None, tuple[str, ...]]:
    if counted:
        return None, total, ()
    if total.dimension == "mass":
        return total, None, ()
    return None, None, (f"Qty {total}",)


def _total(packed: Sequence[_Packed]) -> Quantity:
    total = packed[0].amount
    for item in packed[1:]:
        total = total + item.amount
    return total
