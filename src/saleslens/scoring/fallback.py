"""The fallback scorer: the historical win rate of the opportunity's account type x source, smoothed.

It scores while the minimum history (``history.MinHistory``) is not met, and it is the baseline
every model is evaluated against. Each cell's rate is shrunk toward the overall win rate:

    rate(type, source) = (won + k * overall) / (won + lost + k),  k = ``prior_strength`` (default 20)

so a cell with few closed deals stays near the overall rate; a type x source never seen scores the
overall rate. No pandas import: the scoring path reads the table as plain numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Tuple

DEFAULT_PRIOR_STRENGTH = 20.0


def cell_key(account_type: Any, source: Any) -> str:
    return f"{account_type}|{source}"


@dataclass(frozen=True)
class FallbackTable:
    overall: float
    prior_strength: float
    rates: Dict[str, float] = field(default_factory=dict)
    counts: Dict[str, Tuple[int, int]] = field(default_factory=dict)  # cell -> (won, lost)

    def probability(self, account_type: Any, source: Any) -> float:
        return self.rates.get(cell_key(account_type, source), self.overall)

    def to_dict(self) -> Dict[str, Any]:
        return {"overall": self.overall, "prior_strength": self.prior_strength, "rates": dict(self.rates),
                "counts": {k: list(v) for k, v in self.counts.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FallbackTable:
        return cls(float(data["overall"]), float(data["prior_strength"]),
                   {str(k): float(v) for k, v in data["rates"].items()},
                   {str(k): (int(v[0]), int(v[1])) for k, v in data["counts"].items()})


def fit_fallback(labelled: Any, prior_strength: float = DEFAULT_PRIOR_STRENGTH) -> FallbackTable:
    """The table from closed opportunities: a frame with account_type, source and label (1 won, 0 lost)."""
    if len(labelled) == 0:
        raise ValueError("the fallback table needs at least one closed opportunity")
    overall = float(labelled["label"].mean())
    grouped = labelled.groupby(["account_type", "source"])["label"].agg(["sum", "count"])
    rates: Dict[str, float] = {}
    counts: Dict[str, Tuple[int, int]] = {}
    for (account_type, source), row in grouped.iterrows():
        won, total = int(row["sum"]), int(row["count"])
        key = cell_key(account_type, source)
        rates[key] = (won + prior_strength * overall) / (total + prior_strength)
        counts[key] = (won, total - won)
    return FallbackTable(overall, float(prior_strength), rates, counts)
