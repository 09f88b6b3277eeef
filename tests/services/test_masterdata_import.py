"""Master-data import on SQLite and PostgreSQL: all or nothing, updates by key, plan versions,
permission and audit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from traceapp.db.models import AuditEntry, InspectionPlan, Location, Party, Product
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, PermissionDenied
from traceapp.domain.masterdata_rows import ImportReport, RawRow, RawSheet
from traceapp.domain.permissions import Role
from traceapp.services import inspections, users
from traceapp.services.masterdata import actor_for
from traceapp.services.masterdata_import import import_master_data, read_sheets

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
KINDS = ("products", "suppliers", "customers", "locations", "plans")


def run(
    engine: Engine, actor: Actor, kind: str, sheets: list[RawSheet], *, dry_run: bool = False
) -> ImportReport:
    with UnitOfWork(engine) as uow:
        return import_master_data(
            uow, actor=actor, kind=kind, sheets=sheets, source="test", dry_run=dry_run
        )


def counts(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    return {
        c.kind: (c.created, c.updated, c.unchanged)
        for c in report.counts
        if c.created or c.updated or c.unchanged
    }


def rows_of(engine: Engine) -> tuple[int, int, int, int]:
    with UnitOfWork(engine, write=False) as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(Product)) or 0,
            s.scalar(select(func.count()).select_from(Party)) or 0,
            s.scalar(select(func.count()).select_from(Location)) or 0,
            s.scalar(select(func.count()).select_from(InspectionPlan)) or 0,
        )


def table(name: str, text: str) -> RawSheet:
    lines = [line.split(",") for line in text.strip().splitlines()]
    return RawSheet(
        name, tuple(lines[0]), tuple(RawRow(n, tuple(r)) for n, r in enumerate(lines[1:], 2))
    )


def test_the_sample_csv_files_import_and_a_second_import_changes_nothing(
    engine: Engine, admin: Actor
) -> None:
    first = {k: run(engine, admin, k, read_sheets(SAMPLE / f"{k}.csv")) for k in KINDS}
    assert all(not r.problems and r.written for r in first.values())
    assert counts(first["products"]) == {"products": (11, 0, 0)}
    assert counts(first["suppliers"]) == {"parties": (4, 0, 0)}
    assert counts(first["customers"]) == {"parties": (3, 0, 0)}
    assert counts(first["locations"]) == {"locations": (12, 0, 0)}
    assert counts(first["plans"]) == {"plans": (3, 0, 0)}
    assert rows_of(engine) == (11, 7, 12, 3)
    # The workbook holds the same data (numbers as Excel stores them): nothing changes.
    again = run(engine, admin, "all", read_sheets(SAMPLE / "master_data.xlsx"))
    assert counts(again) == {
        "products": (0, 0, 11),
        "parties": (0, 0, 7),
        "locations": (0, 0, 12),
        "plans": (0, 0, 3),
    }
    assert rows_of(engine) == (11, 7, 12, 3)
    with UnitOfWork(engine, write=False) as uow:
        customer = uow.session.scalars(select(Party).where(Party.code == "SUPER-1")).one()
        assert (customer.kind, customer.contact_email) == ("customer", "recall@freshmart.example")
        oven = uow.session.scalars(select(Location).where(Location.code == "OVEN-1")).one()
        line = uow.session.get(Location, oven.parent_id)
        assert line is not None
        assert line.code == "OVEN-LINE"


def test_the_workbook_alone_imports_into_an_empty_database(engine: Engine, admin: Actor) -> None:
    report = run(engine, admin, "all", read_sheets(SAMPLE / "master_data.xlsx"))
    assert report.problems == ()
    assert rows_of(engine) == (11, 7, 12, 3)


def test_a_reimport_updates_by_key_and_a_changed_plan_becomes_a_new_version(
    engine: Engine, admin: Actor
) -> None:
    products = "part_number,name,unit,gtin\nBREAD,Bread,ea,4012345000016\nSALT,Salt,kg,"
    plans = "product,step,characteristic,kind,lsl,usl\nBREAD,final,weight,variable,495,520"
    run(engine, admin, "all", [table("products", products), table("plans", plans)])
    # The GTIN moves from BREAD to SALT in one file: no unique-index clash mid-write.
    products2 = "part_number,name,unit,gtin\nBREAD,Bread 500 g,ea,\nSALT,Salt,kg,4012345000016"
    plans2 = "product,step,characteristic,kind,lsl,usl\nBREAD,final,weight,variable,495,525"
    report = run(engine, admin, "all", [table("products", products2), table("plans", plans2)])
    assert report.problems == ()
    assert counts(report) == {"products": (0, 2, 0), "plans": (0, 1, 0)}
    with UnitOfWork(engine, write=False) as uow:
        versions = inspections.plan_versions(uow, product="BREAD", step="final")
        salt = uow.session.scalars(select(Product).where(Product.part_number == "SALT")).one()
        assert salt.gtin == "04012345000016"
    assert [(v.version, v.active) for v in versions] == [(1, False), (2, True)]
    assert versions[1].characteristics[0].usl == Decimal("525")
    report = run(engine, admin, "plans", [table("plans", plans2)])
    assert counts(report) == {"plans": (0, 0, 1)}


def test_with_any_problem_nothing_is_written_and_every_problem_is_listed(
    engine: Engine, admin: Actor
) -> None:
    products = "part_number,name,unit\nGOOD,Good,kg\nBAD,Bad,bucket\nGOOD,Twice,kg"
    locations = "code,name,kind,parent\nSITE,Site,site,\nHALL,Hall,area,NOWHERE"
    report = run(engine, admin, "all", [table("products", products), table("locations", locations)])
    assert not report.written
    assert {(p.sheet, p.row, p.column) for p in report.problems} == {
        ("products", 3, "unit"),
        ("products", 4, "part_number"),
        ("locations", 3, "parent"),
    }
    assert rows_of(engine) == (0, 0, 0, 0)


def test_a_dry_run_counts_but_writes_nothing(engine: Engine, admin: Actor) -> None:
    report = run(engine, admin, "all", read_sheets(SAMPLE / "master_data.xlsx"), dry_run=True)
    assert report.problems == ()
    assert not report.written
    assert counts(report)["plans"] == (3, 0, 0)
    assert rows_of(engine) == (0, 0, 0, 0)


def test_an_operator_may_not_import_and_a_quality_manager_writes_audited_entries(
    engine: Engine, admin: Actor
) -> None:
    with UnitOfWork(engine) as uow:
        for name, role in (("olga", Role.OPERATOR), ("quinn", Role.QUALITY_MANAGER)):
            users.add_user(
                uow, actor=admin, username=name, full_name=name, role=role, password="pass-word-1"
            )
    with UnitOfWork(engine) as uow:
        operator, manager = actor_for(uow, username="olga"), actor_for(uow, username="quinn")
    sheets = read_sheets(SAMPLE / "products.csv")
    with pytest.raises(PermissionDenied):
        run(engine, operator, "products", sheets, dry_run=True)
    run(engine, manager, "products", sheets)
    with UnitOfWork(engine, write=False) as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "products")
        ).all()
        assert len(entries) == 11
        assert {(e.username, e.action, e.reason) for e in entries} == {
            ("quinn", "create", "master data import from test")
        }


def test_an_unknown_sheet_or_kind_is_refused(engine: Engine, admin: Actor) -> None:
    with pytest.raises(InvalidInput, match="not a kind"):
        run(engine, admin, "stock", [table("x", "a\n1")])
    report = run(engine, admin, "all", [table("Tabelle1", "a\n1")])
    assert [p.sheet for p in report.problems] == ["Tabelle1"]


def test_a_supplier_in_the_customers_sheet_becomes_both_unless_a_kind_is_given(
    engine: Engine, admin: Actor
) -> None:
    run(engine, admin, "suppliers", [table("x", "code,name\nMILL,Mill")])
    report = run(
        engine, admin, "customers", [table("x", "code,name,contact_phone\nMILL,Mill,+49 1")]
    )
    assert counts(report) == {"parties": (0, 1, 0)}
    run(engine, admin, "parties", [table("x", "code,name,kind\nSHOP,Shop,supplier")])
    run(
        engine,
        admin,
        "parties",
        [table("x", "code,name,kind,contact_phone\nSHOP,Shop,customer,1 2 3")],
    )
    with UnitOfWork(engine, write=False) as uow:
        kinds = dict(uow.session.execute(select(Party.code, Party.kind)).all())
    assert kinds == {"MILL": "both", "SHOP": "customer"}
