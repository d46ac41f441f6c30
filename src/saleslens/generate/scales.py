"""How big a generated world is. Scales are data: a scale names its geography, its business units
and divisions, the spans of control, and the volumes of the daily sources.

The org is built from the scale alone (no randomness), so position counts are exact:
- geography: zones -> regions -> areas -> territories (``Zone``; ``territories_per_area``); a
  zone's territories are headquarter towns of its states (generate/names.py), an area in one state;
- each division works a share (``coverage``) of the territories of its zones, one SR position
  per territory worked; a division's SRs in a zone are grouped ``asm_span`` to an ASM, its ASMs
  ``rsm_span`` to an RSM, one ZSM per division and zone, one NH per division, one BUH per business
  unit, one CMO. Children of a manager are consecutive in geographic order.
- ``vacant_at_start`` positions are vacant on the first day of the fiscal year holding the start;
  every other position is filled then, so the headcount on that day is exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

from saleslens.config import ROLE_LEVELS

TOP_DOWN = tuple(reversed(ROLE_LEVELS))  # CMO first
COUNTRIES = ("IN", "LK", "NP")


@dataclass(frozen=True)
class Zone:
    country: str
    name: str
    regions: int
    territories: int
    states: Tuple[str, ...] = ()  # the zone's states it works (generate/names.py); empty: all of them

    def __post_init__(self) -> None:
        if self.country not in COUNTRIES:
            raise ValueError(f"zone {self.name}: unknown country {self.country!r}")
        if not 1 <= self.regions <= self.territories:
            raise ValueError(f"zone {self.name}: needs 1 <= regions <= territories")


@dataclass(frozen=True)
class Division:
    name: str
    business_unit: int  # index into Scale.business_units
    zones: Tuple[int, ...]  # indexes into Scale.zones
    coverage: float = 1.0  # share of each of its zones' territories it works
    specialities: Tuple[str, ...] = ()  # whom its representatives call on most (crm.SPECIALITIES)
    clm_share: float = 0.35  # share of doctor calls with e-detailing


@dataclass(frozen=True)
class Scale:
    name: str
    zones: Tuple[Zone, ...]
    business_units: Tuple[str, ...]
    divisions: Tuple[Division, ...]
    territories_per_area: int
    asm_span: int  # SRs per ASM, within a division's zone
    rsm_span: int  # ASMs per RSM, within a division's zone
    vacant_at_start: int
    stockists: int
    skus: int
    brands: int
    skus_per_stockist: int  # SKUs a stockist stocks (and reports on its statement)
    invoice_lines_per_day: Tuple[int, int]  # an ordinary mid-month weekday, inclusive range
    hcps_per_territory: int
    mcl_size: int  # HCPs on an SR's master call list
    events_per_day: float  # on a working day
    courses: int
    lines_per_invoice_mean: float = 3.0
    max_lines_per_invoice: int = 6
    # invoice_no = "INV" + date + sequence; the contract allows INV + 8 to 12 digits, so a
    # scale with more than 9,999 invoices a day needs a shorter date ("%y%m%d") or more digits.
    invoice_date_format: str = "%Y%m%d"
    invoice_seq_digits: int = 4
    credit_documents_per_stockist_day: float = 0.02
    doctor_calls_per_day: float = 11.0
    # Institutional business (generate/institutions.py): accounts per territory, and opportunities an
    # SR position creates a month.
    accounts_per_territory: int = 8
    opportunities_per_sr_month: float = 1.5
    # Annual leaving rate per role (field staff ~20%); the top three levels are stable.
    attrition: Dict[str, float] = field(
        default_factory=lambda: {"SR": 0.20, "ASM": 0.12, "RSM": 0.08, "ZSM": 0.05, "NH": 0.0, "BUH": 0.0, "CMO": 0.0}
    )
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.zones or not self.divisions or not self.business_units:
            raise ValueError(f"scale {self.name}: needs zones, business units and divisions")
        for d in self.divisions:
            if not 0 <= d.business_unit < len(self.business_units):
                raise ValueError(f"scale {self.name}: division {d.name} names an unknown business unit")
            if not d.zones or any(not 0 <= z < len(self.zones) for z in d.zones):
                raise ValueError(f"scale {self.name}: division {d.name} names an unknown zone")
            if not 0 < d.coverage <= 1:
                raise ValueError(f"scale {self.name}: division {d.name} coverage must be in (0, 1]")
        if {d.business_unit for d in self.divisions} != set(range(len(self.business_units))):
            raise ValueError(f"scale {self.name}: every business unit needs a division")
        if min(self.territories_per_area, self.asm_span, self.rsm_span) < 1:
            raise ValueError(f"scale {self.name}: spans must be at least 1")
        if set(self.attrition) != set(TOP_DOWN):
            raise ValueError(f"scale {self.name}: attrition must name every role level {TOP_DOWN}")
        low, high = self.invoice_lines_per_day
        if not 1 <= low <= high:
            raise ValueError(f"scale {self.name}: invoice_lines_per_day must be 1 <= low <= high")
        if self.stockists < self.territories:
            raise ValueError(f"scale {self.name}: every territory needs at least one stockist")
        if not len(self.divisions) <= self.brands <= self.skus:
            raise ValueError(f"scale {self.name}: needs divisions <= brands <= SKUs")
        if self.mcl_size > self.hcps_per_territory:
            raise ValueError(f"scale {self.name}: the MCL cannot list more HCPs than a territory has")
        if not 1 <= self.skus_per_stockist <= self.skus:
            raise ValueError(f"scale {self.name}: skus_per_stockist must be 1..skus")
        if self.accounts_per_territory < 1 or self.opportunities_per_sr_month < 0:
            raise ValueError(f"scale {self.name}: needs an account per territory and a rate of opportunities >= 0")
        if self.vacant_at_start < 0:
            raise ValueError(f"scale {self.name}: vacant_at_start cannot be negative")

    @property
    def territories(self) -> int:
        return sum(z.territories for z in self.zones)


_COMMON = ("GENERAL_PRACTITIONER", "CONSULTING_PHYSICIAN")

SCALES: Dict[str, Scale] = {
    # Small enough to check by hand: one business unit, one division working 8 territories in two
    # zones (India: 6 in three areas of Gujarat and Maharashtra; Sri Lanka: 2); 20 positions, one
    # vacant at the start of the fiscal year. West has three ASMs under two RSMs, so the position
    # tree can move both an SR and an ASM.
    "tiny": Scale(
        name="tiny",
        zones=(Zone("IN", "West", regions=2, territories=6, states=("Gujarat", "Maharashtra")),
               Zone("LK", "Sri Lanka", regions=1, territories=2)),
        business_units=("Chronic Care",),
        divisions=(Division("Cardia", 0, (0, 1), specialities=("CARDIOLOGIST", "DIABETOLOGIST")),),
        territories_per_area=2,
        asm_span=2,
        rsm_span=2,
        vacant_at_start=1,
        stockists=20,
        skus=10,
        brands=4,
        skus_per_stockist=10,
        invoice_lines_per_day=(40, 80),
        hcps_per_territory=40,
        mcl_size=30,
        events_per_day=2.0,
        courses=6,
        credit_documents_per_stockist_day=0.1,
        accounts_per_territory=6,
        opportunities_per_sr_month=3.0,
    ),
    # About ten times tiny: three business units with one division each, working disjoint zones in
    # all three countries, so every territory still has one SR.
    "small": Scale(
        name="small",
        zones=(
            Zone("IN", "North", 2, 9), Zone("IN", "West", 2, 9), Zone("IN", "South", 2, 9),
            Zone("IN", "East", 2, 9), Zone("IN", "Central", 2, 9), Zone("IN", "North-East", 2, 8),
            Zone("IN", "South-West", 2, 9), Zone("LK", "Sri Lanka", 2, 9), Zone("NP", "Nepal", 2, 9),
        ),
        business_units=("Chronic Care", "Acute Care", "International"),
        divisions=(
            Division("Cardia", 0, (0, 1, 2), specialities=("CARDIOLOGIST", "DIABETOLOGIST")),
            Division("Gyna", 1, (3, 4, 5), specialities=("GYNAECOLOGIST", "PAEDIATRICIAN")),
            Division("Global", 2, (6, 7, 8), specialities=("CARDIOLOGIST", "GYNAECOLOGIST")),
        ),
        territories_per_area=3,
        asm_span=3,
        rsm_span=2,
        vacant_at_start=2,
        stockists=200,
        skus=100,
        brands=30,
        skus_per_stockist=60,
        invoice_lines_per_day=(400, 800),
        hcps_per_territory=60,
        mcl_size=40,
        events_per_day=6.0,
        courses=12,
        lines_per_invoice_mean=3.0,
        max_lines_per_invoice=8,
    ),
    # The seed's company: 5,500 employees on 1 April (5,553 positions, 53 vacant), 16 divisions in 3
    # business units, 3 countries, 9 zones, 104 regions, 528 territories, 2,850 stockists, 720 SKUs.
    "usv": Scale(
        name="usv",
        zones=(
            Zone("IN", "North", 16, 84), Zone("IN", "West", 16, 84), Zone("IN", "South", 16, 80),
            Zone("IN", "East", 12, 64), Zone("IN", "Central", 12, 60), Zone("IN", "North-East", 8, 36),
            Zone("IN", "South-West", 12, 64), Zone("LK", "Sri Lanka", 7, 32), Zone("NP", "Nepal", 5, 24),
        ),
        business_units=("Chronic Care", "Acute and Specialty Care", "International"),
        divisions=(
            Division("Cardia", 0, (0, 1, 2, 3, 4, 5, 6), 1.0, ("CARDIOLOGIST", "CONSULTING_PHYSICIAN"), 0.40),
            Division("Diabeta", 0, (0, 1, 2, 3, 4, 5, 6), 1.0, ("DIABETOLOGIST", "ENDOCRINOLOGIST"), 0.40),
            Division("Vascula", 0, (0, 1, 2, 3, 4, 5, 6), 0.9, ("CARDIOLOGIST", "NEPHROLOGIST")),
            Division("Neurocare", 0, (0, 1, 2, 3, 4, 6), 0.8, ("NEUROLOGIST", "PSYCHIATRIST")),
            Division("Renova", 0, (0, 1, 2, 3, 4, 6), 0.75, ("NEPHROLOGIST", "DIABETOLOGIST")),
            Division("Respira", 0, (0, 1, 2, 3, 4, 5, 6), 0.7, ("PULMONOLOGIST", "ENT")),
            Division("Endocare", 0, (0, 1, 2, 6), 0.7, ("ENDOCRINOLOGIST", "GYNAECOLOGIST")),
            Division("Gynova", 1, (0, 1, 2, 3, 4, 5, 6), 0.95, ("GYNAECOLOGIST",)),
            Division("Paedicare", 1, (0, 1, 2, 3, 4, 6), 0.7, ("PAEDIATRICIAN",)),
            Division("Orthomax", 1, (0, 1, 2, 3, 4, 6), 0.6, ("ORTHOPAEDIC",)),
            Division("Dermique", 1, (0, 1, 2, 4, 6), 0.6, ("DERMATOLOGIST",)),
            Division("Gastrol", 1, (0, 1, 2, 3, 4, 5, 6), 0.55, ("GASTROENTEROLOGIST",)),
            Division("Infecta", 1, (0, 1, 2, 3, 4, 5, 6), 0.6, ("ENT", "PAEDIATRICIAN")),
            Division("Lanka Chronic", 2, (7,), 1.0, ("CARDIOLOGIST", "DIABETOLOGIST")),
            Division("Lanka Acute", 2, (7,), 0.7, ("GYNAECOLOGIST", "PAEDIATRICIAN")),
            Division("Nepal", 2, (8,), 1.0, ("CARDIOLOGIST", "GYNAECOLOGIST")),
        ),
        territories_per_area=2,
        asm_span=6,
        rsm_span=4,
        vacant_at_start=53,
        stockists=2850,
        skus=720,
        brands=260,
        skus_per_stockist=160,
        invoice_lines_per_day=(110_000, 130_000),
        hcps_per_territory=260,
        mcl_size=130,
        events_per_day=40.0,
        courses=60,
        lines_per_invoice_mean=30.0,
        max_lines_per_invoice=80,
        invoice_date_format="%y%m%d",
        invoice_seq_digits=5,
        credit_documents_per_stockist_day=1.0,
        accounts_per_territory=12,
        opportunities_per_sr_month=1.0,
    ),
}


def get_scale(scale: "str | Scale") -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}") from None
