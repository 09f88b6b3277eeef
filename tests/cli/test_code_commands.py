"""`traceapp code parse`: the fields of a payload, or a refusal with the reason on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import qrcode

from traceapp.cli import main


def _parse(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["code", "parse", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_gs1_datamatrix_payload_with_a_typed_separator_gives_its_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _parse(capsys, "]d20109506000134352104512<GS>17271231", "--json")
    fields = json.loads(out)
    assert code == 0
    assert fields["kind"] == "gs1_element_string"
    assert fields["payload"] == "]d20109506000134352104512\x1d17271231"
    assert (fields["gtin"], fields["lot"], fields["expiry"]) == (
        "09506000134352",
        "4512",
        "2027-12-31",
    )


def test_an_rfid_epc_gives_gtin_serial_and_uris(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _parse(capsys, "3074257BF7194E4000001A85", "--json")
    fields = json.loads(out)
    assert code == 0
    assert fields["epc_uri"] == "urn:epc:id:sgtin:0614141.812345.6789"
    assert (fields["gtin"], fields["serial"]) == ("80614141123458", "6789")


def test_a_digital_link_gives_an_epc_uri_only_with_the_company_prefix_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    uri = "https://id.gs1.org/01/09506000134352/21/SER1"
    _, without, _ = _parse(capsys, uri, "--json")
    _, with_length, _ = _parse(capsys, uri, "--json", "--company-prefix-length", "7")
    assert json.loads(without)["epc_uri"] is None
    assert json.loads(with_length)["epc_uri"] == "urn:epc:id:sgtin:9506000.013435.SER1"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("(01)09506000134353(10)X", "check digit"),
        ("]d201095060001343521726134010ABC", "17"),
        ("3074257BF7194E4000001A", "cut short"),
        ("3374257BF7194E4000001A85", "GRAI-96"),
    ],
)
def test_a_bad_payload_exits_non_zero_with_the_reason_on_stderr(payload: str, reason: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "traceapp", "code", "parse", payload],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert reason in done.stderr
    assert done.stderr.startswith("error: ")


def _qr_png(path: Path, text: str) -> Path:
    qrcode.make(text).save(path)
    return path


def test_decode_reads_the_codes_of_each_image_and_parses_their_payloads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = _qr_png(tmp_path / "link.png", "https://id.gs1.org/01/09506000134352/10/L-1")
    plain = _qr_png(tmp_path / "plain.png", "FLOUR/F-1")
    code = main(["code", "decode", str(link), str(plain), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [entry["codes"][0]["text"] for entry in report] == [
        "https://id.gs1.org/01/09506000134352/10/L-1",
        "FLOUR/F-1",
    ]
    assert report[0]["codes"][0]["parsed"]["lot"] == "L-1"
    assert report[1]["codes"][0]["parsed"]["kind"] == "plain"


def test_decode_exits_1_when_an_image_shows_no_code_and_2_when_it_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    qrcode.make("x").resize((10, 10)).save(blank)  # far too small to hold a readable symbol
    assert main(["code", "decode", str(blank)]) == 1
    assert "no code" in capsys.readouterr().out
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert main(["code", "decode", str(broken)]) == 2
    assert "cannot be read" in capsys.readouterr().err
