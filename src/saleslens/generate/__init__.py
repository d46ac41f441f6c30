"""Deterministic, contract-driven source data: the org, its customers and daily invoices.

``generate`` returns landing-zone files (key -> bytes) exactly as the source systems would drop
them, a manifest of every defect planted in them, and a per-role summary of the org. Same
arguments, same bytes: every random draw comes from a stream seeded by (seed, dataset, day).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, List, Tuple, Union

from saleslens.contracts import DATASETS, landing_key
from saleslens.generate.datasets import DAILY, MASTERS
from saleslens.generate.files import Defect, csv_bytes, dirty_invoices
from saleslens.generate.scales import SCALES, Scale, get_scale
from saleslens.generate.world import World, build_world

DEFAULT_START = date(2024, 4, 1)  # first day of a fiscal year (April-March)


@dataclass(frozen=True)
class Generated:
    files: Dict[str, bytes]  # landing key -> file bytes; masters first, then days in order
    manifest: List[Defect]  # every planted defect, by file and line
    org: Dict[str, Dict[str, int]]  # role -> positions, filled, vacant, leavers


def generate(
    scale: Union[str, Scale] = "tiny",
    start: date = DEFAULT_START,
    days: int = 1,
    seed: int = 7,
    dirt: bool = True,
) -> Generated:
    """Masters (hr_positions, hr_assignments, erp_customers) land once, on `start`;
    erp_primary_invoices lands once a day for `days` days. Dirt goes into invoice files only."""
    if days < 1:
        raise ValueError("days must be at least 1")
    world = build_world(get_scale(scale), seed, start)
    files: Dict[str, bytes] = {}
    manifest: List[Defect] = []
    for table, make in MASTERS.items():
        files[landing_key(DATASETS[table], start)] = csv_bytes(make(world))
    for offset in range(days):
        day = start + timedelta(days=offset)
        for table, data, defects in generate_day(world, day, dirt):
            files[landing_key(DATASETS[table], day)] = data
            manifest.extend(defects)
    return Generated(files=files, manifest=manifest, org=world.org_summary())


def generate_day(world: World, day: date, dirt: bool = True) -> List[Tuple[str, bytes, List[Defect]]]:
    """[(table, file bytes, defects)] of the daily datasets of one day: independent of other days,
    so a caller may fan days out over processes."""
    out: List[Tuple[str, bytes, List[Defect]]] = []
    for table, make in DAILY.items():
        rows = make(world, day)
        if dirt and table == "erp_primary_invoices":
            data, defects = dirty_invoices(rows, landing_key(DATASETS[table], day), world.seed, day)
        else:
            data, defects = csv_bytes(rows), []
        out.append((table, data, defects))
    return out


__all__ = ["DEFAULT_START", "Defect", "Generated", "SCALES", "Scale", "World", "build_world", "generate", "generate_day"]
