"""How big a generated world is. Scales are data: adding one (usv) is adding an entry."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

from saleslens.config import ROLE_LEVELS

TOP_DOWN = tuple(reversed(ROLE_LEVELS))  # CMO first


@dataclass(frozen=True)
class Scale:
    name: str
    positions: Dict[str, int]  # positions per role level; each SR position owns one territory
    zone_countries: Tuple[str, ...]  # country of each zone, one zone per ZSM position
    stockists: int
    skus: int
    invoice_lines_per_day: Tuple[int, int]  # inclusive range, drawn per day
    vacant_sr: int = 0  # SR positions whose holder left and were not refilled
    replaced_sr: int = 0  # SR positions whose holder left and someone new took over
    # invoice_no = "INV" + date + sequence; the contract allows INV + 8 to 12 digits, so a
    # scale with more than 9,999 invoices a day needs a shorter date ("%y%m%d") or more digits.
    invoice_date_format: str = "%Y%m%d"
    invoice_seq_digits: int = 4
    lines_per_invoice_mean: float = 3.0
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if set(self.positions) != set(TOP_DOWN):
            raise ValueError(f"scale {self.name}: positions must name every role level {TOP_DOWN}")
        for parent, child in zip(TOP_DOWN, TOP_DOWN[1:]):
            if self.positions[child] < self.positions[parent]:
                raise ValueError(f"scale {self.name}: fewer {child} than {parent} positions leaves a manager empty")
        if len(self.zone_countries) != self.positions["ZSM"]:
            raise ValueError(f"scale {self.name}: one country per zone (ZSM position) is needed")
        if self.vacant_sr + self.replaced_sr > self.positions["SR"]:
            raise ValueError(f"scale {self.name}: more attrition than SR positions")
        low, high = self.invoice_lines_per_day
        if not 1 <= low <= high:
            raise ValueError(f"scale {self.name}: invoice_lines_per_day must be 1 <= low <= high")
        if self.stockists < self.positions["SR"]:
            raise ValueError(f"scale {self.name}: every territory needs at least one stockist")

    @property
    def territories(self) -> int:
        return self.positions["SR"]


SCALES: Dict[str, Scale] = {
    # Small enough to check by hand: 20 positions, 8 territories, ~60 invoice lines a day.
    "tiny": Scale(
        name="tiny",
        positions={"CMO": 1, "BUH": 1, "NH": 1, "ZSM": 2, "RSM": 3, "ASM": 4, "SR": 8},
        zone_countries=("IN", "LK"),
        stockists=20,
        skus=10,
        invoice_lines_per_day=(40, 80),
    ),
    # About ten times tiny, with attrition: one SR post left vacant, one refilled.
    "small": Scale(
        name="small",
        positions={"CMO": 1, "BUH": 3, "NH": 3, "ZSM": 9, "RSM": 30, "ASM": 40, "SR": 80},
        zone_countries=("IN", "IN", "IN", "IN", "IN", "IN", "IN", "LK", "NP"),
        stockists=200,
        skus=100,
        invoice_lines_per_day=(400, 800),
        vacant_sr=1,
        replaced_sr=1,
    ),
    # "usv" (5,500 employees, 2,800 stockists, 700 SKUs, ~500 territories) comes with the
    # issue that widens the generator to every source.
}


def get_scale(scale: "str | Scale") -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}") from None
