"""Signing in at a shared-mode station while the server is out of reach.

At each sign-in that the server accepted, the station keeps, in its own outbox file, what it needs
to let the same person in again without the server: an argon2 verifier of the password (or of the
badge's PIN) made at this station (never the password itself), the user's id and role, and when.
Offline, a sign-in is checked against that, for `max_age` (7 days unless the settings say
otherwise); wrong tries count towards a lockout as on the server. When the server answers again,
every kept entry is checked against it: a user the server has disabled or locked is forgotten
(and a session of theirs is ended), a changed role is taken over.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from traceapp.db.models import User
from traceapp.db.outbox import Outbox
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError, NotFound
from traceapp.domain.ids import LocationId, UserId
from traceapp.services import users
from traceapp.services.catalog import LocationInfo
from traceapp.services.sync_cache import CACHE_NAME

USER_PREFIX = "signin:user:"
BADGE_PREFIX = "signin:badge:"
DEFAULT_MAX_AGE = timedelta(days=7)


class OfflineSignInRefused(KnownError):
    """The server is out of reach and this station cannot vouch for the person: not a bug."""

    code = "offline_sign_in_refused"


@dataclass(frozen=True, slots=True)
class KeptSignIn:
    """What the station keeps of one person's last sign-in (per user name, or per badge)."""

    username: str
    user_id: uuid.UUID
    role: str
    verifier: str  # argon2 of the password or PIN, made here; never the secret itself
    signed_in_at: datetime  # the last sign-in the server accepted
    failed: int = 0
    locked_until: datetime | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "username": self.username,
                "user_id": str(self.user_id),
                "role": self.role,
                "verifier": self.verifier,
                "signed_in_at": self.signed_in_at.isoformat(),
                "failed": self.failed,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> KeptSignIn:
        data = json.loads(text)
        locked = data.get("locked_until")
        return cls(
            username=str(data["username"]),
            user_id=uuid.UUID(data["user_id"]),
            role=str(data["role"]),
            verifier=str(data["verifier"]),
            signed_in_at=datetime.fromisoformat(data["signed_in_at"]),
            failed=int(data.get("failed", 0)),
            locked_until=datetime.fromisoformat(locked) if locked else None,
        )


def _user_key(username: str) -> str:
    return USER_PREFIX + username.strip().lower()


def _badge_key(badge: str) -> str:
    return BADGE_PREFIX + users.badge_digest(badge)


def remember_sign_in(
    outbox: Outbox, actor: Actor, *, secret: str, badge: str | None = None
) -> None:
    """Keep what lets `actor` sign in here again offline (after the server accepted `secret`)."""
    kept = KeptSignIn(
        username=actor.username,
        user_id=uuid.UUID(str(actor.user_id)),
        role=actor.role,
        verifier=users.hash_secret(secret),
        signed_in_at=datetime.now(UTC),
    )
    outbox.cache_put(_badge_key(badge) if badge else _user_key(actor.username), kept.to_json())


def forget_user(outbox: Outbox, username: str) -> None:
    """Drop every kept sign-in of `username` (the server refused them, or disabled the account)."""
    name = username.strip().lower()
    for key in outbox.cache_names("signin:"):
        stored = outbox.cache_get(key)
        if stored is not None and KeptSignIn.from_json(stored[0]).username == name:
            outbox.cache_delete(key)


def sign_in_offline(
    outbox: Outbox,
    *,
    identity: str,
    secret: str,
    station: str | None,
    locations: Sequence[LocationInfo],
    max_age: timedelta = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> Actor:
    """The actor for `identity` (a badge or a user name) and `secret`, from the kept sign-ins."""
    moment = now or datetime.now(UTC)
    failed = users.LoginFailed(
        "The user name or password is wrong.", hint="Check them and try again."
    )
    key = _badge_key(identity)
    stored = outbox.cache_get(key)
    if stored is None:
        key = _user_key(identity)
        stored = outbox.cache_get(key)
    if stored is None:
        raise OfflineSignInRefused(
            f"The server cannot be reached, and {identity.strip()!r} has not signed in at this "
            "station while it could.",
            hint="Sign in with an account that signed in here before, or wait for the server.",
        )
    kept = KeptSignIn.from_json(stored[0])
    if max_age <= timedelta(0) or moment - kept.signed_in_at > max_age:
        days = max_age.total_seconds() / 86_400
        raise OfflineSignInRefused(
            f"The server cannot be reached, and {kept.username} last signed in here on "
            f"{kept.signed_in_at.astimezone():%Y-%m-%d %H:%M}: more than {days:g} days ago.",
            hint="Signing in needs the server again. Ask IT about the network.",
        )
    if kept.locked_until is not None and kept.locked_until > moment:
        minutes = max(1, int((kept.locked_until - moment).total_seconds() // 60) + 1)
        raise users.AccountLocked(
            f"The account {kept.username} is locked after {users.MAX_FAILED_LOGINS} failed logins.",
            hint=f"Try again in {minutes} minutes, or ask an administrator.",
        )
    try:
        users.verify_secret(kept.verifier, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        tries = kept.failed + 1
        locked = moment + users.LOCKOUT if tries >= users.MAX_FAILED_LOGINS else None
        outbox.cache_put(key, replace(kept, failed=tries, locked_until=locked).to_json())
        raise failed from None
    if kept.failed or kept.locked_until is not None:
        outbox.cache_put(key, replace(kept, failed=0, locked_until=None).to_json())
    place = None
    if station is not None:
        place = next((p for p in locations if p.code == station), None)
        if place is None:
            raise NotFound(
                f"There is no station {station!r} in this station's copy of the master data.",
                hint="Pick one from the location list.",
            )
    return Actor(
        user_id=UserId(kept.user_id),
        username=kept.username,
        role=kept.role,
        station_id=LocationId(place.id) if place is not None else None,
        station_code=place.code if place is not None else None,
    )


def refused_by_server(user: User | None, *, role: str | None = None) -> str | None:
    """Why the server no longer lets this user in (None: it does)."""
    if user is None or not user.active:
        return "the account is disabled on the server"
    if user.locked_until is not None and user.locked_until > datetime.now(UTC):
        return "the account is locked on the server"
    if role is not None and user.role != role:
        return f"the account's role changed on the server to {user.role}"
    return None


def recheck_kept_sign_ins(outbox: Outbox, uow: UnitOfWork) -> list[str]:
    """Check every kept sign-in against the server (online again): forget the users it refuses,
    take over changed roles. Returns the user names forgotten."""
    repo = Repository(uow.session)
    forgotten: list[str] = []
    for key in outbox.cache_names("signin:"):
        stored = outbox.cache_get(key)
        if stored is None:
            continue
        kept = KeptSignIn.from_json(stored[0])
        user = repo.user_by_name(kept.username)
        if user is not None and user.id != kept.user_id:
            user = None  # a new account under an old name is someone else
        if refused_by_server(user) is not None:
            outbox.cache_delete(key)
            forgotten.append(kept.username)
        elif user is not None and user.role != kept.role:
            outbox.cache_put(key, replace(kept, role=user.role).to_json())
    return sorted(set(forgotten))


def check_session(uow: UnitOfWork, actor: Actor) -> str | None:
    """Why the server ends `actor`'s session (signed in offline), or None when it may go on."""
    user = uow.session.get(User, uuid.UUID(str(actor.user_id)))
    return refused_by_server(user, role=actor.role)


def can_start_offline(outbox_path: Path) -> bool:
    """True when the station's outbox file holds what an offline start needs: the copy of the
    master data and at least one kept sign-in."""
    if not outbox_path.exists():
        return False
    outbox = Outbox(outbox_path)
    try:
        return outbox.cache_get(CACHE_NAME) is not None and bool(outbox.cache_names("signin:"))
    finally:
        outbox.close()
