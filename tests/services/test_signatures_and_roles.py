"""Signatures bound to what was signed; every cell of the role x use-case table enforced."""

from __future__ import annotations

import uuid

import pytest

from traceapp.domain.actor import Actor
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.ids import UserId
from traceapp.domain.permissions import PERMISSIONS, Role, UseCase, allowed, require
from traceapp.services.signatures import (
    Meaning,
    SignatureRefused,
    sign,
    signatures_of,
    still_matches,
)
from traceapp.services.users import (
    AccountLocked,
    LoginFailed,
    add_user,
    authenticate,
    authenticate_badge,
)

from .conftest import Plant

PASSWORD = "correct horse 9"


@pytest.fixture
def quality(plant: Plant) -> Plant:
    with plant.uow() as uow:
        add_user(
            uow,
            actor=plant.actor,
            username="qm",
            full_name="Quinn Manager",
            role=Role.QUALITY_MANAGER,
            password=PASSWORD,
            badge="BADGE-0042",
            pin="4321",
        )
    return plant


def test_a_signature_names_the_signer_time_and_meaning_and_binds_the_record(quality: Plant) -> None:
    record = {"lot": "FLOUR/F-1", "decision": "release"}
    with quality.uow() as uow:
        signed = sign(
            uow,
            signer="qm",
            password=PASSWORD,
            meaning=Meaning.RELEASED,
            record_type="lot",
            record_id="F-1",
            content=record,
        )
    assert signed.printed_name == "Quinn Manager"
    assert signed.line().startswith("Released by Quinn Manager (qm) on ")
    with quality.uow() as uow:
        (stored,) = signatures_of(uow, record_type="lot", record_id="F-1")
    assert still_matches(stored, record)
    assert not still_matches(stored, {**record, "decision": "reject"})


def test_a_wrong_password_gives_no_signature(quality: Plant) -> None:
    with quality.uow() as uow, pytest.raises(SignatureRefused):
        sign(
            uow,
            signer="qm",
            password="guess",
            meaning=Meaning.APPROVED,
            record_type="lot",
            record_id="F-1",
            content={},
        )
    with quality.uow() as uow:
        assert signatures_of(uow, record_type="lot", record_id="F-1") == ()


def test_repeated_failures_lock_the_account_and_say_for_how_long(quality: Plant) -> None:
    for _ in range(5):
        with quality.uow() as uow, pytest.raises(LoginFailed):
            authenticate(uow, username="qm", password="wrong one")
    with quality.uow() as uow, pytest.raises(AccountLocked, match=r"Try again in 1[56] minutes"):
        authenticate(uow, username="qm", password=PASSWORD)


def test_a_badge_and_its_pin_log_in(quality: Plant) -> None:
    with quality.uow() as uow:
        actor = authenticate_badge(uow, badge="BADGE-0042", pin="4321", station="RCV1")
    assert (actor.username, actor.role, actor.station_code) == ("qm", "quality_manager", "RCV1")
    with quality.uow() as uow, pytest.raises(LoginFailed):
        authenticate_badge(uow, badge="BADGE-0042", pin="0000")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("use_case", list(UseCase))
def test_every_cell_of_the_permission_table_is_enforced(role: Role, use_case: UseCase) -> None:
    actor = Actor(user_id=UserId(uuid.uuid4()), username="someone", role=role.value)
    if use_case in PERMISSIONS[role]:
        require(actor.role, use_case, username=actor.username)
        assert allowed(role, use_case)
    else:
        with pytest.raises(
            PermissionDenied, match=f"someone is .* and may not {use_case.value.replace('_', ' ')}"
        ):
            require(actor.role, use_case, username=actor.username)


def test_an_auditor_only_reads_and_exports() -> None:
    assert PERMISSIONS[Role.AUDITOR] == {UseCase.READ, UseCase.EXPORT, UseCase.VERIFY_AUDIT}
    assert not allowed("no-such-role", UseCase.READ)
