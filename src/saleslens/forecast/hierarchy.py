"""The position tree the forecasts are summed up: each territory x division's SR position and its
ancestors, as the tree stood on a date, and bottom-up sums per level.

A brand belongs to one division; the SR position that works a territory for a division owns its
sales (``int_hr__sr_owners_asof``), and every ancestor of that position through the closure table
(``cur_hr__position_closure``, as ``int_hr__closure_asof`` reads it) adds them up: SR -> ASM ->
RSM -> ZSM -> NH -> BUH -> CMO. The leaf level ``TERRITORY_BRAND`` is the series itself. Point
forecasts are summed bottom-up (the sum of the forecasts of a node's series); intervals are not
summed (``intervals``). Python 3.9-safe.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

import pandas as pd

from saleslens.config import ROLE_LEVELS
from saleslens.forecast.series import KEYS

LEAF = "TERRITORY_BRAND"
LEVELS = (LEAF,) + tuple(ROLE_LEVELS)
NODE = ("level", "position_id")


def _valid(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """Rows whose valid_from <= day <= valid_to (dates, as the curated tables hold them)."""
    return frame[(frame["valid_from"] <= day) & (frame["valid_to"] >= day)]


def ancestors(position_versions: pd.DataFrame, closure: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """territory_code, division_code, level (role) and position_id of every ancestor (the SR
    position itself included) of each territory x division's SR position on ``as_of``."""
    versions = _valid(position_versions, as_of)
    srs = versions[versions["role"] == "SR"][["position_id", "territory_code", "division_code"]]
    pairs = _valid(closure, as_of)[["ancestor_position_id", "position_id"]]
    out = srs.merge(pairs, on="position_id").drop(columns="position_id")
    roles = versions[["position_id", "role"]].rename(columns={"position_id": "ancestor_position_id", "role": "level"})
    out = out.merge(roles, on="ancestor_position_id").rename(columns={"ancestor_position_id": "position_id"})
    return out[["territory_code", "division_code", "level", "position_id"]].sort_values(
        ["level", "position_id", "territory_code", "division_code"]).reset_index(drop=True)


def leaf_id(rows: pd.DataFrame) -> pd.Series:
    """The node id of a series at the leaf level: territory/brand."""
    return rows["territory_code"].astype(str) + "/" + rows["brand_code"].astype(str)


def roll_up(leaf: pd.DataFrame, tree: pd.DataFrame, by: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """Rows of series (KEYS, ``by``, ``values``) -> sums per level, position_id and ``by``, the leaf
    level included (position_id = territory/brand). A series whose territory x division has no SR
    position in ``tree`` reaches the leaf level only."""
    cols = list(by) + list(values)
    own = leaf.assign(level=LEAF, position_id=leaf_id(leaf))[list(NODE) + cols]
    joined = leaf.merge(tree, on=["territory_code", "division_code"])
    up = joined.groupby(list(NODE) + list(by), as_index=False)[list(values)].sum()
    return pd.concat([own, up[list(NODE) + cols]], ignore_index=True)


__all__ = ["KEYS", "LEAF", "LEVELS", "NODE", "ancestors", "leaf_id", "roll_up"]
