"""The hierarchy as of any date: position versions, the closure table, assignments, employees.

- Position versions come from the positions and position-division snapshots (no effective
  dates: a change takes effect on its snapshot's date). Only the first snapshot's positions
  reach back before it (``versions.REACH_BACK``): a position created later must not appear in
  reports of earlier dates.
- The closure table holds every (ancestor, descendant, depth) with the dates it holds. The tree
  is checked on every date it changes: a cycle, a parent that is not a position that day, a
  parent of the same or a lower role, or a position other than the top role without a parent
  stops curation with ``HierarchyError`` naming the positions and the date (the previous
  curated hierarchy stays in place).
- Assignments and employees carry their own effective dates, so the newest snapshot of each is
  the best knowledge of every date; an assignment ends on its own end date or the holder's
  date_of_leaving, whichever is earlier, even when the assignment row is still open.

Python 3.9-safe.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Dict, List, Optional, Sequence, Tuple, TypeVar

import numpy as np
import pandas as pd

from saleslens.config import ROLE_LEVELS
from saleslens.curate.errors import HierarchyError
from saleslens.curate.tables import OPEN_END, TABLES
from saleslens.curate.versions import as_of, versions_from_snapshots

_RANK = {r: i for i, r in enumerate(ROLE_LEVELS)}
TOP_ROLE = ROLE_LEVELS[-1]
POSITION_ATTRS = ("role", "parent_position_id", "territory_code", "division_code", "business_unit_code", "position_name")
Snapshots = Sequence[Tuple[date, pd.DataFrame]]
T = TypeVar("T")


def _none(value: Optional[T]) -> Optional[T]:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT else value


def position_versions(positions: Snapshots, divisions: Snapshots) -> pd.DataFrame:
    """Versions of every position: its row in the positions snapshot in force, with the division
    and business unit of the position-division snapshot in force, on each snapshot date."""
    if not positions:
        raise HierarchyError("no hr_positions snapshot has been published: the hierarchy cannot be built")
    dates = sorted({d for d, _ in positions} | {d for d, _ in divisions})
    first_positions = min(d for d, _ in positions)
    combined: List[Tuple[date, pd.DataFrame]] = []
    for day in dates:
        if day < first_positions:
            continue
        pos = as_of(positions, day)
        assert pos is not None  # a positions snapshot is in force from first_positions on
        div = as_of(divisions, day)
        frame = pos[["position_id", "role", "parent_position_id", "territory_code", "position_name"]]
        if div is not None:
            frame = frame.merge(div[["position_id", "division_code", "business_unit_code"]], on="position_id", how="left")
        else:
            frame = frame.assign(division_code=None, business_unit_code=None)
        combined.append((day, frame))
    versions = versions_from_snapshots(combined, ["position_id"], POSITION_ATTRS, reach_back="first_snapshot")
    versions = versions.astype(object).where(versions.notna(), None)
    versions["is_current"] = versions["valid_to"] == OPEN_END
    return versions[list(TABLES["cur_hr__position_versions"].column_names)]


def _epochs(versions: pd.DataFrame) -> List[Tuple[date, date]]:
    """Date ranges over which the set of position versions in force does not change."""
    bounds = set(versions["valid_from"])
    bounds |= {v + timedelta(days=1) for v in versions["valid_to"] if v < OPEN_END}
    starts = sorted(bounds)
    return [(s, (starts[i + 1] - timedelta(days=1)) if i + 1 < len(starts) else OPEN_END) for i, s in enumerate(starts)]


def check_tree(ids: Sequence[str], roles: Sequence[str], parents: Sequence[Optional[str]], day: date) -> np.ndarray:
    """Parent index of each position (-1 for the top); raises HierarchyError on a broken tree."""
    index = {p: i for i, p in enumerate(ids)}
    parent = np.full(len(ids), -1, dtype=np.int64)
    for i, (pid, role, par) in enumerate(zip(ids, roles, parents)):
        if par is None:
            if role != TOP_ROLE:
                raise HierarchyError(f"{pid} ({role}) has no parent on {day}: only the {TOP_ROLE} may be the top of the tree")
            continue
        if par not in index:
            raise HierarchyError(f"{pid} ({role}) reports to {par}, which is not a position on {day}")
        parent[i] = index[par]
    # A cycle: walking up from some position never reaches the top.
    cur = parent.copy()
    for _ in range(len(ids) + 1):
        if (cur < 0).all():
            break
        cur = np.where(cur >= 0, parent[np.maximum(cur, 0)], -1)
    if (cur >= 0).any():
        start = int(np.flatnonzero(cur >= 0)[0])
        seen: List[int] = []
        node = start
        while node not in seen:
            seen.append(node)
            node = int(parent[node])
        cycle = seen[seen.index(node):]
        raise HierarchyError(f"the position tree has a cycle on {day}: " + " -> ".join(ids[i] for i in cycle + [node]))
    for i, p in enumerate(parent.tolist()):
        if p >= 0 and _RANK[roles[p]] <= _RANK[roles[i]]:
            raise HierarchyError(f"{ids[i]} ({roles[i]}) reports to {ids[p]} ({roles[p]}) on {day}: a parent must hold a higher role")
    return parent


def _check_sr_cover(live: pd.DataFrame, day: date) -> None:
    """A territory's sales of a division belong to one SR position: two would count them twice."""
    srs = live[(live["role"] == ROLE_LEVELS[0]) & live["territory_code"].notna() & live["division_code"].notna()]
    dup = srs[srs.duplicated(["territory_code", "division_code"], keep=False)]
    if len(dup):
        first = dup.sort_values("position_id").groupby(["territory_code", "division_code"], sort=True).head(10)
        t, d = first.iloc[0]["territory_code"], first.iloc[0]["division_code"]
        same = first[(first["territory_code"] == t) & (first["division_code"] == d)]["position_id"].tolist()
        raise HierarchyError(f"SR positions {', '.join(same)} all cover territory {t} for division {d} on {day}: "
                             "a territory's sales of a division belong to one SR position")


def _closure_of(ids: Sequence[str], parent: np.ndarray) -> pd.DataFrame:
    n = len(ids)
    idx = np.arange(n)
    anc, desc, depth = [idx], [idx], [np.zeros(n, dtype=np.int64)]
    cur, d = parent.copy(), 0
    while (cur >= 0).any():
        d += 1
        has = cur >= 0
        anc.append(cur[has])
        desc.append(idx[has])
        depth.append(np.full(int(has.sum()), d, dtype=np.int64))
        cur = np.where(has, parent[np.maximum(cur, 0)], -1)
    names = np.asarray(ids, dtype=object)
    return pd.DataFrame({
        "ancestor_position_id": names[np.concatenate(anc)],
        "position_id": names[np.concatenate(desc)],
        "depth": np.concatenate(depth),
    })


def closure(versions: pd.DataFrame) -> pd.DataFrame:
    """The closure table with validity ranges, checking the tree on every date it changes."""
    parts = []
    for start, end in _epochs(versions):
        live = versions[(versions["valid_from"] <= start) & (versions["valid_to"] >= start)]
        if live.empty:
            continue
        ids = live["position_id"].tolist()
        parent = check_tree(ids, live["role"].tolist(), [_none(p) for p in live["parent_position_id"]], start)
        _check_sr_cover(live, start)
        part = _closure_of(ids, parent)
        part["valid_from"], part["valid_to"] = start, end
        parts.append(part)
    columns = list(TABLES["cur_hr__position_closure"].column_names)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.sort_values(["ancestor_position_id", "position_id", "depth", "valid_from"], kind="mergesort")
    rows = rows.reset_index(drop=True)
    # Merge the ranges of a pair that holds over consecutive epochs.
    same = np.ones(len(rows), dtype=bool)
    for c in ("ancestor_position_id", "position_id", "depth"):
        v = rows[c].to_numpy()
        same &= np.r_[False, v[1:] == v[:-1]]
    prev_to = np.r_[[None], rows["valid_to"].to_numpy()[:-1]]
    adjacent = np.array([same[i] and prev_to[i] + timedelta(days=1) == f for i, f in enumerate(rows["valid_from"])], dtype=bool) \
        if len(rows) else np.zeros(0, dtype=bool)
    group = np.cumsum(~adjacent)
    merged = rows.groupby(group, sort=False).agg(
        ancestor_position_id=("ancestor_position_id", "first"), position_id=("position_id", "first"),
        depth=("depth", "first"), valid_from=("valid_from", "first"), valid_to=("valid_to", "last"),
    )
    return merged.reset_index(drop=True)[columns]


def assignments(assignment_rows: pd.DataFrame, employees: Optional[pd.DataFrame]) -> pd.DataFrame:
    """SCD2 assignments: the effective last day is the earlier of the row's own end and the
    holder's date_of_leaving (KPI catalogue 6: from the next day the position is vacant)."""
    df = assignment_rows[["employee_id", "position_id", "valid_from", "valid_to"]].copy()
    df = df.astype(object).where(df.notna(), None)
    leaving: Dict[str, date] = {}
    if employees is not None and len(employees):
        for e, d in zip(employees["employee_id"], employees["date_of_leaving"]):
            d = _none(d)
            if d is not None:
                leaving[e] = d
    recorded = df["valid_to"].tolist()
    left = [leaving.get(e) for e in df["employee_id"]]
    effective: List[date] = []
    ended_by: List[Optional[str]] = []
    for rec, lv in zip(recorded, left):
        own = rec if rec is not None else OPEN_END
        if lv is not None and lv < own:
            effective.append(lv)
            ended_by.append("LEAVING")
        else:
            effective.append(own)
            ended_by.append("ASSIGNMENT" if rec is not None else None)
    out = pd.DataFrame({
        "employee_id": df["employee_id"], "position_id": df["position_id"], "valid_from": df["valid_from"],
        "valid_to": effective, "recorded_valid_to": recorded, "ended_by": ended_by,
    })
    out = out[out["valid_to"] >= out["valid_from"]]  # left before the assignment began: never held
    out["is_current"] = out["valid_to"] == OPEN_END
    out = out.sort_values(["position_id", "valid_from", "employee_id"], kind="mergesort").reset_index(drop=True)
    return out[list(TABLES["cur_hr__assignments"].column_names)]


def employees(employee_rows: pd.DataFrame) -> pd.DataFrame:
    cols = list(TABLES["cur_hr__employees"].column_names)
    out = employee_rows[cols].copy()
    return out.astype(object).where(out.notna(), None).sort_values("employee_id", kind="mergesort").reset_index(drop=True)


def territory_versions(territory_rows: pd.DataFrame) -> pd.DataFrame:
    cols = list(TABLES["cur_hr__territory_versions"].column_names)
    out = territory_rows[cols].copy().astype(object)
    out["valid_to"] = [OPEN_END if _none(v) is None else v for v in out["valid_to"]]
    return out.sort_values(["territory_code", "valid_from"], kind="mergesort").reset_index(drop=True)
