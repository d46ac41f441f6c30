"""The generated world: geography, org hierarchy and its history, stockists, products, HCPs.

Built once per (scale, seed, anchor): the anchor is the first day of the fiscal year holding the
first day of the run (the start, or the first day of the history loaded before it). Every dataset
generator reads from it, so a stockist on an invoice is one erp_customers lists, a call is stamped
with the territory its caller held that day, and a target names a territory a division works.

The HR history runs from 400 days before the anchor to 800 days after (further when a run goes
further): each position is a chain of holders and vacancies. Holders leave at their role's annual
rate (exponential tenure), a vacancy lasts days to weeks, and is filled by a new joiner or, for
a share of SR and ASM vacancies, by an SR of the same division moving over mid-month (a transfer
or promotion, which leaves a vacancy behind). On the anchor day exactly
``scale.vacant_at_start`` positions are vacant and every other position is filled. For about 30%
of leavers HR closes the assignment row 3-10 days after the employee master shows the leaving
date (``People.spell_lag``): consumers must honour the leaving date.

The position tree is versioned (``Tree``): the geographic tree built from the scale holds on the
anchor day; every 60-90 days an SR position moves to another ASM of its division and zone, and
every 150-210 days an ASM to another RSM of its division and zone, taking effect on the move day.

Demand: every territory, and every territory x brand, has a persistent performance factor that
drives what its stockists buy (``Performance``) and that target setting does not know; sales grow
``GROWTH`` a year.
"""
from __future__ import annotations

import bisect
import math
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from saleslens.contracts.crm import SPECIALITIES
from saleslens.generate import names
from saleslens.generate.calendar import fiscal_year_start, quarter_start
from saleslens.generate.scales import TOP_DOWN, Scale

Row = Dict[str, Optional[str]]

OPEN = 10**9  # ordinal of an open end (still in post)
HISTORY_DAYS = 400  # HR history before the anchor
FUTURE_DAYS = 800  # HR plans after the anchor (so any window in the fiscal year has them)
FUTURE_MARGIN_DAYS = 31  # a run ending later than the plans extends them to this many days past its end
LAGGED_LEAVER_SHARE = 0.3  # leavers whose assignment row HR closes late
LAG_DAYS = (3, 10)
# Days between two re-parentings of the position tree: an SR to another ASM, an ASM to another RSM.
MOVE_GAPS = {"SR": (60, 90), "ASM": (150, 210)}
GROWTH = 1.10  # sales a year on the year before
# Persistent performance factors (log-normal, median 1): territories, a few outliers, territory x brand.
TERRITORY_SIGMA, OUTLIER_SHARE, OUTLIER_SIGMA, TERRITORY_BRAND_SIGMA = 0.08, 0.05, 0.35, 0.12
# Prices to stockist in paise: log-scale between the bounds, skewed to the cheap end (median ~INR 50).
PRICE_RANGE, PRICE_SKEW = (15_00, 600_00), 1.6
MAX_TENURE_DAYS = 15 * 365  # nobody has held a sales position longer
VACANCY_MEDIAN_DAYS = 16
VACANCY_DAYS = (3, 75)
TRANSFER_SHARE = {"SR": 0.3, "ASM": 0.5}  # vacancies filled by an SR of the same division
TERRITORY_TREE_SINCE_YEARS = 3  # the territory tree's first version starts this long before the anchor
REALIGNED_DAYS_BEFORE = 120  # one territory moved to another area this long before the anchor
LINE_EXTENSIONS = ("", " Forte", " XR", " Plus", " DS", " MR", " Kid", " Gold", " SR", " LS", " AM", " Trio")
SCHEME_SHARE = 0.3  # share of SKUs on a free-goods scheme
SCHEME_RATIOS = (10, 12, 20)  # "10+1": one free unit per ten billed
CLASS_SHARES = {"A": 0.15, "B": 0.35, "C": 0.50}
PLANNED_CALLS = {"A": 4, "B": 2, "C": 1}  # KPI catalogue default, per month
KEY_HCP_SHARE = {"A": 0.4, "B": 0.05, "C": 0.0}
CHEMISTS_PER_TERRITORY = 60
TERRITORY_POTENTIAL_SIGMA = 0.25
OTHER_DIVISION_DEMAND = 0.1  # demand for a SKU whose division does not work the territory, relative


def rng_for(seed: int, stream: str, day: Optional[date] = None) -> np.random.Generator:
    """Independent random stream per (seed, dataset or purpose, day): days generate in any order."""
    parts = [seed, zlib.crc32(stream.encode("utf-8"))]
    if day is not None:
        parts.append(day.toordinal())
    return np.random.default_rng(np.random.SeedSequence(parts))


@dataclass(frozen=True)
class Geography:
    territory_codes: List[str]
    territory_names: List[str]
    territory_area: np.ndarray  # area index of each territory (current version)
    territory_zone: np.ndarray
    territory_country: List[str]
    area_codes: List[str]
    area_names: List[str]
    area_region: np.ndarray
    region_codes: List[str]
    region_names: List[str]
    region_zone: np.ndarray
    zone_codes: List[str]
    zone_names: List[str]
    zone_country: List[str]
    versions: List[Row]  # hr_territories rows


@dataclass(frozen=True)
class Org:
    """Positions, top-down; children of a manager are consecutive."""

    ids: List[str]
    role: List[str]
    parent: np.ndarray  # position index of the manager, -1 for the CMO
    division: np.ndarray  # division index, -1 for CMO and BUH
    business_unit: np.ndarray  # -1 for the CMO
    territory: np.ndarray  # territory index of SR positions, -1 otherwise
    country: List[str]
    names: List[str]
    zone: np.ndarray  # zone index of positions from ZSM down, -1 above

    def of_role(self, role: str) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.role) == role)


@dataclass(frozen=True)
class Move:
    """A re-parenting of the position tree, in effect from `day`."""

    day: date
    position: int
    old_parent: int
    new_parent: int


@dataclass(frozen=True)
class Tree:
    """The versioned position tree: the parent of every position as of any day."""

    moves: Tuple[Move, ...]  # in day order
    initial: np.ndarray  # parents before the first move
    days: List[int]  # ordinals of the change dates, ascending
    after: List[np.ndarray]  # parents from each change date on

    def parent(self, day: date) -> np.ndarray:
        i = bisect.bisect_right(self.days, day.toordinal()) - 1
        return self.initial if i < 0 else self.after[i]


@dataclass(frozen=True)
class People:
    """Employees and their spells in positions (the assignment history)."""

    spell_position: np.ndarray
    spell_employee: np.ndarray
    spell_start: np.ndarray  # ordinal, first day
    spell_end: np.ndarray  # ordinal, last day; OPEN while in post
    spell_lag: np.ndarray  # days after the end before HR's assignment rows show it (leavers only)
    employee_ids: List[str]
    first: List[str]
    last: List[str]
    country: List[str]
    joined: np.ndarray  # ordinal
    left: np.ndarray  # ordinal of the last day with the company, OPEN if still employed
    leaving_reason: List[Optional[str]]

    def holders(self, day: date, n_positions: int) -> np.ndarray:
        """Employee index holding each position on `day`, -1 where vacant."""
        d = day.toordinal()
        on = (self.spell_start <= d) & (self.spell_end >= d)
        out = np.full(n_positions, -1, np.int64)
        out[self.spell_position[on]] = self.spell_employee[on]
        return out

    def email(self, e: int) -> str:
        return f"{self.first[e]}.{self.last[e]}.{int(self.employee_ids[e][1:])}@field.example.com".lower()


@dataclass(frozen=True)
class Products:
    codes: List[str]  # SKU00001, ...
    price_paise: np.ndarray  # int64, unit price to stockist in paise (1/100 INR)
    scheme_ratio: np.ndarray  # int64, billed units per free unit; 0 = no scheme
    brand: np.ndarray  # brand index of each SKU
    weight: np.ndarray  # float, share of demand (Pareto across brands)
    mrp_paise: np.ndarray
    names: List[str]
    packs: List[str]
    brand_codes: List[str]
    brand_names: List[str]
    brand_division: np.ndarray  # division index of each brand
    cost_paise: np.ndarray  # int64, standard cost per unit in paise: COST_SHARE of the price to stockist

    @property
    def division(self) -> np.ndarray:
        return self.brand_division[self.brand]


@dataclass(frozen=True)
class Hcps:
    ids: List[str]
    names: List[str]
    speciality: np.ndarray  # index into crm.SPECIALITIES
    hcp_class: np.ndarray  # 0=A, 1=B, 2=C
    key: np.ndarray  # bool
    # HCP i practises in territory i // per_territory
    per_territory: int


@dataclass(frozen=True)
class Performance:
    """What target setting does not know: how well each territory, and each brand in it, sells."""

    territory: np.ndarray  # [territories]
    territory_brand: np.ndarray  # [territories, brands]

    def of(self, territory: np.ndarray, brand: np.ndarray) -> np.ndarray:
        return self.territory[territory] * self.territory_brand[territory, brand]


@dataclass(frozen=True)
class World:
    scale: Scale
    seed: int
    start: date
    anchor: date  # first day of the fiscal year holding `start`
    geo: Geography
    org: Org
    people: People
    stockists: List[Row]  # erp_customers rows
    stockist_territory: np.ndarray
    stockist_weight: np.ndarray  # share of primary purchases
    products: Products
    hcps: Hcps
    stocked: np.ndarray  # [stockists, skus_per_stockist] SKU indexes each stockist stocks
    stocked_weight: np.ndarray  # same shape, row-normalised demand share
    tree: Tree
    perf: Performance
    _cache: Dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    # -- the position tree ----------------------------------------------------------------------
    @property
    def position_change_dates(self) -> List[date]:
        """Days the position tree changes (each gets a full hr_positions snapshot), ascending."""
        return [date.fromordinal(d) for d in self.tree.days]

    def tree_changes_on(self, day: date) -> bool:
        i = bisect.bisect_left(self.tree.days, day.toordinal())
        return i < len(self.tree.days) and self.tree.days[i] == day.toordinal()

    def parent_as_of(self, day: date) -> np.ndarray:
        """Position index of each position's manager on `day` (-1 for the CMO)."""
        return self.tree.parent(day)

    def positions_as_of(self, day: date) -> List[Row]:
        """hr_positions rows: the tree in effect on `day`."""
        o = self.org
        parent = self.parent_as_of(day)
        return [
            {
                "position_id": o.ids[i],
                "role": o.role[i],
                "parent_position_id": o.ids[parent[i]] if parent[i] >= 0 else None,
                "territory_code": self.geo.territory_codes[o.territory[i]] if o.territory[i] >= 0 else None,
                "position_name": o.names[i],
            }
            for i in range(len(o.ids))
        ]

    @property
    def positions(self) -> List[Row]:
        """hr_positions rows on the start date."""
        return self.positions_as_of(self.start)

    # -- rows of the master datasets ----------------------------------------------------------
    def assignments(self, as_of: date) -> List[Row]:
        """hr_assignments as HR knows it on `as_of`: every spell begun by then; an end date once
        HR has recorded it (the day after the last day, a few days later for lagged leavers)."""
        p, d = self.people, as_of.toordinal()
        order = np.lexsort((p.spell_start, p.spell_position))
        rows = []
        for s in order:
            if p.spell_start[s] > d:
                continue
            e = int(p.spell_employee[s])
            end = int(p.spell_end[s])
            rows.append({
                "employee_id": p.employee_ids[e],
                "employee_name": f"{p.first[e]} {p.last[e]}",
                "email": p.email(e),
                "position_id": self.org.ids[int(p.spell_position[s])],
                "valid_from": date.fromordinal(int(p.spell_start[s])).isoformat(),
                "valid_to": date.fromordinal(end).isoformat() if end + int(p.spell_lag[s]) < d else None,
            })
        return rows

    def employees(self, as_of: date) -> List[Row]:
        p, d = self.people, as_of.toordinal()
        rows = []
        for e in range(len(p.employee_ids)):
            if p.joined[e] > d:
                continue
            left = int(p.left[e])
            rows.append({
                "employee_id": p.employee_ids[e],
                "employee_name": f"{p.first[e]} {p.last[e]}",
                "email": p.email(e),
                "mobile": _mobile(p.country[e], e, self.seed),
                "country": p.country[e],
                "date_of_joining": date.fromordinal(int(p.joined[e])).isoformat(),
                "date_of_leaving": date.fromordinal(left).isoformat() if left < d else None,
                "leaving_reason": p.leaving_reason[e] if left < d else None,
            })
        return rows

    def holders(self, day: date) -> np.ndarray:
        key = ("holders", day)
        if key not in self._cache:
            self._cache[key] = self.people.holders(day, len(self.org.ids))
        return self._cache[key]

    # -- summaries ----------------------------------------------------------------------------
    def org_summary(self) -> Dict[str, Dict[str, int]]:
        """Per role: positions, filled and vacant on the start date, and assignments ended before it."""
        holders = self.holders(self.start)
        role = np.asarray(self.org.role)
        ended = self.people.spell_end < self.start.toordinal()
        ended_roles = role[self.people.spell_position[ended]]
        out = {}
        for r in TOP_DOWN:
            mine = role == r
            out[r] = {
                "positions": int(mine.sum()),
                "filled": int((holders[mine] >= 0).sum()),
                "vacant": int((holders[mine] < 0).sum()),
                "leavers": int((ended_roles == r).sum()),
            }
        return out

    def figures(self) -> Dict[str, int]:
        """The org as the seed counts it, on the start date."""
        g = self.geo
        return {
            "employees": int((self.holders(self.start) >= 0).sum()),
            "positions": len(self.org.ids),
            "business_units": len(self.scale.business_units),
            "divisions": len(self.scale.divisions),
            "countries": len(set(g.zone_country)),
            "zones": len(g.zone_codes),
            "regions": len(g.region_codes),
            "areas": len(g.area_codes),
            "territories": len(g.territory_codes),
            "stockists": len(self.stockists),
            "skus": len(self.products.codes),
            "brands": len(self.products.brand_codes),
            "hcps": len(self.hcps.ids),
        }

    # -- call plans ---------------------------------------------------------------------------
    def mcl(self, day: date) -> Tuple[np.ndarray, np.ndarray]:
        """Master call lists of the fiscal quarter holding `day`: (SR positions, [SR, mcl_size]
        HCP indexes). Plans are revised each quarter; the SR's division decides whom it favours."""
        q = quarter_start(day)
        key = ("mcl", q)
        if key not in self._cache:
            self._cache[key] = _mcl(self, q)
        return self._cache[key]

    def growth(self, day: date) -> float:
        """Sales level on `day` relative to the anchor day (GROWTH a year)."""
        return float(GROWTH ** ((day.toordinal() - self.anchor.toordinal()) / 365.25))

    def demand(self, naive: bool = False) -> np.ndarray:
        """Expected billed units per (stockist, stocked SKU slot) on an ordinary day at the anchor's
        level; `naive`: without the performance factors, as target setting expects it."""
        key = ("demand", naive)
        if key not in self._cache:
            low, high = self.scale.invoice_lines_per_day
            lines = (low + high) / 2
            units_per_line = billed_median(self.products.price_paise[self.stocked]) * math.exp(BILLED_SIGMA**2 / 2)
            share = self.stockist_weight[:, None] * self.stocked_weight
            units = share * lines * units_per_line
            if not naive:
                units = units * self.perf.of(self.stockist_territory[:, None], self.products.brand[self.stocked])
            self._cache[key] = units
        return self._cache[key]


COST_SHARE = (0.35, 0.60)  # standard cost per unit as a share of the price to stockist
BILLED_MEDIAN = 12.5  # billed units per invoice line of a pack at REFERENCE_PRICE, at the anchor's level
BILLED_SIGMA = 0.6  # log-normal spread of billed units around the line's median, 1..500
REFERENCE_PRICE = 50_00  # paise
PRICE_ELASTICITY = 0.6  # cheaper packs are ordered in bigger quantities: median ~ price ** -0.6


def billed_median(price_paise: np.ndarray) -> np.ndarray:
    """Median billed units of an invoice line at the anchor's level, before performance factors."""
    return BILLED_MEDIAN * (np.asarray(price_paise, float) / REFERENCE_PRICE) ** -PRICE_ELASTICITY


def build_world(scale: Scale, seed: int, start: date, history_from: Optional[date] = None,
                until: Optional[date] = None) -> World:
    """The world of a run starting on `start` (after a history from `history_from`, if given) and
    ending on `until` (default: the start). Anchored at the fiscal year of the run's first day."""
    anchor = fiscal_year_start(history_from or start)
    horizon = max(anchor.toordinal() + FUTURE_DAYS, (until or start).toordinal() + FUTURE_MARGIN_DAYS)
    geo = _geography(scale, anchor)
    org = _org(scale, geo)
    people = _people(scale, org, seed, anchor, horizon)
    products = _products(scale, seed, org)
    stockists, territory, weight = _stockists(scale, geo, seed)
    stocked, stocked_weight = _stocked(scale, seed, products, territory, org, len(geo.territory_codes))
    return World(
        scale=scale, seed=seed, start=start, anchor=anchor, geo=geo, org=org, people=people,
        stockists=stockists, stockist_territory=territory, stockist_weight=weight, products=products,
        hcps=_hcps(scale, seed, len(geo.territory_codes)), stocked=stocked, stocked_weight=stocked_weight,
        tree=_tree(org, seed, anchor, horizon), perf=_performance(seed, len(geo.territory_codes), scale.brands),
    )


# -- geography -----------------------------------------------------------------------------------
def _geography(scale: Scale, anchor: date) -> Geography:
    """Zones -> regions -> areas -> territories. A zone's territories are headquarter towns of its
    states (``names.ZONES``), each state taking whole areas in proportion to its towns; an area
    lies in one state, and a region takes consecutive areas (one state or neighbouring ones)."""
    used: set = set()
    t_codes: List[str] = []  # each code is numbered by len() before its first append, hence typed
    a_codes: List[str] = []
    r_codes: List[str] = []
    t_names, t_area, t_zone, t_country = [], [], [], []
    a_names, a_region, a_state = [], [], []
    r_names, r_zone = [], []
    z_codes, z_names, z_country = [], [], []
    for zi, zone in enumerate(scale.zones):
        z_codes.append(f"Z{zi + 1:02d}")
        z_names.append(zone.name)
        z_country.append(zone.country)
        states = names.states_of(zone.country, zone.name)
        if zone.states:
            unknown = set(zone.states) - {name for name, _ in states}
            if unknown:
                raise ValueError(f"zone {zone.name}: unknown states {sorted(unknown)}")
            states = tuple(st for st in states if st[0] in zone.states)
        areas = _zone_areas(zone.territories, zone.regions, scale.territories_per_area, states, used)
        for in_region in np.array_split(np.arange(len(areas)), zone.regions):
            region = len(r_codes)
            r_codes.append(f"R{region + 1:03d}")
            r_zone.append(zi)
            r_names.append(f"{areas[int(in_region[0])][1][0]} Region")
            for k in in_region:
                area = len(a_codes)
                state, towns = areas[int(k)]
                a_codes.append(f"A{area + 1:04d}")
                a_region.append(region)
                a_names.append(f"{towns[0]} Area")
                a_state.append((zone.country, state))
                for town in towns:
                    t_codes.append(f"T{len(t_codes) + 1:04d}")
                    t_names.append(town)
                    t_area.append(area)
                    t_zone.append(zi)
                    t_country.append(zone.country)
    t_area_now = np.asarray(t_area, np.int64)
    since = date(anchor.year - TERRITORY_TREE_SINCE_YEARS, anchor.month, anchor.day)
    versions = []
    moved = _realigned_territory(t_area_now, np.asarray(a_region), a_state)

    def version(base: Row, a: int, valid_from: date, valid_to: Optional[date]) -> Row:
        region = a_region[a]
        return {
            **base, "area_code": a_codes[a], "area_name": a_names[a],
            "region_code": r_codes[region], "region_name": r_names[region],
            "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat() if valid_to else None,
        }

    for t in range(len(t_codes)):
        area = int(t_area_now[t])
        base: Row = {
            "territory_code": t_codes[t], "territory_name": t_names[t],
            "zone_code": z_codes[t_zone[t]], "zone_name": z_names[t_zone[t]], "country": t_country[t],
        }
        if moved is not None and t == moved[0]:
            when = anchor - timedelta(days=REALIGNED_DAYS_BEFORE)
            versions.append(version(base, moved[1], since, when - timedelta(days=1)))
            versions.append(version(base, area, when, None))
        else:
            versions.append(version(base, area, since, None))
    column_order = ("territory_code", "territory_name", "area_code", "area_name", "region_code", "region_name",
                    "zone_code", "zone_name", "country", "valid_from", "valid_to")
    versions = [{k: v[k] for k in column_order} for v in versions]
    return Geography(
        t_codes, t_names, t_area_now, np.asarray(t_zone, np.int64), t_country,
        a_codes, a_names, np.asarray(a_region, np.int64), r_codes, r_names, np.asarray(r_zone, np.int64),
        z_codes, z_names, z_country, versions,
    )


def _zone_areas(territories: int, regions: int, per_area: int, states: Tuple[names.State, ...],
                used: set) -> List[Tuple[str, List[str]]]:
    """Towns of a zone's territories, grouped into areas of `per_area` (one state each), at least
    `regions` areas. Each state takes whole areas in proportion to its unused towns."""
    towns = [[t for t in state_towns if t not in used] for _, state_towns in states]
    room = np.array([len(t) for t in towns], np.int64)
    slots = math.ceil(territories / per_area)
    per_state = _apportion(slots, room.astype(float), room // per_area) * per_area
    for _ in range(int(per_state.sum()) - territories):  # the last area of the biggest states is a town short
        per_state[int(np.flatnonzero(per_state == per_state.max())[-1])] -= 1
    areas: List[Tuple[str, List[str]]] = []
    for s, n in enumerate(per_state.tolist()):
        if n == 0:
            continue
        picked = [towns[s][i] if i < len(towns[s]) else f"{towns[s][i % len(towns[s])]} {i // len(towns[s]) + 1}"
                  for i in range(n)]  # numbered towns only when a scale outgrows the lists
        used.update(picked)
        for chunk in np.array_split(np.arange(n), math.ceil(n / per_area)):
            areas.append((states[s][0], [picked[int(i)] for i in chunk]))
    while len(areas) < regions:  # more regions than areas: split the biggest area
        k = max(range(len(areas)), key=lambda i: len(areas[i][1]))
        state, towns_k = areas[k]
        half = (len(towns_k) + 1) // 2
        areas[k:k + 1] = [(state, towns_k[:half]), (state, towns_k[half:])]
    return areas


def _apportion(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split `total` into integers in proportion to `weights` (largest remainder, stable), none
    above its cap; what a cap holds back goes to the others, in proportion again."""
    out = np.zeros(len(weights), np.int64)
    if caps.sum() < total:  # not enough room anywhere: caps do not hold
        caps = np.full(len(weights), total, np.int64)
    while out.sum() < total:
        room = out < caps
        need = total - int(out.sum())
        quota = np.where(room, weights, 0.0) / weights[room].sum() * need
        add = np.minimum(np.floor(quota).astype(np.int64), caps - out)
        rest = np.where(room & (out + add < caps), quota - np.floor(quota), -1.0)
        for i in np.argsort(-rest, kind="stable")[: need - int(add.sum())]:
            if rest[i] >= 0:
                add[i] += 1
        out += add
    return out


def _realigned_territory(t_area: np.ndarray, a_region: np.ndarray, a_state: List[Tuple[str, str]]) -> Optional[Tuple[int, int]]:
    """(territory, its previous area): the first territory with another area of its state it sat
    in before a realignment, in its region if it can be. The territory tree is versioned, so this
    shows up as two rows."""
    for same_region in (True, False):
        for t in range(len(t_area)):
            area = int(t_area[t])
            if (t_area == area).sum() < 2:
                continue  # moving the only territory would leave its area empty
            others = [a for a in range(len(a_region)) if a != area and a_state[a] == a_state[area]
                      and (a_region[a] == a_region[area] or not same_region)]
            if others:
                return t, others[0]
    return None


# -- org -------------------------------------------------------------------------------------------
def _org(scale: Scale, geo: Geography) -> Org:
    levels: Dict[str, List[Dict[str, Any]]] = {r: [] for r in TOP_DOWN}
    levels["CMO"].append({"parent": None, "division": -1, "bu": -1, "territory": -1, "country": "IN",
                          "name": "Chief Marketing Officer", "zone": -1})
    for b, bu_name in enumerate(scale.business_units):
        levels["BUH"].append({"parent": 0, "division": -1, "bu": b, "territory": -1,
                              "country": "IN", "name": f"{bu_name} Business Unit", "zone": -1})
    for d, div in enumerate(scale.divisions):
        div_country = scale.zones[div.zones[0]].country
        levels["NH"].append({"parent": div.business_unit, "division": d, "bu": div.business_unit,
                             "territory": -1, "country": div_country, "name": f"{div.name} National", "zone": -1})
    # Below NH everything is per (division, zone), in division then zone order.
    for d, div in enumerate(scale.divisions):
        for z in div.zones:
            zone = scale.zones[z]
            in_zone = np.flatnonzero(geo.territory_zone == z)
            n = max(1, round(div.coverage * len(in_zone)))
            picks = (np.arange(n) * len(in_zone) // n + d) % len(in_zone)
            worked = np.sort(in_zone[picks])
            zsm = len(levels["ZSM"])
            base = {"division": d, "bu": div.business_unit, "territory": -1, "country": zone.country, "zone": int(z)}
            levels["ZSM"].append({**base, "parent": d, "name": f"{div.name} {zone.name} Zone"})
            asm_groups = np.array_split(worked, math.ceil(len(worked) / scale.asm_span))
            for rsm_groups in np.array_split(np.arange(len(asm_groups)), math.ceil(len(asm_groups) / scale.rsm_span)):
                rsm = len(levels["RSM"])
                first_t = int(asm_groups[rsm_groups[0]][0])
                region = geo.region_names[geo.area_region[geo.territory_area[first_t]]]
                levels["RSM"].append({**base, "parent": zsm, "name": f"{div.name} {region}"})
                for g in rsm_groups:
                    asm = len(levels["ASM"])
                    group = asm_groups[g]
                    area = geo.area_names[geo.territory_area[int(group[0])]]
                    levels["ASM"].append({**base, "parent": rsm, "name": f"{div.name} {area}"})
                    for t in group:
                        levels["SR"].append({**base, "parent": asm, "territory": int(t),
                                             "name": f"{div.name} {geo.territory_names[int(t)]}"})
    ids: List[str] = []
    parent: List[int] = []
    role, division, bu, territory, country, pnames, zones = [], [], [], [], [], [], []
    offset = {}
    for r in TOP_DOWN:
        offset[r] = len(ids)
        for p in levels[r]:
            ids.append(f"P{len(ids) + 1:05d}")
            role.append(r)
            division.append(p["division"])
            bu.append(p["bu"])
            territory.append(p["territory"])
            country.append(p["country"])
            pnames.append(p["name"])
            zones.append(p["zone"])
    for above, r in zip(TOP_DOWN, TOP_DOWN[1:]):
        parent.extend(offset[above] + p["parent"] for p in levels[r])
    parent = [-1] + parent
    return Org(ids, role, np.asarray(parent, np.int64), np.asarray(division, np.int64), np.asarray(bu, np.int64),
               np.asarray(territory, np.int64), country, pnames, np.asarray(zones, np.int64))


# -- the versioned position tree --------------------------------------------------------------------
def _tree(org: Org, seed: int, anchor: date, horizon: int) -> Tree:
    """Re-parentings over the HR history: SR positions to another ASM, ASM positions to another RSM,
    of the same division and zone, on their own rhythm (``MOVE_GAPS``). The built tree holds on the
    anchor day: moves after it are walked forward from it, moves before it backward."""
    A = anchor.toordinal()
    h0 = A - HISTORY_DAYS
    events: List[Tuple[int, str]] = []
    for role, (low, high) in MOVE_GAPS.items():
        rng = rng_for(seed, f"hr_positions/{role}")  # dates only: a longer horizon appends, never shifts
        d = h0 + int(rng.integers(1, high + 1))
        while d <= horizon:
            events.append((d + 1 if d == A else d, role))  # the anchor day keeps the built tree
            d += int(rng.integers(low, high + 1))
    events.sort()
    moves: List[Move] = []
    for later, chosen in ((True, [e for e in events if e[0] > A]), (False, [e for e in events if e[0] < A][::-1])):
        rng = rng_for(seed, "hr_positions/forward" if later else "hr_positions/backward")
        parent = org.parent.copy()
        for d, role in chosen:
            picked = _pick_move(org, parent, role, rng)
            if picked is None:
                continue
            p, here, there = picked
            parent[p] = there
            # Walking back, the position sat under `there` before the day and under `here` from it.
            moves.append(Move(date.fromordinal(d), p, here, there) if later else Move(date.fromordinal(d), p, there, here))
    moves.sort(key=lambda m: (m.day, m.position))
    parent = org.parent.copy()
    for m in reversed([m for m in moves if m.day.toordinal() < A]):
        parent[m.position] = m.old_parent
    initial = parent.copy()
    days: List[int] = []
    after: List[np.ndarray] = []
    for m in moves:
        if parent[m.position] != m.old_parent:
            raise AssertionError(f"position tree history out of step at {m.day}")
        if not days or days[-1] != m.day.toordinal():
            parent = parent.copy()
            days.append(m.day.toordinal())
            after.append(parent)
        parent[m.position] = m.new_parent
    state_at_anchor = initial if not days or days[0] > A else after[bisect.bisect_right(days, A) - 1]
    if not np.array_equal(state_at_anchor, org.parent):
        raise AssertionError("the position tree on the anchor day is not the built tree")
    return Tree(tuple(moves), initial, days, after)


def _pick_move(org: Org, parent: np.ndarray, role: str, rng: np.random.Generator) -> Optional[Tuple[int, int, int]]:
    """(position, its manager, the manager it moves to): a position of `role` whose manager has
    another report, to the manager with the fewest reports among the others of its division and zone."""
    mover = org.of_role(role)
    managers = org.of_role({"SR": "ASM", "ASM": "RSM"}[role])
    count = np.bincount(parent[mover], minlength=len(org.ids))
    group = org.division * 1000 + org.zone  # division and zone of every position from ZSM down
    per_group: Dict[int, List[int]] = {}
    for m in managers:
        per_group.setdefault(int(group[m]), []).append(int(m))
    eligible = [int(p) for p in mover if count[parent[p]] >= 2 and len(per_group.get(int(group[p]), ())) >= 2]
    if not eligible:
        return None
    p = eligible[int(rng.integers(len(eligible)))]
    here = int(parent[p])
    others = [m for m in per_group[int(group[p])] if m != here]
    fewest = min(count[m] for m in others)
    lightest = [m for m in others if count[m] == fewest]
    return p, here, lightest[int(rng.integers(len(lightest)))]


# -- people and their history -----------------------------------------------------------------
def _people(scale: Scale, org: Org, seed: int, anchor: date, horizon: int) -> People:
    rng = rng_for(seed, "hr_history")
    A = anchor.toordinal()
    h0, h1 = A - HISTORY_DAYS, horizon
    n = len(org.ids)
    role = np.asarray(org.role)
    # Vacant on the anchor day: drawn among SR and ASM positions, SRs four times as likely.
    candidates = np.flatnonzero((role == "SR") | (role == "ASM"))
    if scale.vacant_at_start > len(candidates):
        raise ValueError(f"scale {scale.name}: more vacancies than SR and ASM positions")
    w = np.where(role[candidates] == "SR", 4.0, 1.0)
    vacant = set(rng.choice(candidates, scale.vacant_at_start, replace=False, p=w / w.sum()).tolist())

    def tenure(rate: float) -> int:
        return min(int(rng.exponential(365.0 / rate)), MAX_TENURE_DAYS) if rate > 0 else OPEN

    def gap() -> int:
        v = int(round(rng.lognormal(math.log(VACANCY_MEDIAN_DAYS), 0.6)))
        return min(max(v, VACANCY_DAYS[0]), VACANCY_DAYS[1])

    spells: List[List[int]] = []  # [position, start, end, employee]
    for p in range(n):
        rate = scale.attrition[org.role[p]]
        chain: List[Tuple[int, int]] = []
        if rate == 0:
            chain.append((A - int(rng.integers(2 * 365, 12 * 365)), OPEN))
        else:
            if p in vacant:  # the vacancy [A-u, A-u+length) holds the anchor day
                length = gap()
                u = int(rng.integers(0, length))
                prev_end = A - u - 1
                chain.append((prev_end - tenure(rate), prev_end))
                nxt = A - u + length
            else:  # the holder on the anchor day: age and remaining tenure, both exponential
                end = A + tenure(rate)
                chain.append((A - tenure(rate), end))
                nxt = end + gap() + 1
            while chain[0][0] > h0:  # earlier holders, back to the start of the history
                prev_end = chain[0][0] - gap() - 1
                chain.insert(0, (prev_end - tenure(rate), prev_end))
            while nxt <= h1:  # later holders, to the end of the plan
                end = nxt + tenure(rate)
                chain.append((nxt, end))
                nxt = end + gap() + 1
            if chain[-1][1] > h1:
                chain[-1] = (chain[-1][0], OPEN)
        for s, e in chain:
            spells.append([p, s, min(e, OPEN), -1])
    _transfers(spells, org, rng, A, h0, h1, gap)
    return _employees(spells, org, rng, seed)


def _transfers(spells: List[List[int]], org: Org, rng: np.random.Generator, anchor: int, h0: int, h1: int, gap) -> None:
    """Turn a share of SR and ASM refills into moves of an SR of the same division: the SR's spell
    ends the day before, their old position stays vacant for a while and is then filled by the
    joiner the refill would have hired. Anchor-day states do not change."""
    by_position: Dict[int, List[int]] = {}
    for i, (p, _s, _e, _emp) in enumerate(spells):
        by_position.setdefault(p, []).append(i)
    for p in by_position:
        by_position[p].sort(key=lambda i: spells[i][1])
    srs_of_division: Dict[int, List[int]] = {}
    for p in np.flatnonzero(np.asarray(org.role) == "SR"):
        srs_of_division.setdefault(int(org.division[p]), []).append(int(p))
    refills = sorted(
        (spells[i][1], i) for p, ids in by_position.items() if org.role[p] in TRANSFER_SHARE
        for k, i in enumerate(ids) if k > 0 and h0 <= spells[i][1] <= h1
    )
    moved_in: Dict[int, int] = {}  # refill spell -> donor spell
    for t, i in refills:
        p = spells[i][0]
        if rng.random() >= TRANSFER_SHARE[org.role[p]]:
            continue
        pool = srs_of_division.get(int(org.division[p]), [])
        for _ in range(10):
            if not pool:
                break
            q = pool[int(rng.integers(len(pool)))]
            if q == p:
                continue
            starts = [spells[j][1] for j in by_position[q]]
            k = bisect.bisect_right(starts, t - 1) - 1
            if k < 0:
                continue
            j = by_position[q][k]
            _q, a, b, _ = spells[j]
            length = gap()
            if not (a <= t - 1 and b >= t + length and not (t <= anchor < t + length)):
                continue
            # q's holder moves to p on day t; q is vacant [t, t+length); the joiner fills q after.
            spells[j][2] = t - 1
            new = [q, t + length, b, -1]
            spells.append(new)
            by_position[q].insert(k + 1, len(spells) - 1)
            moved_in[i] = j
            break
    # Employees: follow the moves; everyone else is one person per spell.
    order = sorted(range(len(spells)), key=lambda i: (spells[i][1], spells[i][0]))
    next_id = 0
    for i in order:
        if i in moved_in:
            spells[i][3] = spells[moved_in[i]][3]
        else:
            spells[i][3] = next_id
            next_id += 1


def _employees(spells: List[List[int]], org: Org, rng: np.random.Generator, seed: int) -> People:
    arr = np.asarray(spells, np.int64)
    pos, start, end, emp = arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]
    n_emp = int(emp.max()) + 1
    joined = np.full(n_emp, OPEN, np.int64)
    np.minimum.at(joined, emp, start)
    last_end = np.zeros(n_emp, np.int64)
    np.maximum.at(last_end, emp, end)
    # Number employees in the order they joined (employee numbers grow over time).
    first_pos = np.full(n_emp, 0, np.int64)
    order_spells = np.lexsort((pos, start))
    seen = np.zeros(n_emp, bool)
    for s in order_spells:
        if not seen[emp[s]]:
            seen[emp[s]] = True
            first_pos[emp[s]] = pos[s]
    rank = np.empty(n_emp, np.int64)
    rank[np.lexsort((first_pos, joined))] = np.arange(n_emp)
    emp = rank[emp]
    joined, last_end, first_pos = _permute(joined, rank), _permute(last_end, rank), _permute(first_pos, rank)
    names_rng = rng_for(seed, "hr_employees")
    first = [names.FIRST_NAMES[i] for i in names_rng.integers(len(names.FIRST_NAMES), size=n_emp)]
    last = [names.LAST_NAMES[i] for i in names_rng.integers(len(names.LAST_NAMES), size=n_emp)]
    reasons_draw = names_rng.random(n_emp)
    left = np.where(last_end >= OPEN, OPEN, last_end)
    reason = [
        None if left[e] >= OPEN else ("RESIGNED" if r < 0.85 else "TERMINATED" if r < 0.95 else "RETIRED")
        for e, r in enumerate(reasons_draw)
    ]
    # HR closes the assignment of some leavers a few days after the employee master shows them gone.
    leaving = np.flatnonzero((end < OPEN) & (end == left[emp]))
    lag = np.zeros(len(pos), np.int64)
    if len(leaving):
        lag_rng = rng_for(seed, "hr_assignments/lag")
        chosen = lag_rng.choice(leaving, max(1, round(LAGGED_LEAVER_SHARE * len(leaving))), replace=False)
        lag[chosen] = lag_rng.integers(LAG_DAYS[0], LAG_DAYS[1] + 1, size=len(chosen))
    return People(
        spell_position=pos, spell_employee=emp, spell_start=start, spell_end=end, spell_lag=lag,
        employee_ids=[f"E{e + 1:06d}" for e in range(n_emp)], first=first, last=last,
        country=[org.country[int(p)] for p in first_pos], joined=joined, left=left, leaving_reason=reason,
    )


def _permute(values: np.ndarray, rank: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[rank] = values
    return out


def _mobile(country: str, e: int, seed: int) -> str:
    digits = (e * 7919 + seed * 104729) % 10**8
    return {"IN": f"+919{digits:09d}"[:13], "LK": f"+947{digits:08d}", "NP": f"+97798{digits:08d}"}[country]


# -- stockists, products, HCPs ---------------------------------------------------------------
def _stockists(scale: Scale, geo: Geography, seed: int) -> Tuple[List[Row], np.ndarray, np.ndarray]:
    """Stockist i serves territory i mod T, so every territory has at least one. Sizes are
    log-normal: a few big distributors, a long tail of small ones."""
    rng = rng_for(seed, "erp_customers")
    n_t = len(geo.territory_codes)
    rows: List[Row] = []
    territory = np.arange(scale.stockists) % n_t
    for i in range(scale.stockists):
        t = int(territory[i])
        surname = names.LAST_NAMES[int(rng.integers(len(names.LAST_NAMES)))]
        suffix = names.STOCKIST_SUFFIXES[int(rng.integers(len(names.STOCKIST_SUFFIXES)))]
        rows.append({
            "stockist_code": f"STK{i + 1:05d}",
            "stockist_name": surname + suffix,
            "territory_code": geo.territory_codes[t],
            "city": geo.territory_names[t],
            "country": geo.territory_country[t],
        })
    # Within a territory, sizes are log-normal; territories themselves are drawn to be of similar
    # potential (that is how a sales force cuts them), give or take a quarter.
    weight = rng.lognormal(0.0, 0.8, size=scale.stockists)
    potential = rng_for(seed, "territory_potential").lognormal(0.0, TERRITORY_POTENTIAL_SIGMA, size=n_t)
    weight = weight / np.bincount(territory, weight, minlength=n_t)[territory] * potential[territory]
    return rows, territory, weight / weight.sum()


def _products(scale: Scale, seed: int, org: Org) -> Products:
    rng = rng_for(seed, "products")
    n_div = len(scale.divisions)
    # Brands per division in proportion to its field force, at least one each.
    size = np.bincount(org.division[org.territory >= 0], minlength=n_div).astype(float) + 1.0
    brand_division = np.repeat(np.arange(n_div), _allocate(scale.brands, size))
    # Pareto brand mix: a few brands carry most of the sales.
    brand_weight = rng.pareto(1.2, size=scale.brands) + 0.05
    sku_count = _allocate(scale.skus, brand_weight ** 0.3, minimum=1)  # big brands have more SKUs, not most
    brand = np.repeat(np.arange(scale.brands), sku_count)
    within = rng.dirichlet(np.ones(scale.skus) * 2.0)  # split of a brand's demand over its SKUs
    within = within / np.bincount(brand, within)[brand]
    weight = brand_weight[brand] * within
    weight = weight / weight.sum()
    # Price to stockist: one uniform draw per SKU, spread on a log scale between the bounds and
    # skewed to the cheap end (most packs sell for tens of rupees, a few specialty ones for hundreds).
    u = (rng.integers(20_00, 900_00, size=scale.skus, endpoint=True) - 20_00) / (900_00 - 20_00)
    low, high = PRICE_RANGE
    price = np.rint(low * (high / low) ** (u ** PRICE_SKEW)).astype(np.int64)
    mrp = (price * rng.uniform(1.25, 1.35, size=scale.skus)).astype(np.int64) // 50 * 50
    on_scheme = rng.random(scale.skus) < SCHEME_SHARE
    ratio = np.where(on_scheme, rng.choice(SCHEME_RATIOS, size=scale.skus), 0).astype(np.int64)
    brand_names = _brand_names(scale.brands, rng)
    forms = rng.integers(len(names.FORMS), size=scale.brands)
    product_names, packs = [], []
    for i in range(scale.skus):
        b = int(brand[i])
        form, pack, strengths = names.FORMS[int(forms[b])]
        k = i - int(np.searchsorted(brand, b))
        variant = LINE_EXTENSIONS[(k // len(strengths)) % len(LINE_EXTENSIONS)]
        product_names.append(f"{brand_names[b]}{variant} {strengths[k % len(strengths)]} {form}")
        packs.append(pack)
    # Standard cost from a stream of its own (adding it changed no other draw): a share of the price.
    cost = np.rint(price * rng_for(seed, "standard_costs").uniform(*COST_SHARE, size=scale.skus)).astype(np.int64)
    return Products(
        cost_paise=np.clip(cost, 1, price - 1),
        codes=[f"SKU{i + 1:05d}" for i in range(scale.skus)], price_paise=price, scheme_ratio=ratio,
        brand=brand, weight=weight, mrp_paise=np.maximum(mrp, price + 50), names=product_names, packs=packs,
        brand_codes=[f"B{b + 1:04d}" for b in range(scale.brands)], brand_names=brand_names,
        brand_division=brand_division,
    )


def _performance(seed: int, n_territories: int, n_brands: int) -> Performance:
    """Persistent performance factors, median 1: most territories within +-10-20%, a few outliers
    either side; each brand in a territory a little above or below its territory."""
    rng = rng_for(seed, "performance")
    outlier = rng.random(n_territories) < OUTLIER_SHARE
    territory = np.exp(rng.normal(0.0, np.where(outlier, OUTLIER_SIGMA, TERRITORY_SIGMA)))
    territory_brand = np.exp(rng.normal(0.0, TERRITORY_BRAND_SIGMA, size=(n_territories, n_brands)))
    return Performance(territory, territory_brand)


def _allocate(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Split `total` into len(weights) integers >= minimum, in proportion (largest remainder)."""
    n = len(weights)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"cannot give {n} parts at least {minimum} out of {total}")
    share = weights / weights.sum() * rest
    out = np.floor(share).astype(np.int64)
    left = rest - int(out.sum())
    out[np.argsort(-(share - out), kind="stable")[:left]] += 1
    return out + minimum


def _brand_names(n: int, rng: np.random.Generator) -> List[str]:
    combos = [s + e for s in names.BRAND_STEMS for e in names.BRAND_ENDINGS]
    picks = rng.permutation(len(combos))
    out = [combos[int(i)] for i in picks[: min(n, len(combos))]]
    k = 2
    while len(out) < n:  # more brands than coined names: line extensions
        out += [f"{combos[int(i)]} {k}" for i in picks[: n - len(out)]]
        k += 1
    return out


def _hcps(scale: Scale, seed: int, n_territories: int) -> Hcps:
    rng = rng_for(seed, "crm_hcps")
    h = scale.hcps_per_territory
    n = h * n_territories
    spec_weight = np.array([3.0 if s in ("GENERAL_PRACTITIONER", "CONSULTING_PHYSICIAN") else 1.0 for s in SPECIALITIES])
    speciality = rng.choice(len(SPECIALITIES), size=n, p=spec_weight / spec_weight.sum())
    shares = np.array(list(CLASS_SHARES.values()))
    hcp_class = rng.choice(3, size=n, p=shares)
    key_share = np.array(list(KEY_HCP_SHARE.values()))[hcp_class]
    key = rng.random(n) < key_share
    first = rng.integers(len(names.FIRST_NAMES), size=n)
    last = rng.integers(len(names.LAST_NAMES), size=n)
    return Hcps(
        ids=[f"HCP{i + 1:07d}" for i in range(n)],
        names=[f"Dr. {names.FIRST_NAMES[a]} {names.LAST_NAMES[b]}" for a, b in zip(first, last)],
        speciality=speciality, hcp_class=hcp_class, key=key, per_territory=h,
    )


def _stocked(
    scale: Scale, seed: int, products: Products, territory: np.ndarray, org: Org, n_territories: int
) -> Tuple[np.ndarray, np.ndarray]:
    """Each stockist stocks `skus_per_stockist` SKUs, mostly of the divisions working its territory,
    chosen by demand (Gumbel top-k); returns the SKUs and their row-normalised demand shares."""
    rng = rng_for(seed, "stocked")
    works = np.zeros((n_territories, len(scale.divisions)), bool)
    srs = org.territory >= 0
    works[org.territory[srs], org.division[srs]] = True
    sku_division = products.division
    k = scale.skus_per_stockist
    out = np.empty((len(territory), k), np.int64)
    logw = np.log(products.weight)
    for lo in range(0, len(territory), 512):  # bounded memory: 512 stockists x SKUs at a time
        hi = min(lo + 512, len(territory))
        present = works[territory[lo:hi]][:, sku_division]  # [stockists, skus]
        keys = logw[None, :] + np.where(present, 0.0, np.log(0.02)) + rng.gumbel(size=(hi - lo, len(sku_division)))
        top = np.argpartition(-keys, k - 1, axis=1)[:, :k] if k < len(sku_division) else np.tile(np.arange(k), (hi - lo, 1))
        out[lo:hi] = np.sort(top, axis=1)
    # A stockist sells mostly what the field force of its territory promotes.
    weight = products.weight[out] * np.where(works[territory[:, None], sku_division[out]], 1.0, OTHER_DIVISION_DEMAND)
    return out, weight / weight.sum(axis=1, keepdims=True)


# -- call plans ---------------------------------------------------------------------------------
_AFFINITY_OWN, _AFFINITY_COMMON, _AFFINITY_OTHER = 4.0, 1.5, 0.3
_CLASS_WEIGHT = np.array([3.0, 2.0, 1.0])


def _mcl(world: World, quarter: date) -> Tuple[np.ndarray, np.ndarray]:
    scale, hcps, org = world.scale, world.hcps, world.org
    rng = rng_for(world.seed, "crm_call_plans", quarter)
    srs = org.of_role("SR")
    h = hcps.per_territory
    affinity = np.full((len(scale.divisions), len(SPECIALITIES)), _AFFINITY_OTHER)
    for d, div in enumerate(scale.divisions):
        for s, name in enumerate(SPECIALITIES):
            if name in div.specialities:
                affinity[d, s] = _AFFINITY_OWN
            elif name in ("GENERAL_PRACTITIONER", "CONSULTING_PHYSICIAN"):
                affinity[d, s] = _AFFINITY_COMMON
    candidates = org.territory[srs][:, None] * h + np.arange(h)[None, :]  # [SR, h] HCP indexes
    aff = affinity[org.division[srs][:, None], hcps.speciality[candidates]]
    logw = np.log(aff * _CLASS_WEIGHT[hcps.hcp_class[candidates]])
    keys = logw + rng.gumbel(size=logw.shape)
    m = scale.mcl_size
    top = np.argpartition(-keys, m - 1, axis=1)[:, :m] if m < h else np.tile(np.arange(h), (len(srs), 1))
    chosen = np.take_along_axis(candidates, np.sort(top, axis=1), axis=1)
    return srs, chosen
