"""Every CLI test logs in: the admin's first password and the login come from the environment."""

from __future__ import annotations

import os

import pytest

ADMIN_PASSWORD = "admin-test-pass-1"
# What a script sets: a new database gets this admin password; commands log in as admin.
LOGIN_ENV = {
    "TRACEAPP_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "TRACEAPP_USER": "admin",
    "TRACEAPP_PASSWORD": ADMIN_PASSWORD,
}
_LOGIN_VARIABLES = (
    *LOGIN_ENV,
    "TRACEAPP_NEW_PASSWORD",
    "TRACEAPP_NEW_PIN",
    "TRACEAPP_SIGN_PASSWORD",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a `python -m traceapp` run: no TRACEAPP_* of the developer's, logged in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEAPP_")}
    env.update(LOGIN_ENV)
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _logged_in(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LOGIN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in LOGIN_ENV.items():
        monkeypatch.setenv(name, value)
