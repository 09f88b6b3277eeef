"""`trace_walk.as_uuid` (ids read as text, made UUIDs without the constructor) and `raw_id`."""

from __future__ import annotations

import pickle
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traceapp.db.trace_walk import as_uuid, raw_id


@given(st.uuids(version=None) | st.uuids(version=4))
def test_either_database_spelling_gives_the_same_uuid_as_the_constructor(value: uuid.UUID) -> None:
    for raw in (raw_id("sqlite", value), raw_id("postgresql", value), value.hex.upper()):
        made = as_uuid(raw)
        assert type(made) is uuid.UUID
        assert made == value
        assert hash(made) == hash(value)
        assert str(made) == str(value)
        assert made.version == value.version
        assert made.is_safe is uuid.SafeUUID.unknown
        assert pickle.loads(pickle.dumps(made)) == value


def test_a_made_uuid_is_as_immutable_as_any() -> None:
    made = as_uuid(uuid.uuid4().hex)
    with pytest.raises(TypeError):
        made.int = 5  # type: ignore[misc]


def _constructed(raw: str) -> uuid.UUID | str:
    try:
        return uuid.UUID(raw)
    except ValueError as error:
        return f"ValueError: {error}"


@pytest.mark.parametrize(
    "raw",
    [
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
        "",
        "1234",
        "g" * 32,  # letters, not hex digits
        "+" + "1" * 31,  # a sign, an underscore, a space: int() takes them, so does UUID()
        "1_23" + "4" * 28,
        " " + "1" * 31,
        "12345678-1234-5678-1234-56781234567z",
        "١" * 32,  # digits, but not ASCII ones
    ],
)
def test_any_other_text_is_what_the_constructor_makes_of_it(raw: str) -> None:
    try:
        made: uuid.UUID | str = as_uuid(raw)
    except ValueError as error:
        made = f"ValueError: {error}"
    assert made == _constructed(raw)
