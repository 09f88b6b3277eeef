"""A pure, deterministic plan of the demo plant: who made what from what, when, and where it went."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from traceapp.domain.errors import InvalidInput
from traceapp.domain.lots import LotStatus, ensure_available, ensure_usable
from traceapp.domain.quantity import Quantity
from traceapp.services.demo import catalog
from traceapp.services.demo.catalog import PartyInfo, PlaceInfo

DEFAULT_START = date(2026, 3, 2)  # a Monday; fixed so that one seed always gives one plant
MIN_LOTS = 100
MAX_LOTS = 2_000_000
# Most lots one batch can add (intermediate, five fills, a new lot per ingredient and pack).
LOTS_PER_BATCH_MAX = 20
LOTS_PER_BATCH_GUESS = 5.5
SHIFT_START = time(6, 0)  # two shifts, 06:00-22:00 local, Monday to Saturday
SHIFT_MINUTES = 16 * 60
BATCHES_PER_LINE_PER_DAY = 16
MAX_LINES = 12
# Forward reach of the landmark lots at 1,000,000 lots; smaller plants scale them down.
LANDMARK_REACH = {"forward_100": 100, "forward_1000": 1_000, "forward_10000": 10_000}
LANDMARK_FLOOR = {"forward_100": 3, "forward_1000": 10, "forward_10000": 30}
REFERENCE_LOTS = 1_000_000
UNSET = datetime.min.replace(tzinfo=UTC)  # a time not yet scheduled
HOLD_REASONS = (
    "Awaiting the supplier's certificate of analysis.",
    "Seal integrity failure on the line sample; investigation NC pending.",
)
REPACK_REASON = "Pallet over the height limit; cases moved to the next pallet."


@dataclass(slots=True)
class Stock:
    """A received lot (raw material or packaging). Quantities in grams or units."""

    index: int
    material: int
    size: int  # 0 while open-ended (a landmark lot takes what its batches need)
    used: int = 0
    first_use: int = -1  # batch index
    held: bool = False
    received_at: datetime = UNSET
    lot_code: str = ""
    supplier_lot_code: str = ""


@dataclass(slots=True)
class Fill:
    """A filling (or baking) run: one finished lot from part of a batch and packaging."""

    index: int
    batch: int
    sku: int
    grams: int
    units: int
    packaging: list[tuple[int, int]]  # (stock index, units)
    held: bool = False
    started_at: datetime = UNSET
    ended_at: datetime = UNSET
    line: int = 0
    lot_code: str = ""
    first_case: int = 0
    cases: int = 0
    shipped_units: int = 0


@dataclass(slots=True)
class Batch:
    """A mixing batch: one intermediate lot from raw material lots."""

    index: int
    recipe: int
    grams: int
    inputs: list[tuple[int, int]]  # (stock index, grams)
    fills: list[int] = field(default_factory=list)
    line: int = 0
    started_at: datetime = UNSET
    ended_at: datetime = UNSET
    lot_code: str = ""


@dataclass(slots=True)
class Pallet:
    index: int
    sku: int
    cases: list[int]  # cases it was built with (moved ones included)
    incoming: list[int] = field(default_factory=list)  # cases repacked onto it from another
    moved_out: list[int] = field(default_factory=list)
    packed_at: datetime = UNSET
    unpacked_at: datetime | None = None  # when moved_out cases left it
    ready_at: datetime = UNSET
    shipment: int = -1


@dataclass(slots=True)
class ShipmentPlan:
    index: int
    customer: int
    pallets: list[int]
    shipped_at: datetime
    reference: str


@dataclass(slots=True)
class Cases:
    """Cases as parallel columns (there are about as many as lots)."""

    fill: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    packed_at: list[datetime] = field(default_factory=list)
    pallet: list[int] = field(default_factory=list)  # the pallet it ends on


@dataclass(slots=True)
class PlantPlan:
    """Everything the demo plant consists of, in compact form; `rows.py` turns it into rows."""

    seed: int
    lots_requested: int
    days: int
    start: datetime
    end: datetime
    suppliers: list[PartyInfo]
    customers: list[PartyInfo]
    places: list[PlaceInfo]
    lines: dict[str, int]
    stock: list[Stock]
    batches: list[Batch]
    fills: list[Fill]
    cases: Cases
    pallets: list[Pallet]
    shipments: list[ShipmentPlan]
    landmarks: dict[str, int]  # name -> stock index
    landmark_reach: dict[str, int]  # name -> forward reach planned (lots)
    offsets: dict[int, int]  # UTC hour (epoch hours) -> station offset minutes

    @property
    def lot_count(self) -> int:
        return len(self.stock) + len(self.batches) + len(self.fills)

    def offset_at(self, moment: datetime) -> int:
        return self.offsets[int(moment.timestamp()) // 3600]


def landmark_targets(lots: int) -> dict[str, int]:
    """Forward reach wanted for each landmark: proportional to the plant, never below a floor."""
    scale = lots / REFERENCE_LOTS
    return {
        name: max(LANDMARK_FLOOR[name], round(reach * scale))
        for name, reach in LANDMARK_REACH.items()
    }


def plan_plant(
    *, seed: int = 7, lots: int = 3000, days: int = 21, start: date | None = None
) -> PlantPlan:
    """The whole plant for `lots` lots over `days` days; the same arguments give the same plant."""
    if not MIN_LOTS <= lots <= MAX_LOTS:
        raise InvalidInput(f"The demo plant needs {MIN_LOTS} to {MAX_LOTS:,} lots, not {lots:,}.")
    if not 1 <= days <= 3660:
        raise InvalidInput(f"The demo plant spans 1 to 3660 days, not {days}.")
    rng = random.Random(seed)
    zone = ZoneInfo(catalog.SITE_TZ)
    first_day = start or DEFAULT_START
    plan_start = datetime.combine(first_day, time(0, 0), zone).astimezone(UTC)
    plan_end = datetime.combine(first_day + timedelta(days=days), time(0, 0), zone).astimezone(UTC)
    customers = catalog.customers(rng)
    materials = _Materials(rng, lots)
    stock, batches, fills = materials.run()
    windows = _windows(first_day, days, zone)
    lines = _schedule(rng, batches, fills, windows)
    _receive_times(rng, stock, batches, plan_end)
    _name_lots(rng, stock, batches, fills, zone)
    cases = _cases(fills)
    pallets = _palletise(rng, fills, cases, len(customers))
    shipments = _ship(rng, pallets, cases, fills, len(customers), plan_end)
    _check_mass_balance(stock, batches, fills)
    offsets = _offsets(plan_start - timedelta(days=3), plan_end + timedelta(days=1), zone)
    landmarks = {name: index for name, (index, _) in materials.landmarks.items()}
    reach = {name: planned for name, (_, planned) in materials.landmarks.items()}
    return PlantPlan(
        seed=seed,
        lots_requested=lots,
        days=days,
        start=plan_start,
        end=plan_end,
        suppliers=catalog.suppliers(),
        customers=customers,
        places=catalog.locations(lines),
        lines=lines,
        stock=stock,
        batches=batches,
        fills=fills,
        cases=cases,
        pallets=pallets,
        shipments=shipments,
        landmarks=landmarks,
        landmark_reach=reach,
        offsets=offsets,
    )


class _Materials:
    """Phase 1: batches, fills and the received lots they draw on, until `lots` lots exist."""

    def __init__(self, rng: random.Random, lots: int) -> None:
        self.rng = rng
        self.lots = lots
        self.stock: list[Stock] = []
        self.batches: list[Batch] = []
        self.fills: list[Fill] = []
        self.material_index = {m.part: i for i, m in enumerate(catalog.RAW_MATERIALS)}
        self.sku_index = {s.part: i for i, s in enumerate(catalog.SKUS)}
        self.current: dict[int, Stock] = {}
        # Cumulative once: choices() would add the weights up again on every call (same draws).
        self.recipe_cum_weights = list(accumulate(r.weight for r in catalog.RECIPES))
        self.recipe_numbers = range(len(catalog.RECIPES))
        self.targets = landmark_targets(lots)
        estimate = lots / LOTS_PER_BATCH_GUESS
        # The largest landmark starts first: it needs the longest run of batches.
        self.landmark_starts = [
            (int(estimate * share), name)
            for share, name in zip((0.1, 0.45, 0.7), reversed(list(self.targets)), strict=True)
        ]
        self.landmarks: dict[str, tuple[int, int]] = {}  # name -> (stock index, reach)
        self.landmark: tuple[str, Stock, int] | None = None  # name, lot, reach so far
        self.held_fill_at = int(estimate / 2)

    def run(self) -> tuple[list[Stock], list[Batch], list[Fill]]:
        while self._count() + LOTS_PER_BATCH_MAX <= self.lots:
            self._batch()
        if self.landmark is not None:
            self._close_landmark()
        self._top_up()
        return self.stock, self.batches, self.fills

    def _count(self) -> int:
        return len(self.stock) + len(self.batches) + len(self.fills)

    def _batch(self) -> None:
        rng = self.rng
        index = len(self.batches)
        recipe_no = rng.choices(self.recipe_numbers, cum_weights=self.recipe_cum_weights)[0]
        recipe = catalog.RECIPES[recipe_no]
        grams = rng.randint(recipe.batch_min_kg, recipe.batch_max_kg) * 1000
        fill_count = rng.randint(2, 5)
        self._maybe_start_landmark(index)
        inputs: list[tuple[int, int]] = []
        for part, per_mille in recipe.ingredients:
            need = grams * per_mille // 1000
            material = self.material_index[part]
            if part == catalog.LANDMARK_MATERIAL and self.landmark is not None:
                inputs.append((self._draw_landmark(need, index, fill_count), need))
            else:
                inputs.extend(self._draw(material, need, index))
        batch = Batch(index, recipe_no, grams, inputs)
        self.batches.append(batch)
        # Split the batch over its fills; the last takes the rest, so nothing is left over.
        cuts = sorted(rng.randint(1, 999) for _ in range(fill_count - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 1000], strict=True)]
        given = 0
        for number, share in enumerate(shares):
            part_grams = grams - given if number == fill_count - 1 else grams * share // 1000
            given += part_grams
            sku_no = self.sku_index[rng.choice(recipe.skus)]
            sku = catalog.SKUS[sku_no]
            units = max(1, part_grams * sku.yield_pct // (100 * sku.net_g))
            fill = Fill(len(self.fills), index, sku_no, part_grams, units, [])
            packs = units + max(1, units // 100)  # about 1 % of the packs are line waste
            fill.packaging = self._draw(self.material_index[sku.packaging], packs, index)
            fill.held = self._hold_fill(fill.index)
            batch.fills.append(fill.index)
            self.fills.append(fill)
        if self.landmark is not None and self.landmark[2] >= self.targets[self.landmark[0]]:
            self._close_landmark()

    def _hold_fill(self, index: int) -> bool:
        # One run on hold mid-plan in any plant, and about one in 400 more in a large one.
        return index == self.held_fill_at or self.rng.random() < 0.0025

    def _draw(self, material: int, need: int, batch: int) -> list[tuple[int, int]]:
        """Take `need` from the open lot of a material, opening the next delivery when it runs out."""
        parts: list[tuple[int, int]] = []
        spec = catalog.RAW_MATERIALS[material]
        while need > 0:
            lot = self.current.get(material)
            if lot is None or lot.used == lot.size:
                size = self.rng.randint(spec.lot_min, spec.lot_max)
                unit = 25_000 if spec.unit == "kg" else 1000  # 25 kg sacks, packs of 1000
                size = max(unit, size // unit * unit)
                lot = Stock(len(self.stock), material, size, first_use=batch)
                self.stock.append(lot)
                self.current[material] = lot
            take = min(need, lot.size - lot.used)
            lot.used += take
            need -= take
            parts.append((lot.index, take))
        return parts

    def _maybe_start_landmark(self, batch: int) -> None:
        if self.landmark is not None or not self.landmark_starts:
            return
        start, name = self.landmark_starts[0]
        if batch < start:
            return
        self.landmark_starts.pop(0)
        material = self.material_index[catalog.LANDMARK_MATERIAL]
        lot = Stock(len(self.stock), material, 0, first_use=batch)
        self.stock.append(lot)
        self.landmark = (name, lot, 0)

    def _draw_landmark(self, need: int, batch: int, fill_count: int) -> int:
        assert self.landmark is not None
        name, lot, reach = self.landmark
        lot.used += need
        self.landmark = (name, lot, reach + 1 + fill_count)
        return lot.index

    def _close_landmark(self) -> None:
        assert self.landmark is not None
        name, lot, reach = self.landmark
        lot.size = lot.used  # a silo delivery sized to what these batches took: used up
        self.landmarks[name] = (lot.index, reach)
        self.landmark = None

    def _top_up(self) -> None:
        """Deliveries for next week fill the plan up to exactly `lots`; the first waits on a CoA."""
        while self._count() < self.lots:
            material = self.rng.randrange(len(catalog.RAW_MATERIALS))
            spec = catalog.RAW_MATERIALS[material]
            lot = Stock(len(self.stock), material, self.rng.randint(spec.lot_min, spec.lot_max))
            lot.held = not any(s.held for s in self.stock)
            self.stock.append(lot)


def _windows(first_day: date, days: int, zone: ZoneInfo) -> list[datetime]:
    """UTC starts of the production windows (Sundays off, unless the plan is all Sundays)."""
    dates = [first_day + timedelta(days=d) for d in range(days)]
    working = [d for d in dates if d.weekday() != 6] or dates
    return [datetime.combine(d, SHIFT_START, zone).astimezone(UTC) for d in working]


def _schedule(
    rng: random.Random, batches: list[Batch], fills: list[Fill], windows: list[datetime]
) -> dict[str, int]:
    """Spread batches evenly over the shifts on enough lines that one line does one at a time."""
    counts: dict[str, int] = {"sauce": 0, "bakery": 0}
    for batch in batches:
        counts[catalog.RECIPES[batch.recipe].line] += 1
    lines = {
        line: max(2, min(MAX_LINES, math.ceil(n / (len(windows) * BATCHES_PER_LINE_PER_DAY))))
        for line, n in counts.items()
    }
    total_minutes = len(windows) * SHIFT_MINUTES
    seen: dict[str, int] = {"sauce": 0, "bakery": 0}
    for batch in batches:
        line = catalog.RECIPES[batch.recipe].line
        number = seen[line]
        seen[line] += 1
        batch.line = number % lines[line]
        # Minutes between two batches on one line; a mix and its fills fit in that gap.
        gap = total_minutes * lines[line] / max(1, counts[line])
        at = (number + 0.5) * total_minutes / max(1, counts[line])
        window = min(len(windows) - 1, int(at // SHIFT_MINUTES))
        batch.started_at = windows[window] + timedelta(minutes=at - window * SHIFT_MINUTES)
        mix = min(45.0, gap * 0.3) * rng.uniform(0.8, 1.0)
        batch.ended_at = batch.started_at + timedelta(minutes=mix)
        run = min(50.0, gap * 0.6 / len(batch.fills))
        for number_in_batch, fill_index in enumerate(batch.fills):
            fill = fills[fill_index]
            fill.line = batch.line
            fill.started_at = batch.ended_at + timedelta(minutes=(number_in_batch + 0.1) * run)
            fill.ended_at = fill.started_at + timedelta(minutes=run * 0.9)
    return lines


def _receive_times(
    rng: random.Random, stock: list[Stock], batches: list[Batch], end: datetime
) -> None:
    for lot in stock:
        if lot.first_use >= 0:
            before = timedelta(hours=rng.uniform(3, 48))
            lot.received_at = batches[lot.first_use].started_at - before
        else:
            lot.received_at = end - timedelta(hours=rng.uniform(4, 20))


def _name_lots(
    rng: random.Random, stock: list[Stock], batches: list[Batch], fills: list[Fill], zone: ZoneInfo
) -> None:
    """Plant lot codes: R/M/F + local date + sequence of the day; suppliers use their own style."""
    supplier_no = {code: n for n, (code, *_rest) in enumerate(catalog.SUPPLIERS, start=1)}
    local_day = _LocalDays(zone)
    for prefix, items, width in (("R", stock, 3), ("M", batches, 2), ("F", fills, 2)):
        per_day: dict[str, int] = {}
        for item in items:
            moment = item.received_at if isinstance(item, Stock) else item.started_at
            day = local_day(moment)
            per_day[day] = per_day.get(day, 0) + 1
            item.lot_code = f"{prefix}{day}-{per_day[day]:0{width}d}"
    for lot in stock:
        spec = catalog.RAW_MATERIALS[lot.material]
        made = lot.received_at - timedelta(days=rng.randint(2, 40))
        lot.supplier_lot_code = (
            f"S{supplier_no[spec.supplier]}-{made:%y}{made.timetuple().tm_yday:03d}"
            f"-{chr(65 + rng.randrange(6))}{rng.randint(1, 9)}"
        )


class _LocalDays:
    """The local date of a UTC instant as YYMMDD, remembered per UTC hour.

    Converting a million instants to the zone one by one takes a large share of planning a big
    plant. Every instant of a UTC hour has the same local date unless midnight falls inside that
    hour (a zone with a half-hour offset); such hours are not remembered.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.days: dict[int, str] = {}

    def __call__(self, moment: datetime) -> str:
        hour = int(moment.timestamp()) // 3600
        day = self.days.get(hour)
        if day is None:
            day = moment.astimezone(self.zone).strftime("%y%m%d")
            first = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.zone)
            last = datetime.fromtimestamp(hour * 3600 + 3599, UTC).astimezone(self.zone)
            if first.date() == last.date():
                self.days[hour] = day
        return day


def _cases(fills: list[Fill]) -> Cases:
    """Each finished run not on hold goes into full cases and one part case, as it leaves the line."""
    cases = Cases()
    for fill in fills:
        if fill.held:
            continue
        size = catalog.SKUS[fill.sku].case_units
        fill.first_case = len(cases.fill)
        fill.cases = math.ceil(fill.units / size)
        for number in range(fill.cases):
            cases.fill.append(fill.index)
            cases.units.append(min(size, fill.units - number * size))
            cases.packed_at.append(fill.ended_at + timedelta(minutes=number + 1))
            cases.pallet.append(-1)
    return cases


def _palletise(rng: random.Random, fills: list[Fill], cases: Cases, customers: int) -> list[Pallet]:
    """Cases of one product onto pallets in packing order; now and then cases move to the next pallet."""
    total = len(cases.fill)
    # Small plants get small pallets, so there are enough to reach every customer several times.
    capacity = max(3, min(36, total // (customers * 4)))
    expected = max(1, total * 2 // (capacity * 3))
    repack_every = max(2, expected // max(3, expected // 50))
    streams: dict[int, list[int]] = {}
    for case in sorted(range(total), key=cases.packed_at.__getitem__):
        streams.setdefault(fills[cases.fill[case]].sku, []).append(case)
    pallets: list[Pallet] = []
    for sku in sorted(streams):
        pending: list[int] = []
        moved_from: Pallet | None = None
        queue = streams[sku]
        position = 0
        while position < len(queue) or pending:
            size = rng.randint(max(2, capacity * 2 // 3), capacity)
            taken = queue[position : position + max(0, size - len(pending))]
            position += len(taken)
            pallet = Pallet(len(pallets), sku, [*pending, *taken], incoming=pending)
            last = max(cases.packed_at[c] for c in pallet.cases)
            pallet.packed_at = last + timedelta(minutes=10)
            if moved_from is not None and moved_from.unpacked_at is not None:
                pallet.packed_at = max(
                    pallet.packed_at, moved_from.unpacked_at + timedelta(minutes=5)
                )
            pending = []
            moved_from = None
            if len(pallet.cases) >= 2 and (len(pallets) + 1) % repack_every == 0:
                count = min(len(pallet.cases) - 1, rng.randint(1, 2))
                pallet.moved_out = rng.sample(pallet.cases, count)
                pallet.unpacked_at = pallet.packed_at + timedelta(minutes=rng.uniform(15, 45))
                pending = list(pallet.moved_out)
                moved_from = pallet
            ready = pallet.unpacked_at or pallet.packed_at
            pallet.ready_at = ready + timedelta(hours=rng.uniform(6, 40))
            for case in pallet.cases:
                cases.pallet[case] = pallet.index
            pallets.append(pallet)
    return pallets


def _ship(
    rng: random.Random,
    pallets: list[Pallet],
    cases: Cases,
    fills: list[Fill],
    customers: int,
    end: datetime,
) -> list[ShipmentPlan]:
    """Trucks of one to a few pallets; every customer gets one before any gets a second."""
    ready = sorted((p for p in pallets if p.ready_at < end), key=lambda p: p.ready_at)
    truck = max(1, min(6, len(ready) // (customers * 4)))
    order = list(range(customers))
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(customers)]
    shipments: list[ShipmentPlan] = []
    position = 0
    per_day: dict[str, int] = {}
    while position < len(ready):
        group = ready[position : position + rng.randint(1, truck)]
        position += len(group)
        shipped_at = group[-1].ready_at
        number = len(shipments)
        customer = order[number] if number < customers else rng.choices(order, weights)[0]
        day = f"{shipped_at:%y%m%d}"
        per_day[day] = per_day.get(day, 0) + 1
        shipment = ShipmentPlan(
            number, customer, [p.index for p in group], shipped_at, f"DN-{day}-{per_day[day]:04d}"
        )
        for pallet in group:
            pallet.shipment = number
        shipments.append(shipment)
    for pallet in pallets:
        if pallet.shipment < 0:
            continue
        for case in pallet.cases:
            if case not in pallet.moved_out:
                fills[cases.fill[case]].shipped_units += cases.units[case]
    return shipments


def _check_mass_balance(stock: list[Stock], batches: list[Batch], fills: list[Fill]) -> None:
    """The domain's own rules, once per lot: nothing gives more than it has, nothing held gives.

    Compared in whole grams and units first, which is exact and a hundred times cheaper than
    a `Quantity` per lot: a lot that breaks a rule there is handed to the domain's checks, which
    refuse it with their own typed error (`LotNotUsable`, `InsufficientQuantity`, `InvalidInput`).
    """
    given: list[int] = [0] * len(stock)
    for batch in batches:
        for index, grams in batch.inputs:
            given[index] += grams
    for fill in fills:
        for index, units in fill.packaging:
            given[index] += units
    for lot in stock:
        taken = given[lot.index]
        if taken and (lot.held or taken > lot.size):
            spec = catalog.RAW_MATERIALS[lot.material]
            _refuse(f"{spec.part}/{lot.lot_code}", lot.held, "produce", lot.size, taken, spec.unit)
    for batch in batches:
        taken = sum(fills[f].grams for f in batch.fills)
        if not 0 < taken <= batch.grams:
            name = f"{catalog.RECIPES[batch.recipe].part}/{batch.lot_code}"
            _refuse(name, False, "produce", batch.grams, taken, "kg")
    for fill in fills:
        if fill.shipped_units and (fill.held or fill.shipped_units > fill.units):
            name = f"{catalog.SKUS[fill.sku].part}/{fill.lot_code}"
            _refuse(name, fill.held, "ship", fill.units, fill.shipped_units, "ea")


def _refuse(name: str, held: bool, step: str, size: int, taken: int, unit: str) -> None:
    """Raise the domain's error for a lot that breaks a rule (sizes in grams or units)."""
    ensure_usable(name, LotStatus.ON_HOLD if held else LotStatus.ACTIVE, step=step)
    ensure_available(name, _quantity(size, unit), _quantity(taken, unit))
    raise AssertionError(f"{name}: the domain accepts what the plan's check refused")


def _quantity(amount: int, unit: str) -> Quantity:
    return Quantity(grams_to_kg(amount) if unit == "kg" else Decimal(amount), unit)


def grams_to_kg(grams: int) -> Decimal:
    return Decimal(grams).scaleb(-3)


def _offsets(first: datetime, last: datetime, zone: ZoneInfo) -> dict[int, int]:
    """The site's UTC offset for every hour of the plan (daylight saving changes on the hour)."""
    offsets: dict[int, int] = {}
    hour = int(first.timestamp()) // 3600
    while hour * 3600 <= last.timestamp():
        moment = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone)
        offset = moment.utcoffset()
        offsets[hour] = int(offset.total_seconds() // 60) if offset is not None else 0
        hour += 1
    return offsets
