"""Exact text round trips: GS separators, CR LF, non-ASCII, AIM identifiers, all input kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.devices.decoding.conftest import datamatrix_image, qr_image
from traceapp.devices.decoding import DecodedCode, decode_image
from traceapp.domain.codes import CodeKind, parse_code


def only(codes: tuple[DecodedCode, ...]) -> DecodedCode:
    assert len(codes) == 1, codes
    return codes[0]


def test_qr_text_with_cr_lf_and_non_ascii_comes_back_exactly() -> None:
    text = "Lot L-2024-117\r\nFlour type 550 – 25 kg\r\n"
    code = only(decode_image(qr_image(text)))
    assert code.text == text
    assert code.raw == text.encode("utf-8")
    assert code.format == "QRCode"
    assert code.decoder == "zxing-cpp"
    assert code.step == "plain"
    assert code.symbology_identifier is not None
    assert code.symbology_identifier.startswith("]Q")


def test_gs1_data_matrix_keeps_the_gs_separator_and_announces_gs1() -> None:
    image = datamatrix_image("(01)09506000134352(10)ABC(17)251231", gs1=True)
    code = only(decode_image(image))
    assert code.format == "DataMatrix"
    assert code.text == "0109506000134352" + "10ABC\x1d" + "17251231"
    assert code.symbology_identifier == "]d2"
    assert code.is_gs1
    parsed = parse_code(code.scan_text)
    assert parsed.kind is CodeKind.GS1_ELEMENT_STRING
    assert (parsed.gtin, parsed.lot) == ("09506000134352", "ABC")


def test_plain_data_matrix_keeps_cr_lf_and_is_not_gs1() -> None:
    text = "PART FLOUR-01\r\nLOT L2417"
    code = only(decode_image(datamatrix_image(text)))
    assert code.text == text
    assert code.symbology_identifier == "]d1"
    assert not code.is_gs1


def test_bgr_frames_and_picture_files_decode_like_gray_arrays(tmp_path: Path) -> None:
    gray = qr_image("FRAME-7")
    bgr = np.repeat(gray[:, :, None], 3, axis=2)
    path = tmp_path / "label.png"
    Image.fromarray(gray).save(path)
    assert only(decode_image(bgr)).text == "FRAME-7"
    assert only(decode_image(path)).text == "FRAME-7"
    assert only(decode_image(str(path))).text == "FRAME-7"


def test_corners_outline_the_symbol_in_image_coordinates() -> None:
    image = qr_image("CORNERS", box=4, border=4)
    code = only(decode_image(image))
    quiet = 4 * 4
    far = image.shape[0] - quiet
    xs = sorted(p.x for p in code.corners)
    ys = sorted(p.y for p in code.corners)
    # zxing-cpp puts corners on the outer edge of the modules, within a pixel or so.
    assert abs(xs[0] - quiet) <= 2
    assert abs(xs[-1] - far) <= 2
    assert abs(ys[0] - quiet) <= 2
    assert abs(ys[-1] - far) <= 2
