"""Users: accounts, passwords (argon2), lockout after failures, badge + PIN login."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from traceapp.db.models import User
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME, SYSTEM_USERNAME, Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, KnownError, NotFound
from traceapp.domain.ids import LocationId, UserId, new_uuid
from traceapp.domain.permissions import Role, UseCase, require
from traceapp.services.recording import clean_text, now_utc

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)  # long enough to stop guessing, short enough for a shift
MIN_PASSWORD_LENGTH = 10
MIN_PIN_LENGTH = 4
_hasher = PasswordHasher()


class LoginFailed(KnownError):
    """Wrong user name, password, badge or PIN. The message never says which one."""

    code = "login_failed"


class AccountLocked(KnownError):
    """Too many failed logins in a row; the account opens again after a while."""

    code = "account_locked"


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: UserId
    username: str
    full_name: str
    role: str
    active: bool
    has_badge: bool
    locked_until: datetime | None


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(digest: str, secret: str) -> None:
    """Raise argon2's VerificationError (or a subclass) unless `secret` matches `digest`."""
    _hasher.verify(digest, secret)


def badge_digest(badge: str) -> str:
    # A badge code is a long random identifier: a plain SHA-256 finds it by index without
    # keeping it readable; the PIN that goes with it is the secret, hashed with argon2.
    return hashlib.sha256(badge.strip().encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip() != password:
        raise InvalidInput("A password may not start or end with spaces.")


def add_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    role: Role | str,
    password: str,
    badge: str | None = None,
    pin: str | None = None,
) -> UserSummary:
    require(actor.role, UseCase.MANAGE_USERS, username=actor.username)
    uow.acting(actor)
    name = username.strip().lower()
    if (
        not name.isascii()
        or not name.replace(".", "").replace("-", "").replace("_", "").isalnum()
        or len(name) > 64
    ):
        raise InvalidInput(
            f"{username!r} is not a valid user name.", hint="Use letters, digits, '.', '-' or '_'."
        )
    checked_role = Role(role) if role in Role._value2member_map_ else None
    if checked_role is None or checked_role is Role.SYSTEM:
        roles = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
        raise InvalidInput(f"{role!r} is not a role.", hint=f"Use one of: {roles}.")
    repo = Repository(uow.session)
    if repo.user_by_name(name) is not None:
        raise AlreadyExists(f"User {name} already exists.")
    _check_password(password)
    user = User(
        id=new_uuid(),
        username=name,
        full_name=clean_text(full_name, field="full name", limit=200) or name,
        role=checked_role.value,
        active=True,
        password_hash=hash_secret(password),
        password_changed_at=now_utc(),
        failed_logins=0,
        created_at=now_utc(),
    )
    if badge is not None:
        set_badge(user, badge, pin)
    uow.session.add(user)
    uow.commit()
    return summary(user)


def set_badge(user: User, badge: str, pin: str | None) -> None:
    if not pin or len(pin) < MIN_PIN_LENGTH or not pin.isdigit():
        raise InvalidInput(f"A badge needs a PIN of at least {MIN_PIN_LENGTH} digits.")
    user.badge_digest = badge_digest(badge)
    user.pin_hash = hash_secret(pin)


def summary(user: User) -> UserSummary:
    return UserSummary(
        id=UserId(user.id),
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        active=user.active,
        has_badge=user.badge_digest is not None,
        locked_until=user.locked_until,
    )


def list_users(uow: UnitOfWork, *, actor: Actor) -> tuple[UserSummary, ...]:
    require(actor.role, UseCase.READ, username=actor.username)
    return tuple(
        summary(user) for user in uow.session.scalars(select(User).order_by(User.username))
    )


def authenticate(
    uow: UnitOfWork, *, username: str, password: str, station: str | None = None
) -> Actor:
    """The actor for a user name and password; failures count towards a lockout."""
    user = Repository(uow.session).user_by_name(username.strip().lower())
    return _verify(
        uow, user, password, lambda u: u.password_hash, station=station, claimed=username
    )


def authenticate_badge(
    uow: UnitOfWork, *, badge: str, pin: str, station: str | None = None
) -> Actor:
    """The actor for a badge scan and its PIN."""
    user = uow.session.scalar(select(User).where(User.badge_digest == badge_digest(badge)))
    return _verify(uow, user, pin, lambda u: u.pin_hash, station=station, claimed="badge")


def _verify(
    uow: UnitOfWork,
    user: User | None,
    secret: str,
    stored: object,
    *,
    station: str | None,
    claimed: str,
) -> Actor:
    failed = LoginFailed("The user name or password is wrong.", hint="Check them and try again.")
    if user is None or not user.active or user.role == Role.SYSTEM.value:
        raise failed
    now = now_utc()
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(
            f"The account {user.username} is locked after {MAX_FAILED_LOGINS} failed logins.",
            hint=f"Try again in {minutes} minutes, or ask an administrator.",
        )
    digest = stored(user)  # type: ignore[operator]
    try:
        if digest is None:
            raise VerifyMismatchError
        _hasher.verify(digest, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        uow.act_as(user.id, user.username, station=station, reason="login failed")
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
        uow.commit()
        raise failed from None
    if user.failed_logins or user.locked_until is not None:
        uow.act_as(user.id, user.username, station=station, reason="login succeeded")
        user.failed_logins = 0
        user.locked_until = None
        uow.commit()
    station_row = Repository(uow.session).location_by_code(station) if station else None
    if station is not None and station_row is None:
        raise NotFound(f"There is no station {station!r}.", hint="Pick one from the location list.")
    del claimed
    return Actor(
        user_id=UserId(user.id),
        username=user.username,
        role=user.role,
        station_id=LocationId(station_row.id) if station_row else None,
        station_code=station_row.code if station_row else None,
    )


def admin_needs_password(uow: UnitOfWork) -> bool:
    """True for a new database whose `admin` has no password yet (nobody can log in)."""
    admin = Repository(uow.session).user_by_name(LOCAL_ADMIN_USERNAME)
    return admin is not None and admin.password_hash is None


def set_first_admin_password(
    uow: UnitOfWork, *, password: str, full_name: str | None = None
) -> UserSummary:
    """Give a new database's `admin` its first password; refused once it has one."""
    admin = Repository(uow.session).user_by_name(LOCAL_ADMIN_USERNAME)
    if admin is None or admin.password_hash is not None:
        raise AlreadyExists(
            "The first administrator is already set up.",
            hint="Log in as admin, or ask an administrator.",
        )
    _check_password(password)
    uow.act_as(None, SYSTEM_USERNAME, reason="first administrator set up")
    admin.password_hash = hash_secret(password)
    admin.password_changed_at = now_utc()
    if full_name:
        admin.full_name = clean_text(full_name, field="full name", limit=200) or admin.full_name
    uow.commit()
    return summary(admin)


def change_password(uow: UnitOfWork, *, actor: Actor, username: str, new_password: str) -> None:
    """Users change their own password; administrators set anyone's."""
    if username.strip().lower() != actor.username:
        require(actor.role, UseCase.MANAGE_USERS, username=actor.username)
    user = Repository(uow.session).user_by_name(username.strip().lower())
    if user is None or user.role == Role.SYSTEM.value:
        raise NotFound(f"There is no user {username!r}.")
    _check_password(new_password)
    uow.acting(actor, reason="password changed")
    user.password_hash = hash_secret(new_password)
    user.password_changed_at = now_utc()
    user.failed_logins = 0
    user.locked_until = None
    uow.commit()


def disable_user(uow: UnitOfWork, *, actor: Actor, username: str, reason: str) -> UserSummary:
    """A user who left: the account stays (the trail names it) but can no longer log in."""
    require(actor.role, UseCase.MANAGE_USERS, username=actor.username)
    why = clean_text(reason, field="reason")
    if not why:
        raise InvalidInput("Disabling a user needs a reason.")
    user = Repository(uow.session).user_by_name(username.strip().lower())
    if user is None or user.role == Role.SYSTEM.value:
        raise NotFound(f"There is no user {username!r}.")
    if user.username == actor.username:
        raise InvalidInput(
            "You cannot disable your own account.", hint="Ask another administrator."
        )
    uow.acting(actor, reason=why)
    user.active = False
    uow.commit()
    return summary(user)
