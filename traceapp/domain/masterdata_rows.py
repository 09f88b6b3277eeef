"""Master-data rows from spreadsheets: column names, cell parsing and every problem by row/column.

Pure: the reader (reports.sheets_in) hands over text cells, the import service hands over what
the database already holds (`Existing`) and writes what comes back when no problem was found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from biip.checksums import gs1_standard_check_digit

from traceapp.domain.errors import InvalidInput
from traceapp.domain.inspections import (
    MAX_SAMPLE_SIZE,
    NAME_PATTERN,
    Characteristic,
    CharacteristicKind,
)
from traceapp.domain.lots import ProductKind
from traceapp.domain.quantity import Quantity, normalize_unit

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")  # as masterdata's codes
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()/.\-]{3,40}$")
NUMBER_PATTERN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
MAX_NAME = 200
MAX_TEXT = 2000
MAX_STEP = 40
MAX_SHELF_LIFE_DAYS = 100_000
MAX_DECIMAL_PLACES = 6  # as Characteristic's MAX_DECIMALS; a default never exceeds it
PARTY_KINDS = ("supplier", "customer", "both")
# Site -> area -> station -> equipment: a location sits in one of a higher level.
LOCATION_LEVELS = {"site": 0, "area": 1, "station": 2, "equipment": 3}
HEADER_ROW = 0  # `row` of a problem with the column names rather than a data row

PRODUCTS = "products"
PARTIES = "parties"
LOCATIONS = "locations"
PLANS = "plans"
KINDS = (PRODUCTS, PARTIES, LOCATIONS, PLANS)
# What a sheet or the CLI may call a kind; suppliers/customers are parties of that kind.
KIND_NAMES = {
    "products": PRODUCTS,
    "product": PRODUCTS,
    "parties": PARTIES,
    "party": PARTIES,
    "suppliers": PARTIES,
    "supplier": PARTIES,
    "customers": PARTIES,
    "customer": PARTIES,
    "locations": LOCATIONS,
    "location": LOCATIONS,
    "stations": LOCATIONS,
    "plans": PLANS,
    "plan": PLANS,
    "inspection_plans": PLANS,
}
DEFAULT_PARTY_KIND = {"suppliers": "supplier", "supplier": "supplier", "customers": "customer"}
DEFAULT_PARTY_KIND["customer"] = "customer"


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row as text cells, with its line (CSV) or row (XLSX) number."""

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RawSheet:
    """A table as read: its name, the column names as written, and the data rows."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[RawRow, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong where: sheet, row number (0 = the column names), column, what to do."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = "column names" if self.row == HEADER_ROW else f"row {self.row}"
        column = f", {self.column}" if self.column else ""
        return f"{self.sheet} {where}{column}: {self.message}"


@dataclass(frozen=True, slots=True)
class ProductRow:
    row: int
    part_number: str
    name: str
    unit: str
    kind: str
    gtin: str | None
    company_prefix_length: int | None
    shelf_life_days: int | None


@dataclass(frozen=True, slots=True)
class PartyRow:
    row: int
    code: str
    name: str
    kind: str
    gln: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    address: str | None
    kind_given: bool = True  # False: the kind came from the sheet's name (suppliers, customers)


@dataclass(frozen=True, slots=True)
class LocationRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str | None
    gln: str | None


@dataclass(frozen=True, slots=True)
class PlanRows:
    """One plan (product at a step) gathered from its characteristic rows."""

    row: int  # the first of its rows
    product: str
    step: str
    sample_size: int
    characteristics: tuple[Characteristic, ...]


@dataclass(frozen=True, slots=True)
class Existing:
    """What the database already holds that the rows may refer to."""

    products: frozenset[str] = frozenset()
    gtins: Mapping[str, str] = field(default_factory=dict)  # GTIN-14 -> part number
    locations: Mapping[str, str] = field(default_factory=dict)  # code -> kind
    units_in_use: Mapping[str, str] = field(default_factory=dict)  # part with lots -> its unit
    location_parents: Mapping[str, str] = field(default_factory=dict)  # code -> parent code


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The typed rows of every kind, in writing order, and every problem found."""

    products: tuple[ProductRow, ...] = ()
    parties: tuple[PartyRow, ...] = ()
    locations: tuple[LocationRow, ...] = ()  # parents before their children
    plans: tuple[PlanRows, ...] = ()
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class KindCount:
    """How many records of one kind an import creates, updates or leaves unchanged."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome: counts per kind, and the problems (then nothing was written)."""

    source: str
    dry_run: bool
    written: bool
    counts: tuple[KindCount, ...]
    problems: tuple[Problem, ...]


# ---------------------------------------------------------------------------- column names


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Column, ...]] = {
    PRODUCTS: (
        Column("part_number", True, ("part", "part_no", "item", "item_number", "sku")),
        Column("name", True, ("description", "product_name")),
        Column("unit", True, ("uom", "unit_of_measure")),
        Column("kind", aliases=("type", "product_kind")),
        Column("gtin", aliases=("ean", "gtin_13", "gtin_14")),
        Column("company_prefix_length", aliases=("gs1_company_prefix_length", "prefix_length")),
        Column("shelf_life_days", aliases=("shelf_life",)),
    ),
    PARTIES: (
        Column("code", True, ("party_code", "supplier_code", "customer_code")),
        Column("name", True, ("company", "party_name")),
        Column("kind", aliases=("type", "party_kind")),
        Column(
            "gln",
        ),
        Column("contact_name", aliases=("contact", "recall_contact")),
        Column("contact_email", aliases=("email", "e_mail", "recall_email")),
        Column("contact_phone", aliases=("phone", "telephone", "recall_phone")),
        Column(
            "address",
        ),
    ),
    LOCATIONS: (
        Column("code", True, ("location_code", "location")),
        Column("name", True, ("location_name",)),
        Column("kind", True, ("type", "level")),
        Column("parent", aliases=("parent_code", "parent_location")),
        Column(
            "gln",
        ),
    ),
    PLANS: (
        Column("product", True, ("part_number", "part")),
        Column("step", True, ("inspection_step",)),
        Column("characteristic", True, ("name", "feature")),
        Column("kind", True, ("type",)),
        Column("sample_size", aliases=("samples", "n")),
        Column("nominal", aliases=("target",)),
        Column("lsl", aliases=("lower_limit", "min")),
        Column("usl", aliases=("upper_limit", "max")),
        Column(
            "unit",
        ),
        Column("decimals", aliases=("decimal_places",)),
        Column("answers", aliases=("choices",)),
        Column("passing", aliases=("pass", "passing_answers")),
        Column("max_count", aliases=("max_defects",)),
    ),
}


def header_key(text: str) -> str:
    """A column name as compared: 'Part Number ', 'part-number' and 'PART_NUMBER' are one."""
    return "_".join(re.findall(r"[0-9a-z]+", text.casefold()))


def kind_of(name: str) -> str | None:
    """The kind a sheet or CLI word names, or None."""
    return KIND_NAMES.get(header_key(name))


class _Cells:
    """The cells of one row by canonical column name, collecting problems instead of raising."""

    def __init__(self, sheet: str, row: RawRow, index: Mapping[str, int], out: list[Problem]):
        self.sheet = sheet
        self.row = row
        self.index = index
        self.out = out
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.out.append(Problem(self.sheet, self.row.number, column, message))

    def text(self, column: str, *, required: bool = False, limit: int = MAX_NAME) -> str | None:
        position = self.index.get(column)
        value = ""
        if position is not None and position < len(self.row.cells):
            value = self.row.cells[position].strip()
        if not value:
            if required:
                self.problem(column, "is empty; it is required.")
            return None
        if len(value) > limit:
            self.problem(column, f"is {len(value)} characters long; at most {limit} are allowed.")
            return None
        if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in value):
            self.problem(column, "contains control characters; retype it.")
            return None
        return value

    def code(self, column: str, *, required: bool = False) -> str | None:
        value = self.text(column, required=required)
        if value is not None and not CODE_PATTERN.match(value):
            self.problem(
                column,
                f"{value!r} is not a valid code: use up to 40 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
            return None
        return value

    def choice(self, column: str, choices: Sequence[str], default: str | None) -> str | None:
        value = self.text(column, required=default is None)
        if value is None:
            return default
        key = value.casefold()
        if key not in choices:
            self.problem(column, f"{value!r} is not one of {', '.join(choices)}.")
            return None
        return key

    def decimal(self, column: str) -> Decimal | None:
        value = self.text(column)
        return None if value is None else self._decimal(column, value)

    def _decimal(self, column: str, value: str) -> Decimal | None:
        number = parse_decimal(value)
        if number is None:
            self.problem(
                column,
                f"{value!r} is not a number: write e.g. 12.5 or 12,5, without thousands "
                "separators or units.",
            )
        return number

    def whole(self, column: str, *, low: int, high: int) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        number = parse_decimal(value)
        if number is None or number != number.to_integral_value() or not low <= number <= high:
            self.problem(column, f"{value!r} is not a whole number from {low} to {high}.")
            return None
        return int(number)

    def gs1_key(self, column: str, lengths: tuple[int, ...], what: str) -> str | None:
        value = self.text(column)
        if value is None:
            return None
        digits = value.replace(" ", "")
        if not digits.isascii() or not digits.isdigit() or len(digits) not in lengths:
            allowed = ", ".join(str(n) for n in lengths)
            self.problem(column, f"{value!r} is not a {what}: it has {allowed} digits.")
            return None
        if gs1_standard_check_digit(digits[:-1]) != int(digits[-1]):
            self.problem(column, f"{what} {digits} has a wrong check digit; retype it.")
            return None
        return digits


def parse_decimal(text: str) -> Decimal | None:
    """A finite decimal from a cell, or None. One comma and no dot is a decimal comma (as a
    German or French Excel writes); thousands separators are refused, never guessed."""
    value = text.strip().replace("\u2212", "-")
    if not NUMBER_PATTERN.match(value) or value.count(",") + value.count(".") > 1:
        return None
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number.adjusted()) > 15:
        return None
    return number


def _columns(sheet: RawSheet, kind: str, out: list[Problem]) -> dict[str, int] | None:
    """Canonical column name -> cell position; None when a required column is missing."""
    by_key: dict[str, str] = {}
    for column in COLUMNS[kind]:
        by_key[column.name] = column.name
        for alias in column.aliases:
            by_key[alias] = column.name
    index: dict[str, int] = {}
    ok = True
    for position, header in enumerate(sheet.headers):
        if not header.strip():
            continue
        name = by_key.get(header_key(header))
        if name is None:
            known = ", ".join(c.name for c in COLUMNS[kind])
            out.append(
                Problem(sheet.name, HEADER_ROW, header, f"is not a {kind} column; use {known}.")
            )
        elif name in index:
            out.append(Problem(sheet.name, HEADER_ROW, header, f"names {name} a second time."))
        else:
            index[name] = position
    for column in COLUMNS[kind]:
        if column.required and column.name not in index:
            out.append(Problem(sheet.name, HEADER_ROW, column.name, "is missing; it is required."))
            ok = False
    return index if ok else None


def _rows(sheet: RawSheet, kind: str, out: list[Problem]) -> Iterable[_Cells]:
    index = _columns(sheet, kind, out)
    if index is None:
        return
    for row in sheet.rows:
        yield _Cells(sheet.name, row, index, out)


def _no_duplicate(
    cells: _Cells, column: str, key: object, seen: dict[object, int], what: str
) -> bool:
    first = seen.get(key)
    if first is not None:
        cells.problem(column, f"{what} is already in row {first} of this file.")
        return False
    seen[key] = cells.row.number
    return True


# ---------------------------------------------------------------------------- products


def parse_products(
    sheets: Sequence[RawSheet], existing: Existing, out: list[Problem]
) -> list[ProductRow]:
    result: list[ProductRow] = []
    parts: dict[object, int] = {}
    gtins: dict[object, int] = {}
    kinds = tuple(k.value for k in ProductKind)
    file_gtins: dict[str, str | None] = {}
    candidates: list[tuple[_Cells, str | None, str | None]] = []
    typed: dict[int, ProductRow] = {}
    for sheet in sheets:
        for c in _rows(sheet, PRODUCTS, out):
            part = c.code("part_number", required=True)
            name = c.text("name", required=True)
            unit = c.text("unit", required=True, limit=16)
            if unit is not None:
                try:
                    unit = normalize_unit(unit)
                except InvalidInput as exc:
                    c.problem("unit", f"{exc.message} {exc.hint}")
            used = existing.units_in_use.get(part) if part else None
            if (
                unit is not None
                and used is not None
                and not Quantity.of(1, used).convertible_to(unit)
            ):
                # Lots keep their unit, but consumption and trace compare them with the
                # product's: kg -> g is fine, kg -> ea would leave old lots unreadable.
                c.problem(
                    "unit",
                    f"{part} has lots in {used}; its unit can change only to one of the same "
                    "kind (weight, volume, count, length).",
                )
            kind = c.choice("kind", kinds, ProductKind.RAW.value)
            gtin = c.gs1_key("gtin", (8, 12, 13, 14), "GTIN")
            gtin14 = gtin.zfill(14) if gtin else None
            prefix = c.whole("company_prefix_length", low=6, high=12)
            shelf = c.whole("shelf_life_days", low=0, high=MAX_SHELF_LIFE_DAYS)
            if part is not None:
                _no_duplicate(c, "part_number", part, parts, f"Part {part}")
            if gtin14 is not None:
                _no_duplicate(c, "gtin", gtin14, gtins, f"GTIN {gtin}")
            if part is not None:
                file_gtins[part] = gtin14
            if c.ok and part and name and unit and kind:
                typed[len(candidates)] = ProductRow(
                    c.row.number, part, name, unit, kind, gtin14, prefix, shelf
                )
            candidates.append((c, part, gtin14))
    for position, (c, part, gtin14) in enumerate(candidates):
        holder = existing.gtins.get(gtin14) if gtin14 else None
        # A GTIN may move from one product to another in one file (a relabel): only a holder
        # that keeps it clashes.
        if holder is not None and holder != part and file_gtins.get(holder, gtin14) == gtin14:
            c.problem("gtin", f"GTIN {gtin14} already belongs to product {holder}.")
        if c.ok and position in typed:
            result.append(typed[position])
    return result


# ---------------------------------------------------------------------------- parties


def parse_parties(sheets: Sequence[RawSheet], out: list[Problem]) -> list[PartyRow]:
    result: list[PartyRow] = []
    codes: dict[object, int] = {}
    for sheet in sheets:
        default = DEFAULT_PARTY_KIND.get(header_key(sheet.name))
        for c in _rows(sheet, PARTIES, out):
            code = c.code("code", required=True)
            name = c.text("name", required=True)
            kind = c.choice("kind", PARTY_KINDS, default)
            gln = c.gs1_key("gln", (13,), "GLN")
            contact = c.text("contact_name")
            email = c.text("contact_email")
            if email is not None and not EMAIL_PATTERN.match(email):
                c.problem("contact_email", f"{email!r} is not an e-mail address.")
            phone = c.text("contact_phone", limit=40)
            if phone is not None and not PHONE_PATTERN.match(phone):
                c.problem(
                    "contact_phone", f"{phone!r} is not a phone number (digits, +, spaces, -)."
                )
            address = c.text("address", limit=MAX_TEXT)
            if kind in ("customer", "both") and c.ok and not (email or phone):
                # A recall must reach every customer: a customer without a way to reach them
                # would be found missing on the worst possible day.
                c.problem(
                    "contact_email", "a customer needs a contact e-mail or phone for recalls."
                )
            if code is not None:
                _no_duplicate(c, "code", code, codes, f"Party {code}")
            given = c.text("kind") is not None
            if c.ok and code and name and kind:
                result.append(
                    PartyRow(
                        c.row.number, code, name, kind, gln, contact, email, phone, address, given
                    )
                )
    return result


# ---------------------------------------------------------------------------- locations


def parse_locations(
    sheets: Sequence[RawSheet], existing: Existing, out: list[Problem]
) -> list[LocationRow]:
    """The locations, parents before children; a parent is in the file or the database."""
    rows: list[tuple[LocationRow, _Cells]] = []
    codes: dict[object, int] = {}
    for sheet in sheets:
        for c in _rows(sheet, LOCATIONS, out):
            code = c.code("code", required=True)
            name = c.text("name", required=True)
            kind = c.choice("kind", tuple(LOCATION_LEVELS), None)
            parent = c.code("parent")
            gln = c.gs1_key("gln", (13,), "GLN")
            if code is not None:
                _no_duplicate(c, "code", code, codes, f"Location {code}")
            if code is not None and parent == code:
                c.problem("parent", f"{code} cannot sit in itself.")
            if c.ok and code and name and kind:
                rows.append((LocationRow(c.row.number, code, name, kind, parent, gln), c))
    kinds = dict(existing.locations)
    kinds.update({row.code: row.kind for row, _ in rows})
    checked: list[LocationRow] = []
    for row, c in rows:
        if row.parent is None:
            if row.kind != "site":
                c.problem("parent", f"a {row.kind} needs the code of the location it sits in.")
            else:
                checked.append(row)
            continue
        parent_kind = kinds.get(row.parent)
        if parent_kind is None:
            c.problem(
                "parent",
                f"there is no location {row.parent!r} in this file or the database.",
            )
        elif LOCATION_LEVELS[parent_kind] >= LOCATION_LEVELS[row.kind]:
            c.problem(
                "parent",
                f"a {row.kind} cannot sit in {row.parent}, a {parent_kind} "
                "(site -> area -> station -> equipment).",
            )
        else:
            checked.append(row)
    # A location whose kind the file changes must still sit above its children in the database.
    by_code = {row.code: (row, c) for row, c in rows}
    for code, parent_code in existing.location_parents.items():
        if code in by_code or parent_code not in by_code:
            continue
        row, c = by_code[parent_code]
        if LOCATION_LEVELS[row.kind] >= LOCATION_LEVELS[existing.locations[code]]:
            c.problem(
                "kind",
                f"{row.code} holds {code}, a {existing.locations[code]}: it cannot become a "
                f"{row.kind} (site -> area -> station -> equipment).",
            )
            if row in checked:
                checked.remove(row)
    # Levels strictly rise from parent to child, so sorting by level puts parents first and no
    # cycle can pass the check above.
    return sorted(checked, key=lambda r: LOCATION_LEVELS[r.kind])


# ---------------------------------------------------------------------------- plans


def parse_plans(
    sheets: Sequence[RawSheet],
    existing: Existing,
    file_products: Iterable[str],
    out: list[Problem],
) -> list[PlanRows]:
    """One plan per product and step; each row is one of its characteristics, in order."""
    known = set(existing.products) | set(file_products)
    groups: dict[tuple[str, str], list[tuple[_Cells, int | None, Characteristic | None]]] = {}
    names: dict[object, int] = {}
    for sheet in sheets:
        for c in _rows(sheet, PLANS, out):
            product = c.code("product", required=True)
            if product is not None and product not in known:
                c.problem(
                    "product", f"there is no product {product!r} in this file or the database."
                )
            step = c.text("step", required=True, limit=MAX_STEP)
            if step is not None:
                step = step.casefold()
                if not NAME_PATTERN.match(step):
                    c.problem("step", f"{step!r} cannot name a step: use letters, digits, _ - .")
            sample = c.whole("sample_size", low=1, high=MAX_SAMPLE_SIZE)
            name, characteristic = _characteristic(c)
            if product is not None and step is not None and name is not None:
                key = (product, step, name.casefold())
                _no_duplicate(c, "characteristic", key, names, f"{name} of {product} at {step}")
            if product is not None and step is not None:
                groups.setdefault((product, step), []).append((c, sample, characteristic))
    result: list[PlanRows] = []
    for (product, step), entries in groups.items():
        sizes = {sample for _, sample, _ in entries if sample is not None}
        if len(sizes) > 1:
            for c, sample, _ in entries:
                if sample is not None:
                    c.problem(
                        "sample_size",
                        f"the rows of {product} at {step} give different sample sizes "
                        f"({', '.join(str(s) for s in sorted(sizes))}); give one.",
                    )
        if all(c.ok for c, _, _ in entries):
            result.append(
                PlanRows(
                    row=entries[0][0].row.number,
                    product=product,
                    step=step,
                    sample_size=sizes.pop() if sizes else 1,
                    characteristics=tuple(ch for _, _, ch in entries if ch is not None),
                )
            )
    return result


def _answers(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    separator = "|" if "|" in text else ","
    return tuple(part.strip() for part in text.split(separator) if part.strip())


def _places(*numbers: Decimal | None) -> int:
    exponents = [-int(n.as_tuple().exponent) for n in numbers if n is not None]
    return min(max([0, *exponents]), MAX_DECIMAL_PLACES)


def _characteristic(c: _Cells) -> tuple[str | None, Characteristic | None]:
    """The row's characteristic name and, when its own cells are right, the characteristic."""
    before = len(c.out)
    name = c.text("characteristic", required=True, limit=80)
    kind_text = c.choice("kind", tuple(k.value for k in CharacteristicKind), None)
    nominal, lsl, usl = c.decimal("nominal"), c.decimal("lsl"), c.decimal("usl")
    unit = c.text("unit", limit=16) or ""
    decimals = c.whole("decimals", low=0, high=MAX_DECIMAL_PLACES)
    answers = _answers(c.text("answers", limit=MAX_TEXT))
    passing = _answers(c.text("passing", limit=MAX_TEXT))
    max_count = c.whole("max_count", low=0, high=1_000_000)
    if name is None or kind_text is None or len(c.out) > before:
        return name, None
    kind = CharacteristicKind(kind_text)
    extra: dict[str, Callable[[], bool]] = {
        "answers": lambda: kind is not CharacteristicKind.ATTRIBUTE and bool(answers),
        "max_count": lambda: kind is not CharacteristicKind.COUNT and max_count is not None,
        "lsl": lambda: kind is not CharacteristicKind.VARIABLE and lsl is not None,
        "usl": lambda: kind is not CharacteristicKind.VARIABLE and usl is not None,
    }
    for column, misplaced in extra.items():
        if misplaced():
            c.problem(column, f"does not apply to a {kind.value} characteristic; leave it empty.")
    if len(c.out) > before:
        return name, None
    try:
        return name, Characteristic(
            name=name,
            kind=kind,
            nominal=nominal,
            lsl=lsl,
            usl=usl,
            unit=unit,
            # Readings are rounded to the decimals: by default as fine as the finest limit.
            decimals=decimals if decimals is not None else _places(nominal, lsl, usl),
            answers=answers,
            passing=passing,
            max_count=max_count,
        )
    except InvalidInput as exc:
        c.problem("characteristic", f"{exc.message} {exc.hint}".strip())
        return name, None


# ---------------------------------------------------------------------------- a whole file


def parse_file(sheets: Mapping[str, Sequence[RawSheet]], existing: Existing) -> ParsedFile:
    """Every kind's rows from their sheets (kind -> sheets), and every problem found."""
    out: list[Problem] = []
    products = parse_products(sheets.get(PRODUCTS, ()), existing, out)
    parties = parse_parties(sheets.get(PARTIES, ()), out)
    locations = parse_locations(sheets.get(LOCATIONS, ()), existing, out)
    file_parts = _all_codes(sheets.get(PRODUCTS, ()))
    plans = parse_plans(sheets.get(PLANS, ()), existing, file_parts, out)
    return ParsedFile(
        products=tuple(products),
        parties=tuple(parties),
        locations=tuple(locations),
        plans=tuple(plans),
        problems=tuple(sorted(out, key=lambda p: (p.sheet, p.row))),
    )


def _all_codes(sheets: Sequence[RawSheet]) -> set[str]:
    """Part numbers the file names, even on rows with problems (so one problem, not two)."""
    found: set[str] = set()
    for sheet in sheets:
        keys = [KIND_NAMES_COLUMN.get(header_key(h)) for h in sheet.headers]
        if "part_number" in keys:
            position = keys.index("part_number")
            found.update(
                row.cells[position].strip() for row in sheet.rows if position < len(row.cells)
            )
    return found


KIND_NAMES_COLUMN = {
    key: column.name for column in COLUMNS[PRODUCTS] for key in (column.name, *column.aliases)
}
