"""The executive scorecard (seed 004's Hex-Go): themes -> objectives -> actions -> measures, declared
in config ``scorecard``; each measure reads one column of one mart.

Status of a measure's value against its target, ``tolerance`` in the column's own units:

- direction ``higher`` (higher is better): value >= target -> on-track; target - tolerance <= value
  < target -> at-risk; value < target - tolerance -> off-track;
- direction ``lower`` (lower is better): value <= target -> on-track; target < value <= target +
  tolerance -> at-risk; value > target + tolerance -> off-track;
- no value (null in the mart, or no row): no-data.

Both edges count in the kinder status: a value exactly at the target is on-track, exactly at the
tolerance's end at-risk.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Sequence

import pandas as pd

from saleslens.config import MeasureConfig, ObjectiveConfig, ScorecardConfig, ThemeConfig

ON_TRACK = "on-track"
AT_RISK = "at-risk"
OFF_TRACK = "off-track"
NO_DATA = "no-data"


def card_from_dict(d: Mapping[str, Any]) -> ScorecardConfig:
    """The config's ``scorecard`` section from its JSON (render-report's SCORECARD_SETTINGS)."""
    return ScorecardConfig(themes=[
        ThemeConfig(name=t["name"], objectives=[
            ObjectiveConfig(name=o["name"], actions=list(o["actions"]),
                            measures=[MeasureConfig(**m) for m in o["measures"]]) for o in t["objectives"]])
        for t in d["themes"]])


def status(value: Any, m: MeasureConfig) -> str:
    """The status of one value of the measure (module docstring)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return NO_DATA
    v = float(value)
    if m.direction == "higher":
        return ON_TRACK if v >= m.target else AT_RISK if v >= m.target - m.tolerance else OFF_TRACK
    return ON_TRACK if v <= m.target else AT_RISK if v <= m.target + m.tolerance else OFF_TRACK


def scorecard(card: ScorecardConfig, marts: Mapping[str, pd.DataFrame], keys: Sequence[str] = ("position_id",)
              ) -> pd.DataFrame:
    """One row per key x measure: theme, objective, actions, measure, its binding, value and status.

    ``marts``: each bound mart's rows, already cut to what the scorecard shows (one as-of date, one
    cadence, one window): at most one row per key. The keys are those found in any of them; a key
    missing from a mart has no-data for its measures."""
    present = [df[list(keys)] for df in marts.values() if len(df)]
    all_keys = pd.concat(present).drop_duplicates() if present else pd.DataFrame(columns=list(keys))
    rows: List[Dict[str, Any]] = []
    for theme in card.themes:
        for objective in theme.objectives:
            for m in objective.measures:
                frame = marts.get(m.mart, pd.DataFrame(columns=list(keys) + [m.column]))
                if frame[list(keys)].duplicated().any():
                    raise ValueError(f"{m.mart}: more than one row per {', '.join(keys)}: cut it to one window first")
                values = all_keys.merge(frame[list(keys) + [m.column]], on=list(keys), how="left")
                for _, r in values.iterrows():
                    value = r[m.column]
                    rows.append({**{k: r[k] for k in keys}, "theme": theme.name, "objective": objective.name,
                                 "actions": "; ".join(objective.actions), "measure": m.name, "mart": m.mart,
                                 "column": m.column, "value": None if pd.isna(value) else float(value),
                                 "target": m.target, "direction": m.direction, "tolerance": m.tolerance,
                                 "status": status(value, m)})
    return pd.DataFrame(rows)
