"""Master data: products, suppliers and customers, locations, and the local admin."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from traceapp.db.models import Location, Party, Product, User
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME, SYSTEM_USERNAME, Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, NotFound
from traceapp.domain.ids import LocationId, UserId, new_uuid
from traceapp.domain.lots import ProductKind, clean_code
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import normalize_unit
from traceapp.services.recording import clean_text, now_utc

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
PARTY_KINDS = ("supplier", "customer", "both")
LOCATION_KINDS = ("site", "area", "station", "equipment")


@dataclass(frozen=True, slots=True)
class MasterRecord:
    """A created master-data record as the CLI and GUI show it."""

    id: uuid.UUID
    code: str
    name: str
    kind: str


def _master_code(code: str, *, what: str) -> str:
    text = clean_code(code)
    if not _CODE_RE.match(text):
        raise InvalidInput(
            f"{text!r} is not a valid {what} code.",
            hint="Use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )
    return text


def _gtin(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidInput(f"{value!r} is not a GTIN.", hint="A GTIN has 8, 12, 13 or 14 digits.")
    digits = digits.zfill(14)
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    if (10 - total % 10) % 10 != check:
        raise InvalidInput(
            f"GTIN {value} has a wrong check digit.", hint="Retype it from the label."
        )
    return digits


def add_product(
    uow: UnitOfWork,
    *,
    actor: Actor,
    part_number: str,
    name: str,
    unit: str,
    kind: ProductKind | str = ProductKind.RAW,
    gtin: str | None = None,
    company_prefix_length: int | None = None,
    shelf_life_days: int | None = None,
) -> MasterRecord:
    _may_manage(uow, actor)
    repo = Repository(uow.session)
    part = _master_code(part_number, what="part")
    if repo.product_by_part(part) is not None:
        raise AlreadyExists(f"Product {part} already exists.")
    checked_gtin = _gtin(gtin)
    if checked_gtin and repo.product_by_gtin(checked_gtin) is not None:
        raise AlreadyExists(f"Another product already has GTIN {checked_gtin}.")
    if company_prefix_length is not None and not 6 <= company_prefix_length <= 12:
        raise InvalidInput("A GS1 company prefix has 6 to 12 digits.")
    product = Product(
        id=new_uuid(),
        part_number=part,
        gtin=checked_gtin,
        company_prefix_length=company_prefix_length,
        name=clean_text(name, field="product name", limit=200) or part,
        unit=normalize_unit(unit),
        kind=ProductKind(kind).value,
        shelf_life_days=shelf_life_days,
        created_at=now_utc(),
    )
    uow.session.add(product)
    uow.commit()
    return MasterRecord(product.id, product.part_number, product.name, product.kind)


def add_party(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    contact_name: str | None = None,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    address: str | None = None,
    gln: str | None = None,
) -> MasterRecord:
    _may_manage(uow, actor)
    repo = Repository(uow.session)
    checked = _master_code(code, what="party")
    if kind not in PARTY_KINDS:
        raise InvalidInput(
            f"{kind!r} is not a party kind.", hint=f"Use one of {', '.join(PARTY_KINDS)}."
        )
    if repo.party_by_code(checked) is not None:
        raise AlreadyExists(f"Party {checked} already exists.")
    party = Party(
        id=new_uuid(),
        code=checked,
        name=clean_text(name, field="party name", limit=200) or checked,
        kind=kind,
        gln=gln,
        contact_name=clean_text(contact_name, field="contact name", limit=200),
        contact_email=clean_text(contact_email, field="contact e-mail", limit=200),
        contact_phone=clean_text(contact_phone, field="contact phone", limit=40),
        address=clean_text(address, field="address"),
        created_at=now_utc(),
    )
    uow.session.add(party)
    uow.commit()
    return MasterRecord(party.id, party.code, party.name, party.kind)


def add_location(
    uow: UnitOfWork,
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    parent: str | None = None,
) -> MasterRecord:
    _may_manage(uow, actor)
    repo = Repository(uow.session)
    checked = _master_code(code, what="location")
    if kind not in LOCATION_KINDS:
        raise InvalidInput(
            f"{kind!r} is not a location kind.", hint=f"Use one of {', '.join(LOCATION_KINDS)}."
        )
    if repo.location_by_code(checked) is not None:
        raise AlreadyExists(f"Location {checked} already exists.")
    parent_id = None
    if parent is not None:
        parent_row = repo.location_by_code(parent)
        if parent_row is None:
            raise NotFound(f"There is no location {parent!r} to put {checked} under.")
        parent_id = parent_row.id
    location = Location(
        id=new_uuid(),
        code=checked,
        name=clean_text(name, field="location name", limit=200) or checked,
        kind=kind,
        parent_id=parent_id,
        created_at=now_utc(),
    )
    uow.session.add(location)
    uow.commit()
    return MasterRecord(location.id, location.code, location.name, location.kind)


def _may_manage(uow: UnitOfWork, actor: Actor) -> None:
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
    uow.acting(actor)


def ensure_builtin_users(uow: UnitOfWork) -> None:
    """Create the system actor and the `admin` account (no password yet: it cannot log in until
    its first password is set), once, when a database is created."""
    repo = Repository(uow.session)
    uow.act_as(None, SYSTEM_USERNAME, reason="database created")
    for username, full_name, role in (
        (LOCAL_ADMIN_USERNAME, "Local administrator", "admin"),
        (SYSTEM_USERNAME, "TraceApp (automatic actions)", "system"),
    ):
        if repo.user_by_name(username) is None:
            uow.session.add(
                User(
                    id=new_uuid(),
                    username=username,
                    full_name=full_name,
                    role=role,
                    active=True,
                    created_at=now_utc(),
                )
            )
    uow.commit()


def actor_for(
    uow: UnitOfWork, *, username: str = LOCAL_ADMIN_USERNAME, station: str | None = None
) -> Actor:
    """The acting user at a station, as every use case needs it."""
    repo = Repository(uow.session)
    user = repo.user_by_name(username)
    if user is None or not user.active:
        raise NotFound(f"There is no active user {username!r}.")
    station_row = None
    if station is not None:
        station_row = repo.location_by_code(station)
        if station_row is None:
            raise NotFound(
                f"There is no station {station!r}.", hint="Pick one from the location list."
            )
    return Actor(
        user_id=UserId(user.id),
        username=user.username,
        role=user.role,
        station_id=LocationId(station_row.id) if station_row else None,
        station_code=station_row.code if station_row else None,
    )
