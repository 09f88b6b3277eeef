"""Property tests: no payload crashes the parser, and every GS1 form round-trips its fields."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

from hypothesis import example, given
from hypothesis import strategies as st

from traceapp.domain.codes import GS, CodeError, InternalPattern, ParsedCode, parse_code

# GS1 AI encodable character set 82. The bracketed form cannot carry "(" in a value (it would
# start the next AI), so its round trip leaves the brackets out.
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
AI82_WITHOUT_BRACKETS = AI82.replace("(", "").replace(")", "")
PATTERNS = (InternalPattern("lot label", r"(?P<part>[A-Z]+-\d{2})/(?P<lot>L\d{4})"),)


def check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


gtins = st.text("0123456789", min_size=13, max_size=13).map(lambda body: body + check_digit(body))
# Two-digit years read as 20YY until about 2050 (GS1's sliding century window).
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))


def lots(alphabet: str = AI82) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=20)


def outcome(payload: str) -> ParsedCode | CodeError:
    """The parser's answer; anything but a ParsedCode or a CodeError propagates and fails."""
    try:
        result: ParsedCode | CodeError = parse_code(
            payload, patterns=PATTERNS, company_prefix_length=7
        )
    except CodeError as exc:
        result = exc
    if isinstance(result, CodeError):
        assert result.message  # every refusal says what is wrong
    else:
        json.dumps(result.to_json_dict())  # and every result can be printed by the CLI
    return result


@given(st.text(max_size=600))
@example("]")
@example("]X")
@example("]d2")
@example("(01)")
@example("https://[::1/01/1")
@example("urn:epc:id:sgtin:0614141.812345.%FF")
@example("30" * 12)
def test_no_text_crashes_the_parser(payload: str) -> None:
    outcome(payload)


code_like = st.text("0123456789ABCDEFabcdef()[]%/:.?=-_ ]\x1durn:epchtps", max_size=80)


@given(
    st.one_of(
        code_like,
        st.builds(
            "".join,
            st.lists(
                st.sampled_from(
                    [
                        "]d2",
                        "01",
                        "10",
                        "17",
                        GS,
                        "21",
                        "00",
                        "3103",
                        "(",
                        ")",
                        "https://x.org/",
                        "urn:epc:id:sgtin:",
                        "0614141.",
                        "9",
                    ]
                )
            ),
        ),
    )
)
def test_no_code_like_text_crashes_the_parser(payload: str) -> None:
    outcome(payload)


@given(gtins, lots(), lots(), dates)
def test_raw_element_strings_round_trip(gtin: str, lot: str, serial: str, expiry: date) -> None:
    payload = f"]d201{gtin}17{expiry:%y%m%d}10{lot}{GS}21{serial}"
    code = parse_code(payload)
    assert (code.gtin, code.lot, code.serial, code.expiry) == (gtin, lot, serial, expiry)


@given(gtins, lots(AI82_WITHOUT_BRACKETS), lots(AI82_WITHOUT_BRACKETS), dates)
def test_bracketed_element_strings_round_trip(
    gtin: str, lot: str, serial: str, expiry: date
) -> None:
    code = parse_code(f"(01){gtin}(10){lot}(21){serial}(17){expiry:%y%m%d}")
    assert (code.gtin, code.lot, code.serial, code.expiry) == (gtin, lot, serial, expiry)


@given(gtins, lots(), lots(), dates)
def test_digital_links_round_trip(gtin: str, lot: str, serial: str, expiry: date) -> None:
    path = f"/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
    code = parse_code(f"https://example.com{path}?17={expiry:%y%m%d}")
    assert (code.gtin, code.lot, code.serial, code.expiry) == (gtin, lot, serial, expiry)


@given(gtins, st.integers(2000, 2049), st.integers(1, 12))
def test_day_00_round_trips_to_the_last_day_of_the_month(gtin: str, year: int, month: int) -> None:
    code = parse_code(f"(01){gtin}(17){year % 100:02d}{month:02d}00")
    assert code.expiry is not None
    assert (code.expiry.year, code.expiry.month) == (year, month)
    assert date.fromordinal(code.expiry.toordinal() + 1).day == 1  # the month's last day


@given(st.text(min_size=1, max_size=40).filter(lambda text: text.strip() and GS not in text))
def test_whatever_parses_keeps_the_payload_verbatim(payload: str) -> None:
    result = outcome(payload)
    if isinstance(result, ParsedCode):
        assert result.payload == payload
