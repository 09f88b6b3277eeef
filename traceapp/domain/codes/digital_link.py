"""GS1 Digital Link URIs on any domain, read by biip; failures become typed errors."""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings

from traceapp.domain.codes import gs1
from traceapp.domain.codes.errors import RESCAN, MalformedDigitalLink

# GS1 Digital Link primary keys (gtin, itip, gmn, cpid, gln, payTo, partyGln, gsrnp, gsrn, gcn,
# sscc, gdti, ginc, gsin, grai, giai). A web address with none of them in its path is an ordinary
# link (a plant's intranet page, a supplier's site) and is left to the other readers.
_PRIMARY_KEYS = frozenset(
    {"01", "8006", "8013", "8010", "414", "415", "417", "8017", "8018"}
    | {"255", "00", "253", "401", "402", "8003", "8004"}
)


def looks_like_digital_link(text: str) -> bool:
    """An http(s) URI with a GS1 primary key followed by a value somewhere in its path."""
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    if parts.scheme not in ("http", "https"):
        return False
    segments = parts.path.split("/")
    return any(key in _PRIMARY_KEYS and value for key, value in pairwise(segments))


def parse_digital_link(text: str) -> GS1ElementStrings:
    """The element strings a Digital Link URI carries, validated like any GS1 element string."""
    try:
        elements = GS1DigitalLinkURI.parse(text, config=gs1.LENIENT).element_strings
    except ParseError as exc:
        _diagnose(text)  # raises the typed error when one element is to blame
        raise MalformedDigitalLink(
            f"{text[:80]!r} is not a valid GS1 Digital Link: {exc}",
            hint="Check the path: /01/<GTIN> first, then /10/<lot>, /21/<serial> in that order;"
            " other AIs go in the query, e.g. ?17=251231. " + RESCAN,
        ) from None
    except ValueError:
        raise MalformedDigitalLink(
            f"{text[:80]!r} is not a well-formed web address.", hint=RESCAN
        ) from None
    gs1.validate(elements)
    return elements


def _diagnose(text: str) -> None:
    """Raise the typed error of the first AI/value pair biip could not read, if there is one."""
    parts = urlsplit(text)
    segments = parts.path.split("/")
    start = next((i for i, key in enumerate(segments) if key in _PRIMARY_KEYS), len(segments))
    for key, value in zip(segments[start::2], segments[start + 1 :: 2], strict=False):
        gs1.parse_one(key, unquote(value))
    for key, value in parse_qsl(parts.query):
        # Query parameters that are no AI (linkType, …) are ignored by Digital Link, so here too.
        if gs1.is_application_identifier(key):
            gs1.parse_one(key, value)
