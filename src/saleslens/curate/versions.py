"""Versions (SCD type 2) of a master from its series of full snapshots.

A master without effective dates (customers, products, positions, HCPs) says what is true on
its snapshot's date, so a change takes effect on that date: a version runs from the snapshot
that first shows it to the day before the snapshot that no longer does (``OPEN_END`` while the
latest snapshot still shows it). Where a key's first version starts depends on ``reach_back``:

- ``"all"``: every key's first version reaches back to ``BEGINNING``. For codes facts refer to
  (stockists, SKUs, HCPs): an invoice that arrived before the master listed its stockist is
  mapped as soon as the master does ("re-mapped when the master catches up");
- ``"first_snapshot"``: only the keys of the first snapshot reach back (it stands for what was
  true before anything was sent); a key that appears later starts on its snapshot's date. For
  positions: a position created on a date must not exist in reports of earlier dates.

``versions_from_snapshots`` rebuilds from every snapshot; ``apply_snapshot`` adds one snapshot
newer than any before it to existing versions and gives the same result (tests hold the two
to it). Python 3.9-safe; pandas for these small tables.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import List, Sequence, Tuple

import numpy as np
import pandas as pd

from saleslens.curate.tables import BEGINNING, OPEN_END

REACH_BACK = ("all", "first_snapshot")
_FROM, _TO = "valid_from", "valid_to"


def _fingerprint(df: pd.DataFrame, attrs: Sequence[str]) -> np.ndarray:
    """A hash of the attribute values of each row (None and NaN hash alike)."""
    if not attrs:
        return np.zeros(len(df), dtype=np.uint64)
    text = df[list(attrs)].astype(object).where(df[list(attrs)].notna(), None).astype(str)
    return pd.util.hash_pandas_object(text, index=False).to_numpy()


def versions_from_snapshots(
    snapshots: Sequence[Tuple[date, pd.DataFrame]],
    key: Sequence[str],
    attrs: Sequence[str],
    *,
    reach_back: str,
) -> pd.DataFrame:
    """Versions of every key over the snapshots (any order; one snapshot per date)."""
    if reach_back not in REACH_BACK:
        raise ValueError(f"reach_back must be one of {REACH_BACK}, got {reach_back!r}")
    columns = list(key) + list(attrs) + [_FROM, _TO]
    ordered = sorted(snapshots, key=lambda s: s[0])
    dates = [d for d, _ in ordered]
    if len(set(dates)) != len(dates):
        raise ValueError("two snapshots carry the same date")
    frames = [df[list(key) + list(attrs)].assign(_snap=i) for i, (_, df) in enumerate(ordered) if len(df)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = pd.concat(frames, ignore_index=True)
    rows["_fp"] = _fingerprint(rows, attrs)
    rows = rows.sort_values(list(key) + ["_snap"], kind="mergesort").reset_index(drop=True)
    same_key = np.ones(len(rows), dtype=bool)
    for k in key:
        col = rows[k].to_numpy()
        same_key &= np.r_[False, col[1:] == col[:-1]]
    snap = rows["_snap"].to_numpy()
    fp = rows["_fp"].to_numpy()
    contiguous = np.r_[False, snap[1:] == snap[:-1] + 1]
    unchanged = np.r_[False, fp[1:] == fp[:-1]]
    starts = ~(same_key & contiguous & unchanged)
    first_of_key = ~same_key
    first_idx = np.flatnonzero(starts)
    last_idx = np.r_[first_idx[1:] - 1, len(rows) - 1]
    out = rows.iloc[first_idx][list(key) + list(attrs)].reset_index(drop=True)
    first_snap = snap[first_idx]
    last_snap = snap[last_idx]
    reach = first_of_key[first_idx] & ((first_snap == 0) if reach_back == "first_snapshot" else True)
    out[_FROM] = [BEGINNING if r else dates[s] for r, s in zip(reach, first_snap)]
    out[_TO] = [OPEN_END if s == len(dates) - 1 else dates[s + 1] - timedelta(days=1) for s in last_snap]
    return out[columns]


def apply_snapshot(
    versions: pd.DataFrame,
    snapshot_date: date,
    snapshot: pd.DataFrame,
    key: Sequence[str],
    attrs: Sequence[str],
    *,
    reach_back: str,
    first: bool = False,
) -> pd.DataFrame:
    """Versions after one more snapshot, dated after every snapshot the versions came from.

    ``first``: no snapshot came before (the versions are empty). Versions may also be empty after
    snapshots that listed nothing; then only ``reach_back="all"`` lets new keys reach back.
    """
    if reach_back not in REACH_BACK:
        raise ValueError(f"reach_back must be one of {REACH_BACK}, got {reach_back!r}")
    columns = list(key) + list(attrs) + [_FROM, _TO]
    if first:
        return versions_from_snapshots([(snapshot_date, snapshot)], key, attrs, reach_back=reach_back)
    versions = versions[columns].copy() if len(versions) else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    open_ = versions[_TO] == OPEN_END
    current = versions[open_]
    new = snapshot[list(key) + list(attrs)].copy()
    new["_fp"] = _fingerprint(new, attrs)
    cur = current[list(key)].copy()
    cur["_fp"] = _fingerprint(current, attrs)
    cur["_row"] = current.index
    merged = new.merge(cur, on=list(key), how="outer", suffixes=("", "_cur"), indicator=True)
    day_before = snapshot_date - timedelta(days=1)
    # Close what changed or disappeared.
    gone = merged["_merge"] == "right_only"
    changed = (merged["_merge"] == "both") & (merged["_fp"] != merged["_fp_cur"])
    close_rows = merged.loc[gone | changed, "_row"].astype(int).to_list()
    versions.loc[close_rows, _TO] = day_before
    # Open what is new or changed.
    opened = merged[(merged["_merge"] == "left_only") | changed]
    if len(opened):
        add = opened[list(key) + list(attrs)].copy()
        add[_FROM] = snapshot_date
        if reach_back == "all":
            known = versions[list(key)].drop_duplicates().assign(_known=True)
            add = add.merge(known, on=list(key), how="left")
            add.loc[add["_known"].isna(), _FROM] = BEGINNING
            add = add.drop(columns="_known")
        add[_TO] = OPEN_END
        versions = pd.concat([versions, add[columns]], ignore_index=True)
    return versions.sort_values(list(key) + [_FROM], kind="mergesort").reset_index(drop=True)[columns]


def latest(snapshots: Sequence[Tuple[date, pd.DataFrame]]) -> Tuple[date, pd.DataFrame]:
    """The newest snapshot: for masters that carry their own effective dates (assignments,
    employees, territories), a full snapshot restates the whole history, so the newest one is
    the best knowledge of every date, corrections included."""
    if not snapshots:
        raise ValueError("no snapshot")
    return max(snapshots, key=lambda s: s[0])


def as_of(snapshots: Sequence[Tuple[date, pd.DataFrame]], day: date) -> "pd.DataFrame | None":
    """The snapshot in force on ``day``: the newest dated on or before it."""
    candidates = [s for s in snapshots if s[0] <= day]
    return max(candidates, key=lambda s: s[0])[1] if candidates else None


def snapshot_dates(snapshots: Sequence[Tuple[date, pd.DataFrame]]) -> List[date]:
    return sorted(d for d, _ in snapshots)
