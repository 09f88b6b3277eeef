"""The shared EPCIS 2.0 examples and JSON schema (../shared), and a validator with formats checked."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = (ROOT / "../shared/standards/epcis").resolve()
SCHEMA = STANDARDS / "EPCIS-JSON-Schema.json"
EXAMPLE_NAMES = (
    "AssociationEvent-a.jsonld",
    "ErrorDeclarationAndCorrectiveEvent.jsonld",
    "Example-TransactionEvents-2020_07_03y.jsonld",
    "Example-Type-sourceOrDestination_measurement_bizTransaction.jsonld",
    "Example_9.6.1-ObjectEvent.jsonld",
    "Example_9.6.1-ObjectEventWithDigitalLink.jsonld",
    "Example_9.6.2-ObjectEvent.jsonld",
    "Example_9.6.3-AggregationEvent.jsonld",
    "Example_9.6.4-TransformationEvent.jsonld",
    "PersistentDisposition-example.jsonld",
    "SensorDataExample1.jsonld",
    "aggregation_event_all_possible_fields.jsonld",
    "object_event_all_possible_fields.jsonld",
    "transaction_event_all_possible_fields.jsonld",
    "transformation_event_all_possible_fields.jsonld",
)
# The two examples that give the same eventID to different events.
SHARED_ID = "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"


def require_standards() -> None:
    """Skip (only) where the shared standards folder is absent from this checkout."""
    if not SCHEMA.is_file():
        pytest.skip(f"{STANDARDS} is not here (the shared folder beside the repository)")


def example(name: str) -> bytes:
    require_standards()
    return (STANDARDS / name).read_bytes()


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    # Plain jsonschema skips these formats silently; jsonschema[format-nongpl] brings them.
    missing = {"uri", "date-time"} - set(checker.checkers)
    assert not missing, f"format checkers missing: {missing} (install jsonschema[format-nongpl])"
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def schema_errors(document: object) -> list[str]:
    """Every schema error of the document, as 'path: message' (empty when it validates)."""
    require_standards()
    return [
        f"{error.json_path}: {error.message[:300]}" for error in _validator().iter_errors(document)
    ]
