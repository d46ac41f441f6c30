"""A folder of source extracts laid out as `saleslens generate` writes them, read for the main job.

Layout: <folder>/<source>/<dataset>/dt=YYYY-MM-DD/<file> (the landing zone's keys), plus the
generator's manifest.json (planted defects) and deliveries.json (the day each file is delivered),
which are not extracts. Every other file must be an extract of a declared dataset.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List, Optional

from saleslens.contracts import DATASETS, UnknownDatasetError, dataset_for_key

SIDE_FILES = ("manifest.json", "deliveries.json")
DELIVERIES = "deliveries.json"


class LandingFolderError(ValueError):
    """The folder is missing, holds a file outside the layout, or has no data for the date asked."""


@dataclass(frozen=True)
class Landing:
    files: Dict[str, bytes]  # landing key -> bytes
    arrivals: Dict[str, date]  # landing key -> day delivered

    def fact_dates(self) -> List[date]:
        """Days with daily fact files (not backfill extracts, not masters)."""
        days = set()
        for key in self.files:
            dataset, dt = dataset_for_key(key)
            if dataset.kind == "fact" and not dataset.backfills:
                days.add(dt)
        return sorted(days)

    def covers(self, day: date) -> bool:
        """Some fact file holds the day: a daily file of that date or the backfill of its month."""
        for key in self.files:
            dataset, dt = dataset_for_key(key)
            if dataset.kind != "fact":
                continue
            if dt == day or (dataset.backfills and (dt.year, dt.month) == (day.year, day.month)):
                return True
        return False


def read_landing(folder: Path) -> Landing:
    if not folder.exists():
        raise LandingFolderError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise LandingFolderError(f"not a folder: {folder}")
    files: Dict[str, bytes] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = path.relative_to(folder).as_posix()
        if key in SIDE_FILES:
            continue
        try:
            dataset_for_key(key)
        except UnknownDatasetError as exc:
            raise LandingFolderError(
                f"unknown layout: {exc} (expected files as `saleslens generate` writes them: "
                f"<source>/<dataset>/dt=YYYY-MM-DD/<file>, datasets {', '.join(sorted({d.source for d in DATASETS.values()}))})"
            ) from None
        files[key] = path.read_bytes()
    if not files:
        raise LandingFolderError(f"{folder} holds no source extracts")
    arrivals: Dict[str, date] = {}
    deliveries = folder / DELIVERIES
    if deliveries.is_file():
        try:
            raw = json.loads(deliveries.read_text(encoding="utf-8"))
            arrivals = {k: date.fromisoformat(v) for k, v in raw.items() if k in files}
        except (ValueError, AttributeError, TypeError) as exc:
            raise LandingFolderError(f"{deliveries} is not a JSON object of landing key -> YYYY-MM-DD: {exc}") from None
    return Landing(files, arrivals)


def choose_run_date(landing: Landing, asked: Optional[date]) -> date:
    """The date asked for (it must hold data), or the last day with daily fact files."""
    days = landing.fact_dates()
    if asked is not None:
        if not landing.covers(asked):
            latest = f"; the latest daily fact files are for {days[-1].isoformat()}" if days else ""
            raise LandingFolderError(f"no data for {asked.isoformat()}: no fact file of that date or its month{latest}")
        return asked
    if not days:
        raise LandingFolderError("no daily fact files to report on; pass --date for a day a backfill extract covers")
    return days[-1]


def received_at(key: str, arrivals: Dict[str, date]) -> str:
    """When a file lands: in the early hours after the day it is delivered (as recorded in
    ``arrivals``; else its own date: sources send day D's extracts in the early hours of D+1)."""
    day = arrivals.get(key) or dataset_for_key(key)[1]
    return (day + timedelta(days=1)).isoformat() + "T02:00:00Z"
