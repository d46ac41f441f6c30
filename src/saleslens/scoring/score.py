"""Score one opportunity: probability, score 1-5 and the top factors behind it, in words.

Loaded models are cached at module level by artefact version, so a warm Lambda parses the model
text once; ``load_version`` fetches the artefact bytes only on a cache miss. Imports numpy and
lightgbm only (no pandas): ``predict_frame`` reads frames through their own methods.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import lightgbm as lgb
import numpy as np

from saleslens.scoring.artefact import LIGHTGBM, ModelArtefact, from_bytes
from saleslens.scoring.bands import score_of
from saleslens.scoring.encoding import encode_frame, encode_row
from saleslens.scoring.factors import Factor, top_factors
from saleslens.scoring.fallback import FallbackTable


@dataclass(frozen=True)
class LoadedModel:
    artefact: ModelArtefact
    booster: Optional[lgb.Booster]


@dataclass(frozen=True)
class OpportunityScore:
    model: str
    version: str
    kind: str
    probability: float
    score: int
    positive: Tuple[Factor, ...]
    negative: Tuple[Factor, ...]


_CACHE: Dict[str, LoadedModel] = {}
# One row is far too little work to share: OpenMP threads cost more to wake than the prediction takes.


def load(artefact: ModelArtefact) -> LoadedModel:
    """The artefact with its booster parsed, cached by version."""
    cached = _CACHE.get(artefact.version)
    if cached is None:
        booster = lgb.Booster(model_str=artefact.model_text) if artefact.kind == LIGHTGBM else None
        cached = _CACHE.setdefault(artefact.version, LoadedModel(artefact, booster))
    return cached


def load_version(version: str, fetch: Callable[[str], bytes]) -> LoadedModel:
    """The cached model of ``version``; on a miss, ``fetch(version)`` returns the artefact's bytes."""
    cached = _CACHE.get(version)
    if cached is not None:
        return cached
    artefact = from_bytes(fetch(version))
    if artefact.version != version:
        raise ValueError(f"fetched artefact is version {artefact.version}, not the {version} asked for")
    return load(artefact)


def clear_cache() -> None:
    _CACHE.clear()


def raw_margin(model: LoadedModel, matrix: np.ndarray) -> np.ndarray:
    assert model.booster is not None
    return np.asarray(model.booster.predict(matrix, raw_score=True), dtype=float)


def predict_frame(model: LoadedModel, frame: Any) -> np.ndarray:
    """Calibrated probabilities of every row of a feature frame (the fallback's rates for a fallback artefact)."""
    a = model.artefact
    if a.kind != LIGHTGBM:
        return fallback_frame(a.fallback, frame)
    assert a.calibration is not None
    return a.calibration.apply(raw_margin(model, encode_frame(frame, a.feature_names, a.levels)))


def fallback_frame(table: FallbackTable, frame: Any) -> np.ndarray:
    return np.array([table.probability(t, s) for t, s in zip(frame["account_type"], frame["source"])], dtype=float)


def score_row(model: LoadedModel, row: Mapping[str, Any], top: int = 3) -> OpportunityScore:
    """Score one feature row (a mapping of feature name -> value as known at the model's cutoff)."""
    a = model.artefact
    if a.kind != LIGHTGBM:
        return _score_fallback(a, row)
    assert model.booster is not None and a.calibration is not None
    x = encode_row(row, a.feature_names, a.levels)
    contrib = np.asarray(model.booster.predict(x, pred_contrib=True, num_threads=1), dtype=float)[0]
    raw = float(contrib.sum())  # the per-feature contributions plus the bias (last column) = the raw margin
    probability = float(a.calibration.apply(np.array([raw]))[0])
    positive, negative = top_factors(a.feature_names, [row.get(n) for n in a.feature_names], contrib[:-1], top)
    return OpportunityScore(a.model, a.version, a.kind, probability, score_of(probability, a.bands), positive, negative)


def _score_fallback(a: ModelArtefact, row: Mapping[str, Any]) -> OpportunityScore:
    """The fallback's one factor: the type x source win rate against the overall one, on the log-odds."""
    p = a.fallback.probability(row.get("account_type"), row.get("source"))
    delta = _logit(p) - _logit(a.fallback.overall)
    factor = Factor("account_type_x_source", f"{row.get('account_type')} x {row.get('source')}", delta,
                    f"win rate of {row.get('account_type')} opportunities from {row.get('source')} ({p:.0%} against "
                    f"{a.fallback.overall:.0%} overall) {'raised' if delta > 0 else 'lowered'} the chance")
    positive = (factor,) if delta > 0 else ()
    negative = (factor,) if delta < 0 else ()
    return OpportunityScore(a.model, a.version, a.kind, p, score_of(p, a.bands), positive, negative)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
