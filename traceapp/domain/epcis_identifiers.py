"""EPCIS identifiers both ways: what an EPC URI or Digital Link names, and how ours are spelled.

Export spells GS1 keys as EPC URIs or as GS1 Digital Link (a plant setting); anything without a
GS1 key gets an `https://<plant domain>/...` URI. A GTIN becomes an EPC only with its company
prefix length (never guessed): without it the Digital Link form is used in either style.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from traceapp.domain.codes.epc import EpcIdentity, escape_serial, parse_uri, sscc_identity
from traceapp.domain.codes.errors import CodeError
from traceapp.domain.errors import InvalidInput

DIGITAL_LINK_HOST = "https://id.gs1.org"
DEFAULT_PLANT_DOMAIN = "plant.invalid"  # RFC 2606: visibly not a real domain until one is set
_DOMAIN = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*"
)
_LGTIN = re.compile(r"urn:epc:class:lgtin:(\d+)\.(\d+)\.(.+)")
_DL_GTIN = re.compile(r"https?://[^/?#]+(?:/[^?#]*?)?/01/(\d{14})((?:/(?:22|10|21)/[^/?#]+)*)/?")
_DL_SSCC = re.compile(r"https?://[^/?#]+(?:/[^?#]*?)?/00/(\d{18})/?")

# Our units -> UN/CEFACT Recommendation 20 codes (EPCIS uom). A count ("ea") has no uom.
UNIT_TO_UOM = {
    "kg": "KGM",
    "g": "GRM",
    "mg": "MGM",
    "t": "TNE",
    "lb": "LBR",
    "l": "LTR",
    "ml": "MLT",
    "m3": "MTQ",
    "m": "MTR",
}
UOM_TO_UNIT = {uom: unit for unit, uom in UNIT_TO_UOM.items()}
COUNT_UNIT = "ea"


class IdentifierStyle(enum.StrEnum):
    EPC = "epc"
    DIGITAL_LINK = "digital_link"


class ObjectKind(enum.StrEnum):
    INSTANCE = "instance"  # one thing: SGTIN, GIAI, GRAI, a Digital Link with a serial
    CLASS = "class"  # a lot or a product class: LGTIN, a Digital Link without a serial
    PATTERN = "pattern"  # urn:epc:idpat: many things at once; never an object of its own
    CONTAINER = "container"  # SSCC


@dataclass(frozen=True, slots=True)
class IdentifierFacts:
    """What an identifier says about the object it names (fields it does not carry are None)."""

    identifier: str
    kind: ObjectKind
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sscc: str | None = None
    company_prefix_length: int | None = None


def identify(identifier: str) -> IdentifierFacts:
    """Read an EPC URI or GS1 Digital Link; anything else is an instance known only by its URI."""
    lowered = identifier[:8].lower() + identifier[8:]
    if lowered.startswith("urn:epc:idpat:"):
        return IdentifierFacts(identifier, ObjectKind.PATTERN)
    if lowered.startswith(("urn:epc:id:sgtin:", "urn:epc:id:sscc:")):
        try:
            epc = parse_uri(identifier)
        except CodeError:
            return IdentifierFacts(identifier, ObjectKind.INSTANCE)
        if epc.scheme == "sscc":
            return IdentifierFacts(
                identifier,
                ObjectKind.CONTAINER,
                sscc=epc.sscc,
                company_prefix_length=len(epc.company_prefix),
            )
        return IdentifierFacts(
            identifier,
            ObjectKind.INSTANCE,
            gtin=epc.gtin,
            serial=epc.serial,
            company_prefix_length=len(epc.company_prefix),
        )
    if match := _LGTIN.fullmatch(lowered):
        prefix, reference, lot = match.groups()
        if len(prefix) + len(reference) == 13:
            gtin = EpcIdentity("sgtin", prefix, reference).gtin
            return IdentifierFacts(
                identifier,
                ObjectKind.CLASS,
                gtin=gtin,
                lot=unquote(lot),
                company_prefix_length=len(prefix),
            )
        return IdentifierFacts(identifier, ObjectKind.CLASS)
    if match := _DL_SSCC.fullmatch(identifier):
        return IdentifierFacts(identifier, ObjectKind.CONTAINER, sscc=match.group(1))
    if match := _DL_GTIN.fullmatch(identifier):
        gtin, rest = match.groups()
        parts = rest.strip("/").split("/") if rest else []
        keys = dict(zip(parts[::2], (unquote(v) for v in parts[1::2]), strict=True))
        serial = keys.get("21")
        return IdentifierFacts(
            identifier,
            ObjectKind.INSTANCE if serial else ObjectKind.CLASS,
            gtin=gtin,
            lot=keys.get("10"),
            serial=serial,
        )
    return IdentifierFacts(identifier, ObjectKind.INSTANCE)


@dataclass(frozen=True, slots=True)
class IdentifierSettings:
    """How an export spells identifiers. `company_prefix_length` is the plant's own GS1 company
    prefix length, for its SSCCs and GLNs in EPC style (products carry their own)."""

    style: IdentifierStyle = IdentifierStyle.EPC
    plant_domain: str = DEFAULT_PLANT_DOMAIN
    company_prefix_length: int | None = None

    def __post_init__(self) -> None:
        if not _DOMAIN.fullmatch(self.plant_domain):
            raise InvalidInput(
                f"{self.plant_domain!r} is not a domain name.",
                hint="Give the plant's domain, e.g. plant.example.com (no https://, no path).",
            )
        if self.company_prefix_length is not None and not 6 <= self.company_prefix_length <= 12:
            raise InvalidInput(
                f"A GS1 company prefix has 6 to 12 digits, not {self.company_prefix_length}."
            )

    def plant_uri(self, kind: str, *names: str) -> str:
        """`https://<plant domain>/<kind>/<name>/...`, each name percent-encoded."""
        return "/".join([f"https://{self.plant_domain}", kind, *(quote(n, safe="") for n in names)])

    def lot_class(
        self, *, part_number: str, lot_code: str, gtin: str | None, prefix_length: int | None
    ) -> str:
        """A lot as a class (quantityList epcClass): LGTIN, Digital Link or a plant URI."""
        if gtin is None:
            return self.plant_uri("lot", part_number, lot_code)
        if self.style is IdentifierStyle.EPC and prefix_length is not None:
            prefix = gtin[1 : 1 + prefix_length]
            reference = gtin[0] + gtin[1 + prefix_length : 13]
            return f"urn:epc:class:lgtin:{prefix}.{reference}.{escape_serial(lot_code)}"
        return f"{DIGITAL_LINK_HOST}/01/{gtin}/10/{quote(lot_code, safe='')}"

    def container(self, *, code: str, sscc: str | None) -> str:
        if sscc is None:
            return self.plant_uri("container", code)
        if self.style is IdentifierStyle.EPC and self.company_prefix_length is not None:
            return sscc_identity(sscc, self.company_prefix_length).pure_uri
        return f"{DIGITAL_LINK_HOST}/00/{sscc}"

    def location(self, *, code: str, gln: str | None) -> str:
        """A read point or business location: SGLN (extension 0), Digital Link 414, or ours."""
        if gln is None:
            return self.plant_uri("location", code)
        if self.style is IdentifierStyle.EPC and self.company_prefix_length is not None:
            split = self.company_prefix_length
            return f"urn:epc:id:sgln:{gln[:split]}.{gln[split:12]}.0"
        return f"{DIGITAL_LINK_HOST}/414/{gln}"

    def party(self, *, code: str, gln: str | None) -> str:
        """An owning party: PGLN, Digital Link 417, or ours."""
        if gln is None:
            return self.plant_uri("party", code)
        if self.style is IdentifierStyle.EPC and self.company_prefix_length is not None:
            split = self.company_prefix_length
            return f"urn:epc:id:pgln:{gln[:split]}.{gln[split:12]}"
        return f"{DIGITAL_LINK_HOST}/417/{gln}"


def uom_of(unit: str | None) -> str | None:
    """The EPCIS uom of one of our units; None for a count (and for no unit)."""
    if unit is None or unit == COUNT_UNIT:
        return None
    return UNIT_TO_UOM.get(unit, unit if re.fullmatch(r"[A-Z0-9]{2,3}", unit) else None)


def unit_of(uom: str | None) -> str:
    """Our unit for an EPCIS uom; a uom we have no unit for is kept as it came."""
    if uom is None:
        return COUNT_UNIT
    return UOM_TO_UNIT.get(uom, uom)
