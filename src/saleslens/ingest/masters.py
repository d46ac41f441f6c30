"""Checks a master snapshot must pass before it is published.

A master file is a full snapshot: the latest partition on or before a date is the truth for
every report of that date. An empty snapshot, one far shorter than the last, or a position tree
that loops or points at a parent it does not list would silently empty, shrink or hang every
report (the recursive closure never ends on a cycle), so each is refused with a named error.
Python 3.9-safe.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pyarrow as pa

from saleslens.contracts import DATASETS
from saleslens.errors import MasterSnapshotError


def check_snapshot(dataset: str, snapshot: pa.Table, *, previous_rows: Optional[int], min_ratio: float,
                   where: str) -> None:
    """Raise MasterSnapshotError when ``snapshot`` (the partition as it would be published) is unusable."""
    if snapshot.num_rows == 0:
        raise MasterSnapshotError(f"{where}: master snapshot has no rows; the previous snapshot stays in force")
    if previous_rows and snapshot.num_rows < min_ratio * previous_rows:
        raise MasterSnapshotError(
            f"{where}: master snapshot has {snapshot.num_rows} rows against {previous_rows} in the last one "
            f"(at least {min_ratio:.0%} expected: a partial extract?); the previous snapshot stays in force"
        )
    for fk in DATASETS[dataset].foreign_keys:
        if fk.dataset == dataset:  # a tree: each row points at its parent in the same snapshot
            _check_tree(snapshot.column(fk.ref_column).to_pylist(), snapshot.column(fk.column).to_pylist(),
                        where=f"{where}: {fk.column}")


def _check_tree(ids: List[Any], parents: List[Any], *, where: str) -> None:
    parent_of: Dict[Any, Any] = dict(zip(ids, parents))
    orphans = sorted({p for p in parents if p is not None and p not in parent_of})
    if orphans:
        raise MasterSnapshotError(
            f"{where}: {len(orphans)} parent(s) not in the snapshot, e.g. {', '.join(map(str, orphans[:5]))}"
        )
    state: Dict[Any, int] = {}  # 1: on the current path, 2: reaches a root
    for start in ids:
        path: List[Any] = []
        node = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                loop = path[path.index(node):]
                raise MasterSnapshotError(f"{where}: the tree has a cycle: {' -> '.join(map(str, loop + [node]))}")
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        for n in path:
            state[n] = 2
