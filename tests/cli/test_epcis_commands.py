"""`traceapp epcis import|export` from the command line: counts, conflicts, refusals, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reports.epcis_schema import EXAMPLE_NAMES, SHARED_ID, STANDARDS, example, schema_errors
from traceapp.cli import main


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def _examples() -> list[str]:
    example(EXAMPLE_NAMES[0])  # skips where ../shared is absent
    return [str(STANDARDS / name) for name in EXAMPLE_NAMES]


def test_importing_the_examples_counts_events_objects_and_the_conflict(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    code, out, err = call(capsys, "--db", db_url, "--json", "epcis", "import", *_examples())
    assert code == 2, err  # one event was in conflict: not everything was applied
    result = json.loads(out)
    assert result["refused"] == 0
    assert result["conflicts"] == 1
    (conflicted,) = [d for d in result["documents"] if d["conflicts"]]
    assert conflicted["conflicts"][0]["event_id"] == SHARED_ID
    assert f"conflict: {conflicted['file']}: $.epcisBody.eventList[0]" in err
    total = sum(len(json.loads(example(n))["epcisBody"]["eventList"]) for n in EXAMPLE_NAMES)
    assert result["events"] == total - 1
    assert result["objects"] > 0
    assert result["duplicates"] == 0

    code, out, err = call(capsys, "--db", db_url, "--json", "epcis", "import", *_examples())
    again = json.loads(out)
    assert (again["events"], again["duplicates"], again["objects"]) == (0, total - 1, 0)

    document = tmp_path / "all.jsonld"
    code, out, err = call(
        capsys, "--db", db_url, "--json", "epcis", "export", "--out", str(document)
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["events"] == total - 1
    assert set(summary["types"]) == {
        "ObjectEvent",
        "AggregationEvent",
        "TransformationEvent",
        "TransactionEvent",
        "AssociationEvent",
    }
    assert schema_errors(json.loads(document.read_text(encoding="utf-8"))) == []


def test_a_broken_document_is_refused_with_its_path_and_the_others_import(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    data = json.loads(example("Example_9.6.1-ObjectEvent.jsonld"))
    data["epcisBody"]["eventList"][1]["bizTransactionList"][1]["bizTransaction"] = 42
    broken = tmp_path / "broken.jsonld"
    broken.write_text(json.dumps(data), encoding="utf-8")
    good = str(STANDARDS / "Example_9.6.4-TransformationEvent.jsonld")
    code, out, err = call(capsys, "--db", db_url, "--json", "epcis", "import", str(broken), good)
    assert code == 2
    result = json.loads(out)
    assert (result["events"], result["refused"]) == (1, 1)
    refusal = result["documents"][0]["error"]
    assert refusal["path"] == "$.epcisBody.eventList[1].bizTransactionList[1].bizTransaction"
    assert "expected text, found 42" in refusal["message"]
    assert "nothing of it was stored" in err

    # The refused document's first (valid) event was not stored either.
    out_file = tmp_path / "out.jsonld"
    call(capsys, "--db", db_url, "--json", "epcis", "export", "--out", str(out_file))
    events = json.loads(out_file.read_text(encoding="utf-8"))["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["TransformationEvent"]


def test_an_imported_transformation_is_traced_and_exported_by_lot(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    path = str(STANDARDS / "Example_9.6.4-TransformationEvent.jsonld")
    example("Example_9.6.4-TransformationEvent.jsonld")
    code, _, err = call(capsys, "--db", db_url, "epcis", "import", path)
    assert code == 0, err
    code, out, err = call(
        capsys,
        "--db",
        db_url,
        "--json",
        "trace",
        "urn:epc:id:sgtin:4012345.077889.26",
        "--direction",
        "backward",
    )
    assert code == 0, err
    traced: Any = json.loads(out)
    names = {lot["name"] for lot in traced["lots"]}
    assert "GTIN-04012345111118/4444" in names

    out_file = tmp_path / "lot.jsonld"
    code, out, err = call(
        capsys,
        "--db",
        db_url,
        "epcis",
        "export",
        "--lot",
        "urn:epc:class:lgtin:4012345.011111.4444",
        "--identifiers",
        "digital_link",
        "--domain",
        "bakery.example.com",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    assert "Events" in out
    (event,) = json.loads(out_file.read_text(encoding="utf-8"))["epcisBody"]["eventList"]
    assert event["eventID"].startswith("ni:///sha-256;e65c3a99")  # kept verbatim


def test_an_unreadable_file_is_refused_and_named(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.jsonld"
    code, out, err = call(capsys, "--db", db_url, "--json", "epcis", "import", str(missing))
    assert code == 2
    assert json.loads(out)["documents"][0]["error"]["message"].startswith("Cannot read")
    assert str(missing) in err


def test_export_refuses_a_window_that_ends_before_it_starts(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    code, _, err = call(
        capsys,
        "--db",
        db_url,
        "epcis",
        "export",
        "--from",
        "2026-03-02T00:00+01:00",
        "--to",
        "2026-03-01T00:00+01:00",
        "--out",
        str(tmp_path / "x.jsonld"),
    )
    assert code == 2
    assert "--to is not after --from" in err
