"""Electronic signatures (21 CFR Part 11): who signs, when, meaning, bound to the signed record."""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from traceapp.db.models import Signature, User
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.domain.ids import new_uuid
from traceapp.services.recording import now_utc
from traceapp.services.users import LoginFailed, authenticate


class Meaning(enum.StrEnum):
    APPROVED = "approved"
    REVIEWED = "reviewed"
    RELEASED = "released"
    REJECTED = "rejected"
    AUTHORED = "authored"
    VERIFIED = "verified"


class SignatureRefused(KnownError):
    """The signer could not be confirmed (wrong password, another person's session)."""

    code = "signature_refused"


@dataclass(frozen=True, slots=True)
class SignatureSummary:
    """What every printout of a signed record shows (§11.50): name, time, meaning."""

    id: uuid.UUID
    printed_name: str
    username: str
    signed_at: datetime
    meaning: Meaning
    record_type: str
    record_id: str
    record_hash: str

    def line(self) -> str:
        return f"{self.meaning.value.capitalize()} by {self.printed_name} ({self.username}) on {self.signed_at:%Y-%m-%d %H:%M} UTC"


def record_hash(content: Mapping[str, object]) -> str:
    """The hash a signature is bound to: any later change to the record breaks the match."""
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def sign(
    uow: UnitOfWork,
    *,
    signer: str,
    password: str,
    meaning: Meaning,
    record_type: str,
    record_id: str,
    content: Mapping[str, object],
) -> SignatureSummary:
    """Sign a record. The signer types user name and password at every signing, whoever is
    logged in: that meets §11.200 for signings outside one continuous session as well."""
    try:
        actor = authenticate(uow, username=signer, password=password)
    except LoginFailed as exc:
        raise SignatureRefused(
            "The signature was not accepted: user name or password is wrong.",
            hint="Type them again.",
        ) from exc
    if not record_id.strip():
        raise InvalidInput("Nothing to sign: the record has no id.")
    user = uow.session.get_one(User, actor.user_id)
    uow.acting(actor, reason=f"signature: {meaning.value}")
    signature = Signature(
        id=new_uuid(),
        user_id=user.id,
        printed_name=user.full_name,
        signed_at=now_utc(),
        meaning=meaning.value,
        record_type=record_type,
        record_id=record_id,
        record_hash=record_hash(content),
    )
    uow.session.add(signature)
    uow.commit()
    return _summary(signature, user.username)


def signatures_of(
    uow: UnitOfWork, *, record_type: str, record_id: str
) -> tuple[SignatureSummary, ...]:
    rows = uow.session.execute(
        select(Signature, User.username)
        .join(User, User.id == Signature.user_id)
        .where(Signature.record_type == record_type, Signature.record_id == record_id)
        .order_by(Signature.signed_at)
    )
    return tuple(_summary(signature, username) for signature, username in rows)


def still_matches(signature: SignatureSummary, content: Mapping[str, object]) -> bool:
    """True while the record is what was signed."""
    return signature.record_hash == record_hash(content)


def _summary(signature: Signature, username: str) -> SignatureSummary:
    return SignatureSummary(
        id=signature.id,
        printed_name=signature.printed_name,
        username=username,
        signed_at=signature.signed_at,
        meaning=Meaning(signature.meaning),
        record_type=signature.record_type,
        record_id=signature.record_id,
        record_hash=signature.record_hash,
    )
