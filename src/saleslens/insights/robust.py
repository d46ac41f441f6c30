"""Robust z and the minimum-change rule (KPI catalogue section 5).

robust z = (x - median) / (mad_scale x MAD), MAD = median(|v - median|) of the baseline values.
A value is a finding when it moved from the baseline median by at least ``min_abs_change`` rupees
and ``min_pct_change`` percent (so small territories do not flood the reports) and, where the
baseline has spread (MAD > 0), |z| > ``z_threshold``. Where MAD is 0 there is no z: the minimum
changes decide alone. Where the median is 0 there is no percent change: the absolute minimum
decides alone.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Optional, Sequence

from saleslens.config import AnomalyParams

SPIKE = "spike"
TROUGH = "trough"


@dataclass(frozen=True)
class Baseline:
    median: float
    mad: float
    periods: int  # how many comparable periods it was computed from


@dataclass(frozen=True)
class Verdict:
    value: float
    baseline: Baseline
    change: float  # value - median
    change_pct: Optional[float]  # change / |median| x 100; None where the median is 0
    z: Optional[float]  # None where MAD is 0
    direction: Optional[str]  # SPIKE, TROUGH, or None: not a finding


def baseline(values: Sequence[float]) -> Baseline:
    """Median and MAD of the comparable periods' values (at least one)."""
    if not values:
        raise ValueError("a baseline needs at least one comparable period")
    med = float(statistics.median(values))
    mad = float(statistics.median([abs(float(v) - med) for v in values]))
    return Baseline(med, mad, len(values))


def robust_z(value: float, b: Baseline, mad_scale: float) -> Optional[float]:
    return None if b.mad == 0 else (value - b.median) / (mad_scale * b.mad)


def judge(value: float, b: Baseline, p: AnomalyParams) -> Verdict:
    """The verdict on one value against its baseline (module docstring)."""
    change = float(value) - b.median
    change_pct = None if b.median == 0 else change / abs(b.median) * 100
    z = robust_z(float(value), b, p.mad_scale)
    big_enough = (change != 0 and abs(change) >= p.min_abs_change
                  and (change_pct is None or abs(change_pct) >= p.min_pct_change))
    unusual = z is None or abs(z) > p.z_threshold
    direction = (SPIKE if change > 0 else TROUGH) if big_enough and unusual else None
    return Verdict(float(value), b, change, change_pct, z, direction)
