"""Signing in at a shared-mode station while the server is gone, from what the station kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from traceapp.db.outbox import Outbox
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata, users
from traceapp.services.catalog import LocationInfo
from traceapp.services.offline_signin import (
    OfflineSignInRefused,
    can_start_offline,
    check_session,
    recheck_kept_sign_ins,
    remember_sign_in,
    sign_in_offline,
)
from traceapp.services.sync_cache import CACHE_NAME
from traceapp.services.sync_commands import apply_command, receive_request

from .conftest import Plant

PASSWORD = "floor-pass-2026"
RCV1 = LocationInfo(id=uuid.uuid4(), code="RCV1", name="Receiving dock", kind="station")


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The hash carries its parameters: the same code checks it, only faster than the default.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite")


def _olga(plant: Plant, role: str = "operator") -> Actor:
    with plant.uow() as uow:
        users.add_user(
            uow,
            actor=masterdata.actor_for(uow),
            username="olga",
            full_name="Olga",
            role=role,
            password=PASSWORD,
        )
    with plant.uow() as uow:
        return users.authenticate(uow, username="olga", password=PASSWORD, station="RCV1")


def _offline(outbox: Outbox, secret: str, **kwargs: object) -> Actor:
    return sign_in_offline(
        outbox,
        identity=str(kwargs.pop("identity", "Olga")),
        secret=secret,
        station="RCV1",
        locations=[RCV1],
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_person_who_signed_in_online_signs_in_offline_and_the_password_is_not_kept(
    plant: Plant, outbox: Outbox
) -> None:
    actor = _olga(plant)
    remember_sign_in(outbox, actor, secret=PASSWORD)

    again = _offline(outbox, PASSWORD)

    assert (again.user_id, again.username, again.role) == (actor.user_id, "olga", "operator")
    assert again.station_code == "RCV1"
    assert again.station_id == RCV1.id
    kept = outbox.cache_get("signin:user:olga")
    assert kept is not None
    assert PASSWORD not in kept[0]
    assert '"verifier": "$argon2' in kept[0]


def test_offline_wrong_passwords_are_refused_and_lock_the_account_here(
    plant: Plant, outbox: Outbox
) -> None:
    remember_sign_in(outbox, _olga(plant), secret=PASSWORD)
    for _ in range(users.MAX_FAILED_LOGINS):
        with pytest.raises(users.LoginFailed):
            _offline(outbox, "not-the-password")
    with pytest.raises(users.AccountLocked, match="locked"):
        _offline(outbox, PASSWORD)
    later = datetime.now(UTC) + users.LOCKOUT + timedelta(minutes=1)
    assert _offline(outbox, PASSWORD, now=later).username == "olga"


def test_an_old_or_unknown_sign_in_needs_the_server(plant: Plant, outbox: Outbox) -> None:
    remember_sign_in(outbox, _olga(plant), secret=PASSWORD)
    with pytest.raises(OfflineSignInRefused, match="has not signed in at this station"):
        _offline(outbox, PASSWORD, identity="sam")
    eight_days = datetime.now(UTC) + timedelta(days=8)
    with pytest.raises(OfflineSignInRefused, match="more than 7 days ago"):
        _offline(outbox, PASSWORD, now=eight_days)
    assert _offline(outbox, PASSWORD, now=eight_days, max_age=timedelta(days=10))
    with pytest.raises(OfflineSignInRefused, match="more than 0 days"):
        _offline(outbox, PASSWORD, max_age=timedelta(0))


def test_a_badge_and_its_pin_sign_in_offline(plant: Plant, outbox: Outbox) -> None:
    actor = _olga(plant)
    remember_sign_in(outbox, actor, secret="4711", badge="BADGE-0042")
    assert _offline(outbox, "4711", identity="BADGE-0042").username == "olga"
    with pytest.raises(users.LoginFailed):
        _offline(outbox, "4712", identity="BADGE-0042")
    assert not any("BADGE-0042" in name for name in outbox.cache_names("signin:"))


def test_online_again_a_disabled_user_is_forgotten_and_a_new_role_taken_over(
    plant: Plant, outbox: Outbox
) -> None:
    olga = _olga(plant)
    remember_sign_in(outbox, olga, secret=PASSWORD)
    with plant.uow() as uow:
        users.add_user(
            uow,
            actor=masterdata.actor_for(uow),
            username="sam",
            full_name="Sam",
            role="supervisor",
            password=PASSWORD,
        )
    with plant.uow() as uow:
        sam = users.authenticate(uow, username="sam", password=PASSWORD)
    remember_sign_in(outbox, sam, secret=PASSWORD)
    with plant.uow() as uow:
        users.disable_user(uow, actor=masterdata.actor_for(uow), username="olga", reason="left")
    with plant.uow() as uow:
        session_refused = check_session(uow, olga)
        forgotten = recheck_kept_sign_ins(outbox, uow)

    assert session_refused == "the account is disabled on the server"
    assert forgotten == ["olga"]
    with pytest.raises(OfflineSignInRefused):
        _offline(outbox, PASSWORD)
    assert _offline(outbox, PASSWORD, identity="sam").role == "supervisor"


def test_a_step_kept_offline_by_a_user_disabled_meanwhile_is_refused_for_review(
    plant: Plant,
) -> None:
    olga = _olga(plant)
    request = receive_request(
        supplier="MILL", product="FLOUR", supplier_lot_code="OFF-1", quantity=Quantity.parse("5 kg")
    )
    command = request.command(olga)
    with plant.uow() as uow:
        users.disable_user(uow, actor=masterdata.actor_for(uow), username="olga", reason="left")
    with plant.uow() as uow, pytest.raises(PermissionDenied, match="disabled on the server"):
        apply_command(uow, command)
    with UnitOfWork(plant.engine) as uow:
        assert Repository(uow.session).event(command.id) is None


def test_an_offline_start_needs_the_copy_and_a_kept_sign_in(plant: Plant, tmp_path: Path) -> None:
    path = tmp_path / "station" / "outbox.sqlite"
    assert not can_start_offline(path)
    box = Outbox(path)
    box.cache_put(CACHE_NAME, "{}")
    box.close()
    assert not can_start_offline(path)
    box = Outbox(path)
    remember_sign_in(box, _olga(plant), secret=PASSWORD)
    box.close()
    assert can_start_offline(path)
