"""`traceapp product|party|location add|list`: the master data a script needs before the steps."""

from __future__ import annotations

import argparse

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.lots import ProductKind
from traceapp.services import catalog, masterdata
from traceapp.services.masterdata import LOCATION_KINDS, PARTY_KINDS, MasterRecord


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(sub: Subparsers, parsers: Parsers) -> None:
    product = parsers.add(sub, "product", None, help="add or list products")
    product_sub = product.add_subparsers(dest="product_command", metavar="COMMAND", required=True)
    add = parsers.add(product_sub, "add", add_product, help="add a product")
    add.add_argument("part", metavar="PART", help="part number, e.g. FLOUR-01")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--unit", required=True, help="unit of measure: kg, g, t, lb, l, ml, m3, ea, m"
    )
    add.add_argument(
        "--kind", choices=[k.value for k in ProductKind], default=ProductKind.RAW.value
    )
    add.add_argument("--gtin", help="GTIN-8/12/13/14 with its check digit")
    add.add_argument(
        "--company-prefix-length",
        type=int,
        metavar="N",
        help="digits of the GS1 company prefix in the GTIN (6-12), for EPC URIs; never guessed",
    )
    add.add_argument("--shelf-life-days", type=_non_negative, metavar="DAYS")
    parsers.add(product_sub, "list", list_products, help="list products")

    party = parsers.add(sub, "party", None, help="add or list suppliers and customers")
    party_sub = party.add_subparsers(dest="party_command", metavar="COMMAND", required=True)
    add = parsers.add(party_sub, "add", add_party, help="add a supplier or customer")
    add.add_argument("code", metavar="CODE")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=PARTY_KINDS, required=True)
    add.add_argument("--contact-name")
    add.add_argument("--contact-email")
    add.add_argument("--contact-phone")
    listing = parsers.add(party_sub, "list", list_parties, help="list suppliers and customers")
    listing.add_argument("--kind", choices=("supplier", "customer"), help="only those of this kind")

    location = parsers.add(
        sub, "location", None, help="add or list sites, areas, stations, equipment"
    )
    location_sub = location.add_subparsers(
        dest="location_command", metavar="COMMAND", required=True
    )
    add = parsers.add(location_sub, "add", add_location, help="add a location")
    add.add_argument("code", metavar="CODE")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=LOCATION_KINDS, required=True)
    add.add_argument("--parent", metavar="CODE", help="the location it sits in")
    parsers.add(location_sub, "list", list_locations, help="list locations")


def _report_added(ctx: Context, what: str, record: MasterRecord) -> int:
    if ctx.json:
        print_json(record)
    else:
        print(f"Added {what} {record.code} ({record.name}, {record.kind}).")
    return 0


def add_product(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            record = masterdata.add_product(
                uow,
                actor=actor,
                part_number=args.part,
                name=args.name,
                unit=args.unit,
                kind=args.kind,
                gtin=args.gtin,
                company_prefix_length=args.company_prefix_length,
                shelf_life_days=args.shelf_life_days,
            )
    return _report_added(ctx, "product", record)


def add_party(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            record = masterdata.add_party(
                uow,
                actor=actor,
                code=args.code,
                name=args.name,
                kind=args.kind,
                contact_name=args.contact_name,
                contact_email=args.contact_email,
                contact_phone=args.contact_phone,
            )
    return _report_added(ctx, args.kind if args.kind != "both" else "party", record)


def add_location(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            record = masterdata.add_location(
                uow,
                actor=actor,
                code=args.code,
                name=args.name,
                kind=args.kind,
                parent=args.parent,
            )
    return _report_added(ctx, "location", record)


def list_products(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        products = catalog.list_products(uow)
    if ctx.json:
        print_json(products)
    elif not products:
        print("No products yet; add one with `traceapp product add`.")
    else:
        rows = [
            (p.part_number, p.name, p.unit, p.kind, p.gtin, p.shelf_life_days) for p in products
        ]
        print(table(["PART", "NAME", "UNIT", "KIND", "GTIN", "SHELF LIFE (DAYS)"], rows))
    return 0


def list_parties(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        parties = catalog.list_parties(uow, kind=ctx.args.kind)
    if ctx.json:
        print_json(parties)
    elif not parties:
        print("No parties yet; add one with `traceapp party add`.")
    else:
        rows = [
            (p.code, p.name, p.kind, p.contact_name, p.contact_email, p.contact_phone)
            for p in parties
        ]
        print(table(["CODE", "NAME", "KIND", "CONTACT", "E-MAIL", "PHONE"], rows))
    return 0


def list_locations(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        locations = catalog.list_locations(uow)
    if ctx.json:
        print_json(locations)
    elif not locations:
        print("No locations yet; add one with `traceapp location add`.")
    else:
        rows = [(loc.code, loc.name, loc.kind, loc.parent) for loc in locations]
        print(table(["CODE", "NAME", "KIND", "PARENT"], rows))
    return 0
