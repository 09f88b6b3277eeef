"""What `traceapp demo` built: counts, time taken, and the lots later benchmarks start from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LANDMARKS_META_KEY = "demo_landmarks"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    products: int
    suppliers: int
    customers: int
    lots: int
    events: int
    genealogy_edges: int
    containers: int
    shipments: int
    seconds: float
    # name -> "PART/LOTCODE" of raw lots with a known forward reach, and "backward_pallet" -> SSCC
    landmarks: dict[str, str] = field(default_factory=dict)
    # name -> lots the forward trace of that landmark reaches, as planned
    landmark_reach: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # every row written, all tables together
    # (user name, role, password) of the accounts the demo made, to log in and try each role
    users: tuple[tuple[str, str, str], ...] = ()

    def to_json_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data
