"""Per-row feature contributions -> the top positive and negative factors, in words.

Contributions are LightGBM's own (``predict(..., pred_contrib=True)``): additive on the raw
log-odds, summing with the bias to the row's raw margin. Calibration is increasing in that margin,
so a positive contribution raised the chance and a negative one lowered it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

from saleslens.scoring.columns import NO_COMPETITOR

# Feature -> phrase template ({v} = the value as known at the cutoff).
PHRASES: Dict[str, str] = {
    "account_type": "account type {v}",
    "product_line": "product line {v}",
    "source": "source {v}",
    "competitor": "competitor {v}",
    "bed_count": "{v} beds",
    "account_tenure_days": "customer for {v} days",
    "amount": "amount {v}",
    "days_to_expected_close": "{v} days to expected close",
    "owner_prior_won": "owner's prior wins {v}",
    "owner_prior_lost": "owner's prior losses {v}",
    "owner_prior_win_rate": "owner's prior win rate {v}",
    "account_prior_won": "account's prior wins {v}",
    "account_prior_lost": "account's prior losses {v}",
    "account_prior_win_rate": "account's prior win rate {v}",
    "days_created_to_proposal": "{v} days from creation to proposal",
    "meetings_before_proposal": "{v} meetings before the proposal",
    "amount_changes_before_proposal": "{v} amount changes before the proposal",
    "amount_change_since_creation_pct": "amount change since creation of {v}",
}
UNKNOWN: Dict[str, str] = {
    "owner_prior_win_rate": "owner with no closed deal before",
    "account_prior_win_rate": "account with no closed deal before",
}


@dataclass(frozen=True)
class Factor:
    feature: str
    value: Any
    contribution: float  # on the raw log-odds
    text: str


def _format(feature: str, value: Any) -> str:
    if isinstance(value, float):
        if feature.endswith("_win_rate"):
            return f"{value:.0%}"
        if feature.endswith("_pct"):
            return f"{value:+.0f}%"
        return f"{value:,.0f}"
    return str(value)


def describe(feature: str, value: Any, contribution: float) -> str:
    """E.g. ``account type GOVT_HOSPITAL raised the chance``."""
    effect = "raised the chance" if contribution > 0 else "lowered the chance"
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if feature == "competitor" and value == NO_COMPETITOR:
        subject = "no known competitor"
    elif missing:
        subject = UNKNOWN.get(feature, f"{PHRASES.get(feature, feature + ' {v}').format(v='unknown')}")
    else:
        subject = PHRASES.get(feature, feature + " {v}").format(v=_format(feature, value))
    return f"{subject} {effect}"


def top_factors(names: Sequence[str], values: Sequence[Any], contributions: Sequence[float],
                top: int = 3) -> Tuple[Tuple[Factor, ...], Tuple[Factor, ...]]:
    """(positive, negative): the ``top`` largest contributions of each sign, strongest first.

    Ties keep the features' order; zero contributions are neither.
    """
    rows: List[Tuple[str, Any, float]] = [(n, v, float(c)) for n, v, c in zip(names, values, contributions)]
    pos = sorted((r for r in rows if r[2] > 0), key=lambda r: -r[2])[:top]
    neg = sorted((r for r in rows if r[2] < 0), key=lambda r: r[2])[:top]
    return (tuple(Factor(n, v, c, describe(n, v, c)) for n, v, c in pos),
            tuple(Factor(n, v, c, describe(n, v, c)) for n, v, c in neg))
