"""Master data of the demo plant: products and recipes, suppliers, customers, locations."""

from __future__ import annotations

import random
from dataclasses import dataclass

# GS1's own example company prefix: it can never collide with a real company's codes.
COMPANY_PREFIX = "0614141"
SUPPLIER_PREFIX = "4012345"  # fictional supplier prefix for the GTINs on raw materials
SITE_TZ = "Europe/Paris"


def gs1_check_digit(body: str) -> str:
    """GS1 mod-10 check digit of the digits before it (GTIN, SSCC, GLN)."""
    # Weights 3, 1, 3, ... from the rightmost digit (one call per container of a large plant).
    backwards = body[::-1]
    total = 3 * sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2]))
    return str((10 - total % 10) % 10)


def gtin13(prefix: str, item: int) -> str:
    body = f"{prefix}{item:0{12 - len(prefix)}d}"
    return body + gs1_check_digit(body)


def sscc(extension: int, serial: int) -> str:
    """SSCC-18: extension digit, our company prefix, serial reference, check digit."""
    body = f"{extension}{COMPANY_PREFIX}{serial:0{16 - len(COMPANY_PREFIX)}d}"
    return body + gs1_check_digit(body)


@dataclass(frozen=True, slots=True)
class RawMaterial:
    """A received material; quantities in grams (kg) or units (ea). Lot sizes are min..max."""

    part: str
    name: str
    unit: str  # kg or ea
    kind: str  # raw or packaging
    supplier: str
    shelf_life_days: int
    lot_min: int
    lot_max: int


@dataclass(frozen=True, slots=True)
class Recipe:
    """An intermediate made on a line type from fractions (per mille) of raw materials."""

    part: str
    name: str
    line: str  # sauce or bakery
    ingredients: tuple[tuple[str, int], ...]  # (raw part, per mille of batch mass)
    batch_min_kg: int
    batch_max_kg: int
    shelf_life_days: int
    skus: tuple[str, ...]
    weight: int  # how often it is made


@dataclass(frozen=True, slots=True)
class Sku:
    """A finished good: grams of intermediate per unit, its primary pack, units per case."""

    part: str
    name: str
    net_g: int
    yield_pct: int  # units made per 100 units of intermediate mass (baking loses water)
    packaging: str
    case_units: int
    shelf_life_days: int


@dataclass(frozen=True, slots=True)
class PartyInfo:
    code: str
    name: str
    kind: str
    contact_name: str
    contact_email: str
    contact_phone: str
    address: str


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    code: str
    name: str
    kind: str
    parent: str | None


T = 1000  # grams per kilogram

RAW_MATERIALS: tuple[RawMaterial, ...] = (
    RawMaterial(
        "RM-FLOUR-T55", "Wheat flour T55", "kg", "raw", "SUP-MOULINS", 180, 2000 * T, 9000 * T
    ),
    RawMaterial(
        "RM-SUGAR", "Fine white sugar", "kg", "raw", "SUP-SUCRERIE", 720, 1000 * T, 6000 * T
    ),
    RawMaterial("RM-SALT", "Fine sea salt", "kg", "raw", "SUP-SALINS", 1080, 400 * T, 1500 * T),
    RawMaterial(
        "RM-OIL-SUNF", "Sunflower oil", "kg", "raw", "SUP-HUILERIE", 365, 4000 * T, 18000 * T
    ),
    RawMaterial("RM-BUTTER", "Butter 82% fat", "kg", "raw", "SUP-LAITERIE", 60, 500 * T, 3000 * T),
    RawMaterial(
        "RM-EGG-LIQ", "Pasteurised liquid whole egg", "kg", "raw", "SUP-OVO", 21, 300 * T, 1500 * T
    ),
    RawMaterial(
        "RM-TOMATO", "Tomato paste 28-30 Brix", "kg", "raw", "SUP-TOMATES", 540, 1000 * T, 6000 * T
    ),
    RawMaterial(
        "RM-VINEGAR", "Spirit vinegar 10%", "kg", "raw", "SUP-EPICES", 720, 1000 * T, 5000 * T
    ),
    RawMaterial(
        "RM-MUSTARD", "Brown mustard seed", "kg", "raw", "SUP-EPICES", 365, 500 * T, 3000 * T
    ),
    RawMaterial("RM-SPICE", "Spice blend BBQ-7", "kg", "raw", "SUP-EPICES", 365, 100 * T, 500 * T),
    RawMaterial("RM-COCOA", "Cocoa powder 22/24", "kg", "raw", "SUP-CACAO", 720, 500 * T, 2000 * T),
    RawMaterial(
        "RM-MILK-PWD", "Skimmed milk powder", "kg", "raw", "SUP-LAITERIE", 365, 500 * T, 2000 * T
    ),
    RawMaterial(
        "PK-PET-500", "PET bottle 500 ml", "ea", "packaging", "SUP-PLASTIPACK", 1800, 8000, 24000
    ),
    RawMaterial(
        "PK-JAR-250", "Glass jar 250 ml", "ea", "packaging", "SUP-VERRERIE", 1800, 6000, 20000
    ),
    RawMaterial(
        "PK-JAR-200", "Glass jar 200 g", "ea", "packaging", "SUP-VERRERIE", 1800, 6000, 20000
    ),
    RawMaterial(
        "PK-TRAY-200", "Flow-pack tray 200 g", "ea", "packaging", "SUP-CARTON", 720, 10000, 40000
    ),
)

# Salt goes into every recipe: the large landmark lots are salt deliveries to the silo.
LANDMARK_MATERIAL = "RM-SALT"

RECIPES: tuple[Recipe, ...] = (
    Recipe(
        "IM-KETCHUP", "Ketchup base", "sauce",
        (("RM-TOMATO", 450), ("RM-SUGAR", 200), ("RM-VINEGAR", 150), ("RM-SALT", 30), ("RM-SPICE", 20)),
        600, 1400, 5, ("FG-KETCHUP-500",), 5,
    ),
    Recipe(
        "IM-BBQ", "Barbecue sauce base", "sauce",
        (("RM-TOMATO", 350), ("RM-SUGAR", 250), ("RM-VINEGAR", 100), ("RM-SALT", 25), ("RM-SPICE", 30)),
        500, 1200, 5, ("FG-BBQ-500",), 3,
    ),
    Recipe(
        "IM-MAYO", "Mayonnaise base", "sauce",
        (("RM-OIL-SUNF", 750), ("RM-EGG-LIQ", 80), ("RM-VINEGAR", 40), ("RM-SALT", 15), ("RM-MUSTARD", 20)),
        500, 1200, 3, ("FG-MAYO-250",), 4,
    ),
    Recipe(
        "IM-MUSTARD", "Dijon mustard base", "sauce",
        (("RM-MUSTARD", 300), ("RM-VINEGAR", 250), ("RM-SALT", 40), ("RM-SPICE", 10)),
        400, 1000, 7, ("FG-MUSTARD-200",), 2,
    ),
    Recipe(
        "IM-DOUGH-SHORT", "Shortbread dough", "bakery",
        (("RM-FLOUR-T55", 550), ("RM-BUTTER", 250), ("RM-SUGAR", 180), ("RM-SALT", 5), ("RM-EGG-LIQ", 50)),
        300, 700, 2, ("FG-SHORTBREAD-200",), 4,
    ),
    Recipe(
        "IM-DOUGH-COCOA", "Cocoa cookie dough", "bakery",
        (("RM-FLOUR-T55", 500), ("RM-BUTTER", 200), ("RM-SUGAR", 200), ("RM-COCOA", 60), ("RM-SALT", 5), ("RM-MILK-PWD", 30)),
        300, 700, 2, ("FG-COOKIE-COCOA-150",), 3,
    ),
)  # fmt: skip

SKUS: tuple[Sku, ...] = (
    Sku("FG-KETCHUP-500", "Tomato ketchup 500 ml", 560, 99, "PK-PET-500", 400, 365),
    Sku("FG-BBQ-500", "Barbecue sauce 500 ml", 550, 99, "PK-PET-500", 400, 365),
    Sku("FG-MAYO-250", "Mayonnaise 250 ml jar", 235, 99, "PK-JAR-250", 800, 180),
    Sku("FG-MUSTARD-200", "Dijon mustard 200 g jar", 200, 99, "PK-JAR-200", 800, 540),
    Sku("FG-SHORTBREAD-200", "Butter shortbread 200 g", 200, 88, "PK-TRAY-200", 600, 240),
    Sku("FG-COOKIE-COCOA-150", "Cocoa cookies 150 g", 150, 88, "PK-TRAY-200", 600, 240),
)

SUPPLIERS: tuple[tuple[str, str, str, str], ...] = (
    ("SUP-MOULINS", "Moulins de la Saône", "Julien Barbier", "Mâcon"),
    ("SUP-SUCRERIE", "Sucrerie de Picardie", "Nathalie Lemoine", "Roye"),
    ("SUP-SALINS", "Salins de Camargue", "Marc Aubert", "Aigues-Mortes"),
    ("SUP-HUILERIE", "Huilerie Rhodanienne", "Sophie Garnier", "Valence"),
    ("SUP-LAITERIE", "Laiterie des Alpes", "Pierre Vidal", "Annecy"),
    ("SUP-OVO", "Ovoprodex Bretagne", "Anne Le Gall", "Lamballe"),
    ("SUP-TOMATES", "Coopérative Tomates du Sud", "Luc Fabre", "Avignon"),
    ("SUP-EPICES", "Épices & Condiments Marchand", "Isabelle Marchand", "Dijon"),
    ("SUP-CACAO", "Cacaos Fins de Bordeaux", "Thomas Roux", "Bordeaux"),
    ("SUP-PLASTIPACK", "PlastiPack Europe", "Karin Vogel", "Mulhouse"),
    ("SUP-VERRERIE", "Verrerie de Lorraine", "Hugo Perrin", "Saint-Avold"),
    ("SUP-CARTON", "Cartonnerie du Rhône", "Claire Dumas", "Vienne"),
)

_CUSTOMER_TYPES = (
    "Hypermarché", "Supermarché", "Cash & Carry", "Grossiste", "Épicerie fine",
    "Restauration collective", "Centrale d'achat", "Traiteur",
)  # fmt: skip
_CITIES = (
    ("Lyon", "4 72"), ("Grenoble", "4 76"), ("Marseille", "4 91"), ("Dijon", "3 80"),
    ("Annecy", "4 50"), ("Clermont-Ferrand", "4 73"), ("Saint-Étienne", "4 77"),
    ("Valence", "4 75"), ("Chambéry", "4 79"), ("Besançon", "3 81"), ("Nîmes", "4 66"),
    ("Montpellier", "4 67"), ("Toulouse", "5 61"), ("Strasbourg", "3 88"), ("Nancy", "3 83"),
    ("Paris", "1 44"), ("Lille", "3 20"), ("Nantes", "2 40"), ("Rennes", "2 99"), ("Nice", "4 93"),
)  # fmt: skip
_FIRST = (
    "Camille",
    "Léa",
    "Hugo",
    "Manon",
    "Louis",
    "Chloé",
    "Lucas",
    "Emma",
    "Nicolas",
    "Sarah",
    "Antoine",
    "Julie",
)
_LAST = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
)


def _slug(text: str) -> str:
    plain = text.lower().translate(str.maketrans("éèêàâôûçî'&", "eeeaaouci  "))
    return "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def suppliers() -> list[PartyInfo]:
    rows = []
    for number, (code, name, contact, city) in enumerate(SUPPLIERS, start=1):
        rows.append(
            PartyInfo(
                code=code,
                name=name,
                kind="supplier",
                contact_name=contact,
                contact_email=f"qualite@{_slug(name)}.example",
                contact_phone=f"+33 4 {10 + number:02d} {20 + number:02d} 30 {40 + number:02d}",
                address=f"ZI des Fournisseurs {number}, {city}, France",
            )
        )
    return rows


def customers(rng: random.Random) -> list[PartyInfo]:
    """Between 28 and 36 customers, each with the recall contact a recall must reach."""
    pairs = [(kind, city) for kind in _CUSTOMER_TYPES for city in _CITIES]
    rng.shuffle(pairs)
    rows = []
    for number, (kind, (city, area)) in enumerate(pairs[: rng.randint(28, 36)], start=1):
        name = f"{kind} {city}"
        person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        rows.append(
            PartyInfo(
                code=f"CUST-{number:03d}",
                name=name,
                kind="customer",
                contact_name=person,
                contact_email=f"rappel.qualite@{_slug(name)}.example",
                contact_phone=f"+33 {area} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                address=f"{rng.randint(1, 180)} avenue du Commerce, {city}, France",
            )
        )
    return rows


SITE = "LYON"
RECEIVING_STATIONS = ("LYON-RCV-DOCK1", "LYON-RCV-DOCK2")
LINE_STATIONS = {"sauce": "LYON-SAUCE-ST1", "bakery": "LYON-BAKE-ST1"}
PACK_STATIONS = ("LYON-PACK-ST1", "LYON-PACK-ST2")
PALLET_STATION = "LYON-PAL-ST1"
WAREHOUSE_STATION = "LYON-WH-ST1"
SHIP_STATIONS = ("LYON-SHIP-DOCK1", "LYON-SHIP-DOCK2")
QC_STATION = "LYON-QC-LAB"

MIXER_NAMES = {"sauce": "Vacuum emulsifier", "bakery": "Spiral dough mixer"}
FILLER_NAMES = {"sauce": "Piston filler", "bakery": "Tunnel oven and flow-wrapper"}


def mixer_code(line: str, number: int) -> str:
    return f"LYON-{'SMX' if line == 'sauce' else 'BMX'}{number:02d}"


def filler_code(line: str, number: int) -> str:
    return f"LYON-{'SFL' if line == 'sauce' else 'OVN'}{number:02d}"


def locations(lines: dict[str, int]) -> list[PlaceInfo]:
    """Site -> areas -> stations -> equipment, with as many lines of each kind as asked."""
    rows = [PlaceInfo(SITE, "Lyon sauces and biscuits plant", "site", None)]
    areas = (
        ("LYON-RCV", "Goods receiving"),
        ("LYON-SAUCE", "Sauce hall"),
        ("LYON-BAKE", "Bakery hall"),
        ("LYON-PACK", "Case packing"),
        ("LYON-WH", "Finished goods warehouse"),
        ("LYON-SHIP", "Shipping"),
        ("LYON-QC", "Quality laboratory"),
    )
    rows += [PlaceInfo(code, name, "area", SITE) for code, name in areas]
    stations = (
        (RECEIVING_STATIONS[0], "Receiving dock 1", "LYON-RCV"),
        (RECEIVING_STATIONS[1], "Receiving dock 2", "LYON-RCV"),
        (LINE_STATIONS["sauce"], "Sauce hall control station", "LYON-SAUCE"),
        (LINE_STATIONS["bakery"], "Bakery control station", "LYON-BAKE"),
        (PACK_STATIONS[0], "Case packer 1", "LYON-PACK"),
        (PACK_STATIONS[1], "Case packer 2", "LYON-PACK"),
        (PALLET_STATION, "Palletiser", "LYON-PACK"),
        (WAREHOUSE_STATION, "Warehouse terminal", "LYON-WH"),
        (SHIP_STATIONS[0], "Shipping dock 1", "LYON-SHIP"),
        (SHIP_STATIONS[1], "Shipping dock 2", "LYON-SHIP"),
        (QC_STATION, "QC laboratory bench", "LYON-QC"),
    )
    rows += [PlaceInfo(code, name, "station", area) for code, name, area in stations]
    for line, count in lines.items():
        for number in range(1, count + 1):
            station = LINE_STATIONS[line]
            rows.append(
                PlaceInfo(
                    mixer_code(line, number), f"{MIXER_NAMES[line]} {number}", "equipment", station
                )
            )
            rows.append(
                PlaceInfo(
                    filler_code(line, number),
                    f"{FILLER_NAMES[line]} {number}",
                    "equipment",
                    station,
                )
            )
    return rows
