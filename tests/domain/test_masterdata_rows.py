"""Master-data rows: every problem by row and column, typed rows otherwise, never an exception."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traceapp.domain.inspections import CharacteristicKind
from traceapp.domain.masterdata_rows import (
    LOCATIONS,
    PARTIES,
    PLANS,
    PRODUCTS,
    Existing,
    ParsedFile,
    RawRow,
    RawSheet,
    header_key,
    parse_decimal,
    parse_file,
)


def sheet(name: str, headers: str, *rows: str) -> RawSheet:
    """A sheet from '|'-separated lines; data rows are numbered from 2 as in a file."""
    return RawSheet(
        name,
        tuple(headers.split("|")),
        tuple(RawRow(n, tuple(r.split("|"))) for n, r in enumerate(rows, start=2)),
    )


def where(parsed: ParsedFile) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in parsed.problems}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5", Decimal("12.5")),
        ("12,5", Decimal("12.5")),
        (" -0,05 ", Decimal("-0.05")),
        ("1e3", Decimal("1E+3")),
        ("1.234,5", None),  # thousands separators are refused, not guessed
        ("1,234.5", None),
        ("12 mm", None),
        ("NaN", None),
        ("", None),
    ],
)
def test_numbers_take_a_decimal_comma_but_no_thousands_separator(
    text: str, expected: Decimal | None
) -> None:
    assert parse_decimal(text) == expected


def test_column_names_ignore_case_spaces_and_dashes() -> None:
    assert header_key(" Part Number ") == header_key("part-number") == "part_number"
    products = sheet("products", "PART NUMBER|Name |UoM|GTIN", "F-1|Flour|KG|4012345000016")
    parsed = parse_file({PRODUCTS: [products]}, Existing())
    assert parsed.problems == ()
    [row] = parsed.products
    assert (row.part_number, row.unit, row.gtin, row.kind) == ("F-1", "kg", "04012345000016", "raw")


def test_every_problem_of_a_product_sheet_is_listed_by_row_and_column() -> None:
    products = sheet(
        "products",
        "part_number|name|unit|kind|gtin|shelf_life_days|colour",
        "F-1|Flour|kg|raw|4012345000017|365|",  # wrong check digit
        "F-2||bucket|raw||ten|",  # no name, unknown unit, bad number
        "F-1|Flour again|kg|rare||-1|",  # duplicate key, bad kind, negative shelf life
        "F-3|Salt|kg|raw|4012345000016||",  # GTIN held by another product in the database
    )
    existing = Existing(gtins={"04012345000016": "OTHER"})
    parsed = parse_file({PRODUCTS: [products]}, existing)
    assert where(parsed) == {
        (0, "colour"),
        (2, "gtin"),
        (3, "name"),
        (3, "unit"),
        (3, "shelf_life_days"),
        (4, "part_number"),
        (4, "kind"),
        (4, "shelf_life_days"),
        (5, "gtin"),
    }
    messages = {(p.row, p.column): p.message for p in parsed.problems}
    assert "check digit" in messages[(2, "gtin")]
    assert "already in row 2" in messages[(4, "part_number")]
    assert "OTHER" in messages[(5, "gtin")]
    assert "Unknown unit" in messages[(3, "unit")]
    assert parsed.products == ()


def test_a_missing_required_column_is_one_problem_not_one_per_row() -> None:
    products = sheet("products", "part_number|name", "F-1|Flour", "F-2|Salt")
    parsed = parse_file({PRODUCTS: [products]}, Existing())
    assert where(parsed) == {(0, "unit")}


def test_a_supplier_sheet_makes_suppliers_and_a_customer_needs_a_recall_contact() -> None:
    suppliers = sheet("suppliers", "code|name|contact_email", "MILL|Mill|qa@mill.example")
    customers = sheet(
        "customers",
        "code|name|contact_email|contact_phone|gln",
        "SHOP|Shop||+49 40 555|",
        "CAFE|Cafe|||",
        "BAR|Bar|not-an-address||4012345000017",
    )
    parsed = parse_file({PARTIES: [suppliers, customers]}, Existing())
    assert [(p.code, p.kind) for p in parsed.parties] == [
        ("MILL", "supplier"),
        ("SHOP", "customer"),
    ]
    assert where(parsed) == {(3, "contact_email"), (4, "contact_email"), (4, "gln")}


def test_locations_come_parents_first_and_an_unknown_or_lower_parent_is_a_problem() -> None:
    locations = sheet(
        "locations",
        "code|name|kind|parent",
        "MIXER|Mixer|equipment|MIX",
        "MIX|Mixing|station|HALL",
        "HALL|Hall|area|SITE",
        "OVEN|Oven|equipment|NOWHERE",
        "LINE|Line|station|MIXER",  # a station cannot sit in equipment
        "LOOSE|Loose area|area|",
    )
    parsed = parse_file({LOCATIONS: [locations]}, Existing(locations={"SITE": "site"}))
    assert [loc.code for loc in parsed.locations] == ["HALL", "MIX", "MIXER"]
    assert where(parsed) == {(5, "parent"), (6, "parent"), (7, "parent")}


def test_plan_rows_group_into_plans_with_typed_characteristics() -> None:
    plans = sheet(
        "plans",
        "product|step|sample_size|characteristic|kind|nominal|lsl|usl|unit|answers|passing|max_count",
        "BREAD|Final|5|weight|variable|505|495|520|g||||",
        "BREAD|final|5|crust|attribute||||| ok, pale ,burnt|ok|",
        "BREAD|final|5|holes|count|||||||2",
        "FLOUR|receive||moisture|variable|13,5||15,0|%|||",
    )
    parsed = parse_file({PLANS: [plans]}, Existing(products=frozenset({"BREAD", "FLOUR"})))
    assert parsed.problems == ()
    bread, flour = parsed.plans
    assert (bread.product, bread.step, bread.sample_size) == ("BREAD", "final", 5)
    assert [c.kind for c in bread.characteristics] == [
        CharacteristicKind.VARIABLE,
        CharacteristicKind.ATTRIBUTE,
        CharacteristicKind.COUNT,
    ]
    assert bread.characteristics[1].answers == ("ok", "pale", "burnt")
    moisture = flour.characteristics[0]
    assert (moisture.nominal, moisture.usl, moisture.decimals) == (
        Decimal("13.5"),
        Decimal("15.0"),
        1,  # by default as fine as the finest limit
    )
    assert flour.sample_size == 1


def test_plan_problems_name_row_and_column() -> None:
    plans = sheet(
        "plans",
        "product|step|sample_size|characteristic|kind|lsl|usl|answers|passing|decimals",
        "BREAD|final|5|weight|variable|520|495|||",  # LSL above USL
        "BREAD|final|3|crust|attribute|||ok|ok|",  # one answer only; other sample size
        "NOPE|final|1|x|count|||||",  # unknown product (and no max_count)
        "BREAD|final|5|weight|variable|1|2|||",  # same characteristic twice
        "BREAD|final|5|w2|variable|1.25|2||||",  # decimals too coarse for 1.25 is fine: default
        "BREAD|final|5|w3|variable|1.25|2|||1",  # explicit decimals too coarse
        "BREAD|final|5|w4|gauge|||||",
    )
    parsed = parse_file({PLANS: [plans]}, Existing(products=frozenset({"BREAD"})))
    assert where(parsed) == {
        (2, "characteristic"),
        (2, "sample_size"),
        (3, "characteristic"),
        (3, "sample_size"),
        (4, "product"),
        (4, "characteristic"),
        (5, "characteristic"),
        (5, "sample_size"),
        (6, "sample_size"),
        (7, "characteristic"),
        (7, "sample_size"),
        (8, "kind"),
        (8, "sample_size"),
    }
    assert parsed.plans == ()


def test_a_plan_may_name_a_product_of_the_same_file() -> None:
    products = sheet("products", "part_number|name|unit", "BREAD|Bread|ea")
    plans = sheet(
        "plans", "product|step|characteristic|kind|max_count", "BREAD|final|holes|count|0"
    )
    parsed = parse_file({PRODUCTS: [products], PLANS: [plans]}, Existing())
    assert parsed.problems == ()
    assert len(parsed.plans) == 1


cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "kg", "raw", "site", "area", "variable", "attribute", "count", "12,5", "1e999",
         "4012345000016", "-1", "ok|nok", "S", "A"]
    ),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from([PRODUCTS, PARTIES, LOCATIONS, PLANS]),
    rows=st.lists(st.lists(cells, min_size=0, max_size=14), max_size=6),
)
def test_any_cell_text_gives_a_typed_row_or_a_problem(kind: str, rows: list[list[str]]) -> None:
    headers = {
        PRODUCTS: "part_number|name|unit|kind|gtin|company_prefix_length|shelf_life_days",
        PARTIES: "code|name|kind|gln|contact_name|contact_email|contact_phone|address",
        LOCATIONS: "code|name|kind|parent|gln",
        PLANS: "product|step|sample_size|characteristic|kind|nominal|lsl|usl|unit|decimals|"
        "answers|passing|max_count",
    }[kind]
    raw = RawSheet(
        kind,
        tuple(headers.split("|")),
        tuple(RawRow(n, tuple(r)) for n, r in enumerate(rows, start=2)),
    )
    existing = Existing(products=frozenset({"A", "S"}), locations={"S": "site", "A": "area"})
    parsed = parse_file({kind: [raw]}, existing)
    typed = len(parsed.products) + len(parsed.parties) + len(parsed.locations)
    typed_rows = {p.row for p in parsed.problems}
    # Each data row is either typed (no problem on it) or has at least one problem.
    if kind != PLANS:
        assert typed + len({r for r in typed_rows if r >= 2}) == len(rows)
    else:
        # A plan is written only whole: with no problem at all every row is a characteristic.
        characteristics = sum(len(plan.characteristics) for plan in parsed.plans)
        assert characteristics <= len(rows)
        if not parsed.problems:
            assert characteristics == len(rows)


def test_a_product_with_lots_keeps_a_unit_of_the_same_kind() -> None:
    products = sheet("products", "part_number|name|unit", "F-1|Flour|g", "S-1|Salt|ea")
    existing = Existing(units_in_use={"F-1": "kg", "S-1": "kg"})
    parsed = parse_file({PRODUCTS: [products]}, existing)
    assert [p.part_number for p in parsed.products] == ["F-1"]
    assert where(parsed) == {(3, "unit")}


def test_a_location_cannot_become_a_level_its_children_in_the_database_sit_below() -> None:
    locations = sheet("locations", "code|name|kind|parent", "MIX|Mixing|equipment|HALL")
    existing = Existing(
        locations={"HALL": "area", "MIX": "station", "MIXER": "equipment"},
        location_parents={"MIX": "HALL", "MIXER": "MIX"},
    )
    parsed = parse_file({LOCATIONS: [locations]}, existing)
    assert where(parsed) == {(2, "kind")}
    assert parsed.locations == ()
