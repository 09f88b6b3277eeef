"""Look up lots and containers by what a person scans or types."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from traceapp.db.models import Lot, LotEdge, Product
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import UnknownCode
from traceapp.domain.ids import EventId, LotId
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.results import ContainerSummary, GenealogyLink, LotDetail, LotSummary
from traceapp.services.recording import find_container, find_lot
from traceapp.services.summaries import (
    container_summaries,
    event_summaries,
    lot_summaries,
    quantity,
)


def _may_read(actor: Actor | None) -> None:
    # The CLI's read-only commands run without a login; a signed-in station names its user.
    if actor is not None:
        require(actor.role, UseCase.READ, username=actor.username)


def lot_detail(uow: UnitOfWork, code: str, *, actor: Actor | None = None) -> LotDetail:
    """Status, quantities, history, parents and children of the lot a code names."""
    _may_read(actor)
    repo = Repository(uow.session)
    row = find_lot(repo, code)
    if row is None:
        raise UnknownCode(code.strip())
    summary = lot_summaries(repo, [(row.lot, row.product)])[0]
    events = event_summaries(repo, repo.events_of_lot(row.lot.id))
    parents, children = repo.edges_of(row.lot.id)
    return LotDetail(
        lot=summary,
        events=events,
        parents=tuple(_links(parents, parent=True)),
        children=tuple(_links(children, parent=False)),
        containers=tuple(repo.open_containers_of_lot(row.lot.id)),
    )


def _links(rows: list[tuple[LotEdge, str]], *, parent: bool) -> list[GenealogyLink]:
    links = []
    for edge, name in rows:
        lot_id = edge.parent_lot_id if parent else edge.child_lot_id
        amount = quantity(edge.quantity or Decimal(0), edge.unit or "ea")
        links.append(
            GenealogyLink(
                lot=name, lot_id=LotId(lot_id), quantity=amount, event_id=EventId(edge.event_id)
            )
        )
    return links


def container_summary(uow: UnitOfWork, code: str) -> ContainerSummary:
    repo = Repository(uow.session)
    container = find_container(repo, code)
    if container is None:
        raise UnknownCode(code.strip())
    return container_summaries(repo, [container])[0]


def escape_like(text: str) -> str:
    """Make % and _ typed by a person match themselves, not any text."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_lots(
    uow: UnitOfWork,
    *,
    limit: int = 200,
    text: str | None = None,
    status: str | None = None,
    actor: Actor | None = None,
) -> tuple[LotSummary, ...]:
    """Lots newest first, filtered by a code or part fragment and a status (bound parameters only)."""
    _may_read(actor)
    query = select(Lot, Product).join(Product, Product.id == Lot.product_id)
    if text:
        pattern = f"%{escape_like(text.strip())}%"
        full_name = Product.part_number + "/" + Lot.lot_code
        query = query.where(
            full_name.ilike(pattern, escape="\\")
            | Product.name.ilike(pattern, escape="\\")
            | Lot.supplier_lot_code.ilike(pattern, escape="\\")
        )
    if status:
        query = query.where(Lot.status == status)
    rows = uow.session.execute(query.order_by(Lot.created_at.desc()).limit(limit))
    return lot_summaries(Repository(uow.session), list(rows))
