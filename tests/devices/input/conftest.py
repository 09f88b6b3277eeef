"""Fixtures for input-source tests."""

from __future__ import annotations

import pytest

from tests.devices.input.helpers import FakeClock, Inbox


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
