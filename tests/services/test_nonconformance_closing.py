"""Closing a nonconformance (SQLite and PostgreSQL): a quality manager signs it with a disposition
and a reason, once; others are refused; the list shows open ones first, then the closing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from traceapp.db.models import AuditEntry, Signature
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, PermissionDenied
from traceapp.domain.nonconformances import NcDisposition
from traceapp.domain.permissions import Role
from traceapp.services import inspections
from traceapp.services.dispositions import SignedBy
from traceapp.services.signatures import SignatureRefused

from .conftest import Plant
from .test_inspections import GOOD, PASSWORD, inspect, people, planned  # noqa: F401


@pytest.fixture
def failed(planned: Plant, people: dict[Role, Actor]) -> Plant:  # noqa: F811
    inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["16.04"]})
    return planned


def _close(plant: Plant, actor: Actor, signer: str, password: str = PASSWORD, **kwargs: object):  # type: ignore[no-untyped-def]
    with plant.uow() as uow:
        (nc,) = inspections.nonconformance_list(uow, actor=actor)
    with plant.uow() as uow:
        return inspections.close_nonconformance(
            uow,
            actor=actor,
            nonconformance=nc.id,
            disposition=kwargs.get("disposition", NcDisposition.NOT_CONFIRMED),  # type: ignore[arg-type]
            reason=str(kwargs.get("reason", "re-measured 12.9 %, the gauge was off")),
            signed_by=SignedBy(signer, password),
        )


def test_a_quality_manager_closes_it_signed_and_the_lot_lists_the_closing(
    failed: Plant,
    people: dict[Role, Actor],  # noqa: F811
) -> None:
    qm = people[Role.QUALITY_MANAGER]
    with failed.uow() as uow:
        (listed,) = inspections.nonconformance_list(uow, actor=qm, only_open=True)
    assert listed.open
    assert listed.lot == "FLOUR/F-1"
    closed = _close(failed, qm, "qm")
    assert (closed.status, closed.closed_by, closed.disposition) == (
        "closed",
        "qm",
        NcDisposition.NOT_CONFIRMED,
    )
    assert closed.close_reason == "re-measured 12.9 %, the gauge was off"
    assert closed.signature is not None
    assert closed.signature.startswith("Approved by qm (qm) on ")
    with failed.uow() as uow:
        assert inspections.nonconformance_list(uow, actor=qm, only_open=True) == ()
        (of_lot,) = inspections.nonconformance_entries_of(uow, "FLOUR/F-1")
        assert of_lot == closed
        signatures = uow.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.record_type == "nonconformance")
        )
        reasons = uow.session.scalars(
            select(AuditEntry.reason).where(AuditEntry.entity == "nonconformances")
        ).all()
    assert signatures == 1
    assert "nonconformance closed, not confirmed: re-measured 12.9 %, the gauge was off" in reasons


def test_closing_twice_is_refused(failed: Plant, people: dict[Role, Actor]) -> None:  # noqa: F811
    qm = people[Role.QUALITY_MANAGER]
    _close(failed, qm, "qm")
    with pytest.raises(InvalidInput, match="closed already"):
        _close(failed, qm, "qm")


def test_an_operator_cannot_close_and_a_wrong_password_records_nothing(
    failed: Plant,
    people: dict[Role, Actor],  # noqa: F811
) -> None:
    with pytest.raises(PermissionDenied):
        _close(failed, people[Role.OPERATOR], "op")
    qm = people[Role.QUALITY_MANAGER]
    with pytest.raises(SignatureRefused):
        _close(failed, qm, "qm", password="wrong-password-1")
    with pytest.raises(PermissionDenied):
        _close(failed, qm, "op")  # the signer must be entitled too
    with pytest.raises(InvalidInput, match="needs a reason"):
        _close(failed, qm, "qm", reason="  ")
    with failed.uow() as uow:
        (nc,) = inspections.nonconformance_list(uow, actor=qm)
    assert nc.open
