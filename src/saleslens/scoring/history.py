"""The minimum-history rule: a company's own model is trusted only after N won and N lost deals.

Einstein asks for 200 won and 200 lost in 24 months (KPI catalogue section 4); the same defaults
hold here and are configurable. Until the rule is met, the fallback table scores (``fallback``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Tuple

import pandas as pd


@dataclass(frozen=True)
class MinHistory:
    won: int = 200
    lost: int = 200
    months: int = 24

    def met(self, won: int, lost: int) -> bool:
        return won >= self.won and lost >= self.lost


def closed_counts(opportunities: pd.DataFrame, as_of: date, months: int) -> Tuple[int, int]:
    """(won, lost) among opportunities closed in the ``months`` months up to and including ``as_of``.

    A close counts when as_of - months < closed_date <= as_of.
    """
    closed = pd.to_datetime(opportunities["closed_date"])
    end = pd.Timestamp(as_of)
    start = end - pd.DateOffset(months=months)
    window = (closed > start) & (closed <= end)
    outcome = opportunities["outcome"]
    return int(((outcome == "WON") & window).sum()), int(((outcome == "LOST") & window).sum())
