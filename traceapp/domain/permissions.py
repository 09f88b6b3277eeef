"""Who may do what: one table of role x use case, checked by every use case in the services."""

from __future__ import annotations

import enum

from traceapp.domain.errors import PermissionDenied


class Role(enum.StrEnum):
    OPERATOR = "operator"  # operators and inspectors at a station
    SUPERVISOR = "supervisor"
    QUALITY_MANAGER = "quality_manager"
    AUDITOR = "auditor"  # read and export only
    ADMIN = "admin"
    SYSTEM = "system"  # TraceApp acting by itself (an automatic hold), naming the rule


class UseCase(enum.StrEnum):
    RECEIVE = "receive"
    PRODUCE = "produce"
    PACK = "pack"
    UNPACK = "unpack"
    SHIP = "ship"
    MOVE = "move"
    CORRECT = "correct"
    READ = "read"  # look up lots, traces, audit trail
    EXPORT = "export"  # reports, spreadsheets, EPCIS
    MANAGE_MASTER_DATA = "manage_master_data"  # products, parties, locations
    MANAGE_USERS = "manage_users"
    VERIFY_AUDIT = "verify_audit"
    BUILD_DEMO = "build_demo"
    HOLD = "hold"  # stop a lot, with a reason
    LIFT_HOLD = "lift_hold"  # signed
    RELEASE = "release"  # signed
    DISPOSE = "dispose"  # reject, rework, scrap; signed
    MANAGE_PLANS = "manage_plans"  # inspection plans and their versions
    INSPECT = "inspect"  # record an inspection of a lot against its plan


_FLOOR = frozenset(
    {UseCase.RECEIVE, UseCase.PRODUCE, UseCase.PACK, UseCase.UNPACK, UseCase.SHIP, UseCase.MOVE}
)
_LOOK = frozenset({UseCase.READ, UseCase.EXPORT, UseCase.VERIFY_AUDIT})

# Dispositions: anyone on the floor who sees a problem may stop a lot (HOLD). A supervisor may
# lift a hold set for a problem that turned out to be none (signed). Releasing, rejecting,
# reworking and scrapping are quality decisions: the quality manager answers for them (signed).
# An auditor decides nothing. The system holds by itself when a rule fires (failed inspection,
# SPC signal), naming the rule; it never lifts or releases.
# Inspections: operators are the inspectors at their stations, and anyone above them on the floor
# may inspect too (the auditor only reads what was found; the system measures nothing). An
# inspection plan sets the limits every lot is judged by: the quality manager answers for it.
PERMISSIONS: dict[Role, frozenset[UseCase]] = {
    Role.OPERATOR: _FLOOR | {UseCase.READ, UseCase.HOLD, UseCase.INSPECT},
    # A correction reverses what an operator recorded: a supervisor answers for it.
    Role.SUPERVISOR: _FLOOR
    | _LOOK
    | {UseCase.CORRECT, UseCase.HOLD, UseCase.LIFT_HOLD, UseCase.INSPECT},
    Role.QUALITY_MANAGER: _FLOOR
    | _LOOK
    | {
        UseCase.CORRECT,
        UseCase.MANAGE_MASTER_DATA,
        UseCase.HOLD,
        UseCase.LIFT_HOLD,
        UseCase.RELEASE,
        UseCase.DISPOSE,
        UseCase.INSPECT,
        UseCase.MANAGE_PLANS,
    },
    Role.AUDITOR: _LOOK,
    Role.ADMIN: frozenset(UseCase),
    Role.SYSTEM: _FLOOR | {UseCase.READ, UseCase.HOLD},
}

_LABELS = {
    Role.OPERATOR: "an operator",
    Role.SUPERVISOR: "a supervisor",
    Role.QUALITY_MANAGER: "a quality manager",
    Role.AUDITOR: "an auditor",
    Role.ADMIN: "an administrator",
    Role.SYSTEM: "the system",
}


def allowed(role: Role | str, use_case: UseCase) -> bool:
    try:
        return use_case in PERMISSIONS[Role(role)]
    except ValueError:
        return False  # an unknown role may do nothing


def require(role: Role | str, use_case: UseCase, *, username: str) -> None:
    """Refuse, with who may do it instead, when the role may not perform the use case."""
    if allowed(role, use_case):
        return
    who = [_LABELS[r] for r in Role if r is not Role.SYSTEM and use_case in PERMISSIONS[r]]
    label = _LABELS.get(Role(role), role) if role in Role._value2member_map_ else f"role {role!r}"
    raise PermissionDenied(
        f"{username} is {label} and may not {use_case.value.replace('_', ' ')}.",
        hint=f"Ask {' or '.join(who)} to do it." if who else "",
    )
