"""Import master data from spreadsheets: check every row first, then write all of it or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from traceapp.db.audit_log import lock_head
from traceapp.db.models import InspectionPlan, Location, Lot, Party, Product
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput
from traceapp.domain.ids import new_uuid
from traceapp.domain.masterdata_rows import (
    HEADER_ROW,
    KINDS,
    LOCATIONS,
    PARTIES,
    PLANS,
    PRODUCTS,
    Existing,
    ImportReport,
    KindCount,
    LocationRow,
    ParsedFile,
    PartyRow,
    PlanRows,
    Problem,
    ProductRow,
    RawSheet,
    kind_of,
    parse_file,
)
from traceapp.domain.permissions import UseCase, require
from traceapp.reports.sheets_in import read_file
from traceapp.services.inspections import _characteristic_row, plan_versions
from traceapp.services.recording import now_utc

ALL = "all"


def read_sheets(path: Path) -> list[RawSheet]:
    """The tables of a CSV or XLSX file (a typed error when it cannot be read at all)."""
    return read_file(path)


def sort_sheets(
    kind: str, sheets: Sequence[RawSheet]
) -> tuple[dict[str, list[RawSheet]], list[Problem]]:
    """Which sheets hold which kind: `all` goes by sheet names, a kind takes the sheet of that
    name, or the only sheet there is."""
    problems: list[Problem] = []
    by_kind: dict[str, list[RawSheet]] = {}
    if kind == ALL:
        for sheet in sheets:
            found = kind_of(sheet.name)
            if found is None:
                problems.append(
                    Problem(
                        sheet.name,
                        HEADER_ROW,
                        "",
                        "is not a sheet name the import knows: name it products, suppliers, "
                        "customers, parties, locations or plans.",
                    )
                )
            else:
                by_kind.setdefault(found, []).append(sheet)
        return by_kind, problems
    wanted = kind_of(kind)
    if wanted is None:
        raise InvalidInput(
            f"{kind!r} is not a kind of master data.",
            hint="Use products, suppliers, customers, parties, locations, plans or all.",
        )
    named = [s for s in sheets if kind_of(s.name) == wanted] if len(sheets) > 1 else list(sheets)
    if not named:
        raise InvalidInput(
            f"The workbook has no sheet named {kind}.", hint="Name the sheet, or import `all`."
        )
    # A CSV named e.g. stock.csv imported as `suppliers`: its rows default to suppliers.
    by_kind[wanted] = [RawSheet(kind, s.headers, s.rows) for s in named]
    return by_kind, problems


def import_master_data(
    uow: UnitOfWork,
    *,
    actor: Actor,
    kind: str,
    sheets: Sequence[RawSheet],
    source: str,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row of every sheet; with no problem and not a dry run, write them all in this
    one transaction. Keys: part number, party code, location code; a plan (product + step)
    becomes a new version only when it differs from the active one."""
    by_kind, problems = sort_sheets(kind, sheets)
    if any(by_kind.get(k) for k in (PRODUCTS, PARTIES, LOCATIONS)):
        require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
    if by_kind.get(PLANS):
        require(actor.role, UseCase.MANAGE_PLANS, username=actor.username)
    session = uow.session
    child, parent = aliased(Location), aliased(Location)
    if not dry_run:
        lock_head(session)  # writers queue at the audit head: plan versions cannot collide
    existing = Existing(
        products=frozenset(session.scalars(select(Product.part_number))),
        gtins={
            gtin: part
            for gtin, part in session.execute(
                select(Product.gtin, Product.part_number).where(Product.gtin.is_not(None))
            )
            if gtin is not None
        },
        locations=dict(session.execute(select(Location.code, Location.kind)).all()),
        location_parents=dict(
            session.execute(
                select(child.code, parent.code).join(parent, child.parent_id == parent.id)
            ).all()
        ),
        units_in_use=dict(
            session.execute(
                select(Product.part_number, Product.unit).where(
                    select(Lot.id).where(Lot.product_id == Product.id).exists()
                )
            ).all()
        ),
    )
    parsed = parse_file(by_kind, existing)
    problems.extend(parsed.problems)
    if problems:
        uow.rollback()
        return ImportReport(source, dry_run, False, (), tuple(problems))
    uow.acting(actor, reason=f"master data import from {source}")
    counts = _counts(uow, parsed, actor, write=not dry_run)
    if dry_run:
        uow.rollback()
    else:
        uow.commit()
    return ImportReport(source, dry_run, not dry_run, counts, ())


def _counts(
    uow: UnitOfWork, parsed: ParsedFile, actor: Actor, *, write: bool
) -> tuple[KindCount, ...]:
    """Created / updated / unchanged per kind; writes the changes when `write`."""
    counts = {
        PRODUCTS: _products(uow, parsed.products, write),
        PARTIES: _parties(uow, parsed.parties, write),
        LOCATIONS: _locations(uow, parsed.locations, write),
        PLANS: _plans(uow, parsed.plans, write, actor),
    }
    return tuple(counts[k] for k in KINDS)


def _apply(row: object, values: dict[str, object], write: bool) -> bool:
    """Whether any value differs; sets them when `write`."""
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if write:
        for key, value in changed.items():
            setattr(row, key, value)
    return bool(changed)


def _products(uow: UnitOfWork, rows: Sequence[ProductRow], write: bool) -> KindCount:
    session = uow.session
    found = {p.part_number: p for p in session.scalars(select(Product))}
    created = updated = unchanged = 0
    # GTINs move between products in one file (a relabel): clear the old holders first, so the
    # unique index never sees two products with one GTIN mid-flush.
    if write:
        for r in rows:
            current = found.get(r.part_number)
            if current is not None and current.gtin != r.gtin:
                current.gtin = None
        session.flush()
    for r in rows:
        values: dict[str, object] = {
            "name": r.name,
            "unit": r.unit,
            "kind": r.kind,
            "gtin": r.gtin,
            "company_prefix_length": r.company_prefix_length,
            "shelf_life_days": r.shelf_life_days,
        }
        current = found.get(r.part_number)
        if current is None:
            created += 1
            if write:
                session.add(
                    Product(
                        id=new_uuid(), part_number=r.part_number, created_at=now_utc(), **values
                    )
                )
        elif _apply(current, values, write):
            updated += 1
        else:
            unchanged += 1
    if write:
        session.flush()
    return KindCount(PRODUCTS, created, updated, unchanged)


def _parties(uow: UnitOfWork, rows: Sequence[PartyRow], write: bool) -> KindCount:
    session = uow.session
    found = {p.code: p for p in session.scalars(select(Party))}
    created = updated = unchanged = 0
    for r in rows:
        current = found.get(r.code)
        kind = r.kind
        if current is not None and not r.kind_given and current.kind != kind:
            # A supplier that turns up in the customers sheet (or the other way) is both; only
            # a kind column changes a party's kind outright.
            kind = "both"
        values: dict[str, object] = {
            "name": r.name,
            "kind": kind,
            "gln": r.gln,
            "contact_name": r.contact_name,
            "contact_email": r.contact_email,
            "contact_phone": r.contact_phone,
            "address": r.address,
        }
        if current is None:
            created += 1
            if write:
                session.add(Party(id=new_uuid(), code=r.code, created_at=now_utc(), **values))
        elif _apply(current, values, write):
            updated += 1
        else:
            unchanged += 1
    if write:
        session.flush()
    return KindCount(PARTIES, created, updated, unchanged)


def _locations(uow: UnitOfWork, rows: Sequence[LocationRow], write: bool) -> KindCount:
    session = uow.session
    ids = dict(session.execute(select(Location.code, Location.id)).all())
    found = {loc.code: loc for loc in session.scalars(select(Location))}
    created = updated = unchanged = 0
    for r in rows:  # parents come first (parse_locations sorts by level)
        current = found.get(r.code)
        if r.code not in ids:
            ids[r.code] = new_uuid()
        values: dict[str, object] = {
            "name": r.name,
            "kind": r.kind,
            "parent_id": ids[r.parent] if r.parent else None,
            "gln": r.gln,
        }
        if current is None:
            created += 1
            if write:
                session.add(Location(id=ids[r.code], code=r.code, created_at=now_utc(), **values))
                session.flush()  # a child's foreign key needs its parent's row
        elif _apply(current, values, write):
            updated += 1
        else:
            unchanged += 1
    if write:
        session.flush()
    return KindCount(LOCATIONS, created, updated, unchanged)


def _plans(uow: UnitOfWork, plans: Sequence[PlanRows], write: bool, actor: Actor) -> KindCount:
    created = updated = unchanged = 0
    known = set(uow.session.scalars(select(Product.part_number)))
    for plan in plans:
        # In a dry run a product of the same file is not in the database yet: its plan is new.
        versions = (
            plan_versions(uow, product=plan.product, step=plan.step)
            if plan.product in known
            else ()
        )
        active = [v for v in versions if v.active]
        if active and (
            active[0].sample_size == plan.sample_size
            and active[0].characteristics == plan.characteristics
        ):
            unchanged += 1
            continue
        if versions:
            updated += 1
        else:
            created += 1
        if write:
            _write_plan(uow, plan, actor_id=actor.user_id)
    return KindCount(PLANS, created, updated, unchanged)


def _write_plan(uow: UnitOfWork, plan: PlanRows, *, actor_id: uuid.UUID) -> None:
    """The plan's next version, active; the one before stays as inspections used it (as
    inspections.add_plan, inside this import's transaction)."""
    session = uow.session
    product = session.scalars(select(Product).where(Product.part_number == plan.product)).one()
    latest = session.scalar(
        select(func.max(InspectionPlan.version)).where(
            InspectionPlan.product_id == product.id, InspectionPlan.step == plan.step
        )
    )
    for previous in session.scalars(
        select(InspectionPlan).where(
            InspectionPlan.product_id == product.id,
            InspectionPlan.step == plan.step,
            InspectionPlan.active.is_(True),
        )
    ):
        previous.active = False
    row = InspectionPlan(
        id=new_uuid(),
        product_id=product.id,
        step=plan.step,
        version=(latest or 0) + 1,
        sample_size=plan.sample_size,
        active=True,
        created_at=now_utc(),
        created_by=actor_id,
    )
    session.add(row)
    session.flush()
    for position, characteristic in enumerate(plan.characteristics, start=1):
        session.add(_characteristic_row(row.id, position, characteristic))
    session.flush()
