"""The demo plant's people: one account per role, with passwords printed for trying the app."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import LOCAL_ADMIN_USERNAME, Actor
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.permissions import Role, UseCase, require
from traceapp.services.masterdata import actor_for
from traceapp.services.users import add_user, admin_needs_password, set_first_admin_password

DEMO_ADMIN_PASSWORD = "demo-admin-2026"


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    password: str


DEMO_USERS = (
    DemoUser("anna.op", "Anna Operator", Role.OPERATOR.value, "demo-anna-2026"),
    DemoUser("bruno.sup", "Bruno Supervisor", Role.SUPERVISOR.value, "demo-bruno-2026"),
    DemoUser("claire.qm", "Claire Quality", Role.QUALITY_MANAGER.value, "demo-claire-2026"),
    DemoUser("dmitri.aud", "Dmitri Auditor", Role.AUDITOR.value, "demo-dmitri-2026"),
)


def set_up_demo_users(
    engine: Engine, actor: Actor | None = None
) -> tuple[Actor, tuple[DemoUser, ...]]:
    """Give `admin` the demo password (a new database only) and add one user per role.

    In a new database (its `admin` has no password yet) the builder acts for the administrator
    it has just set up. Once `admin` has a password, accounts with printed passwords may only be
    added by an administrator who logged in: `actor` must be given and may build the demo.
    Returns the acting administrator, who records the demo's master data, and the accounts made.
    """
    admin = DemoUser(
        LOCAL_ADMIN_USERNAME, "Demo Administrator", Role.ADMIN.value, DEMO_ADMIN_PASSWORD
    )
    made = []
    if actor is not None:
        require(actor.role, UseCase.BUILD_DEMO, username=actor.username)
    with UnitOfWork(engine) as uow:
        if admin_needs_password(uow):
            set_first_admin_password(uow, password=admin.password, full_name=admin.full_name)
            made.append(admin)
    if actor is None and not made:
        raise PermissionDenied(
            "This database's administrator already has a password: only a logged-in "
            "administrator may add the demo's accounts to it.",
            hint="Log in as an administrator (traceapp --user admin demo ...).",
        )
    if actor is not None:
        acting = actor
    else:
        with UnitOfWork(engine) as uow:
            # A new database: the builder is the app itself acting for the administrator it
            # has just given the (printed) demo password.
            acting = actor_for(uow, username=LOCAL_ADMIN_USERNAME)
    for person in DEMO_USERS:
        with UnitOfWork(engine) as uow:
            if Repository(uow.session).user_by_name(person.username) is not None:
                continue
            add_user(
                uow,
                actor=acting,
                username=person.username,
                full_name=person.full_name,
                role=person.role,
                password=person.password,
            )
            made.append(person)
    return acting, tuple(made)
