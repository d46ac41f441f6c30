"""The generated world: org hierarchy, territories, stockists and products.

Built once per (scale, seed, start). Every dataset generator reads from it, so a stockist that
appears on an invoice is one that erp_customers lists, and an SR's territory is the one its
stockists are mapped to.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, List, Optional, Tuple

import numpy as np

from saleslens.generate import names
from saleslens.generate.scales import TOP_DOWN, Scale

Row = Dict[str, Optional[str]]

VACANT_LEFT_DAYS = 15  # a vacant SR post's holder left this many days before the start
REPLACED_LEFT_DAYS = 60  # a refilled SR post's first holder left this long before the start
SCHEME_SHARE = 0.3  # share of SKUs on a free-goods scheme
SCHEME_RATIOS = (10, 12, 20)  # "10+1": one free unit per ten billed


def rng_for(seed: int, stream: str, day: Optional[date] = None) -> np.random.Generator:
    """Independent random stream per (seed, dataset or purpose, day): days generate in any order."""
    parts = [seed, zlib.crc32(stream.encode("utf-8"))]
    if day is not None:
        parts.append(day.toordinal())
    return np.random.default_rng(np.random.SeedSequence(parts))


@dataclass(frozen=True)
class Products:
    codes: List[str]  # SKU00001, ...
    price_paise: np.ndarray  # int64, unit price to stockist in paise (1/100 INR)
    scheme_ratio: np.ndarray  # int64, billed units per free unit; 0 = no scheme


@dataclass(frozen=True)
class World:
    scale: Scale
    seed: int
    start: date
    positions: List[Row]  # hr_positions rows, top-down
    assignments: List[Row]  # hr_assignments rows
    stockists: List[Row]  # erp_customers rows
    products: Products

    def org_summary(self) -> Dict[str, Dict[str, int]]:
        """Per role: positions, filled and vacant on the start date, and leavers before it."""
        start = self.start.isoformat()
        role_of = {p["position_id"]: p["role"] for p in self.positions}
        summary = {role: {"positions": 0, "filled": 0, "vacant": 0, "leavers": 0} for role in TOP_DOWN}
        for p in self.positions:
            summary[p["role"]]["positions"] += 1
        current = {a["position_id"] for a in self.assignments if not a["valid_to"] or a["valid_to"] >= start}
        for pid, role in role_of.items():
            summary[role]["filled" if pid in current else "vacant"] += 1
        for a in self.assignments:
            if a["valid_to"] and a["valid_to"] < start:
                summary[role_of[a["position_id"]]]["leavers"] += 1
        return summary


def build_world(scale: Scale, seed: int, start: date) -> World:
    positions = _positions(scale)
    return World(
        scale=scale,
        seed=seed,
        start=start,
        positions=[{k: v for k, v in p.items() if not k.startswith("_")} for p in positions],
        assignments=_assignments(scale, positions, seed, start),
        stockists=_stockists(scale, positions, seed),
        products=_products(scale, seed),
    )


def _positions(scale: Scale) -> List[Dict[str, Optional[str]]]:
    """Top-down tree; children spread evenly over the level above. Extra keys (_country, _zone)
    carry geography down the tree and are dropped from the dataset rows. A zone owns a share
    of its country's cities; its areas and their territories are named after them."""
    zone_cities = _zone_cities(scale.zone_countries)
    rows: List[Dict[str, Optional[str]]] = []
    level: List[Dict[str, Optional[str]]] = []
    areas_in_zone = [0] * len(scale.zone_countries)
    regions_in_zone = [0] * len(scale.zone_countries)
    territory = 0
    for role in TOP_DOWN:
        count = scale.positions[role]
        parents = level
        level = []
        for i in range(count):
            parent = parents[i * len(parents) // count] if parents else None
            row: Dict[str, Optional[str]] = {
                "position_id": f"P{len(rows) + 1:05d}",
                "role": role,
                "parent_position_id": parent["position_id"] if parent else None,
                "territory_code": None,
                "_zone": parent["_zone"] if parent else None,
                "_city": parent["_city"] if parent else None,
            }
            zone = int(row["_zone"]) if row["_zone"] is not None else None
            if role == "CMO":
                row["position_name"] = "Chief Marketing Officer"
            elif role == "BUH":
                row["position_name"] = f"Business Unit {i + 1}"
            elif role == "NH":
                row["position_name"] = f"National Sales {i + 1}"
            elif role == "ZSM":
                row["_zone"] = str(i)
                row["position_name"] = _zone_name(scale.zone_countries, i) + " Zone"
            elif role == "RSM" and zone is not None:
                regions_in_zone[zone] += 1
                row["position_name"] = f"{_zone_name(scale.zone_countries, zone)} Region {regions_in_zone[zone]}"
            elif role == "ASM" and zone is not None:
                cities = zone_cities[zone]
                k = areas_in_zone[zone]
                areas_in_zone[zone] += 1
                row["_city"] = cities[k % len(cities)] + (f" {k // len(cities) + 1}" if k >= len(cities) else "")
                row["position_name"] = f"{row['_city']} Area"
            else:  # SR: one territory each, named after its area
                territory += 1
                row["territory_code"] = f"T{territory:04d}"
                row["position_name"] = f"{row['_city']}-{territory}"
            rows.append(row)
            level.append(row)
    for row in rows:
        zone = row.pop("_zone")
        row["_country"] = scale.zone_countries[int(zone)] if zone is not None else None
    return rows


def _zone_cities(zone_countries: Tuple[str, ...]) -> List[Tuple[str, ...]]:
    """Deal each country's cities out to that country's zones, round robin."""
    out = []
    for zone, country in enumerate(zone_countries):
        peers = [z for z, c in enumerate(zone_countries) if c == country]
        turn = peers.index(zone)
        out.append(names.CITIES[country][turn :: len(peers)] or names.CITIES[country])
    return out


def _zone_name(zone_countries: Tuple[str, ...], zone: int) -> str:
    country = zone_countries[zone]
    turn = [z for z, c in enumerate(zone_countries) if c == country].index(zone)
    labels = names.ZONE_NAMES[country]
    return labels[turn % len(labels)] + (f" {turn // len(labels) + 1}" if turn >= len(labels) else "")


def _assignments(scale: Scale, positions: List[Dict[str, Optional[str]]], seed: int, start: date) -> List[Row]:
    rng = rng_for(seed, "hr_assignments")
    srs = [i for i, p in enumerate(positions) if p["role"] == "SR"]
    churn = rng.choice(len(srs), scale.vacant_sr + scale.replaced_sr, replace=False)
    vacant = {srs[k] for k in churn[: scale.vacant_sr]}
    replaced = {srs[k] for k in churn[scale.vacant_sr:]}
    joined = _year_before(start).isoformat()  # everyone in post at the start joined a year before
    rows: List[Row] = []

    def hire(position_id: str, valid_from: str, valid_to: Optional[str]) -> None:
        number = len(rows) + 1
        first = names.FIRST_NAMES[int(rng.integers(len(names.FIRST_NAMES)))]
        last = names.LAST_NAMES[int(rng.integers(len(names.LAST_NAMES)))]
        rows.append({
            "employee_id": f"E{number:06d}",
            "employee_name": f"{first} {last}",
            "email": f"{first}.{last}.{number}@field.example.com".lower(),
            "position_id": position_id,
            "valid_from": valid_from,
            "valid_to": valid_to,
        })

    for i, p in enumerate(positions):
        pid = str(p["position_id"])
        if i in vacant:
            hire(pid, joined, (start - timedelta(days=VACANT_LEFT_DAYS)).isoformat())
        elif i in replaced:
            left = start - timedelta(days=REPLACED_LEFT_DAYS)
            hire(pid, joined, left.isoformat())
            hire(pid, (left + timedelta(days=1)).isoformat(), None)
        else:
            hire(pid, joined, None)
    return rows


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _stockists(scale: Scale, positions: List[Dict[str, Optional[str]]], seed: int) -> List[Row]:
    """Stockist i serves territory i mod T, so every territory has at least one."""
    rng = rng_for(seed, "erp_customers")
    territories = [p for p in positions if p["role"] == "SR"]
    rows: List[Row] = []
    for i in range(scale.stockists):
        t = territories[i % len(territories)]
        surname = names.LAST_NAMES[int(rng.integers(len(names.LAST_NAMES)))]
        suffix = names.STOCKIST_SUFFIXES[int(rng.integers(len(names.STOCKIST_SUFFIXES)))]
        rows.append({
            "stockist_code": f"STK{i + 1:05d}",
            "stockist_name": surname + suffix,
            "territory_code": t["territory_code"],
            "city": t["_city"],
            "country": t["_country"],
        })
    return rows


def _products(scale: Scale, seed: int) -> Products:
    rng = rng_for(seed, "products")
    price = rng.integers(20_00, 900_00, size=scale.skus, endpoint=True).astype(np.int64)
    on_scheme = rng.random(scale.skus) < SCHEME_SHARE
    ratio = np.where(on_scheme, rng.choice(SCHEME_RATIOS, size=scale.skus), 0).astype(np.int64)
    return Products([f"SKU{i + 1:05d}" for i in range(scale.skus)], price, ratio)
